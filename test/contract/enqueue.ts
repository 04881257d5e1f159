import { describe, expect, it } from 'vitest';
import { claimAll, enqueue, idsOf, mustGetJob, newJob, newJobs, queueInfo, SECOND, T0 } from './helpers.ts';
import type { ContractContext } from './types.ts';

export function enqueueContract(ctx: ContractContext): void {
  describe('enqueue', () => {
    it('returns one distinct id per job, in input order', async () => {
      const jobs = ['first', 'second', 'third'].map((name) => newJob({ name }));
      const ids = await enqueue(ctx.backend, jobs);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      const names = await Promise.all(ids.map(async (id) => (await mustGetJob(ctx.backend, id)).name));
      expect(names).toEqual(['first', 'second', 'third']);
    });

    it('stores every field of a ready job', async () => {
      const [id] = await enqueue(ctx.backend, [
        newJob({
          name: 'mail.send',
          queue: 'mail',
          priority: -5,
          args: '[{"to":"a@b.c"}]',
          metadata: '{"trace":"t1"}',
        }),
      ]);
      expect(await ctx.backend.getJob({ id: id! })).toEqual({
        id,
        name: 'mail.send',
        queue: 'mail',
        priority: -5,
        args: '[{"to":"a@b.c"}]',
        metadata: '{"trace":"t1"}',
        state: 'ready',
        attempts: 0,
        enqueuedAt: T0,
        runAt: null,
        finishedAt: null,
        processId: null,
        lastError: null,
        result: null,
        expiresAt: null,
        concurrencyKey: null,
        uniqueKey: null,
        serialKey: null,
      });
    });

    it('stores a job due later as scheduled with its run time', async () => {
      const runAt = T0 + 60 * SECOND;
      const [id] = await enqueue(ctx.backend, [newJob({ queue: 'later', priority: 3, runAt })]);
      const job = await mustGetJob(ctx.backend, id!);
      expect(job).toMatchObject({ queue: 'later', priority: 3, state: 'scheduled', attempts: 0, runAt });
      expect(job.enqueuedAt).toBe(T0);
    });

    it('lists enqueued jobs with the same records getJob returns', async () => {
      const ids = await enqueue(ctx.backend, [
        newJob({ name: 'a' }),
        newJob({ name: 'b', runAt: T0 + SECOND }),
      ]);
      const listed = await ctx.backend.listJobs({});
      const fetched = await Promise.all(ids.map((id) => mustGetJob(ctx.backend, id)));
      expect(listed).toEqual(fetched.reverse());
    });

    it('stores a bulk enqueue of mixed queues, priorities and delays in one call', async () => {
      const ids = await enqueue(ctx.backend, [
        newJob({ queue: 'a', priority: 1 }),
        newJob({ queue: 'b', runAt: T0 + SECOND }),
        newJob({ queue: 'a', priority: -1, runAt: T0 }),
        newJob({ queue: 'c' }),
      ]);
      const jobs = await Promise.all(ids.map((id) => mustGetJob(ctx.backend, id)));
      expect(jobs.map((job) => [job.queue, job.priority, job.state])).toEqual([
        ['a', 1, 'ready'],
        ['b', 0, 'scheduled'],
        ['a', -1, 'ready'],
        ['c', 0, 'ready'],
      ]);
    });

    it('makes a bulk enqueue visible all at once or not at all', async () => {
      const total = 2000;
      const pending = enqueue(ctx.backend, newJobs(total));
      const seen = await Promise.all(Array.from({ length: 5 }, () => ctx.backend.countJobs()));
      await pending;
      for (const counts of seen) expect([0, total]).toContain(counts.ready);
      expect((await ctx.backend.countJobs()).ready).toBe(total);
    });

    it('registers every queue it enqueues to', async () => {
      await enqueue(ctx.backend, [
        newJob({ queue: 'alpha' }),
        newJob({ queue: 'beta', runAt: T0 + SECOND }),
        newJob({ queue: 'alpha' }),
      ]);
      const queues = await ctx.backend.listQueues();
      expect(queues.map((queue) => queue.name).sort()).toEqual(['alpha', 'beta']);
      expect(await queueInfo(ctx.backend, 'alpha')).toMatchObject({ paused: false, ready: 2, scheduled: 0 });
      expect(await queueInfo(ctx.backend, 'beta')).toMatchObject({ paused: false, ready: 0, scheduled: 1 });
    });

    it('stores nothing for an empty enqueue', async () => {
      expect(await enqueue(ctx.backend, [])).toEqual([]);
      expect(await ctx.backend.listJobs({})).toEqual([]);
      expect(await ctx.backend.listQueues()).toEqual([]);
    });

    it('keeps input order across a big batch', async () => {
      const total = 5000;
      // Every tenth job is delayed, so ids of ready and scheduled jobs interleave.
      const jobs = newJobs(total, (i) => ({ runAt: i % 10 === 0 ? T0 + SECOND : null }));
      const ids = await enqueue(ctx.backend, jobs);
      expect(ids).toHaveLength(total);
      expect(new Set(ids).size).toBe(total);

      const counts = await ctx.backend.countJobs();
      expect(counts).toMatchObject({ ready: total - total / 10, scheduled: total / 10 });
      const claimed = await claimAll(ctx.backend);
      const readyIndexes = jobs.flatMap((job, i) => (job.runAt === null ? [i] : []));
      expect(idsOf(claimed)).toEqual(readyIndexes.map((i) => ids[i]));
      expect(claimed.map((job) => job.args)).toEqual(readyIndexes.map((i) => `[${i}]`));
    });
  });
}
