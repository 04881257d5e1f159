/**
 * SQLite benchmarks: bulk enqueue, drain with one worker process, and in-process
 * enqueue-to-start latency. Prints a table; `--json` prints the numbers.
 * Run: npm run bench -- sqlite [--jobs 100000] [--synchronous normal|full]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createShigoto, defineJob, type Shigoto, sqliteBackend } from 'shigoto';
import { silentLogger } from '../src/util/logger.ts';
import { argValue, percentile, printResults, type Result, sampleMemory } from './common.ts';

const jobs = Number(argValue('--jobs', '100000'));
const synchronous = argValue('--synchronous', 'normal') as 'normal' | 'full';

const noop = defineJob({ name: 'Noop', perform: (_args: { n: number }) => undefined });

async function open(dir: string): Promise<Shigoto> {
  const shigoto = createShigoto({
    backend: sqliteBackend({ path: join(dir, 'bench.db'), synchronous }),
    jobs: [noop],
    logger: silentLogger,
  });
  await shigoto.migrate();
  return shigoto;
}

async function bulkEnqueue(shigoto: Shigoto): Promise<Result> {
  const chunk = 10_000;
  const start = performance.now();
  for (let done = 0; done < jobs; done += chunk) {
    const requests = Array.from({ length: Math.min(chunk, jobs - done) }, (_, i) => ({
      job: noop,
      args: { n: done + i },
    }));
    await shigoto.enqueueMany(requests);
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    scenario: `bulk enqueue ${jobs} (enqueueMany, ${chunk} per call)`,
    value: jobs / seconds,
    unit: 'jobs/s',
  };
}

async function drain(shigoto: Shigoto): Promise<Result[]> {
  const memory = sampleMemory(200);
  const start = performance.now();
  const runtime = await shigoto.work({
    workers: [{ queues: ['*'], threads: 64, bulkReadSize: 64, pollingIntervalMs: 5 }],
    dispatcher: null,
  });
  for (;;) {
    const counts = await shigoto.jobs.counts();
    if (counts.finished >= jobs) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - start) / 1000;
  await runtime.stop();
  const rss = memory.stop();
  return [
    {
      scenario: `drain ${jobs} no-op jobs, 1 worker process (threads 64, bulk read 64)`,
      value: jobs / seconds,
      unit: 'jobs/s',
    },
    {
      scenario: 'worker RSS during drain: first 10% / last 10% of samples',
      value: rss.growthRatio,
      unit: `× (${rss.firstMb} → ${rss.lastMb} MB)`,
    },
  ];
}

async function latency(shigoto: Shigoto): Promise<Result[]> {
  const samples: number[] = [];
  let startedAt = 0;
  let resolveStarted: () => void = () => {};
  const probe = defineJob({
    name: 'Probe',
    perform: () => {
      startedAt = performance.now();
      resolveStarted();
    },
  });
  shigoto.registry.add(probe);
  const runtime = await shigoto.work({
    workers: [{ queues: ['*'], threads: 4, pollingIntervalMs: 1000 }],
    dispatcher: null,
  });
  for (let i = 0; i < 1000; i++) {
    const started = new Promise<void>((r) => (resolveStarted = r));
    const t0 = performance.now();
    await shigoto.enqueue(probe, {});
    await started;
    samples.push(startedAt - t0);
    await new Promise((r) => setTimeout(r, 2));
  }
  await runtime.stop();
  samples.sort((a, b) => a - b);
  return [
    {
      scenario: 'in-process enqueue→start latency p50 (idle worker, 1000 samples)',
      value: percentile(samples, 0.5),
      unit: 'ms',
    },
    { scenario: 'in-process enqueue→start latency p99', value: percentile(samples, 0.99), unit: 'ms' },
  ];
}

const dir = mkdtempSync(join(tmpdir(), 'shigoto-bench-'));
try {
  const results: Result[] = [];
  const shigoto = await open(dir);
  results.push(await bulkEnqueue(shigoto));
  results.push(...(await drain(shigoto)));
  results.push(...(await latency(shigoto)));
  await shigoto.close();
  printResults(`SQLite (WAL, synchronous=${synchronous}), Node ${process.version}`, results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
