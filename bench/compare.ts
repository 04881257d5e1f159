/**
 * Shigoto and its peers side by side: runs every suite in a child process of its own (one worker
 * process each, nothing shared), `--runs` times in turn, and prints one table of medians with the
 * spread, then the targets of the issues against those medians.
 * Run: npm run bench -- compare [--runs 3] [--systems sqlite,postgres,postgres-deleting,graphile,pgboss,bullmq]
 *      [--jobs 100000] [--backlog 1000000] [--threads 10] [--bulk-read 500] (other options go to every suite)
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { argValue, type Report } from './common.ts';

const run = promisify(execFile);
const runs = Number(argValue('--runs', '3'));
const suites = argValue('--systems', 'sqlite,postgres,postgres-deleting,graphile,pgboss,bullmq').split(',');
const forwarded = withoutOptions(process.argv.slice(3), ['--runs', '--systems']);

const ROWS: readonly (readonly [key: string, label: string])[] = [
  ['enqueue', 'bulk enqueue, jobs/s'],
  ['drain', 'drain, 1 worker process, jobs/s'],
  ['duplicates', 'jobs started twice in the drain'],
  ['drainCpu', 'drain: worker process CPU per job, µs'],
  ['drainServerCpu', 'drain: database server CPU per job, µs'],
  ['heap', 'worker heap after / before the drain, ×'],
  ['latencyP50', 'idle enqueue→start latency p50, ms'],
  ['latencyP99', 'idle enqueue→start latency p99, ms'],
  ['backlogSmall', 'throughput, small backlog waiting, jobs/s'],
  ['backlogLarge', 'throughput, large backlog waiting, jobs/s'],
  ['backlogRatio', 'large backlog / small backlog, %'],
];

/** values[suite][key]: one number per run. */
const values = new Map<string, Map<string, number[]>>();
const reports = new Map<string, Report>();
const loads: string[] = [];

for (let i = 1; i <= runs; i++) {
  loads.push(loadavg()[0]!.toFixed(2));
  for (const suite of suites) {
    process.stderr.write(`run ${i}/${runs}: ${suite} (load average ${loadavg()[0]!.toFixed(2)})\n`);
    const report = await runSuite(suite);
    if (!report) continue;
    reports.set(suite, report);
    const bySuite = values.get(suite) ?? new Map<string, number[]>();
    values.set(suite, bySuite);
    for (const r of report.results) bySuite.set(r.key, [...(bySuite.get(r.key) ?? []), r.value]);
  }
}
loads.push(loadavg()[0]!.toFixed(2));
printTable();

async function runSuite(suite: string): Promise<Report | undefined> {
  const args = ['--conditions=shigoto-source', 'bench/run.ts', suite, '--json', ...forwarded];
  try {
    const { stdout } = await run(process.execPath, args, { maxBuffer: 16 << 20, timeout: 1_800_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Report;
  } catch (error) {
    process.stderr.write(`${suite} failed: ${(error as Error).message.slice(0, 2000)}\n`);
    return undefined;
  }
}

function printTable(): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const columns = suites.filter((s) => reports.has(s));
  out(
    `Node ${process.version}; ${runs} run(s); 1-minute load average at the start of each run and at the end: ${loads.join(', ')}`,
  );
  out('Medians, with the lowest and highest run in brackets.');
  out();
  out(`| scenario | ${columns.map((s) => reports.get(s)!.system).join(' | ')} |`);
  out(`|---|${columns.map(() => '---:').join('|')}|`);
  for (const [key, label] of ROWS) {
    const cells = columns.map((suite) => cell(values.get(suite)?.get(key)));
    if (cells.some((c) => c !== '—')) out(`| ${label} | ${cells.join(' | ')} |`);
  }
  out();
  for (const suite of columns) out(`- ${reports.get(suite)!.system}: ${reports.get(suite)!.settings}`);
  const scenarios = [...reports.values()][0]?.results.map((r) => `${r.key}: ${r.scenario}`) ?? [];
  out();
  out(`Scenarios: ${scenarios.join('; ')}`);
  printTargets(out);
}

/** The PostgreSQL targets of the issues, checked against the medians of each Shigoto PostgreSQL suite run. */
function printTargets(out: (line?: string) => void): void {
  const median = (suite: string, key: string) => middle(values.get(suite)?.get(key) ?? []);
  const peers = ['graphile', 'pgboss', 'bullmq'].filter((s) => values.has(s));
  for (const suite of ['postgres', 'postgres-deleting'].filter((s) => values.has(s))) {
    const ours = (key: string) => median(suite, key);
    const lines = [
      ['drain ≥ 1.5× graphile-worker', ours('drain') / median('graphile', 'drain'), 1.5, '×'],
      [
        'bulk enqueue ≥ 1.5× the best peer',
        ours('enqueue') / Math.max(...peers.map((s) => median(s, 'enqueue'))),
        1.5,
        '×',
      ],
      ['idle latency p50 ≤ 2 ms', ours('latencyP50'), 2, 'ms'],
      ['large backlog ≥ 80% of small backlog', ours('backlogRatio'), 80, '%'],
    ] as const;
    out();
    out(`${reports.get(suite)!.system} against the targets (medians):`);
    for (const [what, value, bound, unit] of lines) {
      if (!Number.isFinite(value)) continue;
      const met = unit === 'ms' ? value <= bound : value >= bound;
      out(`- ${what}: ${value.toFixed(2)} ${unit} — ${met ? 'met' : 'NOT met'}`);
    }
  }
}

function cell(samples: readonly number[] | undefined): string {
  if (!samples || samples.length === 0) return '—';
  const [low, high] = [Math.min(...samples), Math.max(...samples)];
  return samples.length === 1 ? format(low) : `${format(middle(samples))} (${format(low)}–${format(high)})`;
}

function middle(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function format(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

function withoutOptions(args: readonly string[], drop: readonly string[]): string[] {
  return args.filter((arg, i) => !drop.includes(arg) && !drop.includes(args[i - 1] ?? ''));
}
