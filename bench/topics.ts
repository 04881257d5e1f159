/**
 * Topics: one task fanned out to 10 subscribed jobs, 10k tasks, run by two worker processes.
 * This process publishes with up to `--inflight` tasks open at once and waits for each
 * (waitFor: PostgreSQL notices, or SQLite's poll across processes). Reports tasks/s end to end
 * and the latency from publish to waitFor's answer (p50 / p99).
 * Run: npm run bench -- topics [--backend sqlite|postgres] [--tasks 10000] [--subscribers 10] [--inflight 100] [--threads 16] [--json]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createShigoto, defineJob, type Shigoto } from 'shigoto';
import { silentLogger } from '../src/util/logger.ts';
import { argValue, percentile, printReport } from './common.ts';
import { freshSchema, serverSettings } from './pg.ts';
import { forkWorkers, openBackend, removePlaces, serveAsChild, stopWorkers } from './workers.ts';

const WORKERS = 2;
const TOPIC = 'bench.fanout';
const threads = Number(argValue('--threads', '16'));
const subscriberCount = Number(argValue('--subscribers', '10'));

let runs = 0;
const subscribers = Array.from({ length: subscriberCount }, (_, i) =>
  defineJob({
    name: `Subscriber${i}`,
    topics: [TOPIC],
    perform: (_content: { n: number }) => {
      runs++;
    },
  }),
);

function client(where: string): Shigoto {
  return createShigoto({ backend: openBackend(where), jobs: subscribers, logger: silentLogger });
}

interface Run {
  readonly seconds: number;
  /** Publish → waitFor resolved, per task, in ms, sorted. */
  readonly latencies: number[];
  /** Executions that did not finish (expired under load, say). */
  readonly unfinished: number;
}

/** Publishes `tasks` tasks keeping `inflight` open, each awaited with waitFor. */
async function publishAndWait(shigoto: Shigoto, tasks: number, inflight: number): Promise<Run> {
  const latencies: number[] = [];
  let unfinished = 0;
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < tasks) {
      const n = next++;
      const t0 = performance.now();
      const id = await shigoto.task(TOPIC, { n }, { expire: '1m' });
      const outcome = await shigoto.waitFor(id, { timeout: '5m' });
      latencies.push(performance.now() - t0);
      unfinished += outcome.executions.filter((e) => e.status !== 'finished').length;
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  return {
    seconds: (performance.now() - start) / 1000,
    latencies: latencies.sort((a, b) => a - b),
    unfinished,
  };
}

async function main(): Promise<void> {
  const backend = argValue('--backend', 'sqlite');
  const tasks = Number(argValue('--tasks', '10000'));
  const inflight = Number(argValue('--inflight', '100'));
  const dir = mkdtempSync(join(tmpdir(), 'shigoto-bench-topics-'));
  const where = backend === 'postgres' ? `pg:${freshSchema('topics')}` : join(dir, 'topics.db');
  try {
    const settings = backend === 'postgres' ? await serverSettings() : 'SQLite (WAL, synchronous=normal)';
    const shigoto = client(where);
    await shigoto.migrate();
    const children = await forkWorkers(fileURLToPath(import.meta.url), WORKERS, [
      where,
      '--threads',
      String(threads),
      '--subscribers',
      String(subscriberCount),
    ]);
    const run = await publishAndWait(shigoto, tasks, inflight);
    const ran = (await stopWorkers<number>(children)).reduce((a, b) => a + b, 0);
    await shigoto.close();
    if (ran + run.unfinished !== tasks * subscriberCount) {
      throw new Error(
        `the workers ran ${ran} jobs (${run.unfinished} unfinished), expected ${tasks * subscriberCount}`,
      );
    }
    printReport({
      system: `Shigoto ${backend}: topics, one task to ${subscriberCount} subscribers`,
      settings: `${settings}; ${WORKERS} worker processes (threads ${threads}), ${inflight} tasks open at once`,
      results: [
        {
          key: 'fanout-tasks',
          scenario: `${tasks} tasks published, each run by ${subscriberCount} jobs, awaited with waitFor`,
          value: tasks / run.seconds,
          unit: 'tasks/s',
        },
        {
          key: 'fanout-jobs',
          scenario: 'the same, as jobs run',
          value: (tasks * subscriberCount) / run.seconds,
          unit: 'jobs/s',
        },
        {
          key: 'waitfor-p50',
          scenario: 'publish → waitFor answered, p50',
          value: percentile(run.latencies, 0.5),
          unit: 'ms',
        },
        {
          key: 'waitfor-p99',
          scenario: 'publish → waitFor answered, p99',
          value: percentile(run.latencies, 0.99),
          unit: 'ms',
        },
        {
          key: 'fanout-unfinished',
          scenario: 'executions that did not finish',
          value: run.unfinished,
          unit: 'jobs',
        },
      ],
    });
  } finally {
    await removePlaces([where], dir);
  }
}

const childOf = process.argv.indexOf('--child');
if (childOf >= 0)
  await serveAsChild(client(process.argv[childOf + 1]!), { threads, bulkReadSize: 64 }, () => runs);
else await main();
