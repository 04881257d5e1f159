import { describe, expect, it } from 'vitest';
import {
  defineJob,
  discardJob,
  type JobContext,
  JobTimeoutError,
  type Outcome,
  OutcomeNotAppliedError,
  retryJob,
  snoozeJob,
} from '../../src/index.ts';
import { useHarness, waitFor } from '../support/shigoto-harness.ts';

const harness = useHarness();

describe('outcomes returned by perform', () => {
  it('retryJob runs the job again after its wait, counting the attempt', async () => {
    const executions: number[] = [];
    const poll = defineJob({
      name: 'poll',
      perform: (_args: null, ctx: JobContext) => {
        executions.push(ctx.executions);
        return ctx.executions < 3 ? retryJob({ wait: '1m' }) : 'ready';
      },
    });
    const h = await harness({ jobs: [poll] });
    const { id } = await h.shigoto.enqueue(poll, null);
    await h.work();
    for (const execution of [1, 2]) {
      await waitFor(() => executions.length === execution);
      const scheduled = await h.waitForState(id, 'scheduled');
      expect(scheduled.runAt! - h.now()).toBeGreaterThan(50_000);
      h.advance(60_000);
    }
    const finished = await h.waitForState(id, 'finished');
    expect(executions).toEqual([1, 2, 3]);
    expect(finished.attempts).toBe(3);
    expect(await h.shigoto.jobs.result(poll, id)).toBe('ready');
  });

  it('snoozeJob comes back later and gives the attempt back', async () => {
    const executions: number[] = [];
    let calls = 0;
    const awaitUpload = defineJob({
      name: 'await-upload',
      perform: (_args: null, ctx: JobContext) => {
        executions.push(ctx.executions);
        calls++;
        return calls < 3 ? snoozeJob('30s') : 'uploaded';
      },
    });
    const h = await harness({ jobs: [awaitUpload] });
    const { id } = await h.shigoto.enqueue(awaitUpload, null);
    await h.work();
    for (const call of [1, 2]) {
      await waitFor(() => calls === call);
      const snoozed = await h.waitForState(id, 'scheduled');
      expect(snoozed.attempts).toBe(0);
      expect(snoozed.lastError).toBeNull();
      h.advance(30_000);
    }
    const finished = await h.waitForState(id, 'finished');
    expect(executions).toEqual([1, 1, 1]);
    expect(finished.attempts).toBe(1);
  });

  it('discardJob ends the job as discarded with its reason', async () => {
    const cleanup = defineJob({
      name: 'cleanup',
      perform: (_args: null) => discardJob('nothing left to clean'),
    });
    const h = await harness({ jobs: [cleanup] });
    const { id } = await h.shigoto.enqueue(cleanup, null);
    await h.work();
    const discarded = await h.waitForState(id, 'discarded');
    expect(discarded.lastError).toMatchObject({ name: 'Discarded', message: 'nothing left to clean' });
  });
});

describe('onError, the catch-all handler', () => {
  async function runWith(onError: (error: unknown, ctx: JobContext) => Outcome | undefined) {
    const errors: unknown[] = [];
    const executions: number[] = [];
    const job = defineJob({
      name: 'handled',
      perform: (_args: null, ctx: JobContext) => {
        executions.push(ctx.executions);
        if (ctx.executions === 1) throw new Error('first run fails');
        return 'second run works';
      },
      onError: (error, ctx) => {
        errors.push(error);
        return onError(error, ctx);
      },
    });
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    return { h, id, errors, executions };
  }

  it('retryJob: the job runs again, keeping the error', async () => {
    const { h, id, errors, executions } = await runWith(() => retryJob());
    await h.waitForState(id, 'finished');
    expect(executions).toEqual([1, 2]);
    expect((errors[0] as Error).message).toBe('first run fails');
    expect((await h.shigoto.jobs.get(id)).lastError?.message).toBe('first run fails');
  });

  it('retryJob with a wait strategy schedules the retry', async () => {
    const { h, id } = await runWith(() => retryJob({ wait: 'exponential' }));
    const scheduled = await h.waitForState(id, 'scheduled');
    expect(scheduled.runAt! - scheduled.lastError!.at).toBeGreaterThanOrEqual(1000);
    h.advance(1000);
    await h.waitForState(id, 'finished');
  });

  it('discardJob: discarded, with the error that caused it', async () => {
    const { h, id } = await runWith(() => discardJob('not worth retrying'));
    const discarded = await h.waitForState(id, 'discarded');
    expect(discarded.lastError?.message).toBe('first run fails');
  });

  it('snoozeJob: back later without using the attempt', async () => {
    const { h, id, executions } = await runWith(() => snoozeJob('10s'));
    await h.waitForState(id, 'scheduled');
    h.advance(10_000);
    await waitFor(() => executions.length === 2);
    // The attempt was given back, so the second run is still execution 1 and fails again.
    expect(executions).toEqual([1, 1]);
  });

  it('nothing: the error falls through to the default (failed)', async () => {
    const { h, id, errors } = await runWith(() => undefined);
    const failed = await h.waitForState(id, 'failed');
    expect(errors).toHaveLength(1);
    expect(failed.lastError?.message).toBe('first run fails');
  });

  it('a value that is not an outcome is ignored like nothing', async () => {
    const { h, id } = await runWith(() => ({ kind: 'retry' }) as unknown as Outcome);
    expect((await h.waitForState(id, 'failed')).lastError?.message).toBe('first run fails');
  });

  it('a handler that throws fails the job with its own error', async () => {
    const { h, id } = await runWith(() => {
      throw new Error('handler broke');
    });
    expect((await h.waitForState(id, 'failed')).lastError?.message).toBe('handler broke');
  });
});

describe('timeout', () => {
  it('fails the attempt with JobTimeoutError, aborts ctx.signal and follows the retry rules', async () => {
    const reasons: unknown[] = [];
    const slow = defineJob({
      name: 'slow',
      timeout: 50,
      retryOn: [{ on: JobTimeoutError, attempts: 2, wait: 0 }],
      perform: async (_args: null, ctx: JobContext) => {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        reasons.push(ctx.signal.reason);
        return 'never stored';
      },
    });
    const h = await harness({ jobs: [slow] });
    const { id } = await h.shigoto.enqueue(slow, null);
    await h.work();
    const failed = await h.waitForState(id, 'failed');
    expect(failed.attempts).toBe(2);
    expect(failed.lastError).toMatchObject({ name: 'JobTimeoutError', code: 'JOB_TIMEOUT', execution: 2 });
    await waitFor(() => reasons.length === 2);
    expect(reasons.every((reason) => reason instanceof JobTimeoutError)).toBe(true);
  });

  it('does not fire for a job that finishes in time', async () => {
    const quick = defineJob({ name: 'quick', timeout: '5s', perform: async (_args: null) => 'fast' });
    const h = await harness({ jobs: [quick] });
    const { id } = await h.shigoto.enqueue(quick, null);
    await h.work();
    await h.waitForState(id, 'finished');
    expect(await h.shigoto.jobs.result(quick, id)).toBe('fast');
  });
});

describe('performNow', () => {
  it('throws the job error as is, and OutcomeNotAppliedError for an outcome', async () => {
    const direct = defineJob({
      name: 'direct',
      perform: (args: 'throw' | 'retry' | 'discard' | 'snooze') => {
        if (args === 'throw') throw new RangeError('out of range');
        if (args === 'retry') return retryJob();
        if (args === 'discard') return discardJob();
        return snoozeJob('1s');
      },
    });
    const h = await harness({ jobs: [direct] });
    await expect(h.shigoto.performNow(direct, 'throw')).rejects.toBeInstanceOf(RangeError);
    for (const kind of ['retry', 'discard', 'snooze'] as const) {
      const error = await h.shigoto.performNow(direct, kind).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeNotAppliedError);
      expect((error as OutcomeNotAppliedError).outcome).toBe(kind);
    }
    expect(await h.allJobs()).toEqual([]);
  });

  it('applies the timeout and gives a context like a first execution', async () => {
    let seen: JobContext | undefined;
    const timed = defineJob({
      name: 'timed',
      queue: (args: { region: string }) => `region-${args.region}`,
      priority: 4,
      timeout: 30,
      perform: async (args, ctx) => {
        seen = ctx;
        if (args.region === 'slow') await new Promise((resolve) => setTimeout(resolve, 1000));
        return args.region;
      },
    });
    const h = await harness({ jobs: [timed] });
    expect(await h.shigoto.performNow(timed, { region: 'eu' })).toBe('eu');
    expect(seen).toMatchObject({ name: 'timed', queue: 'region-eu', priority: 4, executions: 1 });
    await expect(h.shigoto.performNow(timed, { region: 'slow' })).rejects.toBeInstanceOf(JobTimeoutError);
    expect(seen?.signal.aborted).toBe(true);
  });
});
