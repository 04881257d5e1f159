import { describe, expect, it } from 'vitest';
import type { Backend, ClaimedJob, Completion, NewJob, SerialControl } from '../../src/backend/types.ts';
import {
  claim,
  claimAll,
  enqueue,
  idsOf,
  mustGetJob,
  NON_NUMERIC_IDS,
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

const at = (seconds: number) => T0 + seconds * SECOND;

/** A job of line `key` in queue q (a whole serialized queue is the line keyed by its name). */
function inLine(
  key = 'q',
  onError: SerialControl['onError'] = 'stop',
  overrides: Partial<NewJob> = {},
): NewJob {
  return newJob({ queue: 'q', ...overrides, serial: { key, onError } });
}

const finish = (job: ClaimedJob): Completion => ({ ...refOf(job), outcome: 'finished', result: null });
const fail = (job: ClaimedJob): Completion => ({ ...refOf(job), outcome: 'failed', error: storedError() });

export function serializedContract(ctx: ContractContext): void {
  const complete = (items: readonly Completion[], now = T0) => ctx.backend.complete({ items, now });
  /** Claims everything claimable and asserts it is exactly `ids`. */
  const claimExactly = async (ids: readonly (string | undefined)[], now = T0, processId = 'worker-1') => {
    const claimed = await claimAll(ctx.backend, ['*'], { now, processId });
    expect(idsOf(claimed)).toEqual(ids);
    return claimed;
  };
  const reenter = (select: Parameters<Backend['reenterErrored']>[0]['select'], now = T0) =>
    ctx.backend.reenterErrored({ select, now });
  const remove = (select: Parameters<Backend['removeErrored']>[0]['select'], now = T0) =>
    ctx.backend.removeErrored({ select, now });

  describe('serialized lines', () => {
    it('only the head of a line is ready; the others wait, blocked, counted and listed', async () => {
      const ids = await enqueue(ctx.backend, [inLine(), inLine(), inLine()]);
      expect(await statesOf(ctx.backend, ids)).toEqual(['ready', 'blocked', 'blocked']);
      expect(await queueInfo(ctx.backend, 'q')).toMatchObject({
        ready: 1,
        blocked: 2,
        errored: 0,
        stopped: false,
      });
      expect((await ctx.backend.countJobs()).blocked).toBe(2);
      expect(await mustGetJob(ctx.backend, ids[1]!)).toMatchObject({ serialKey: 'q', state: 'blocked' });
    });

    it('runs a line one job at a time in enqueue order, whatever the priorities', async () => {
      const ids = await enqueue(ctx.backend, [
        inLine('q', 'stop', { priority: 5 }),
        inLine('q', 'stop', { priority: -10 }),
      ]);
      const [late] = await enqueue(ctx.backend, [inLine('q', 'stop', { priority: -20 })], at(1));
      for (const id of [...ids, late]) {
        const [job] = await claimExactly([id]);
        expect(await claimAll(ctx.backend)).toEqual([]);
        expect(await complete([finish(job!)])).toEqual({ rejected: [] });
      }
      expect(await claimAll(ctx.backend)).toEqual([]);
      expect(await queueInfo(ctx.backend, 'q')).toMatchObject({ ready: 0, blocked: 0 });
    });

    it('runs different lines in parallel, and leaves jobs in no line alone', async () => {
      const [a1, b1, plain, a2, b2] = await enqueue(ctx.backend, [
        inLine('q/a'),
        inLine('q/b'),
        newJob({ queue: 'q' }),
        inLine('q/a'),
        inLine('q/b'),
      ]);
      const running = await claimExactly([a1, b1, plain]);
      await complete(running.map(finish));
      await claimExactly([a2, b2]);
    });

    it('a job due later heads its line from then on: the jobs behind it wait for it', async () => {
      const [later, now] = await enqueue(ctx.backend, [inLine('q', 'stop', { runAt: at(10) }), inLine()]);
      expect(await statesOf(ctx.backend, [later!, now!])).toEqual(['scheduled', 'blocked']);
      expect(await claimAll(ctx.backend)).toEqual([]);
      expect(await ctx.backend.promoteScheduled({ now: at(10), limit: 10 })).toBe(1);
      const [job] = await claimExactly([later], at(10));
      await complete([finish(job!)], at(10));
      await claimExactly([now], at(10));
    });

    it('a job waiting with a run time heads the line when due, or scheduled until then', async () => {
      const [first, later] = await enqueue(ctx.backend, [inLine(), inLine('q', 'stop', { runAt: at(10) })]);
      const [job] = await claimExactly([first]);
      await complete([finish(job!)], at(1));
      expect(await statesOf(ctx.backend, [later!])).toEqual(['scheduled']);
      expect(await ctx.backend.promoteScheduled({ now: at(10), limit: 10 })).toBe(1);
      await claimExactly([later], at(10));
    });

    it('a discarded or expired head lets the next one run', async () => {
      const [first, second, third] = await enqueue(ctx.backend, [
        inLine(),
        inLine('q', 'stop', { expiresAt: at(5) }),
        inLine(),
      ]);
      const [job] = await claimExactly([first]);
      await complete([{ ...refOf(job!), outcome: 'discarded', error: null }]);
      expect(await statesOf(ctx.backend, [second!, third!])).toEqual(['ready', 'blocked']);
      expect(await ctx.backend.expireJobs({ now: at(5), limit: 10 })).toHaveLength(1);
      expect(await statesOf(ctx.backend, [second!, third!])).toEqual(['expired', 'ready']);
    });

    it('a job expiring while it waits leaves its line; the head stays', async () => {
      const [first, second, third] = await enqueue(ctx.backend, [
        inLine(),
        inLine('q', 'stop', { expiresAt: at(5) }),
        inLine(),
      ]);
      expect(await ctx.backend.expireJobs({ now: at(5), limit: 10 })).toHaveLength(1);
      expect(await statesOf(ctx.backend, [first!, second!, third!])).toEqual(['ready', 'expired', 'blocked']);
      const [job] = await claimExactly([first], at(5));
      await complete([finish(job!)], at(5));
      await claimExactly([third], at(5));
    });

    it('a head claimed past its expiry ends expired and the next one runs', async () => {
      const [first, second] = await enqueue(ctx.backend, [
        inLine('q', 'stop', { expiresAt: at(5) }),
        inLine(),
      ]);
      expect(idsOf(await claimAll(ctx.backend, ['*'], { now: at(6) }))).toEqual([]);
      expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['expired', 'ready']);
    });

    describe('on error: stop', () => {
      it('the failed job becomes errored, stays at the head and the queue shows stopped', async () => {
        const [first, second] = await enqueue(ctx.backend, [inLine(), inLine()]);
        const [job] = await claimExactly([first]);
        await complete([fail(job!)]);
        expect(await mustGetJob(ctx.backend, first!)).toMatchObject({
          state: 'errored',
          lastError: storedError(),
          processId: null,
        });
        expect(await statesOf(ctx.backend, [second!])).toEqual(['blocked']);
        expect(await claimAll(ctx.backend)).toEqual([]);
        expect(await queueInfo(ctx.backend, 'q')).toMatchObject({ errored: 1, stopped: true, failed: 0 });
        expect((await ctx.backend.countJobs()).errored).toBe(1);
        expect(idsOf(await ctx.backend.listJobs({ state: 'errored' }))).toEqual([first]);
        // Errored is not failed: the failed-job operations do not touch it.
        expect(await ctx.backend.retryFailed({ select: { all: true }, now: T0 })).toBe(0);
      });

      it('a stopped ordering key stops only its own line, and the queue is not shown stopped', async () => {
        const [a1, a2, b1] = await enqueue(ctx.backend, [inLine('q/a'), inLine('q/a'), inLine('q/b')]);
        const running = await claimExactly([a1, b1]);
        await complete([fail(running[0]!), finish(running[1]!)]);
        expect(await statesOf(ctx.backend, [a1!, a2!])).toEqual(['errored', 'blocked']);
        expect(await queueInfo(ctx.backend, 'q')).toMatchObject({ errored: 1, stopped: false });
      });

      it('retries happen first: while a job waits for its retry, the jobs behind it wait too', async () => {
        const [first, second] = await enqueue(ctx.backend, [inLine(), inLine()]);
        const [job] = await claimExactly([first]);
        await complete([{ ...refOf(job!), outcome: 'retry', runAt: at(10), error: storedError() }]);
        expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['scheduled', 'blocked']);
        expect(await claimAll(ctx.backend, ['*'], { now: at(5) })).toEqual([]);
        await ctx.backend.promoteScheduled({ now: at(10), limit: 10 });
        const [again] = await claimExactly([first], at(10));
        expect(again!.attempts).toBe(2);
        await complete([{ ...refOf(again!), outcome: 'retry', runAt: at(10), error: storedError() }], at(10));
        const [third] = await claimExactly([first], at(10));
        await complete([fail(third!)], at(10));
        expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['errored', 'blocked']);
      });

      it('re-entered, the errored job runs again before the jobs behind it', async () => {
        const [first, second] = await enqueue(ctx.backend, [inLine(), inLine()]);
        await complete([fail((await claimExactly([first]))[0]!)]);
        expect(await reenter({ ids: [first!] })).toBe(1);
        expect(await mustGetJob(ctx.backend, first!)).toMatchObject({ state: 'ready', attempts: 1 });
        expect(await queueInfo(ctx.backend, 'q')).toMatchObject({ errored: 0, stopped: false });
        const [again] = await claimExactly([first]);
        expect(again!.attempts).toBe(2);
        await complete([finish(again!)]);
        await claimExactly([second]);
      });

      it('removed, the errored job is discarded and the line goes on with the next', async () => {
        const [first, second] = await enqueue(ctx.backend, [inLine(), inLine()]);
        await complete([fail((await claimExactly([first]))[0]!)]);
        expect(await remove({ queue: 'q' }, at(1))).toBe(1);
        expect(await mustGetJob(ctx.backend, first!)).toMatchObject({
          state: 'discarded',
          finishedAt: at(1),
        });
        expect(await queueInfo(ctx.backend, 'q')).toMatchObject({ errored: 0, stopped: false, ready: 1 });
        await claimExactly([second]);
      });

      it('a job enqueued behind a stopped line waits; re-entry and removal apply only to errored jobs', async () => {
        const [first] = await enqueue(ctx.backend, [inLine()]);
        await complete([fail((await claimExactly([first]))[0]!)]);
        const [later] = await enqueue(ctx.backend, [inLine()], at(1));
        expect(await statesOf(ctx.backend, [later!])).toEqual(['blocked']);
        expect(await reenter({ ids: [later!, '987654321', ...NON_NUMERIC_IDS] })).toBe(0);
        expect(await remove({ ids: [later!] })).toBe(0);
        expect(await reenter({})).toBe(0);
        expect(await statesOf(ctx.backend, [first!, later!])).toEqual(['errored', 'blocked']);
        expect(await reenter({ all: true })).toBe(1);
        await claimExactly([first]);
      });
    });

    describe('on error: continue', () => {
      it('the errored job is set aside and the next one runs', async () => {
        const [first, second] = await enqueue(ctx.backend, [
          inLine('q', 'continue'),
          inLine('q', 'continue'),
        ]);
        await complete([fail((await claimExactly([first]))[0]!)]);
        expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['errored', 'ready']);
        expect(await queueInfo(ctx.backend, 'q')).toMatchObject({ errored: 1, stopped: false });
      });

      it('re-entered, it runs before the jobs behind it that have not started', async () => {
        const [first, second, third] = await enqueue(
          ctx.backend,
          [1, 2, 3].map(() => inLine('q', 'continue')),
        );
        await complete([fail((await claimExactly([first]))[0]!)]);
        const [running] = await claimExactly([second]);
        expect(await reenter({ queue: 'q' })).toBe(1);
        expect(await statesOf(ctx.backend, [first!, third!])).toEqual(['blocked', 'blocked']);
        await complete([finish(running!)]);
        const [again] = await claimExactly([first]);
        await complete([finish(again!)]);
        await claimExactly([third]);
      });

      it('re-entered, it goes before a successor that heads the line but was never claimed', async () => {
        const [first, second, third] = await enqueue(
          ctx.backend,
          [1, 2, 3].map(() => inLine('q', 'continue')),
        );
        await complete([fail((await claimExactly([first]))[0]!)]);
        expect(await statesOf(ctx.backend, [second!])).toEqual(['ready']);
        expect(await reenter({ ids: [first!] })).toBe(1);
        expect(await statesOf(ctx.backend, [first!, second!, third!])).toEqual([
          'ready',
          'blocked',
          'blocked',
        ]);
        for (const id of [first, second, third]) await complete([finish((await claimExactly([id]))[0]!)]);
      });

      it('re-entered behind a successor waiting for its retry, it waits: that one has started', async () => {
        const [first, second] = await enqueue(ctx.backend, [
          inLine('q', 'continue'),
          inLine('q', 'continue'),
        ]);
        await complete([fail((await claimExactly([first]))[0]!)]);
        const [running] = await claimExactly([second]);
        await complete([{ ...refOf(running!), outcome: 'retry', runAt: at(10), error: storedError() }]);
        expect(await reenter({ ids: [first!] })).toBe(1);
        expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['blocked', 'scheduled']);
      });

      it('re-entered into an idle line, it runs at once; removed, nothing else changes', async () => {
        const [first, second] = await enqueue(ctx.backend, [
          inLine('q', 'continue'),
          inLine('q', 'continue'),
        ]);
        await complete([fail((await claimExactly([first]))[0]!)]);
        await complete([fail((await claimExactly([second]))[0]!)]);
        expect(await remove({ ids: [second!] })).toBe(1);
        expect(await reenter({ ids: [first!] })).toBe(1);
        await claimExactly([first]);
        expect(await statesOf(ctx.backend, [second!])).toEqual(['discarded']);
      });
    });

    describe('claims given back', () => {
      it('a graceful release puts the head back first in line', async () => {
        const [first, second] = await enqueue(ctx.backend, [inLine(), inLine()]);
        const [job] = await claimExactly([first]);
        expect(await ctx.backend.release({ items: [refOf(job!)], now: T0 })).toBe(1);
        expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['ready', 'blocked']);
        await claimExactly([first]);
      });

      it('a dead worker’s job runs again before the next; the stale worker cannot move the line', async () => {
        await ctx.backend.registerProcess({ process: processInfo({ id: 'dead' }) });
        const [first, second] = await enqueue(ctx.backend, [inLine(), inLine()]);
        const [stale] = await claimExactly([first], T0, 'dead');
        const now = at(10);
        expect((await ctx.backend.pruneProcesses({ aliveSince: now, now })).released).toBe(1);
        expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['ready', 'blocked']);
        const [fresh] = await claimExactly([first], now);
        expect(await complete([finish(stale!)], now)).toEqual({ rejected: [first] });
        expect(await complete([fail(stale!)], now)).toEqual({ rejected: [first] });
        expect(await statesOf(ctx.backend, [first!, second!])).toEqual(['claimed', 'blocked']);
        await complete([finish(fresh!)], now);
        await claimExactly([second], now);
      });
    });

    it('instances racing on enqueues and claims keep one line in id order, one job at a time', async () => {
      await withSiblings(ctx, async (backends) => {
        const ids = (
          await Promise.all(
            Array.from({ length: 12 }, (_, i) =>
              enqueue(backends[i % backends.length]!, [inLine('q/race'), inLine('q/race')]),
            ),
          )
        )
          .flat()
          .sort((a, b) => Number(a) - Number(b));
        const states = await statesOf(ctx.backend, ids);
        expect(states[0]).toBe('ready');
        expect(states.slice(1)).toEqual(ids.slice(1).map(() => 'blocked'));
        const order: string[] = [];
        // Every instance claims and finishes as fast as it can until the line is done.
        await Promise.all(
          backends.map(async (backend, n) => {
            for (let idle = 0; order.length < ids.length && idle < 500; ) {
              const jobs = await claim(backend, ['q'], 5, { processId: `racer-${n}` });
              if (jobs.length === 0) {
                idle++;
                await new Promise((resolve) => setTimeout(resolve, 2));
                continue;
              }
              idle = 0;
              order.push(...idsOf(jobs));
              // Until this instance completes its job, no other job of the line is claimed.
              expect(idsOf(await backend.listJobs({ state: 'claimed', queue: 'q' }))).toEqual(idsOf(jobs));
              expect(await backend.complete({ items: jobs.map(finish), now: T0 })).toEqual({ rejected: [] });
            }
          }),
        );
        expect(order).toEqual(ids);
      });
    });

    it('a job enqueued on another instance while the head ends is never stranded', async () => {
      await withSiblings(ctx, async (backends) => {
        const other = (n: number) => backends[n % backends.length]!;
        const ids = [...(await enqueue(ctx.backend, [inLine('q/k')]))];
        for (let round = 0; round < 30; round++) {
          const [job] = await claimExactly([ids[round]]);
          const [, added] = await Promise.all([
            other(1).complete({ items: [finish(job!)], now: T0 }),
            enqueue(other(2), [inLine('q/k')]),
          ]);
          ids.push(...added);
        }
        await claimExactly([ids.at(-1)]);
      });
    });
  });
}
