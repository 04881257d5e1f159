/**
 * The benchmark scenarios every system runs, Shigoto and peers alike: bulk enqueue, drain with
 * one worker process, idle enqueue-to-start latency, and throughput with a small and a large
 * backlog waiting. Each takes a QueueSystem, so every library is timed by the same code.
 */
import { argValue, heapAfterGcMb, percentile, printReport, type Result } from './common.ts';
import { cpuPerJob, readCpu } from './cpu.ts';
import { type QueueSystem, RunTracker, type SystemFactory } from './system.ts';

/** Jobs per bulk call, for every system. */
export const BULK_CHUNK = 10_000;

export interface ScenarioOptions {
  /** Jobs bulk-enqueued, then drained. */
  readonly jobs: number;
  /** Latency samples (one job at a time on an idle worker). */
  readonly samples: number;
  /** Backlog sizes for the throughput-under-backlog pair; [] skips it. */
  readonly backlogs: readonly number[];
  /** Job starts timed in each backlog run. */
  readonly backlogMeasured: number;
}

/**
 * `--jobs`, `--samples`, `--backlog` (the large backlog; 0 skips the pair), `--backlog-small`.
 * Without `withBacklog` the pair never runs (filling a million jobs would take minutes there).
 */
export function scenarioOptions(withBacklog = true): ScenarioOptions {
  const large = withBacklog ? Number(argValue('--backlog', '1000000')) : 0;
  const small = Number(argValue('--backlog-small', String(Math.min(10_000, large))));
  return {
    jobs: Number(argValue('--jobs', '100000')),
    samples: Number(argValue('--samples', '1000')),
    backlogs: large > 0 ? [small, large] : [],
    // 80% of the small backlog: the queue never runs dry while the clock runs.
    backlogMeasured: Math.floor(small * 0.8),
  };
}

export async function bulkEnqueue(system: QueueSystem, jobs: number, key = 'enqueue'): Promise<Result> {
  const start = performance.now();
  for (let done = 0; done < jobs; done += BULK_CHUNK) {
    await system.enqueueBulk(done, Math.min(BULK_CHUNK, jobs - done));
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    key,
    scenario: `bulk enqueue ${jobs} (${BULK_CHUNK} per call)`,
    value: jobs / seconds,
    unit: 'jobs/s',
  };
}

/**
 * Runs every stored job with one worker, then stops it (which writes the last completions):
 * the time runs from the worker's start to the end of its stop.
 */
export async function drain(system: QueueSystem, jobs: number): Promise<Result[]> {
  const heapBefore = heapAfterGcMb();
  const tracker = new RunTracker(jobs);
  const cpuBefore = readCpu();
  const start = performance.now();
  const stop = await system.startWorker(tracker.ran);
  await tracker.allStarted;
  await stop();
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuPerJob(cpuBefore, jobs);
  const heapAfter = heapAfterGcMb();
  const left = await system.unfinished();
  if (left !== 0) throw new Error(`The drain ended with ${left} of ${jobs} jobs unfinished`);
  return [
    {
      key: 'drain',
      scenario: `drain ${jobs} no-op jobs, 1 worker process`,
      value: jobs / seconds,
      unit: 'jobs/s',
    },
    {
      key: 'duplicates',
      scenario: 'jobs started more than once in the drain',
      value: tracker.duplicates,
      unit: 'jobs',
    },
    { key: 'drainCpu', scenario: 'worker process CPU per drained job', value: cpu.process, unit: 'µs' },
    ...(cpu.server === undefined
      ? []
      : [
          {
            key: 'drainServerCpu',
            scenario: 'local database server CPU per drained job (all its processes)',
            value: cpu.server,
            unit: 'µs',
          },
        ]),
    {
      key: 'heap',
      scenario: 'worker heap after GC: after the drain / before it',
      value: heapAfter / heapBefore,
      unit: `× (${heapBefore.toFixed(1)} → ${heapAfter.toFixed(1)} MB)`,
    },
  ];
}

/** Enqueues one job at a time on an idle worker in the same process and times until it starts. */
export async function latency(system: QueueSystem, samples: number): Promise<Result[]> {
  const times: number[] = [];
  let started = Promise.withResolvers<number>();
  const stop = await system.startWorker(() => started.resolve(performance.now()));
  await sleep(200); // let the worker settle into its idle wait
  for (let i = 0; i < samples; i++) {
    started = Promise.withResolvers<number>();
    const t0 = performance.now();
    await system.enqueueOne(i);
    times.push((await started.promise) - t0);
    await sleep(2);
  }
  await stop();
  times.sort((a, b) => a - b);
  return [
    {
      key: 'latencyP50',
      scenario: `enqueue→start latency p50 (idle worker, same process, ${samples} samples)`,
      value: percentile(times, 0.5),
      unit: 'ms',
    },
    { key: 'latencyP99', scenario: 'enqueue→start latency p99', value: percentile(times, 0.99), unit: 'ms' },
  ];
}

/**
 * Fills a fresh system with `waiting` jobs, then times job starts number 1 to `measured` with one
 * worker (its start-up left out); the rest stay queued and go with the system.
 */
export async function backlogThroughput(
  systems: SystemFactory,
  waiting: number,
  measured: number,
  key: string,
): Promise<Result> {
  const system = await systems.make();
  try {
    await bulkEnqueue(system, waiting);
    await system.settle?.();
    let starts = 0;
    let first = 0;
    const done = Promise.withResolvers<number>();
    const stop = await system.startWorker(() => {
      if (++starts === 1) first = performance.now();
      if (starts === measured) done.resolve(performance.now());
    });
    const last = await done.promise;
    await stop();
    return {
      key,
      scenario: `throughput with ${waiting} jobs waiting (starts 1 to ${measured})`,
      value: (measured - 1) / ((last - first) / 1000),
      unit: 'jobs/s',
    };
  } finally {
    await system.close();
  }
}

/** Runs every scenario, each on a fresh instance removed afterwards, and prints the report. */
export async function runSuite(systems: SystemFactory, options: ScenarioOptions): Promise<void> {
  const results: Result[] = [];
  const system = await systems.make();
  try {
    results.push(await bulkEnqueue(system, options.jobs));
    await system.settle?.();
    results.push(...(await drain(system, options.jobs)));
    results.push(...(await latency(system, options.samples)));
  } finally {
    await system.close();
  }
  const [small, large] = options.backlogs;
  if (small !== undefined && large !== undefined) {
    const smallRate = await backlogThroughput(systems, small, options.backlogMeasured, 'backlogSmall');
    const largeRate = await backlogThroughput(systems, large, options.backlogMeasured, 'backlogLarge');
    results.push(smallRate, largeRate, {
      key: 'backlogRatio',
      scenario: `throughput with ${large} waiting / with ${small} waiting`,
      value: (100 * largeRate.value) / smallRate.value,
      unit: '%',
    });
  }
  printReport({ system: systems.name, settings: systems.settings, results });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
