/**
 * Concurrency limits and a burst of scheduled jobs, drained by two worker processes:
 * - 10k jobs on 100 concurrency keys with limit 1 (each job's end unblocks the next of its key);
 * - 10k scheduled jobs all due at the same second (a dispatcher in this process promotes them).
 * Reports jobs/s and how long the last job waited past its due time.
 * Run: npm run bench -- concurrency [--backend sqlite|postgres] [--jobs 10000] [--keys 100] [--threads 16] [--json]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createShigoto, defineJob, type Shigoto } from 'shigoto';
import { silentLogger } from '../src/util/logger.ts';
import { argValue, printReport, type Result } from './common.ts';
import { freshSchema, serverSettings } from './pg.ts';
import { finishedAt, forkWorkers, openBackend, removePlaces, serveAsChild, stopWorkers } from './workers.ts';

const WORKERS = 2;
const threads = Number(argValue('--threads', '16'));
/** What the children report when stopped: jobs run and the latest start time. */
type ChildReport = { readonly runs: number; readonly lastStartAt: number };

let runs = 0;
let lastStartAt = 0;
const noteRun = () => {
  runs++;
  lastStartAt = Math.max(lastStartAt, Date.now());
};
const keyed = defineJob({
  name: 'Keyed',
  concurrency: { key: (args: { key: number }) => args.key, limit: 1 },
  perform: noteRun,
});
const timed = defineJob({ name: 'Timed', perform: (_args: { n: number }) => noteRun() });

function client(where: string): Shigoto {
  return createShigoto({ backend: openBackend(where), jobs: [keyed, timed], logger: silentLogger });
}

const startWorkers = (where: string) =>
  forkWorkers(fileURLToPath(import.meta.url), WORKERS, [where, '--threads', String(threads)]);

/** 10k jobs on 100 keys, limit 1: enqueued first, then drained by the two workers. */
async function limitedDrain(where: string, jobs: number, keys: number): Promise<Result[]> {
  const shigoto = client(where);
  await shigoto.migrate();
  const enqueueStart = performance.now();
  await shigoto.enqueueMany(
    Array.from({ length: jobs }, (_, i) => ({ job: keyed, args: { key: i % keys } })),
  );
  const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
  const blocked = (await shigoto.jobs.counts()).blocked;
  const children = await startWorkers(where);
  const start = Date.now();
  const end = await finishedAt(shigoto, jobs);
  const reports = await stopWorkers<ChildReport>(children);
  await shigoto.close();
  check(reports, jobs);
  return [
    {
      key: 'limited-enqueue',
      scenario: `enqueue ${jobs} jobs on ${keys} concurrency keys, limit 1 (one call; ${blocked} blocked)`,
      value: jobs / enqueueSeconds,
      unit: 'jobs/s',
    },
    {
      key: 'limited-drain',
      scenario: `drain them with ${WORKERS} worker processes (threads ${threads} each)`,
      value: jobs / ((end - start) / 1000),
      unit: 'jobs/s',
    },
  ];
}

/** 10k jobs scheduled for one second: this process dispatches them, the two workers run them. */
async function scheduledBurst(where: string, jobs: number): Promise<Result[]> {
  const shigoto = client(where);
  await shigoto.migrate();
  const children = await startWorkers(where);
  const dueAt = new Date(Date.now() + 3000);
  await shigoto.enqueueMany(
    Array.from({ length: jobs }, (_, n) => ({ job: timed, args: { n }, options: { waitUntil: dueAt } })),
  );
  const dispatcher = await shigoto.work({ workers: [], dispatcher: {} });
  const end = await finishedAt(shigoto, jobs);
  await dispatcher.stop();
  const reports = await stopWorkers<ChildReport>(children);
  await shigoto.close();
  check(reports, jobs);
  const lastStart = Math.max(...reports.map((r) => r.lastStartAt));
  return [
    {
      key: 'burst-drain',
      scenario: `${jobs} scheduled jobs due at one second: promoted and run (1 dispatcher, ${WORKERS} workers)`,
      value: jobs / ((end - dueAt.getTime()) / 1000),
      unit: 'jobs/s',
    },
    {
      key: 'burst-last-wait',
      scenario: 'the last of them started this long after its due time',
      value: lastStart - dueAt.getTime(),
      unit: 'ms',
    },
  ];
}

function check(reports: readonly ChildReport[], jobs: number): void {
  const ran = reports.reduce((sum, r) => sum + r.runs, 0);
  if (ran !== jobs) throw new Error(`the workers ran ${ran} jobs, expected ${jobs}`);
}

async function main(): Promise<void> {
  const backend = argValue('--backend', 'sqlite');
  const jobs = Number(argValue('--jobs', '10000'));
  const keys = Number(argValue('--keys', '100'));
  const places: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'shigoto-bench-concurrency-'));
  const place = () => {
    const where =
      backend === 'postgres' ? `pg:${freshSchema('concurrency')}` : join(dir, `${places.length}.db`);
    places.push(where);
    return where;
  };
  try {
    const settings = backend === 'postgres' ? await serverSettings() : 'SQLite (WAL, synchronous=normal)';
    const results = [...(await limitedDrain(place(), jobs, keys)), ...(await scheduledBurst(place(), jobs))];
    printReport({
      system: `Shigoto ${backend}: concurrency limits and a scheduled burst`,
      settings,
      results,
    });
  } finally {
    await removePlaces(places, dir);
  }
}

const childOf = process.argv.indexOf('--child');
if (childOf >= 0) {
  const report = (): ChildReport => ({ runs, lastStartAt });
  await serveAsChild(client(process.argv[childOf + 1]!), { threads, bulkReadSize: threads }, report);
} else await main();
