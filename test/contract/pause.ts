import { describe, expect, it } from 'vitest';
import { claimAll, enqueue, idsOf, newJob, queueInfo, SECOND, statesOf, T0 } from './helpers.ts';
import type { ContractContext } from './types.ts';

export function pauseContract(ctx: ContractContext): void {
  const pause = (queue: string) => ctx.backend.pauseQueue({ queue, now: T0 });
  const resume = (queue: string) => ctx.backend.resumeQueue({ queue });

  describe('paused queues', () => {
    it('are skipped when named exactly', async () => {
      const [, b] = await enqueue(ctx.backend, [newJob({ queue: 'a' }), newJob({ queue: 'b' })]);
      await pause('a');
      expect(idsOf(await claimAll(ctx.backend, ['a', 'b']))).toEqual([b]);
      expect(await claimAll(ctx.backend, ['a'])).toEqual([]);
    });

    it('are skipped by "*" and by prefixes', async () => {
      const [, mailOut, other] = await enqueue(ctx.backend, [
        newJob({ queue: 'mail.in', priority: -1 }),
        newJob({ queue: 'mail.out' }),
        newJob({ queue: 'other' }),
      ]);
      await pause('mail.in');
      expect(idsOf(await claimAll(ctx.backend, ['mail.*']))).toEqual([mailOut]);
      expect(idsOf(await claimAll(ctx.backend, ['*']))).toEqual([other]);
      expect((await ctx.backend.countJobs()).ready).toBe(1);
    });

    it('become claimable again when resumed', async () => {
      const ids = await enqueue(ctx.backend, [newJob({ queue: 'a' }), newJob({ queue: 'a' })]);
      await pause('a');
      expect(await claimAll(ctx.backend)).toEqual([]);
      await resume('a');
      expect(idsOf(await claimAll(ctx.backend))).toEqual(ids);
    });

    it('can be paused before they ever had jobs', async () => {
      await pause('ghost');
      expect(await queueInfo(ctx.backend, 'ghost')).toEqual({
        name: 'ghost',
        paused: true,
        ready: 0,
        scheduled: 0,
        blocked: 0,
        claimed: 0,
        failed: 0,
        errored: 0,
        stopped: false,
        oldestReadyAt: null,
      });
      const [id] = await enqueue(ctx.backend, [newJob({ queue: 'ghost' })]);
      expect(await claimAll(ctx.backend, ['ghost', '*'])).toEqual([]);
      await resume('ghost');
      expect(idsOf(await claimAll(ctx.backend, ['ghost']))).toEqual([id]);
    });

    it('show as paused in listQueues until resumed', async () => {
      await enqueue(ctx.backend, [newJob({ queue: 'a' }), newJob({ queue: 'b' })]);
      await pause('a');
      const paused = async () => (await ctx.backend.listQueues()).map((queue) => [queue.name, queue.paused]);
      expect((await paused()).sort()).toEqual([
        ['a', true],
        ['b', false],
      ]);
      await resume('a');
      expect((await paused()).sort()).toEqual([
        ['a', false],
        ['b', false],
      ]);
    });

    it('take pausing twice and resuming a running queue in their stride', async () => {
      const [id] = await enqueue(ctx.backend, [newJob({ queue: 'a' })]);
      await pause('a');
      await pause('a');
      expect((await queueInfo(ctx.backend, 'a'))?.paused).toBe(true);
      await resume('a');
      await resume('a');
      await resume('never-seen');
      expect(idsOf(await claimAll(ctx.backend))).toEqual([id]);
    });

    it('still get their scheduled jobs promoted, but not claimed', async () => {
      const [id] = await enqueue(ctx.backend, [newJob({ queue: 'a', runAt: T0 + SECOND })]);
      await pause('a');
      const now = T0 + 2 * SECOND;
      expect(await ctx.backend.promoteScheduled({ now, limit: 10 })).toBe(1);
      expect(await statesOf(ctx.backend, [id!])).toEqual(['ready']);
      expect(await claimAll(ctx.backend, ['a', '*'], { now })).toEqual([]);
      await resume('a');
      expect(idsOf(await claimAll(ctx.backend, ['a'], { now }))).toEqual([id]);
    });
  });
}
