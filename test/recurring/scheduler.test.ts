import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, JobRecord } from '../../src/backend/types.ts';
import { inlineBackend } from '../../src/backends/inline/index.ts';
import { JobRegistry } from '../../src/client/registry.ts';
import { BackendUnavailableError } from '../../src/errors.ts';
import { CodecRegistry } from '../../src/job/codec.ts';
import { defineJob } from '../../src/job/define.ts';
import { planRecurring } from '../../src/recurring/plan.ts';
import { parseRecurringTasks } from '../../src/recurring/tasks.ts';
import { Scheduler, type SchedulerOptions } from '../../src/runtime/scheduler.ts';
import { createTestClock, type TestClock } from '../../src/testing/clock.ts';
import type { Logger } from '../../src/util/logger.ts';

const report = defineJob({ name: 'Report', queue: 'reports', perform: async (_: { kind: string }) => {} });
/** Half a second past a whole second: runs of "every second" fall on whole seconds. */
const START = Date.UTC(2030, 0, 1, 9, 0, 0, 500);
const SECOND = 1000;

interface Harness {
  readonly backend: Backend;
  readonly clock: TestClock;
  readonly warnings: string[];
  start(tasks: Record<string, unknown>, options?: Partial<SchedulerOptions>, backend?: Backend): Scheduler;
  /** Moves the clock, wakes every scheduler, and waits until `jobs` jobs are stored. */
  advance(ms: number, jobs: number): Promise<JobRecord[]>;
  jobs(): Promise<JobRecord[]>;
}

const running: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function harness(): Harness {
  const backend = inlineBackend();
  const clock = createTestClock(START);
  const warnings: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (m) => warnings.push(m),
    error: (m) => warnings.push(m),
  };
  const schedulers: Scheduler[] = [];
  const jobs = async () => (await backend.listJobs({})).reverse();
  return {
    backend,
    clock,
    warnings,
    start(raw, options = {}, onBackend = backend) {
      const plan = planRecurring(
        parseRecurringTasks(raw, 'test'),
        {
          registry: new JobRegistry([report]),
          codecs: new CodecRegistry(),
          maxPayloadBytes: 10_000,
          exports: {},
        },
        'test',
      );
      const scheduler = new Scheduler(
        {
          backend: onBackend,
          now: () => clock.now(),
          logger,
          onError: (error) => warnings.push(String(error)),
          buildJob: plan.buildJob,
        },
        plan.tasks,
        options,
      );
      scheduler.start();
      schedulers.push(scheduler);
      running.push(scheduler);
      return scheduler;
    },
    async advance(ms, count) {
      clock.advance(ms);
      for (const scheduler of schedulers) scheduler.wake();
      return waitForJobs(jobs, count);
    },
    jobs,
  };
}

async function waitForJobs(jobs: () => Promise<JobRecord[]>, count: number): Promise<JobRecord[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const all = await jobs();
    if (all.length >= count) return all;
    if (Date.now() > deadline) throw new Error(`expected ${count} jobs, have ${all.length}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** When each job's run was due, as ISO text (from the metadata the scheduler writes). */
const runTimes = (jobs: readonly JobRecord[]) =>
  jobs.map((job) => (JSON.parse(job.metadata) as { recurringRunAt: string }).recurringRunAt);
const iso = (ms: number) => new Date(ms).toISOString();

/** Lets a pass that should enqueue nothing run to its end. */
async function settle(scheduler: Scheduler): Promise<void> {
  scheduler.wake();
  await new Promise((resolve) => setTimeout(resolve, 20));
}

const EVERY_SECOND = { tick: { job: 'Report', args: { kind: 'tick' }, schedule: 'every second' } };

describe('Scheduler', () => {
  it('enqueues each run as it falls due, with the task, run time, queue and priority', async () => {
    const h = harness();
    h.start({ tick: { ...EVERY_SECOND.tick, queue: 'fast', priority: -2 } });
    await settle(running[0]!);
    expect(await h.jobs()).toEqual([]);
    const jobs = await h.advance(SECOND, 1);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      name: 'Report',
      queue: 'fast',
      priority: -2,
      args: '{"kind":"tick"}',
      state: 'ready',
    });
    expect(JSON.parse(jobs[0]!.metadata)).toEqual({
      recurringTask: 'tick',
      recurringRunAt: iso(START + 500),
    });
    expect(runTimes(await h.advance(2 * SECOND, 3))).toEqual([
      iso(START + 500),
      iso(START + 1500),
      iso(START + 2500),
    ]);
  });

  it("uses the job's own queue and priority when the task names none", async () => {
    const h = harness();
    h.start(EVERY_SECOND);
    const [job] = await h.advance(SECOND, 1);
    expect(job).toMatchObject({ queue: 'reports', priority: 0 });
  });

  it('starts a task that never ran with its next run, not a missed one', async () => {
    const h = harness();
    const scheduler = h.start({ hourly: { job: 'Report', args: { kind: 'h' }, schedule: 'every hour' } });
    await settle(scheduler);
    expect(await h.jobs()).toEqual([]);
    const jobs = await h.advance(3600 * SECOND, 1);
    expect(runTimes(jobs)).toEqual([iso(Date.UTC(2030, 0, 1, 10))]);
  });

  it('at start, enqueues only the latest run missed since the last recorded one', async () => {
    const h = harness();
    const task = { job: 'Report', args: { kind: 'm' }, schedule: 'every minute' };
    const first = h.start({ minutely: task });
    await h.advance(60 * SECOND, 1);
    await first.stop();
    // Three days later: thousands of runs were missed; one is enqueued, then the schedule goes on.
    h.clock.advance(3 * 86_400 * SECOND);
    h.start({ minutely: task });
    const jobs = await waitForJobs(h.jobs, 2);
    const latestMissed = Date.UTC(2030, 0, 4, 9, 1);
    expect(runTimes(jobs)).toEqual([iso(Date.UTC(2030, 0, 1, 9, 1)), iso(latestMissed)]);
    expect(runTimes(await h.advance(60 * SECOND, 3)).at(-1)).toBe(iso(latestMissed + 60 * SECOND));
    expect(await h.jobs()).toHaveLength(3);
  });

  it('enqueues every run of a short gap, but only the latest after a gap over catchUpMs', async () => {
    const h = harness();
    h.start(EVERY_SECOND, { catchUpMs: 10 * SECOND });
    expect(runTimes(await h.advance(5 * SECOND, 5))).toHaveLength(5);
    expect(h.warnings).toEqual([]);
    const jobs = await h.advance(60 * SECOND, 6);
    expect(runTimes(jobs).at(-1)).toBe(iso(START + 65 * SECOND - 500));
    expect(jobs).toHaveLength(6);
    expect(h.warnings).toEqual(['The scheduler fell behind; enqueuing only the latest missed run']);
  });

  it('lets several schedulers on one backend enqueue each run once', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) h.start(EVERY_SECOND);
    for (let second = 1; second <= 5; second++) await h.advance(SECOND, second);
    await Promise.all(running.map(settle));
    const times = runTimes(await h.jobs());
    expect(times).toEqual([...new Set(times)]);
    expect(times).toHaveLength(5);
  });

  it('offers runs again after a failed pass, so a database blip loses none', async () => {
    const h = harness();
    let failures = 1;
    const flaky = new Proxy(h.backend, {
      get(target, property) {
        if (property === 'enqueueRecurring') {
          return (params: Parameters<Backend['enqueueRecurring']>[0]) =>
            failures-- > 0
              ? Promise.reject(new BackendUnavailableError('database down'))
              : target.enqueueRecurring(params);
        }
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const scheduler = h.start(EVERY_SECOND, {}, flaky);
    h.clock.advance(2 * SECOND);
    scheduler.wake();
    // The failed pass backs off (about 100-300 ms), then the next one stores both runs.
    const jobs = await waitForJobs(h.jobs, 2);
    expect(runTimes(jobs)).toEqual([iso(START + 500), iso(START + 1500)]);
    expect(h.warnings).toEqual([expect.stringContaining('database down')]);
  });

  it('clears recorded runs older than keepRunsMs, keeping each task’s latest', async () => {
    const h = harness();
    h.start(EVERY_SECOND, { keepRunsMs: 2 * SECOND, clearIntervalMs: SECOND });
    await h.advance(3 * SECOND, 3);
    await h.advance(SECOND, 4);
    const tick = (second: number) => ({
      taskKey: 'tick',
      runAt: START + 500 + second * SECOND,
      job: { name: 'Report', queue: 'q', priority: 0, args: '{}', metadata: '{}', runAt: null },
    });
    // Runs before now - 2 s were cleared: offering them again enqueues them again.
    const again = await h.backend.enqueueRecurring({ runs: [tick(0), tick(3)], now: h.clock.now() });
    expect(again).toEqual([expect.any(String), null]);
  });

  it('stops while sleeping until a far-off run', async () => {
    const h = harness();
    const scheduler = h.start({ yearly: { job: 'Report', args: { kind: 'y' }, schedule: '@yearly' } });
    await settle(scheduler);
    await scheduler.stop();
    expect(await h.jobs()).toEqual([]);
  });
});
