import { describe, expect, it } from 'vitest';
import { claim, claimAll, enqueue, idsOf, mustGetJob, newJob, newJobs, T0, WORKER } from './helpers.ts';
import type { ContractContext } from './types.ts';

export function claimOrderContract(ctx: ContractContext): void {
  describe('claim order', () => {
    it('takes queues in list order before any numeric priority', async () => {
      const [low, high] = await enqueue(ctx.backend, [
        newJob({ queue: 'low', priority: -100 }),
        newJob({ queue: 'high', priority: 100 }),
      ]);
      expect(idsOf(await claimAll(ctx.backend, ['high', 'low']))).toEqual([high, low]);
    });

    it('orders a queue by numeric priority, lower first, negatives allowed', async () => {
      const priorities = [5, -3, 0, 10, -20];
      const ids = await enqueue(
        ctx.backend,
        priorities.map((priority) => newJob({ priority })),
      );
      const claimed = await claimAll(ctx.backend, ['default']);
      expect(claimed.map((job) => job.priority)).toEqual([-20, -3, 0, 5, 10]);
      expect(idsOf(claimed)).toEqual([ids[4], ids[1], ids[2], ids[0], ids[3]]);
    });

    it('is first in, first out within one priority', async () => {
      const ids = await enqueue(
        ctx.backend,
        newJobs(6, (i) => ({ priority: i % 2 })),
      );
      expect(idsOf(await claimAll(ctx.backend, ['default']))).toEqual([
        ids[0],
        ids[2],
        ids[4],
        ids[1],
        ids[3],
        ids[5],
      ]);
    });

    it('keeps FIFO across separate enqueue calls', async () => {
      const first = await enqueue(ctx.backend, [newJob()], T0);
      const second = await enqueue(ctx.backend, [newJob()], T0 + 1);
      const third = await enqueue(ctx.backend, [newJob()], T0 + 2);
      expect(idsOf(await claimAll(ctx.backend, ['default']))).toEqual([...first, ...second, ...third]);
    });

    it('respects the limit, continuing into the next queue when one runs dry', async () => {
      const a = await enqueue(
        ctx.backend,
        newJobs(2, () => ({ queue: 'a' })),
      );
      const b = await enqueue(
        ctx.backend,
        newJobs(3, () => ({ queue: 'b' })),
      );
      expect(idsOf(await claim(ctx.backend, ['a', 'b'], 3))).toEqual([...a, b[0]]);
      expect(idsOf(await claim(ctx.backend, ['a', 'b'], 1))).toEqual([b[1]]);
      expect(idsOf(await claim(ctx.backend, ['a', 'b'], 5))).toEqual([b[2]]);
    });

    it('returns claimed jobs with their fields, one more attempt and a lease', async () => {
      const [id] = await enqueue(ctx.backend, [
        newJob({ name: 'report', queue: 'q', priority: 2, args: '[1,2]', metadata: '{"k":"v"}' }),
      ]);
      const [job] = await claim(ctx.backend, ['q'], 1, { processId: 'proc-7', now: T0 + 5 });
      expect(job).toMatchObject({
        id,
        name: 'report',
        queue: 'q',
        priority: 2,
        args: '[1,2]',
        metadata: '{"k":"v"}',
        attempts: 1,
        enqueuedAt: T0,
      });
      expect(job?.lease).toEqual(expect.any(String));
      expect(job?.lease.length).toBeGreaterThan(0);
      expect(await mustGetJob(ctx.backend, id!)).toMatchObject({
        state: 'claimed',
        attempts: 1,
        processId: 'proc-7',
      });
    });

    it('never hands out a claimed job again', async () => {
      const ids = await enqueue(ctx.backend, newJobs(3));
      expect(idsOf(await claimAll(ctx.backend))).toEqual(ids);
      expect(await claimAll(ctx.backend)).toEqual([]);
      expect(await claimAll(ctx.backend, ['default'], { processId: 'other' })).toEqual([]);
    });

    it('splits jobs between concurrent claimers without overlap', async () => {
      const ids = await enqueue(ctx.backend, newJobs(10));
      const batches = await Promise.all(
        ['p1', 'p2', 'p3'].map((processId) => claim(ctx.backend, ['default'], 4, { processId })),
      );
      const claimed = batches.flatMap(idsOf);
      expect(claimed).toHaveLength(10);
      expect(new Set(claimed)).toEqual(new Set(ids));
    });

    it('claims nothing with limit 0 and leaves jobs ready', async () => {
      const [id] = await enqueue(ctx.backend, [newJob()]);
      expect(await claim(ctx.backend, ['default'], 0)).toEqual([]);
      expect(await mustGetJob(ctx.backend, id!)).toMatchObject({ state: 'ready', attempts: 0 });
    });

    it('claims nothing from empty, unknown or no queues', async () => {
      expect(await claimAll(ctx.backend)).toEqual([]);
      await enqueue(ctx.backend, [newJob({ queue: 'busy' })]);
      expect(await claimAll(ctx.backend, ['idle', 'busy-too'])).toEqual([]);
      expect(await claimAll(ctx.backend, [])).toEqual([]);
      expect((await ctx.backend.countJobs()).ready).toBe(1);
    });

    it('records the claiming process on every job of a batch', async () => {
      const ids = await enqueue(ctx.backend, newJobs(3));
      await claimAll(ctx.backend, ['default'], { processId: WORKER });
      const jobs = await Promise.all(ids.map((id) => mustGetJob(ctx.backend, id)));
      expect(jobs.map((job) => [job.state, job.processId, job.attempts])).toEqual(
        ids.map(() => ['claimed', WORKER, 1]),
      );
    });
  });
}
