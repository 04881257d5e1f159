import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
/** Small helpers shared by the benchmark scripts. */
export interface Result {
  /** Stable name of the measurement, the row of the comparison table. */
  readonly key: string;
  readonly scenario: string;
  readonly value: number;
  readonly unit: string;
}

export function argValue(flag: string, fallback: string): string {
  const i = process.argv.indexOf(flag);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** What one suite reports: `--json` prints it as one JSON line (bench/compare.ts reads it). */
export interface Report {
  readonly system: string;
  readonly settings: string;
  readonly results: readonly Result[];
}

export function printReport({ system, settings, results }: Report): void {
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ system, settings, results })}\n`);
    return;
  }
  process.stdout.write(`\n${system}, Node ${process.version}\n  ${settings}\n`);
  for (const r of results) {
    const value = r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2);
    process.stdout.write(`  ${r.scenario.padEnd(78)} ${value.padStart(10)} ${r.unit}\n`);
  }
}

/**
 * This process's live heap after a full garbage collection, in MB: what a leak would grow
 * (RSS also counts SQLite's page cache and freed-but-kept memory).
 */
export function heapAfterGcMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1048576;
}

const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
