import { describe, expect, it } from 'vitest';
import {
  claim,
  claimedJob,
  enqueue,
  failJobs,
  idsOf,
  newJob,
  newJobs,
  refOf,
  SECOND,
  statesOf,
  T0,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

export function retentionContract(ctx: ContractContext): void {
  /** Runs `count` jobs to the end at time `at`: finished, or discarded when told. */
  const endJobs = async (count: number, at: number, outcome: 'finished' | 'discarded' = 'finished') => {
    const queue = `ended-${outcome}`;
    await enqueue(
      ctx.backend,
      newJobs(count, () => ({ queue })),
      at,
    );
    const claimed = await claim(ctx.backend, [queue], count, { now: at });
    await ctx.backend.complete({
      items: claimed.map((job) =>
        outcome === 'finished'
          ? { ...refOf(job), outcome, result: null }
          : { ...refOf(job), outcome, error: null },
      ),
      now: at,
    });
    return idsOf(claimed);
  };
  const clear = (before: number, limit = 1000) => ctx.backend.clearFinished({ before, limit });

  describe('retention', () => {
    it('deletes finished and discarded jobs that ended before the cut-off', async () => {
      const finished = await endJobs(2, T0);
      const discarded = await endJobs(1, T0 + SECOND);
      expect(await clear(T0 + 2 * SECOND)).toBe(3);
      expect(await statesOf(ctx.backend, [...finished, ...discarded])).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(await ctx.backend.countJobs()).toMatchObject({ finished: 0, discarded: 0 });
    });

    it('keeps jobs that ended at or after the cut-off', async () => {
      const [early] = await endJobs(1, T0);
      const [onTime] = await endJobs(1, T0 + 10 * SECOND);
      expect(await clear(T0 + 10 * SECOND)).toBe(1);
      expect(await statesOf(ctx.backend, [early!, onTime!])).toEqual([undefined, 'finished']);
    });

    it('deletes at most limit jobs per call', async () => {
      const ids = await endJobs(5, T0);
      expect(await clear(T0 + SECOND, 2)).toBe(2);
      expect((await ctx.backend.countJobs()).finished).toBe(3);
      expect(await clear(T0 + SECOND, 2)).toBe(2);
      expect(await clear(T0 + SECOND, 2)).toBe(1);
      expect(await clear(T0 + SECOND, 2)).toBe(0);
      expect(await statesOf(ctx.backend, ids)).toEqual(ids.map(() => undefined));
    });

    it('deletes nothing with a limit of 0 or less', async () => {
      const ids = await endJobs(2, T0);
      expect(await clear(T0 + SECOND, 0)).toBe(0);
      expect(await clear(T0 + SECOND, -1)).toBe(0);
      expect(await statesOf(ctx.backend, ids)).toEqual(['finished', 'finished']);
    });

    it('clears jobs discarded from the failed list', async () => {
      const [id] = await failJobs(ctx.backend, 'q', 1);
      await ctx.backend.discardFailed({ select: { ids: [id!] }, now: T0 + SECOND });
      expect(await clear(T0 + 2 * SECOND)).toBe(1);
      expect(await statesOf(ctx.backend, [id!])).toEqual([undefined]);
    });

    it('never touches failed, ready, scheduled or claimed jobs', async () => {
      const [failed] = await failJobs(ctx.backend, 'failing', 1);
      const [ready, scheduled] = await enqueue(ctx.backend, [
        newJob({ queue: 'waiting' }),
        newJob({ queue: 'waiting', runAt: T0 + SECOND }),
      ]);
      const claimed = await claimedJob(ctx.backend);
      const far = T0 + 365 * 24 * 3600 * SECOND;
      expect(await clear(far)).toBe(0);
      expect(await statesOf(ctx.backend, [failed!, ready!, scheduled!, claimed.id])).toEqual([
        'failed',
        'ready',
        'scheduled',
        'claimed',
      ]);
    });
  });
}
