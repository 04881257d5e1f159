import { describe, expect, it } from 'vitest';
import type { Completion, NewJob } from '../../src/backend/types.ts';
import {
  claimAll,
  enqueue,
  idsOf,
  mustGetJob,
  newJob,
  processInfo,
  queueInfo,
  refOf,
  SECOND,
  statesOf,
  storedError,
  T0,
  withSiblings,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

const DURATION = 60 * SECOND;
const ERROR = storedError();

/** A job limited to `limit` at once per `key`. */
function limited(key: string, limit = 1, overrides: Partial<NewJob> = {}): NewJob {
  return newJob({
    queue: 'q',
    ...overrides,
    concurrency: { key: `Limited/${key}`, limit, durationMs: DURATION },
  });
}

const ENDINGS: readonly { label: string; end: (ref: { jobId: string; lease: string }) => Completion }[] = [
  { label: 'finishes', end: (ref) => ({ ...ref, outcome: 'finished', result: null }) },
  { label: 'fails', end: (ref) => ({ ...ref, outcome: 'failed', error: ERROR }) },
  { label: 'is discarded', end: (ref) => ({ ...ref, outcome: 'discarded', error: null }) },
];

export function concurrencyContract(ctx: ContractContext): void {
  const complete = (items: readonly Completion[], now = T0) => ctx.backend.complete({ items, now });
  /** Claims the one claimable job of queue q, which must be `id`. */
  const claimOnly = async (id: string, now = T0, processId = 'worker-1') => {
    const claimed = await claimAll(ctx.backend, ['q'], { now, processId });
    expect(idsOf(claimed)).toEqual([id]);
    return claimed[0]!;
  };

  describe('concurrency limits', () => {
    it('blocks jobs over the limit of their key: stored, listed and counted', async () => {
      const ids = await enqueue(ctx.backend, [limited('a'), limited('a'), limited('a')]);
      expect(await statesOf(ctx.backend, ids)).toEqual(['ready', 'blocked', 'blocked']);
      expect((await ctx.backend.countJobs()).blocked).toBe(2);
      expect(await queueInfo(ctx.backend, 'q')).toMatchObject({ ready: 1, blocked: 2 });
      expect(idsOf(await ctx.backend.listJobs({ state: 'blocked' }))).toEqual([ids[2], ids[1]]);
      expect(await mustGetJob(ctx.backend, ids[1]!)).toMatchObject({ concurrencyKey: 'Limited/a' });
      expect(idsOf(await claimAll(ctx.backend))).toEqual([ids[0]]);
    });

    it('lets `limit` jobs of a key hold slots at once, and keys apart', async () => {
      const ids = await enqueue(ctx.backend, [
        limited('a', 2),
        limited('b', 2),
        limited('a', 2),
        limited('a', 2),
        limited('b', 2),
      ]);
      expect(await statesOf(ctx.backend, ids)).toEqual(['ready', 'ready', 'ready', 'blocked', 'ready']);
    });

    it('leaves jobs without a key alone', async () => {
      const ids = await enqueue(ctx.backend, [limited('a'), newJob({ queue: 'q' }), limited('a')]);
      expect(await statesOf(ctx.backend, ids)).toEqual(['ready', 'ready', 'blocked']);
    });

    describe.each(ENDINGS)('when a job holding a slot $label', ({ end }) => {
      it('unblocks the next job of its key, by priority then FIFO', async () => {
        const [first, late, urgent, other] = await enqueue(ctx.backend, [
          limited('a'),
          limited('a', 1, { priority: 5 }),
          limited('a', 1, { priority: -1 }),
          limited('b'),
        ]);
        const running = await claimAll(ctx.backend);
        expect(idsOf(running)).toEqual([first, other]);
        expect(await complete([end(refOf(running[0]!))])).toEqual({ rejected: [] });
        expect(await statesOf(ctx.backend, [urgent!, late!])).toEqual(['ready', 'blocked']);
        await complete([end(refOf(await claimOnly(urgent!)))]);
        expect(await statesOf(ctx.backend, [late!])).toEqual(['ready']);
      });
    });

    it('unblocks as many as a batch of endings freed', async () => {
      const ids = await enqueue(
        ctx.backend,
        [1, 2, 3, 4, 5].map(() => limited('a', 2)),
      );
      const running = await claimAll(ctx.backend);
      await complete(running.map((job) => ({ ...refOf(job), outcome: 'finished', result: null })));
      expect(await statesOf(ctx.backend, ids)).toEqual(['finished', 'finished', 'ready', 'ready', 'blocked']);
    });

    it('a retry gives the slot up and takes one again like a new job', async () => {
      const [first, second] = await enqueue(ctx.backend, [limited('a'), limited('a')]);
      const job = await claimOnly(first!);
      await complete([{ ...refOf(job), outcome: 'retry', runAt: T0, error: ERROR }]);
      expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['blocked', 'ready']);
      await complete([{ ...refOf(await claimOnly(second!)), outcome: 'finished', result: null }]);
      expect(await mustGetJob(ctx.backend, first!)).toMatchObject({ state: 'ready', attempts: 1 });
    });

    it('a retry due later gives the slot up; once due it takes a slot or is blocked', async () => {
      const [first, second] = await enqueue(ctx.backend, [limited('a'), limited('a')]);
      const later = T0 + 10 * SECOND;
      await complete([{ ...refOf(await claimOnly(first!)), outcome: 'snooze', runAt: later }]);
      expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['scheduled', 'ready']);
      expect(await ctx.backend.promoteScheduled({ now: later, limit: 10 })).toBe(1);
      expect(await statesOf(ctx.backend, [first!])).toEqual(['blocked']);
    });

    it('a scheduled job takes a slot when it becomes due, or is blocked', async () => {
      const later = T0 + 10 * SECOND;
      const [now, due, other] = await enqueue(ctx.backend, [
        limited('a'),
        limited('a', 1, { runAt: later }),
        limited('b', 1, { runAt: later, queue: 'elsewhere' }),
      ]);
      expect(await statesOf(ctx.backend, [due!, other!])).toEqual(['scheduled', 'scheduled']);
      expect(await ctx.backend.promoteScheduled({ now: later, limit: 10 })).toBe(2);
      expect(await statesOf(ctx.backend, [due!, other!])).toEqual(['blocked', 'ready']);
      await complete([{ ...refOf(await claimOnly(now!, later)), outcome: 'finished', result: null }], later);
      expect(await statesOf(ctx.backend, [due!])).toEqual(['ready']);
    });

    it('a failed job retried by hand takes a slot like a new job', async () => {
      const [first, second] = await enqueue(ctx.backend, [limited('a'), limited('a')]);
      await complete([{ ...refOf(await claimOnly(first!)), outcome: 'failed', error: ERROR }]);
      expect(await ctx.backend.retryFailed({ select: { ids: [first!] }, now: T0 })).toBe(1);
      expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['blocked', 'ready']);
    });

    it('a claim given back keeps its live slot; nothing waiting jumps the queue', async () => {
      const [first, second] = await enqueue(ctx.backend, [limited('a'), limited('a')]);
      const job = await claimOnly(first!);
      expect(await ctx.backend.release({ items: [refOf(job)], now: T0 })).toBe(1);
      expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['ready', 'blocked']);
    });

    it('a dead worker’s job keeps its slot; the stale worker can neither finish it nor free the slot', async () => {
      await ctx.backend.registerProcess({ process: processInfo({ id: 'dead' }) });
      const [first, second] = await enqueue(ctx.backend, [limited('a'), limited('a')]);
      const stale = await claimOnly(first!, T0, 'dead');
      const now = T0 + 10 * SECOND;
      expect((await ctx.backend.pruneProcesses({ aliveSince: now, now })).released).toBe(1);
      expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['ready', 'blocked']);
      const fresh = await claimOnly(first!, now);
      for (const item of ENDINGS.map(({ end }) => end(refOf(stale)))) {
        expect(await complete([item], now)).toEqual({ rejected: [first] });
      }
      expect(await ctx.backend.release({ items: [refOf(stale)], now })).toBe(0);
      expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['claimed', 'blocked']);
      await complete([{ ...refOf(fresh), outcome: 'finished', result: null }], now);
      expect(await statesOf(ctx.backend, [second!])).toEqual(['ready']);
    });

    it('a slot past its duration is released by maintenance, one waiting job at a time', async () => {
      const [first, second, third] = await enqueue(ctx.backend, [limited('a'), limited('a'), limited('a')]);
      const stuck = await claimOnly(first!);
      expect(await ctx.backend.unblockJobs({ now: T0 + DURATION - 1, limit: 100 })).toBe(0);
      const after = T0 + DURATION + SECOND;
      expect(await ctx.backend.unblockJobs({ now: after, limit: 100 })).toBe(1);
      expect(await statesOf(ctx.backend, [second!, third!])).toEqual(['ready', 'blocked']);
      expect(await ctx.backend.unblockJobs({ now: after, limit: 100 })).toBe(0);
      // The stuck job ends late: its slot was taken over, so it frees nothing.
      await complete([{ ...refOf(stuck), outcome: 'finished', result: null }], after);
      expect(await statesOf(ctx.backend, [second!, third!])).toEqual(['ready', 'blocked']);
    });

    it('a claim given back after its slot expired takes a slot again, or is blocked', async () => {
      const [first, second] = await enqueue(ctx.backend, [limited('a'), limited('a')]);
      const job = await claimOnly(first!);
      const after = T0 + DURATION + SECOND;
      expect(await ctx.backend.unblockJobs({ now: after, limit: 100 })).toBe(1);
      expect(await ctx.backend.release({ items: [refOf(job)], now: after })).toBe(1);
      expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['blocked', 'ready']);
    });

    it('maintenance handles keys in batches of `limit`', async () => {
      const keys = ['a', 'b', 'c', 'd', 'e'];
      const ids = await enqueue(ctx.backend, [
        ...keys.map((k) => limited(k)),
        ...keys.map((k) => limited(k)),
      ]);
      await claimAll(ctx.backend);
      expect(await ctx.backend.unblockJobs({ now: T0 + DURATION, limit: 2 })).toBe(5);
      expect(await statesOf(ctx.backend, ids.slice(5))).toEqual(keys.map(() => 'ready'));
      expect(await ctx.backend.unblockJobs({ now: T0 + DURATION, limit: 0 })).toBe(0);
    });

    it('dispatchers racing on maintenance unblock no more than the limit', async () => {
      const ids = await enqueue(
        ctx.backend,
        [1, 2, 3, 4, 5, 6].map(() => limited('a', 2)),
      );
      await claimAll(ctx.backend);
      const after = T0 + DURATION + SECOND;
      await withSiblings(ctx, async (backends) => {
        const unblocked = await Promise.all(
          [...backends, ...backends].map((b) => b.unblockJobs({ now: after, limit: 100 })),
        );
        expect(unblocked.reduce((sum, n) => sum + n, 0)).toBe(2);
      });
      const states = await statesOf(ctx.backend, ids);
      expect(states.filter((s) => s === 'ready')).toHaveLength(2);
      expect(states.filter((s) => s === 'blocked')).toHaveLength(2);
    });

    it('a bulk enqueue gives slots in input order, key by key', async () => {
      const jobs = Array.from({ length: 12 }, (_, i) => limited(i % 2 ? 'odd' : 'even', 2));
      const ids = await enqueue(ctx.backend, jobs);
      const states = await statesOf(ctx.backend, ids);
      expect(states.filter((s) => s === 'ready')).toHaveLength(4);
      expect(states.slice(0, 4)).toEqual(['ready', 'ready', 'ready', 'ready']);
    });

    it('never lets instances racing on one database exceed the limit', async () => {
      await withSiblings(ctx, async (backends) => {
        const ids = (
          await Promise.all(
            Array.from({ length: 24 }, (_, i) =>
              enqueue(backends[i % backends.length]!, [limited('race', 2)]),
            ),
          )
        ).flat();
        const states = await statesOf(ctx.backend, ids);
        expect(states.filter((s) => s === 'ready')).toHaveLength(2);
        // Endings racing on different instances each unblock one job: two at a time, never more.
        for (let round = 0; round < 12; round++) {
          const running = await claimAll(ctx.backend, ['*'], { now: T0 });
          expect(running).toHaveLength(2);
          await Promise.all(
            running.map((job, i) =>
              backends[i % backends.length]!.complete({
                items: [{ ...refOf(job), outcome: 'finished', result: null }],
                now: T0,
              }),
            ),
          );
        }
        expect(await statesOf(ctx.backend, ids)).toEqual(ids.map(() => 'finished'));
      });
    });
  });
}
