/** Small helpers shared by the benchmark scripts. */
export interface Result {
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

export function printResults(title: string, results: readonly Result[]): void {
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ title, results }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`\n${title}\n`);
  for (const r of results) {
    const value = r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2);
    process.stdout.write(`  ${r.scenario.padEnd(78)} ${value.padStart(10)} ${r.unit}\n`);
  }
}

/** Samples this process's RSS; `stop()` compares the first and last tenth of the samples. */
export function sampleMemory(intervalMs: number) {
  // One sample at each end too, so a run shorter than the interval still has some.
  const samples: number[] = [process.memoryUsage().rss];
  const timer = setInterval(() => samples.push(process.memoryUsage().rss), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(process.memoryUsage().rss);
      const tenth = Math.max(1, Math.floor(samples.length / 10));
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const first = avg(samples.slice(0, tenth));
      const last = avg(samples.slice(-tenth));
      return {
        growthRatio: last / first,
        firstMb: Math.round(first / 1048576),
        lastMb: Math.round(last / 1048576),
      };
    },
  };
}
