import {
  createShigoto,
  defineJob,
  InvalidInputError,
  inlineBackend,
  type JobContext,
  snoozeJob,
} from 'shigoto';
import { createTestShigoto, DrainLimitError, drain, enqueuedJobs } from 'shigoto/testing';
import { describe, expect, it } from 'vitest';

class FlakyError extends Error {
  override name = 'FlakyError';
}

/** A job that fails with FlakyError until its `succeedOn`-th execution; records when each ran. */
function flakyJob(runs: Array<{ execution: number; at: number }>, now: () => number, attempts = 5) {
  return defineJob({
    name: 'flaky',
    retryOn: [{ on: FlakyError, attempts, wait: '30s', jitter: 0 }],
    perform: ({ succeedOn }: { succeedOn: number }, ctx: JobContext) => {
      runs.push({ execution: ctx.executions, at: now() });
      if (ctx.executions < succeedOn) throw new FlakyError(`execution ${ctx.executions}`);
      return 'done';
    },
  });
}

describe('drain', () => {
  it('runs chains of jobs until nothing is ready', async () => {
    const seen: number[] = [];
    const countdown = defineJob({
      name: 'countdown',
      perform: async (n: number) => {
        seen.push(n);
        if (n > 0) await shigoto.enqueue(countdown, n - 1);
      },
    });
    const shigoto = await createTestShigoto({ jobs: [countdown] });
    await shigoto.enqueue(countdown, 3);
    const summary = await drain(shigoto);
    expect(seen).toEqual([3, 2, 1, 0]);
    expect(summary).toMatchObject({ performed: 4, finished: 4, iterations: 4 });
    expect(await shigoto.jobs.counts()).toMatchObject({ ready: 0, finished: 4 });
  });

  it('leaves retries scheduled without advanceTime, and runs them with it', async () => {
    const runs: Array<{ execution: number; at: number }> = [];
    const shigoto = await createTestShigoto({ jobs: [] });
    const flaky = flakyJob(runs, () => shigoto.now());
    shigoto.registry.add(flaky);
    const start = shigoto.now();
    const job = await shigoto.enqueue(flaky, { succeedOn: 3 });

    expect(await drain(shigoto)).toMatchObject({ performed: 1, retried: 1 });
    expect(await enqueuedJobs(shigoto)).toMatchObject([{ id: job.id, state: 'scheduled', attempts: 1 }]);
    expect(shigoto.now()).toBe(start);

    const summary = await drain(shigoto, { advanceTime: true });
    expect(summary).toMatchObject({ performed: 2, retried: 1, finished: 1 });
    expect(runs).toEqual([
      { execution: 1, at: start },
      { execution: 2, at: start + 30_000 },
      { execution: 3, at: start + 60_000 },
    ]);
    expect(await shigoto.jobs.get(job.id)).toMatchObject({
      state: 'finished',
      attempts: 3,
      result: '"done"',
    });
    expect(shigoto.now()).toBe(start + 60_000);
  });

  it('ends a job that keeps failing as failed once its attempts are used', async () => {
    const runs: Array<{ execution: number; at: number }> = [];
    const shigoto = await createTestShigoto({ jobs: [] });
    shigoto.registry.add(flakyJob(runs, () => shigoto.now(), 3));
    const job = await shigoto.enqueueByName('flaky', { succeedOn: 99 });
    const summary = await drain(shigoto, { advanceTime: true });
    expect(summary).toMatchObject({ performed: 3, retried: 2, failed: 1, ids: [job.id, job.id, job.id] });
    expect(await shigoto.jobs.get(job.id)).toMatchObject({
      state: 'failed',
      attempts: 3,
      lastError: { name: 'FlakyError', message: 'execution 3', execution: 3 },
    });
  });

  it('runs jobs scheduled for later with advanceTime, in time order', async () => {
    const seen: string[] = [];
    const note = defineJob({ name: 'note', perform: (text: string) => void seen.push(text) });
    const shigoto = await createTestShigoto({ jobs: [note] });
    await shigoto.enqueue(note, 'in an hour', { wait: '1h' });
    await shigoto.enqueue(note, 'in a minute', { wait: '1m' });
    await shigoto.enqueue(note, 'now');
    const start = shigoto.now();
    expect(await drain(shigoto, { advanceTime: true })).toMatchObject({ performed: 3, iterations: 3 });
    expect(seen).toEqual(['now', 'in a minute', 'in an hour']);
    expect(shigoto.now()).toBe(start + 3_600_000);
  });

  it('only drains the queue or job it is given', async () => {
    const seen: string[] = [];
    const note = defineJob({ name: 'note', perform: (text: string) => void seen.push(text) });
    const other = defineJob({ name: 'other', perform: (text: string) => void seen.push(`other ${text}`) });
    const shigoto = await createTestShigoto({ jobs: [note, other] });
    await shigoto.enqueue(note, 'a', { queue: 'x' });
    await shigoto.enqueue(note, 'b');
    await shigoto.enqueue(other, 'c');
    await shigoto.enqueue(other, 'later', { wait: '1h' });
    await drain(shigoto, { queue: 'x' });
    expect(seen).toEqual(['a']);
    await drain(shigoto, { job: note, advanceTime: true });
    expect(seen).toEqual(['a', 'b']);
    expect((await enqueuedJobs(shigoto)).map((job) => job.args)).toEqual(['c', 'later']);
  });

  it('stops with DrainLimitError when a job keeps coming back', async () => {
    let runs = 0;
    const forever = defineJob({
      name: 'forever',
      perform: async (_args: Record<string, never>) => {
        runs++;
        await shigoto.enqueue(forever, {});
      },
    });
    const shigoto = await createTestShigoto({ jobs: [forever] });
    await shigoto.enqueue(forever, {});
    const error = await drain(shigoto, { maxIterations: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrainLimitError);
    expect((error as DrainLimitError).message).toContain('drain() ran 5 rounds and jobs keep coming');
    expect((error as DrainLimitError).message).toContain('"forever"');
    expect(runs).toBe(6);
  });

  it('bounds a job that snoozes forever when time advances', async () => {
    const sleepy = defineJob({ name: 'sleepy', perform: (_args: Record<string, never>) => snoozeJob('1m') });
    const shigoto = await createTestShigoto({ jobs: [sleepy] });
    await shigoto.enqueue(sleepy, {});
    await expect(drain(shigoto, { advanceTime: true })).rejects.toThrow(DrainLimitError);
  });

  it('finishes when the only jobs left sit in a paused queue', async () => {
    const note = defineJob({ name: 'note', queue: 'held', perform: (_text: string) => {} });
    const shigoto = await createTestShigoto({ jobs: [note] });
    await shigoto.queues.pause('held');
    await shigoto.enqueue(note, 'now');
    await shigoto.enqueue(note, 'later', { wait: '1m' });
    expect(await drain(shigoto, { advanceTime: true })).toMatchObject({ performed: 0, iterations: 0 });
    expect(await enqueuedJobs(shigoto)).toMatchObject([{ state: 'ready' }, { state: 'ready' }]);
  });

  it('refuses advanceTime on a Shigoto whose clock it cannot move', async () => {
    const shigoto = createShigoto({
      backend: inlineBackend(),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    await expect(drain(shigoto, { advanceTime: true })).rejects.toThrow(InvalidInputError);
    expect(await drain(shigoto)).toMatchObject({ performed: 0, iterations: 0 });
  });
});
