import { describe, expect, it } from 'vitest';
import { claim, claimAll, enqueue, idsOf, newJob } from './helpers.ts';
import type { ContractContext } from './types.ts';

export function wildcardsContract(ctx: ContractContext): void {
  describe('queue wildcards', () => {
    it('"*" takes every queue by priority, then FIFO across queues', async () => {
      const [a0, b1, c0, a1] = await enqueue(ctx.backend, [
        newJob({ queue: 'a', priority: 0 }),
        newJob({ queue: 'b', priority: -1 }),
        newJob({ queue: 'c', priority: 0 }),
        newJob({ queue: 'a', priority: -1 }),
      ]);
      expect(idsOf(await claimAll(ctx.backend, ['*']))).toEqual([b1, a1, a0, c0]);
    });

    it('"*" respects the limit', async () => {
      const ids = await enqueue(ctx.backend, [
        newJob({ queue: 'x' }),
        newJob({ queue: 'y' }),
        newJob({ queue: 'z' }),
      ]);
      expect(idsOf(await claim(ctx.backend, ['*'], 2))).toEqual(ids.slice(0, 2));
    });

    it('"prefix*" takes all matching queues as one group, leaving the rest', async () => {
      const [low, other, high, low2] = await enqueue(ctx.backend, [
        newJob({ queue: 'mail.low', priority: 5 }),
        newJob({ queue: 'other', priority: -50 }),
        newJob({ queue: 'mail.high', priority: 1 }),
        newJob({ queue: 'mail.low', priority: 1 }),
      ]);
      expect(idsOf(await claimAll(ctx.backend, ['mail.*']))).toEqual([high, low2, low]);
      expect(idsOf(await claimAll(ctx.backend, ['*']))).toEqual([other]);
    });

    it('mixes exact names and wildcards in list order', async () => {
      const [rest, mail, urgent, mailFirst] = await enqueue(ctx.backend, [
        newJob({ queue: 'reports', priority: -9 }),
        newJob({ queue: 'mail.out', priority: 0 }),
        newJob({ queue: 'urgent', priority: 9 }),
        newJob({ queue: 'mail.in', priority: -1 }),
      ]);
      expect(idsOf(await claimAll(ctx.backend, ['urgent', 'mail.*', '*']))).toEqual([
        urgent,
        mailFirst,
        mail,
        rest,
      ]);
    });

    it('claims a job once even when several patterns select its queue', async () => {
      const ids = await enqueue(ctx.backend, [newJob({ queue: 'jobs.a' }), newJob({ queue: 'jobs.b' })]);
      const claimed = await claimAll(ctx.backend, ['jobs.a', 'jobs.*', '*', 'jobs.a']);
      expect(idsOf(claimed)).toEqual(ids);
    });

    it('skips a prefix that matches no queue', async () => {
      const [id] = await enqueue(ctx.backend, [newJob({ queue: 'billing' })]);
      expect(await claimAll(ctx.backend, ['nothing*'])).toEqual([]);
      expect(idsOf(await claimAll(ctx.backend, ['nothing*', 'billing']))).toEqual([id]);
    });

    it('does not treat a prefix as an exact name', async () => {
      await enqueue(ctx.backend, [newJob({ queue: 'mail' })]);
      expect(await claimAll(ctx.backend, ['mailer*'])).toEqual([]);
      expect(await claimAll(ctx.backend, ['mail.'])).toEqual([]);
    });
  });
}
