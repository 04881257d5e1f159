import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../src/backend/types.ts';
import {
  claim,
  claimAll,
  enqueue,
  idsOf,
  mustGetJob,
  newJob,
  refOf,
  SECOND,
  statesOf,
  T0,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

const at = (seconds: number) => T0 + seconds * SECOND;

/** A job that expires `seconds` after T0 unless started. */
function expiring(seconds: number, overrides: Partial<NewJob> = {}): NewJob {
  return newJob({ queue: 'x', ...overrides, expiresAt: at(seconds) });
}

const limitedTo = (key: string) => ({ concurrency: { key, limit: 1, durationMs: 600 * SECOND } });

export function expiryContract(ctx: ContractContext): void {
  const expire = (seconds: number, limit = 100) => ctx.backend.expireJobs({ now: at(seconds), limit });

  describe('expiry', () => {
    it('a job not started by its expiry is never claimed: it ends expired, kept and counted', async () => {
      const [late, plain] = await enqueue(ctx.backend, [expiring(10), newJob({ queue: 'x' })]);
      expect(idsOf(await claimAll(ctx.backend, ['x'], { now: at(10) }))).toEqual([plain]);
      expect(await mustGetJob(ctx.backend, late!)).toMatchObject({
        state: 'expired',
        attempts: 0,
        finishedAt: at(10),
        processId: null,
        expiresAt: null,
      });
      expect((await ctx.backend.countJobs()).expired).toBe(1);
      expect(idsOf(await ctx.backend.listJobs({ state: 'expired' }))).toEqual([late]);
    });

    it('a job started before its expiry runs, and a later expiry sweep leaves it alone', async () => {
      const [id] = await enqueue(ctx.backend, [expiring(10)]);
      const [job] = await claimAll(ctx.backend, ['x'], { now: at(9) });
      expect(job?.id).toBe(id);
      expect(await expire(20)).toEqual([]);
      await ctx.backend.complete({
        items: [{ ...refOf(job!), outcome: 'finished', result: null }],
        now: at(20),
      });
      expect(await statesOf(ctx.backend, [id!])).toEqual(['finished']);
    });

    it('the sweep expires ready, scheduled and blocked jobs, earliest first, up to the limit', async () => {
      const [holder, ready, scheduled, blocked, forever] = await enqueue(ctx.backend, [
        newJob({ queue: 'x', ...limitedTo('k') }),
        expiring(10),
        expiring(15, { runAt: at(20) }),
        expiring(12, limitedTo('k')),
        newJob({ queue: 'x', runAt: at(20) }),
      ]);
      expect(await expire(9)).toEqual([]);
      expect(idsOf(await expire(30, 2)).sort()).toEqual([ready!, blocked!].sort());
      expect(await statesOf(ctx.backend, [ready!, blocked!, scheduled!])).toEqual([
        'expired',
        'expired',
        'scheduled',
      ]);
      expect(idsOf(await expire(30))).toEqual([scheduled!]);
      expect(await statesOf(ctx.backend, [scheduled!, holder!, forever!])).toEqual([
        'expired',
        'ready',
        'scheduled',
      ]);
      expect(await ctx.backend.promoteScheduled({ now: at(30), limit: 10 })).toBe(1);
      expect((await ctx.backend.countJobs()).blocked).toBe(0);
    });

    it('an expired job frees its concurrency slot for the next job of its key', async () => {
      const [first, next] = await enqueue(ctx.backend, [
        expiring(10, limitedTo('k')),
        newJob(limitedTo('k')),
      ]);
      expect(await statesOf(ctx.backend, [first!, next!])).toEqual(['ready', 'blocked']);
      expect(idsOf(await expire(10))).toEqual([first!]);
      expect(await statesOf(ctx.backend, [first!, next!])).toEqual(['expired', 'ready']);
    });

    it('an expired job found at the claim frees its slot too', async () => {
      const [first, next] = await enqueue(ctx.backend, [
        expiring(10, limitedTo('k')),
        newJob({ queue: 'y', ...limitedTo('k') }),
      ]);
      const claimed = await claimAll(ctx.backend, ['x'], { now: at(11) });
      expect(idsOf(claimed)).toEqual([]);
      expect(idsOf(claimed.expired ?? [])).toEqual([first!]);
      expect(await statesOf(ctx.backend, [first!, next!])).toEqual(['expired', 'ready']);
    });

    it('a claim completed as expired (held too long before it started) frees its slot', async () => {
      const [first, next] = await enqueue(ctx.backend, [
        expiring(10, limitedTo('k')),
        newJob(limitedTo('k')),
      ]);
      const [job] = await claimAll(ctx.backend, ['x'], { now: at(9) });
      expect(job).toMatchObject({ id: first, expiresAt: at(10) });
      await ctx.backend.complete({ items: [{ ...refOf(job!), outcome: 'expired' }], now: at(10) });
      expect(await statesOf(ctx.backend, [first!, next!])).toEqual(['expired', 'ready']);
    });

    it('a retry due after the expiry expires instead of running', async () => {
      const [id] = await enqueue(ctx.backend, [expiring(10)]);
      const [job] = await claimAll(ctx.backend, ['x'], { now: at(1) });
      await ctx.backend.complete({
        items: [{ ...refOf(job!), outcome: 'retry', runAt: at(5), error: null }],
        now: at(1),
      });
      expect(await ctx.backend.promoteScheduled({ now: at(11), limit: 10 })).toBe(1);
      const claimed = await claimAll(ctx.backend, ['x'], { now: at(11) });
      expect(idsOf(claimed)).toEqual([]);
      expect(claimed.expired).toMatchObject([{ id, attempts: 1 }]);
      expect(await mustGetJob(ctx.backend, id!)).toMatchObject({ state: 'expired', attempts: 1 });
    });

    it('expiry releases a unique key', async () => {
      const unique = {
        key: 'u',
        states: ['scheduled', 'ready', 'blocked', 'claimed'] as const,
        expiresAt: null,
      };
      const job = expiring(10, { unique: { ...unique, onConflict: 'return' } });
      const [first] = await enqueue(ctx.backend, [job]);
      expect(idsOf(await expire(10))).toEqual([first!]);
      const [second] = await enqueue(ctx.backend, [job], at(11));
      expect(second).not.toBe(first);
    });

    it('expired jobs are cleared after the retention time like finished ones', async () => {
      const [id] = await enqueue(ctx.backend, [expiring(10)]);
      await expire(10);
      expect(await ctx.backend.clearFinished({ before: at(10), limit: 10 })).toBe(0);
      expect(await ctx.backend.clearFinished({ before: at(11), limit: 10 })).toBe(1);
      expect(await ctx.backend.getJob({ id: id! })).toBeNull();
    });

    it('expires nothing with a limit of 0', async () => {
      await enqueue(ctx.backend, [expiring(1)]);
      expect(await expire(10, 0)).toEqual([]);
    });

    it('the sweep returns each job it expired with what announcing it needs', async () => {
      const metadata = '{"task":{"id":"t1","topic":"news"}}';
      const [fresh, retried] = await enqueue(ctx.backend, [
        expiring(10, { name: 'mail', queue: 'x', args: '{"to":"amuro"}', metadata }),
        expiring(10, { name: 'sms', queue: 'y' }),
      ]);
      const [job] = await claimAll(ctx.backend, ['y'], { now: at(1) });
      await ctx.backend.complete({
        items: [{ ...refOf(job!), outcome: 'retry', runAt: at(20), error: null }],
        now: at(1),
      });
      const expired = await expire(10);
      expect(expired.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { id: fresh, name: 'mail', queue: 'x', args: '{"to":"amuro"}', metadata, attempts: 0 },
        { id: retried, name: 'sms', queue: 'y', args: '[]', metadata: '{}', attempts: 1 },
      ]);
      expect(await expire(10)).toEqual([]);
    });

    it('a claim lists the jobs it found expired, and carries no list when none was', async () => {
      const [late, plain] = await enqueue(ctx.backend, [
        expiring(10, { name: 'late', args: '[1]', priority: -1 }),
        newJob({ queue: 'x' }),
      ]);
      const claimed = await claim(ctx.backend, ['x'], 10, { now: at(10) });
      expect(idsOf(claimed)).toEqual([plain]);
      expect(claimed.expired).toEqual([
        { id: late, name: 'late', queue: 'x', args: '[1]', metadata: '{}', attempts: 0 },
      ]);
      const [other] = await enqueue(ctx.backend, [expiring(30)]);
      const next = await claim(ctx.backend, ['x'], 10, { now: at(11) });
      expect(idsOf(next)).toEqual([other]);
      expect(next.expired).toBeUndefined();
    });

    it('a claim that found only expired jobs returns none to run and lists them all', async () => {
      const ids = await enqueue(ctx.backend, [expiring(5), expiring(6)]);
      const claimed = await claim(ctx.backend, ['x'], 10, { now: at(10) });
      expect(claimed).toHaveLength(0);
      expect(idsOf(claimed.expired ?? []).sort()).toEqual([...ids].sort());
    });
  });
}
