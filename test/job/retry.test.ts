import { describe, expect, it } from 'vitest';
import {
  defineJob,
  type JobContext,
  type JobOptions,
  type JobRecord,
  type RetryRule,
  type WaitStrategy,
} from '../../src/index.ts';
import { type Harness, useHarness, waitFor } from '../support/shigoto-harness.ts';

const harness = useHarness();

class RateLimited extends Error {
  override name = 'RateLimited';
}
class Broken extends Error {
  override name = 'Broken';
}

/** A job that throws `errors[i]` on execution i+1 and returns "done" after them. */
function failing(name: string, errors: readonly Error[], rules: Partial<JobOptions<null, string>> = {}) {
  const executions: number[] = [];
  const job = defineJob({
    ...rules,
    name,
    perform: (_args: null, ctx: JobContext) => {
      executions.push(ctx.executions);
      const error = errors[ctx.executions - 1];
      if (error) throw error;
      return 'done';
    },
  });
  return { job, executions };
}

/** Waits for the job to be scheduled for a retry and returns how long after the failure it will run. */
async function scheduledWait(h: Harness, id: string, execution: number): Promise<number> {
  let job: JobRecord | undefined;
  await waitFor(
    async () => {
      job = await h.shigoto.jobs.get(id);
      return job.state === 'scheduled' && job.lastError?.execution === execution;
    },
    () => `job ${id} to be scheduled after execution ${execution}`,
  );
  return job!.runAt! - job!.lastError!.at;
}

describe('retryOn wait strategies', () => {
  const strategies: Array<[string, WaitStrategy, number[]]> = [
    ['a fixed text wait', '10s', [10_000, 10_000]],
    ['a fixed ms wait', 2500, [2500, 2500]],
    ['polynomial', 'polynomial', [3000, 18_000]],
    ['exponential', 'exponential', [1000, 2000]],
    [
      'a function of execution and error',
      (n, error) => n * 1000 + ((error as Error).message.length > 0 ? 7 : 0),
      [1007, 2007],
    ],
  ];

  it.each(strategies)('%s', async (_name, wait, expected) => {
    const rule: RetryRule = { on: RateLimited, attempts: 3, wait, jitter: 0 };
    const { job, executions } = failing('wait', [new RateLimited('slow down'), new RateLimited('again')], {
      retryOn: [rule],
    });
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    for (const [i, ms] of expected.entries()) {
      const waited = await scheduledWait(h, id, i + 1);
      expect(waited).toBeGreaterThanOrEqual(ms);
      expect(waited).toBeLessThan(ms + 50);
      h.advance(ms + 1);
    }
    const finished = await h.waitForState(id, 'finished');
    expect(finished.attempts).toBe(3);
    expect(executions).toEqual([1, 2, 3]);
  });

  it('adds jitter within bounds', async () => {
    const { job } = failing('jittery', [new RateLimited('x')], {
      retryOn: [{ on: RateLimited, wait: '10s', jitter: 0.5 }],
    });
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    const waited = await scheduledWait(h, id, 1);
    expect(waited).toBeGreaterThanOrEqual(10_000);
    expect(waited).toBeLessThanOrEqual(15_050);
  });
});

describe('retry rules', () => {
  it('defaults to 5 attempts, 3 s apart with up to 15 % jitter', async () => {
    const errors = [1, 2, 3, 4, 5].map((n) => new Broken(`failure ${n}`));
    const { job, executions } = failing('defaults', errors, { retryOn: [{ on: Broken }] });
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    for (const execution of [1, 2, 3, 4]) {
      const waited = await scheduledWait(h, id, execution);
      expect(waited).toBeGreaterThanOrEqual(3000);
      expect(waited).toBeLessThanOrEqual(3450 + 50);
      h.advance(3500);
    }
    const failed = await h.waitForState(id, 'failed');
    expect(executions).toEqual([1, 2, 3, 4, 5]);
    expect(failed.lastError?.message).toBe('failure 5');
  });

  it('fails with the last error once attempts are used up', async () => {
    const errors = [new Broken('one'), new Broken('two'), new Broken('three')];
    const { job, executions } = failing('exhausted', errors, {
      retryOn: [{ on: Broken, attempts: 3, wait: 0 }],
    });
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    const failed = await h.waitForState(id, 'failed');
    expect(executions).toEqual([1, 2, 3]);
    expect(failed.attempts).toBe(3);
    expect(failed.lastError).toMatchObject({ name: 'Broken', message: 'three', execution: 3 });
    expect(failed.lastError?.stack).toContain('Broken: three');
  });

  it('matches rules by class, by error name and by predicate, in order', async () => {
    const seen: string[] = [];
    const matcher = (error: unknown) => error instanceof Error && error.message === 'by predicate';
    const { job } = failing(
      'matchers',
      [
        new RateLimited('by class'),
        new Broken('by name'),
        new Error('by predicate'),
        new TypeError('unmatched'),
      ],
      {
        retryOn: [
          { on: RateLimited, wait: 0 },
          { on: 'Broken', wait: 0 },
          { on: [matcher], wait: 0 },
        ],
        beforePerform: (_args, ctx) => void seen.push(String(ctx.executions)),
      },
    );
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    const failed = await h.waitForState(id, 'failed');
    expect(seen).toEqual(['1', '2', '3', '4']);
    expect(failed.lastError).toMatchObject({ name: 'TypeError', message: 'unmatched', execution: 4 });
  });

  it('uses the job-wide retry policy for errors no rule matches', async () => {
    const { job, executions } = failing('policy', [new TypeError('a'), new TypeError('b')], {
      retryOn: [{ on: RateLimited, attempts: 10, wait: 0 }],
      retry: { attempts: 2, wait: 0 },
    });
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    const failed = await h.waitForState(id, 'failed');
    expect(executions).toEqual([1, 2]);
    expect(failed.lastError?.message).toBe('b');
  });

  it('discards on discardOn errors, before any retry rule', async () => {
    const { job, executions } = failing('discarded', [new Broken('gone for good')], {
      discardOn: [{ on: Broken }],
      retryOn: [{ on: Error, wait: 0 }],
    });
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    const discarded = await h.waitForState(id, 'discarded');
    expect(executions).toEqual([1]);
    expect(discarded.lastError).toMatchObject({ name: 'Broken', message: 'gone for good' });
  });

  it('fails the job with the error of a wait function that throws, instead of losing it', async () => {
    const { job } = failing('bad-wait', [new Broken('first')], {
      retryOn: [
        {
          on: Broken,
          wait: () => {
            throw new RangeError('wait function broke');
          },
        },
      ],
    });
    const h = await harness({ jobs: [job] });
    const { id } = await h.shigoto.enqueue(job, null);
    await h.work();
    const failed = await h.waitForState(id, 'failed');
    expect(failed.lastError).toMatchObject({ name: 'RangeError', message: 'wait function broke' });
  });
});
