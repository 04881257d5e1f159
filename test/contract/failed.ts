import { describe, expect, it } from 'vitest';
import type { FailedSelector } from '../../src/backend/types.ts';
import {
  claimAll,
  claimedJob,
  enqueue,
  failJobs,
  idsOf,
  mustGetJob,
  NON_NUMERIC_IDS,
  newJob,
  queueInfo,
  refOf,
  SECOND,
  statesOf,
  storedError,
  T0,
  UNKNOWN_ID,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

export function failedContract(ctx: ContractContext): void {
  const retry = (select: FailedSelector) => ctx.backend.retryFailed({ select, now: T0 + SECOND });
  const discard = (select: FailedSelector) => ctx.backend.discardFailed({ select, now: T0 + SECOND });

  describe('failed jobs', () => {
    it('keep the error of the failed execution and leave the claim', async () => {
      const job = await claimedJob(ctx.backend, { queue: 'q' });
      const error = storedError({ name: 'TypeError', message: 'bad', stack: 'at x', code: 'E_BAD' });
      await ctx.backend.complete({ items: [{ ...refOf(job), outcome: 'failed', error }], now: T0 });
      expect(await mustGetJob(ctx.backend, job.id)).toMatchObject({
        state: 'failed',
        attempts: 1,
        processId: null,
        lastError: error,
      });
      expect(await claimAll(ctx.backend)).toEqual([]);
    });

    it('are counted by countJobs and listQueues', async () => {
      await failJobs(ctx.backend, 'a', 2);
      await failJobs(ctx.backend, 'b', 1);
      expect((await ctx.backend.countJobs()).failed).toBe(3);
      expect(await queueInfo(ctx.backend, 'a')).toMatchObject({ failed: 2, ready: 0, claimed: 0 });
      expect(await queueInfo(ctx.backend, 'b')).toMatchObject({ failed: 1 });
    });

    it('go back to ready by id, keeping their attempt count', async () => {
      const [first, second, third] = await failJobs(ctx.backend, 'q', 3);
      expect(await retry({ ids: [first!, third!] })).toBe(2);
      expect(await statesOf(ctx.backend, [first!, second!, third!])).toEqual(['ready', 'failed', 'ready']);
      expect((await mustGetJob(ctx.backend, first!)).attempts).toBe(1);
      const claimed = await claimAll(ctx.backend);
      expect(idsOf(claimed)).toEqual([first, third]);
      expect(claimed.map((job) => job.attempts)).toEqual([2, 2]);
    });

    it('go back to ready by queue', async () => {
      const inA = await failJobs(ctx.backend, 'a', 2);
      const inB = await failJobs(ctx.backend, 'b', 1);
      expect(await retry({ queue: 'a' })).toBe(2);
      expect(await statesOf(ctx.backend, [...inA, ...inB])).toEqual(['ready', 'ready', 'failed']);
      expect(await queueInfo(ctx.backend, 'a')).toMatchObject({ failed: 0, ready: 2 });
    });

    it('all go back to ready when all is said', async () => {
      const ids = [...(await failJobs(ctx.backend, 'a', 2)), ...(await failJobs(ctx.backend, 'b', 2))];
      expect(await retry({ all: true })).toBe(4);
      expect(await statesOf(ctx.backend, ids)).toEqual(['ready', 'ready', 'ready', 'ready']);
      expect((await ctx.backend.countJobs()).failed).toBe(0);
    });

    it('stay failed when the selector selects nothing', async () => {
      const ids = await failJobs(ctx.backend, 'q', 2);
      for (const select of [{}, { ids: [] }, { all: false }, { queue: 'other' }, { ids: [UNKNOWN_ID] }]) {
        expect(await retry(select)).toBe(0);
        expect(await discard(select)).toBe(0);
      }
      expect(await retry({ ids: NON_NUMERIC_IDS })).toBe(0);
      expect(await statesOf(ctx.backend, ids)).toEqual(['failed', 'failed']);
    });

    it('are the only jobs retry and discard touch', async () => {
      const [ready, scheduled] = await enqueue(ctx.backend, [
        newJob({ queue: 'q' }),
        newJob({ queue: 'q', runAt: T0 + 60 * SECOND }),
      ]);
      const claimed = await claimedJob(ctx.backend);
      const ids = [ready!, scheduled!, claimed.id];
      expect(await retry({ ids })).toBe(0);
      expect(await discard({ all: true })).toBe(0);
      expect(await statesOf(ctx.backend, ids)).toEqual(['ready', 'scheduled', 'claimed']);
    });

    it('move to discarded when discarded', async () => {
      const [kept, gone] = await failJobs(ctx.backend, 'q', 2);
      expect(await discard({ ids: [gone!] })).toBe(1);
      expect(await mustGetJob(ctx.backend, gone!)).toMatchObject({
        state: 'discarded',
        finishedAt: T0 + SECOND,
      });
      expect(await statesOf(ctx.backend, [kept!])).toEqual(['failed']);
      expect(await ctx.backend.countJobs()).toMatchObject({ failed: 1, discarded: 1 });
      expect(await queueInfo(ctx.backend, 'q')).toMatchObject({ failed: 1 });
      expect(await retry({ all: true })).toBe(1);
      expect(await statesOf(ctx.backend, [gone!])).toEqual(['discarded']);
    });

    it('all move to discarded by queue or all', async () => {
      const inA = await failJobs(ctx.backend, 'a', 2);
      const inB = await failJobs(ctx.backend, 'b', 1);
      expect(await discard({ queue: 'a' })).toBe(2);
      expect(await discard({ all: true })).toBe(1);
      expect(await statesOf(ctx.backend, [...inA, ...inB])).toEqual(['discarded', 'discarded', 'discarded']);
    });

    it('are retried in full even in a batch larger than one page', async () => {
      const ids = await failJobs(ctx.backend, 'bulk', 1200);
      expect(await retry({ queue: 'bulk' })).toBe(1200);
      expect((await ctx.backend.countJobs()).ready).toBe(ids.length);
    });
  });
}
