import { describe, expect, it, vi } from 'vitest';
import {
  BackendUnavailableError,
  defineJob,
  InvalidInputError,
  InvalidQueueNameError,
  type JobContext,
  retryJob,
} from '../../src/index.ts';
import { useHarness, waitFor } from '../support/shigoto-harness.ts';

const harness = useHarness();

describe('work() options', () => {
  it.each([
    ['an invalid queue pattern', { queues: ['no spaces'] }, InvalidQueueNameError],
    ['an empty queue list', { queues: [] }, InvalidInputError],
    ['zero threads', { queues: ['*'], threads: 0 }, InvalidInputError],
    ['a fractional bulk read size', { queues: ['*'], bulkReadSize: 1.5 }, InvalidInputError],
  ])('refuses %s before registering anything', async (_name, worker, ErrorClass) => {
    const h = await harness();
    await expect(h.shigoto.work({ workers: [worker] })).rejects.toBeInstanceOf(ErrorClass);
    expect(await h.shigoto.processes.list()).toEqual([]);
  });
});

describe('start hooks', () => {
  it('a failing onStart stops the runtime it started and rejects with the hook error', async () => {
    const failure = new Error('cannot warm the cache');
    const h = await harness({ hooks: { onStart: () => Promise.reject(failure) } });
    await expect(h.shigoto.work({ workers: [{ queues: ['*'] }] })).rejects.toBe(failure);
    expect(await h.shigoto.processes.list()).toEqual([]);
  });
});

describe('completions', () => {
  it('keeps results while the database refuses writes, without hammering it, then writes them', async () => {
    const errors: unknown[] = [];
    const job = defineJob({ name: 'steady', perform: (args: number) => args + 1 });
    const h = await harness({ jobs: [job], hooks: { onThreadError: (error) => errors.push(error) } });
    const realComplete = h.shigoto.backend.complete.bind(h.shigoto.backend);
    let down = true;
    const complete = vi
      .spyOn(h.shigoto.backend, 'complete')
      .mockImplementation((params) =>
        down ? Promise.reject(new BackendUnavailableError('database is down')) : realComplete(params),
      );
    const { id } = await h.shigoto.enqueue(job, 1);
    await h.work();
    await waitFor(() => errors.length > 0);
    // Let a failing write sit for a while: the next try waits for the backoff timer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(complete.mock.calls.length).toBeLessThanOrEqual(2);
    expect(errors[0]).toBeInstanceOf(BackendUnavailableError);
    expect((await h.shigoto.jobs.get(id)).state).toBe('claimed');

    down = false;
    await h.waitForState(id, 'finished');
    expect(await h.shigoto.jobs.result(job, id)).toBe(2);
  });

  it('runs a retry that is due at once without waiting for the polling interval', async () => {
    const executions: number[] = [];
    const again = defineJob({
      name: 'again',
      perform: (_args: null, ctx: JobContext) => {
        executions.push(ctx.executions);
        return ctx.executions === 1 ? retryJob() : 'second';
      },
    });
    const h = await harness({ jobs: [again] });
    const { id } = await h.shigoto.enqueue(again, null);
    // A polling interval far longer than the test's deadline: only a wake-up can run the retry.
    await h.work({ workers: [{ queues: ['*'], pollingIntervalMs: 60_000 }] });
    await h.waitForState(id, 'finished');
    expect(executions).toEqual([1, 2]);
  });
});

describe('a busy worker', () => {
  it('writes completions and lets timers run while ready jobs keep it busy', async () => {
    // SQLite answers synchronously: a poll loop that never yields would claim every job first
    // and write no completion (nor beat, nor fire a timer) until the queue ran dry.
    const total = 3000;
    let ran = 0;
    let finishedSeenMidway = -1;
    let timerFiredAt = -1;
    const h = await harness();
    const quick = defineJob({
      name: 'quick',
      perform: () => {
        ran++;
      },
    });
    h.shigoto.registry.add(quick);
    await h.shigoto.enqueueMany(Array.from({ length: total }, (_, n) => ({ job: quick, args: { n } })));
    setTimeout(() => {
      timerFiredAt = ran;
    }, 1);
    await h.work({ workers: [{ queues: ['*'], threads: 16, bulkReadSize: 16, pollingIntervalMs: 10 }] });
    await waitFor(
      async () => {
        if (finishedSeenMidway < 0 && ran > total / 2)
          finishedSeenMidway = (await h.shigoto.jobs.counts()).finished;
        return (await h.shigoto.jobs.counts()).finished === total;
      },
      () => `all ${total} jobs to finish (ran ${ran})`,
    );
    expect(timerFiredAt).toBeGreaterThanOrEqual(0);
    expect(timerFiredAt).toBeLessThan(total);
    expect(finishedSeenMidway).toBeGreaterThan(0);
  });
});
