import { describe, expect, it } from 'vitest';
import type { Backend, NewJob, QueueLimits } from '../../src/backend/types.ts';
import { QueueFullError } from '../../src/errors.ts';
import { claimAll, newJob, newJobs, SECOND, T0, withSiblings } from './helpers.ts';
import type { ContractContext } from './types.ts';

const limitedTo = (key: string) => ({ concurrency: { key, limit: 1, durationMs: 600 * SECOND } });

export function queueLimitsContract(ctx: ContractContext): void {
  const enqueueWith = (limits: QueueLimits, jobs: readonly NewJob[], backend: Backend = ctx.backend) =>
    backend.enqueue({ jobs, now: T0, limits });
  const waiting = async () => {
    const counts = await ctx.backend.countJobs();
    return counts.ready + counts.scheduled + counts.blocked;
  };

  describe('queue size limits', () => {
    const perQueue = { perQueue: { q: 3 } };

    it('refuses an enqueue that would pass a queue’s limit, storing nothing', async () => {
      await enqueueWith(
        perQueue,
        newJobs(2, () => ({ queue: 'q' })),
      );
      const over = enqueueWith(
        perQueue,
        newJobs(2, () => ({ queue: 'q' })),
      );
      await expect(over).rejects.toThrow(QueueFullError);
      await expect(over).rejects.toMatchObject({ queue: 'q', size: 2, limit: 3, code: 'QUEUE_FULL' });
      expect(await waiting()).toBe(2);
      await enqueueWith(perQueue, [newJob({ queue: 'q' })]);
      expect(await waiting()).toBe(3);
    });

    it('counts ready, scheduled and blocked jobs, not running ones', async () => {
      await enqueueWith(perQueue, [
        newJob({ queue: 'other', ...limitedTo('k') }),
        newJob({ queue: 'q' }),
        newJob({ queue: 'q', runAt: T0 + SECOND }),
        newJob({ queue: 'q', ...limitedTo('k') }),
      ]);
      expect((await ctx.backend.countJobs()).blocked).toBe(1);
      await expect(enqueueWith(perQueue, [newJob({ queue: 'q' })])).rejects.toThrow(QueueFullError);
      expect(await claimAll(ctx.backend, ['q'])).toHaveLength(1);
      await enqueueWith(perQueue, [newJob({ queue: 'q' })]);
    });

    it('leaves queues without a limit alone', async () => {
      await enqueueWith(
        perQueue,
        newJobs(10, () => ({ queue: 'free' })),
      );
      expect(await waiting()).toBe(10);
    });

    it('a bulk enqueue over a limit stores none of its jobs, in any queue', async () => {
      const jobs = [newJob({ queue: 'free' }), ...newJobs(4, () => ({ queue: 'q' }))];
      await expect(enqueueWith(perQueue, jobs)).rejects.toThrow(QueueFullError);
      expect(await waiting()).toBe(0);
      expect(await ctx.backend.listJobs({})).toEqual([]);
    });

    it('limits all queues together with `total`', async () => {
      await enqueueWith({ total: 3 }, [newJob({ queue: 'a' }), newJob({ queue: 'b' })]);
      const over = enqueueWith({ total: 3 }, [newJob({ queue: 'c' }), newJob({ queue: 'd' })]);
      await expect(over).rejects.toMatchObject({ queue: null, size: 2, limit: 3 });
      await enqueueWith({ total: 3 }, [newJob({ queue: 'c' })]);
      expect(await waiting()).toBe(3);
    });

    it('does not count unique duplicates, which store nothing', async () => {
      const unique = newJob({
        queue: 'q',
        unique: {
          key: 'u',
          states: ['scheduled', 'ready', 'blocked'],
          expiresAt: null,
          onConflict: 'return',
        },
      });
      await enqueueWith(perQueue, [unique, newJob({ queue: 'q' }), newJob({ queue: 'q' })]);
      const ids = await enqueueWith(perQueue, [unique]);
      expect(ids.duplicates).toEqual([0]);
    });

    it('instances racing on one queue never pass its limit', async () => {
      await withSiblings(ctx, async (backends) => {
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            enqueueWith({ perQueue: { q: 5 } }, [newJob({ queue: 'q' })], backends[i % backends.length]),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(QueueFullError);
        expect(await waiting()).toBe(5);
      });
    });
  });
}
