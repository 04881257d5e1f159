/**
 * The benchmark scenarios every backend runs: bulk enqueue, drain with one worker process,
 * and in-process enqueue-to-start latency on an idle worker.
 */
import { defineJob, type Shigoto } from 'shigoto';
import { argValue, heapAfterGcMb, percentile, printResults, type Result } from './common.ts';

/** Counts its runs, so a drain knows when it is done without polling the database. */
const runs = { count: 0, target: Number.POSITIVE_INFINITY, reached: () => {} };

export const noop = defineJob({
  name: 'Noop',
  perform: (_args: { n: number }) => {
    if (++runs.count === runs.target) runs.reached();
  },
});

export async function bulkEnqueue(shigoto: Shigoto, jobs: number): Promise<Result> {
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

/** Runs every job, then stops (which writes the last completions); the time includes the stop. */
/** `--threads N`: the drain's worker runs N jobs at once and claims up to N at a time. Default 64. */
const threads = Number(argValue('--threads', '64'));

export async function drain(shigoto: Shigoto, jobs: number): Promise<Result[]> {
  const heapBefore = heapAfterGcMb();
  const done = new Promise<void>((resolve) =>
    Object.assign(runs, { count: 0, target: jobs, reached: resolve }),
  );
  const start = performance.now();
  const runtime = await shigoto.work({
    workers: [{ queues: ['*'], threads, bulkReadSize: threads, pollingIntervalMs: 5 }],
    dispatcher: null,
  });
  await done;
  await runtime.stop();
  const seconds = (performance.now() - start) / 1000;
  const heapAfter = heapAfterGcMb();
  const finished = (await shigoto.jobs.counts()).finished;
  if (finished !== jobs) throw new Error(`drain ended with ${finished} of ${jobs} jobs finished`);
  return [
    {
      scenario: `drain ${jobs} no-op jobs, 1 worker process (threads ${threads}, bulk read ${threads})`,
      value: jobs / seconds,
      unit: 'jobs/s',
    },
    {
      scenario: 'worker heap after GC: after the drain / before it',
      value: heapAfter / heapBefore,
      unit: `× (${heapBefore.toFixed(1)} → ${heapAfter.toFixed(1)} MB)`,
    },
  ];
}

export async function latency(shigoto: Shigoto): Promise<Result[]> {
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

/** Runs every scenario on a fresh, migrated Shigoto and prints the table. */
export async function runScenarios(title: string, shigoto: Shigoto, jobs: number): Promise<void> {
  await shigoto.migrate();
  const results: Result[] = [];
  results.push(await bulkEnqueue(shigoto, jobs));
  results.push(...(await drain(shigoto, jobs)));
  results.push(...(await latency(shigoto)));
  await shigoto.close();
  printResults(title, results);
}
