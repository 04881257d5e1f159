/**
 * Serialized queues, drained by two worker processes at once: one serialized queue of 10k tasks
 * next to 10 serialized queues of 1k each. A serialized queue runs one task at a time, so its pace
 * is the hand-off from one task's end to the next one's start (a commit, then a claim); the ten
 * small queues hand off side by side. Reports tasks/s for each group and checks that every queue
 * ran in enqueue order.
 * Run: npm run bench -- serialized [--backend sqlite|postgres] [--jobs 10000] [--queues 10] [--threads 16] [--json]
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
const jobs = Number(argValue('--jobs', '10000'));
const queueCount = Number(argValue('--queues', '10'));
const ONE = 'one';
const many = Array.from({ length: queueCount }, (_, i) => `many-${i}`);
const queues = Object.fromEntries([ONE, ...many].map((name) => [name, { serialized: true }]));

/** Per queue: each run's task number, start and end (ms), in this child. */
type Runs = Record<string, Array<readonly [n: number, startAt: number, endAt: number]>>;
const runs: Runs = {};

/** Wall-clock ms with sub-ms precision, comparable across the worker processes. */
const wallClock = () => performance.timeOrigin + performance.now();

const step = defineJob({
  name: 'Step',
  perform: (args: { n: number }, ctx) => {
    const startAt = wallClock();
    const mine = runs[ctx.queue] ?? [];
    runs[ctx.queue] = mine;
    mine.push([args.n, startAt, wallClock()]);
  },
});

function client(where: string): Shigoto {
  return createShigoto({ backend: openBackend(where), jobs: [step], queues, logger: silentLogger });
}

/** Every run of a queue across the workers, by start; throws unless they ran 0, 1, 2, ... without overlap. */
function checkedRuns(reports: readonly Runs[], queue: string, expected: number) {
  const all = reports.flatMap((r) => r[queue] ?? []).sort((a, b) => a[1] - b[1]);
  all.forEach(([n, startAt], i) => {
    if (n !== i) throw new Error(`queue ${queue}: run ${i} was task ${n}`);
    if (i > 0 && startAt < all[i - 1]![2])
      throw new Error(`queue ${queue}: task ${n} overlapped the one before`);
  });
  if (all.length !== expected) throw new Error(`queue ${queue}: ${all.length} runs, expected ${expected}`);
  return all;
}

async function drain(where: string): Promise<Result[]> {
  const shigoto = client(where);
  await shigoto.migrate();
  const perSmall = Math.floor(jobs / queueCount);
  const enqueueStart = performance.now();
  // Interleaved, as an application's enqueues would be: every queue's line grows at once.
  await shigoto.enqueueMany([
    ...Array.from({ length: jobs }, (_, n) => ({ job: step, args: { n }, options: { queue: ONE } })),
    ...Array.from({ length: perSmall * queueCount }, (_, i) => ({
      job: step,
      args: { n: Math.floor(i / queueCount) },
      options: { queue: many[i % queueCount]! },
    })),
  ]);
  const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
  const total = jobs + perSmall * queueCount;
  const children = await forkWorkers(fileURLToPath(import.meta.url), WORKERS, [
    where,
    '--threads',
    String(threads),
  ]);
  await finishedAt(shigoto, total);
  const reports = await stopWorkers<Runs>(children);
  await shigoto.close();
  const one = checkedRuns(reports, ONE, jobs);
  const small = many.map((q) => checkedRuns(reports, q, perSmall));
  // Timed from the first task's start: the workers start one after the other.
  const start = Math.min(one[0]![1], ...small.map((runs) => runs[0]![1]));
  const oneEnd = one.at(-1)![2];
  const manyEnd = Math.max(...small.map((runs) => runs.at(-1)![2]));
  return [
    {
      key: 'serialized-enqueue',
      scenario: `enqueue ${total} tasks into ${queueCount + 1} serialized queues (one call)`,
      value: total / enqueueSeconds,
      unit: 'tasks/s',
    },
    {
      key: 'serialized-one',
      scenario: `1 serialized queue of ${jobs} tasks, next to the others (${WORKERS} workers, threads ${threads})`,
      value: jobs / ((oneEnd - start) / 1000),
      unit: 'tasks/s',
    },
    {
      key: 'serialized-many',
      scenario: `${queueCount} serialized queues of ${perSmall} tasks each, next to the big one`,
      value: (perSmall * queueCount) / ((manyEnd - start) / 1000),
      unit: 'tasks/s',
    },
    {
      key: 'serialized-total',
      scenario: `all ${total} tasks, in enqueue order per queue (checked)`,
      value: total / ((Math.max(oneEnd, manyEnd) - start) / 1000),
      unit: 'tasks/s',
    },
  ];
}

async function main(): Promise<void> {
  const backend = argValue('--backend', 'sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'shigoto-bench-serialized-'));
  const where = backend === 'postgres' ? `pg:${freshSchema('serialized')}` : join(dir, 'queue.db');
  try {
    const settings = backend === 'postgres' ? await serverSettings() : 'SQLite (WAL, synchronous=normal)';
    printReport({ system: `Shigoto ${backend}: serialized queues`, settings, results: await drain(where) });
  } finally {
    await removePlaces([where], dir);
  }
}

const childOf = process.argv.indexOf('--child');
if (childOf >= 0)
  await serveAsChild(client(process.argv[childOf + 1]!), { threads, bulkReadSize: threads }, () => runs);
else await main();
