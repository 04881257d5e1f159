import { describe, expect, it } from 'vitest';
import { JOB_STATES, MAX_PAGE } from '../../src/backend/types.ts';
import {
  claim,
  claimedJob,
  enqueue,
  failJobs,
  idsOf,
  NON_NUMERIC_IDS,
  newJob,
  newJobs,
  queueInfo,
  refOf,
  SECOND,
  T0,
  UNKNOWN_ID,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

export function adminContract(ctx: ContractContext): void {
  describe('admin reads', () => {
    it('getJob returns null for unknown and non-numeric ids', async () => {
      await enqueue(ctx.backend, [newJob()]);
      for (const id of [UNKNOWN_ID, ...NON_NUMERIC_IDS]) {
        expect(await ctx.backend.getJob({ id })).toBeNull();
      }
    });

    it('listJobs filters by state, queue, name and ids', async () => {
      const [mailA, mailB, report, later] = await enqueue(ctx.backend, [
        newJob({ name: 'mail', queue: 'q1' }),
        newJob({ name: 'mail', queue: 'q2' }),
        newJob({ name: 'report', queue: 'q1' }),
        newJob({ name: 'report', queue: 'q2', runAt: T0 + SECOND }),
      ]);
      const list = async (filter: Parameters<typeof ctx.backend.listJobs>[0]) =>
        idsOf(await ctx.backend.listJobs(filter));
      expect(await list({ state: 'scheduled' })).toEqual([later]);
      expect(await list({ state: 'ready' })).toEqual([report, mailB, mailA]);
      expect(await list({ queue: 'q1' })).toEqual([report, mailA]);
      expect(await list({ name: 'mail' })).toEqual([mailB, mailA]);
      expect(await list({ ids: [mailA!, later!, UNKNOWN_ID] })).toEqual([later, mailA]);
      expect(await list({ name: 'report', queue: 'q2', state: 'scheduled' })).toEqual([later]);
      expect(await list({ name: 'report', state: 'claimed' })).toEqual([]);
    });

    it('listJobs matches nothing for non-numeric ids and never throws', async () => {
      await enqueue(ctx.backend, [newJob()]);
      expect(await ctx.backend.listJobs({ ids: NON_NUMERIC_IDS })).toEqual([]);
      expect(await ctx.backend.listJobs({ beforeId: 'abc' })).toEqual([]);
    });

    it('listJobs pages newest first with beforeId', async () => {
      const ids = await enqueue(ctx.backend, newJobs(5));
      const newestFirst = [...ids].reverse();
      const page1 = idsOf(await ctx.backend.listJobs({ limit: 2 }));
      expect(page1).toEqual(newestFirst.slice(0, 2));
      const page2 = idsOf(await ctx.backend.listJobs({ limit: 2, beforeId: page1[1] }));
      expect(page2).toEqual(newestFirst.slice(2, 4));
      const page3 = idsOf(await ctx.backend.listJobs({ limit: 2, beforeId: page2[1] }));
      expect(page3).toEqual(newestFirst.slice(4));
      expect(await ctx.backend.listJobs({ limit: 2, beforeId: page3[0] })).toEqual([]);
    });

    it('listJobs clamps the page size to MAX_PAGE', async () => {
      await enqueue(ctx.backend, newJobs(MAX_PAGE + 5));
      expect(await ctx.backend.listJobs({ limit: MAX_PAGE + 100 })).toHaveLength(MAX_PAGE);
      expect(await ctx.backend.listJobs({ limit: 7 })).toHaveLength(7);
    });

    it('countJobs reports every state, zero included', async () => {
      expect(await ctx.backend.countJobs()).toEqual(Object.fromEntries(JOB_STATES.map((s) => [s, 0])));
    });

    it('countJobs counts each state', async () => {
      await enqueue(ctx.backend, [newJob({ queue: 'r' }), newJob({ queue: 's', runAt: T0 + SECOND })]);
      await claimedJob(ctx.backend);
      const [finished, discarded] = await Promise.all([claimedJob(ctx.backend), claimedJob(ctx.backend)]);
      await ctx.backend.complete({
        items: [
          { ...refOf(finished), outcome: 'finished', result: null },
          { ...refOf(discarded), outcome: 'discarded', error: null },
        ],
        now: T0,
      });
      await failJobs(ctx.backend, 'f', 2);
      expect(await ctx.backend.countJobs()).toEqual({
        scheduled: 1,
        ready: 1,
        blocked: 0,
        claimed: 1,
        finished: 1,
        failed: 2,
        discarded: 1,
        expired: 0,
        errored: 0,
      });
    });

    it('listQueues counts jobs per state and finds the oldest ready job', async () => {
      await failJobs(ctx.backend, 'q', 1, T0 + SECOND);
      await enqueue(ctx.backend, [newJob({ queue: 'q' })], T0 + 2 * SECOND);
      await enqueue(ctx.backend, [newJob({ queue: 'q' }), newJob({ queue: 'q' })], T0 + 5 * SECOND);
      await enqueue(ctx.backend, [newJob({ queue: 'q', runAt: T0 + 60 * SECOND })], T0 + 5 * SECOND);
      // Takes the job enqueued at T0 + 2 s, so the oldest ready one is from T0 + 5 s.
      await claim(ctx.backend, ['q'], 1);
      expect(await queueInfo(ctx.backend, 'q')).toEqual({
        name: 'q',
        paused: false,
        ready: 2,
        scheduled: 1,
        blocked: 0,
        claimed: 1,
        failed: 1,
        errored: 0,
        stopped: false,
        oldestReadyAt: T0 + 5 * SECOND,
      });
    });
  });
}
