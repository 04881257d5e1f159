import { describe, expect, it } from 'vitest';
import { claimAll, enqueue, idsOf, newJob, queueInfo, SECOND, statesOf, T0 } from './helpers.ts';
import type { ContractContext } from './types.ts';

export function delaysContract(ctx: ContractContext): void {
  describe('delayed jobs', () => {
    it('keeps a job due later scheduled and out of reach of claims', async () => {
      const [id] = await enqueue(ctx.backend, [newJob({ runAt: T0 + 10 * SECOND })]);
      expect(await claimAll(ctx.backend, ['*'], { now: T0 + 5 * SECOND })).toEqual([]);
      expect(await statesOf(ctx.backend, [id!])).toEqual(['scheduled']);
      expect(await queueInfo(ctx.backend, 'default')).toMatchObject({ ready: 0, scheduled: 1 });
    });

    it('makes a job due now or earlier ready at once', async () => {
      const ids = await enqueue(ctx.backend, [newJob({ runAt: T0 }), newJob({ runAt: T0 - 60 * SECOND })]);
      expect(await statesOf(ctx.backend, ids)).toEqual(['ready', 'ready']);
      expect(idsOf(await claimAll(ctx.backend))).toEqual(ids);
    });

    it('promotes nothing before anything is due', async () => {
      const [id] = await enqueue(ctx.backend, [newJob({ runAt: T0 + 10 * SECOND })]);
      expect(await ctx.backend.promoteScheduled({ now: T0 + 10 * SECOND - 1, limit: 100 })).toBe(0);
      expect(await statesOf(ctx.backend, [id!])).toEqual(['scheduled']);
    });

    it('promotes only due jobs, earliest first, up to the limit', async () => {
      const [at30, at10, at20, at100] = await enqueue(
        ctx.backend,
        [30, 10, 20, 100].map((s) => newJob({ runAt: T0 + s * SECOND })),
      );
      const now = T0 + 40 * SECOND;
      expect(await ctx.backend.promoteScheduled({ now, limit: 2 })).toBe(2);
      expect(await statesOf(ctx.backend, [at10!, at20!, at30!, at100!])).toEqual([
        'ready',
        'ready',
        'scheduled',
        'scheduled',
      ]);
      expect(await ctx.backend.promoteScheduled({ now, limit: 10 })).toBe(1);
      expect(await statesOf(ctx.backend, [at30!, at100!])).toEqual(['ready', 'scheduled']);
      expect(await ctx.backend.promoteScheduled({ now, limit: 10 })).toBe(0);
    });

    it('promotes nothing with a limit of 0 or less', async () => {
      const [id] = await enqueue(ctx.backend, [newJob({ runAt: T0 + SECOND })]);
      for (const limit of [0, -1]) {
        expect(await ctx.backend.promoteScheduled({ now: T0 + 2 * SECOND, limit })).toBe(0);
      }
      expect(await statesOf(ctx.backend, [id!])).toEqual(['scheduled']);
    });

    it('counts a job due exactly now as due', async () => {
      const [id] = await enqueue(ctx.backend, [newJob({ runAt: T0 + SECOND })]);
      expect(await ctx.backend.promoteScheduled({ now: T0 + SECOND, limit: 1 })).toBe(1);
      expect(await statesOf(ctx.backend, [id!])).toEqual(['ready']);
    });

    it('makes promoted jobs claimable in their queue, by priority', async () => {
      const [late, urgent] = await enqueue(ctx.backend, [
        newJob({ queue: 'later', priority: 1, runAt: T0 + SECOND }),
        newJob({ queue: 'later', priority: -1, runAt: T0 + 2 * SECOND }),
      ]);
      const now = T0 + 3 * SECOND;
      expect(await ctx.backend.promoteScheduled({ now, limit: 10 })).toBe(2);
      expect(await queueInfo(ctx.backend, 'later')).toMatchObject({ ready: 2, scheduled: 0 });
      const claimed = await claimAll(ctx.backend, ['later'], { now });
      expect(idsOf(claimed)).toEqual([urgent, late]);
      expect(claimed.map((job) => job.attempts)).toEqual([1, 1]);
    });
  });
}
