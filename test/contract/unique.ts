import { describe, expect, it } from 'vitest';
import type { Completion, JobState, NewJob, UniqueControl } from '../../src/backend/types.ts';
import { DuplicateJobError } from '../../src/errors.ts';
import {
  claim,
  enqueue,
  mustGetJob,
  newJob,
  refOf,
  SECOND,
  statesOf,
  storedError,
  T0,
  withSiblings,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

const WAITING: readonly JobState[] = ['scheduled', 'ready', 'blocked'];
const DEFAULT_STATES: readonly JobState[] = [...WAITING, 'claimed'];

function unique(key: string, overrides: Partial<UniqueControl> = {}, job: Partial<NewJob> = {}): NewJob {
  return newJob({
    queue: 'u',
    ...job,
    unique: { key, states: DEFAULT_STATES, expiresAt: null, onConflict: 'return', ...overrides },
  });
}

const ENDINGS: readonly { state: JobState; end: (ref: { jobId: string; lease: string }) => Completion }[] = [
  { state: 'finished', end: (ref) => ({ ...ref, outcome: 'finished', result: null }) },
  { state: 'failed', end: (ref) => ({ ...ref, outcome: 'failed', error: storedError() }) },
  { state: 'discarded', end: (ref) => ({ ...ref, outcome: 'discarded', error: null }) },
];

export function uniqueContract(ctx: ContractContext): void {
  /** Enqueues one job: its id, and whether it was a duplicate (not stored). */
  const enqueueOne = async (job: NewJob, now = T0) => {
    const ids = await enqueue(ctx.backend, [job], now);
    return { id: ids[0], duplicate: ids.duplicates?.includes(0) ?? false };
  };
  const duplicateOf = (id: string | undefined) => ({ id, duplicate: true });
  const runOnly = async (id: string, now = T0) => {
    const [job] = await claim(ctx.backend, ['u'], 1, { now });
    expect(job?.id).toBe(id);
    return job!;
  };
  const finish = async (id: string, now = T0) => {
    const job = await runOnly(id, now);
    await ctx.backend.complete({ items: [{ ...refOf(job), outcome: 'finished', result: null }], now });
  };

  describe('unique jobs', () => {
    it('a duplicate gets the holder’s id and stores nothing', async () => {
      const [first] = await enqueue(ctx.backend, [unique('k')]);
      const again = await enqueue(ctx.backend, [newJob({ queue: 'u' }), unique('k'), unique('other')]);
      expect(again[1]).toBe(first);
      expect(again.duplicates).toEqual([1]);
      expect(new Set(again).size).toBe(3);
      expect((await ctx.backend.countJobs()).ready).toBe(3);
      expect(await mustGetJob(ctx.backend, first!)).toMatchObject({ uniqueKey: 'k', state: 'ready' });
    });

    it('stores the first of duplicates in one call; the others get its id', async () => {
      const ids = await enqueue(ctx.backend, [
        unique('k'),
        unique('k', {}, { runAt: T0 + SECOND }),
        unique('k'),
      ]);
      expect(new Set(ids).size).toBe(1);
      expect(ids.duplicates).toEqual([1, 2]);
      expect((await ctx.backend.countJobs()).ready).toBe(1);
    });

    it('lists the duplicates of a big call in input order', async () => {
      const jobs = Array.from({ length: 12 }, (_, i) => unique(i < 2 ? 'held' : `k${i % 3}`));
      const ids = await enqueue(ctx.backend, jobs);
      expect(ids.duplicates).toEqual([1, 5, 6, 7, 8, 9, 10, 11]);
    });

    it('reports no duplicates when there are none', async () => {
      const ids = await enqueue(ctx.backend, [unique('a'), unique('b')]);
      expect(ids.duplicates).toBeUndefined();
    });

    it('with onConflict error a duplicate fails the whole call, storing nothing', async () => {
      const [first] = await enqueue(ctx.backend, [unique('k')]);
      const call = enqueue(ctx.backend, [newJob({ queue: 'u' }), unique('k', { onConflict: 'error' })]);
      await expect(call).rejects.toThrow(DuplicateJobError);
      await expect(call).rejects.toMatchObject({ existingId: first, uniqueKey: 'k', code: 'DUPLICATE_JOB' });
      expect((await ctx.backend.countJobs()).ready).toBe(1);
      const inCall = enqueue(ctx.backend, [unique('x'), unique('x', { onConflict: 'error' })]);
      await expect(inCall).rejects.toMatchObject({ existingId: null, uniqueKey: 'x' });
      expect((await ctx.backend.countJobs()).ready).toBe(1);
    });

    it('holds the key while running and across retries', async () => {
      const [first] = await enqueue(ctx.backend, [unique('k')]);
      const job = await runOnly(first!);
      expect(await enqueueOne(unique('k'))).toEqual(duplicateOf(first));
      await ctx.backend.complete({
        items: [{ ...refOf(job), outcome: 'retry', runAt: T0, error: null }],
        now: T0,
      });
      expect(await enqueueOne(unique('k'))).toEqual(duplicateOf(first));
    });

    describe.each(ENDINGS)('when the holder ends $state', ({ state, end }) => {
      it('releases the key when that state is not covered', async () => {
        const [first] = await enqueue(ctx.backend, [unique('k')]);
        await ctx.backend.complete({ items: [end(refOf(await runOnly(first!)))], now: T0 });
        const [second] = await enqueue(ctx.backend, [unique('k')]);
        expect(second).not.toBe(first);
        expect(await statesOf(ctx.backend, [first!, second!])).toEqual([state, 'ready']);
      });

      it('keeps the key when that state is covered', async () => {
        const [first] = await enqueue(ctx.backend, [unique('k', { states: [...DEFAULT_STATES, state] })]);
        await ctx.backend.complete({ items: [end(refOf(await runOnly(first!)))], now: T0 });
        expect(await enqueueOne(unique('k'))).toEqual(duplicateOf(first));
      });
    });

    it('releases the key at the claim when claimed is not covered', async () => {
      const [first] = await enqueue(ctx.backend, [unique('k', { states: WAITING })]);
      await runOnly(first!);
      const [second] = await enqueue(ctx.backend, [unique('k', { states: WAITING })]);
      expect(second).not.toBe(first);
    });

    it('a key whose period ended is taken by the next job; the old holder no longer frees it', async () => {
      const [first] = await enqueue(ctx.backend, [unique('k', { expiresAt: T0 + 10 * SECOND })]);
      expect(await enqueueOne(unique('k'), T0 + 10 * SECOND - 1)).toEqual(duplicateOf(first));
      const [second] = await enqueue(ctx.backend, [unique('k')], T0 + 10 * SECOND);
      expect(second).not.toBe(first);
      await finish(first!, T0 + 11 * SECOND);
      expect(await enqueueOne(unique('k'), T0 + 12 * SECOND)).toEqual(duplicateOf(second));
    });

    it('a finished job covering finished holds the key until its period ends', async () => {
      const states: JobState[] = [...DEFAULT_STATES, 'finished'];
      const [first] = await enqueue(ctx.backend, [unique('k', { states, expiresAt: T0 + 60 * SECOND })]);
      await finish(first!);
      expect(await enqueueOne(unique('k'), T0 + 59 * SECOND)).toEqual(duplicateOf(first));
      const [second] = await enqueue(ctx.backend, [unique('k')], T0 + 60 * SECOND);
      expect(second).not.toBe(first);
    });

    it('discarding a failed job releases a key covering failed', async () => {
      const [first] = await enqueue(ctx.backend, [unique('k', { states: [...DEFAULT_STATES, 'failed'] })]);
      const job = await runOnly(first!);
      await ctx.backend.complete({
        items: [{ ...refOf(job), outcome: 'failed', error: storedError() }],
        now: T0,
      });
      expect(await enqueueOne(unique('k'))).toEqual(duplicateOf(first));
      await ctx.backend.discardFailed({ select: { ids: [first!] }, now: T0 });
      expect((await enqueueOne(unique('k'))).id).not.toBe(first);
    });

    it('clearing a finished job releases the key it still held', async () => {
      const [first] = await enqueue(ctx.backend, [unique('k', { states: [...DEFAULT_STATES, 'finished'] })]);
      await finish(first!);
      expect(await ctx.backend.clearFinished({ before: T0 + SECOND, limit: 10 })).toBe(1);
      expect((await enqueueOne(unique('k'))).id).not.toBe(first);
    });

    it('instances racing on one key store one job', async () => {
      await withSiblings(ctx, async (backends) => {
        const ids = (
          await Promise.all(
            Array.from({ length: 12 }, (_, i) => enqueue(backends[i % backends.length]!, [unique('race')])),
          )
        ).flat();
        expect(new Set(ids).size).toBe(1);
        expect((await ctx.backend.countJobs()).ready).toBe(1);
      });
    });
  });
}
