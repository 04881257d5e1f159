import { describe, expect, it } from 'vitest';
import type { ClaimRef, Completion, JobRecord } from '../../src/backend/types.ts';
import {
  claimAll,
  claimedJob,
  idsOf,
  mustGetJob,
  NON_NUMERIC_IDS,
  refOf,
  SECOND,
  statesOf,
  storedError,
  T0,
  UNKNOWN_ID,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

const NOW = T0 + 10 * SECOND;
const LATER = NOW + 60 * SECOND;
const ERROR = storedError({ message: 'went wrong', at: NOW });

interface OutcomeCase {
  readonly label: string;
  readonly completion: (ref: ClaimRef) => Completion;
  /** What getJob shows once the completion applied to a job claimed once. */
  readonly expected: Partial<JobRecord>;
}

const OUTCOMES: readonly OutcomeCase[] = [
  {
    label: 'finished with a result',
    completion: (ref) => ({ ...ref, outcome: 'finished', result: '{"sent":3}' }),
    expected: { state: 'finished', result: '{"sent":3}', finishedAt: NOW, attempts: 1, processId: null },
  },
  {
    label: 'finished without a result',
    completion: (ref) => ({ ...ref, outcome: 'finished', result: null }),
    expected: { state: 'finished', result: null, finishedAt: NOW, attempts: 1, processId: null },
  },
  {
    label: 'failed',
    completion: (ref) => ({ ...ref, outcome: 'failed', error: ERROR }),
    expected: { state: 'failed', lastError: ERROR, attempts: 1, processId: null },
  },
  {
    label: 'discarded with an error',
    completion: (ref) => ({ ...ref, outcome: 'discarded', error: ERROR }),
    expected: { state: 'discarded', lastError: ERROR, finishedAt: NOW, attempts: 1, processId: null },
  },
  {
    label: 'discarded without an error',
    completion: (ref) => ({ ...ref, outcome: 'discarded', error: null }),
    expected: { state: 'discarded', lastError: null, finishedAt: NOW, attempts: 1, processId: null },
  },
  {
    label: 'retried now',
    completion: (ref) => ({ ...ref, outcome: 'retry', runAt: NOW, error: ERROR }),
    expected: { state: 'ready', lastError: ERROR, attempts: 1, processId: null },
  },
  {
    label: 'retried later',
    completion: (ref) => ({ ...ref, outcome: 'retry', runAt: LATER, error: ERROR }),
    expected: { state: 'scheduled', runAt: LATER, lastError: ERROR, attempts: 1, processId: null },
  },
  {
    label: 'snoozed now (attempt given back)',
    completion: (ref) => ({ ...ref, outcome: 'snooze', runAt: NOW }),
    expected: { state: 'ready', attempts: 0, processId: null },
  },
  {
    label: 'expired before it started (attempt given back)',
    completion: (ref) => ({ ...ref, outcome: 'expired' }),
    expected: { state: 'expired', finishedAt: NOW, attempts: 0, processId: null },
  },
  {
    label: 'snoozed later (attempt given back)',
    completion: (ref) => ({ ...ref, outcome: 'snooze', runAt: LATER }),
    expected: { state: 'scheduled', runAt: LATER, attempts: 0, processId: null },
  },
];

export function leasesContract(ctx: ContractContext): void {
  const complete = (items: readonly Completion[]) => ctx.backend.complete({ items, now: NOW });
  const release = (items: readonly ClaimRef[]) => ctx.backend.release({ items, now: NOW });

  describe('leases guard every transition', () => {
    describe.each(OUTCOMES)('$label', ({ completion, expected }) => {
      it('applies with the claim lease', async () => {
        const job = await claimedJob(ctx.backend);
        expect(await complete([completion(refOf(job))])).toEqual({ rejected: [] });
        expect(await mustGetJob(ctx.backend, job.id)).toMatchObject(expected);
      });

      it('is rejected with another lease and changes nothing', async () => {
        const job = await claimedJob(ctx.backend);
        const other = await claimedJob(ctx.backend);
        const before = await mustGetJob(ctx.backend, job.id);
        for (const lease of [other.lease, `${job.lease}x`, '']) {
          expect(await complete([completion({ jobId: job.id, lease })])).toEqual({ rejected: [job.id] });
        }
        expect(await mustGetJob(ctx.backend, job.id)).toEqual(before);
      });

      it('is rejected once the lease is spent', async () => {
        const job = await claimedJob(ctx.backend);
        await complete([completion(refOf(job))]);
        const after = await mustGetJob(ctx.backend, job.id);
        expect(await complete([completion(refOf(job))])).toEqual({ rejected: [job.id] });
        expect(await mustGetJob(ctx.backend, job.id)).toEqual(after);
      });
    });

    it('fences a stale lease after the job was claimed again', async () => {
      const first = await claimedJob(ctx.backend, { queue: 'q' });
      await complete([{ ...refOf(first), outcome: 'retry', runAt: NOW, error: null }]);
      const [second] = await claimAll(ctx.backend, ['q'], { processId: 'worker-2', now: NOW });
      expect(second).toMatchObject({ id: first.id, attempts: 2 });
      expect(second!.lease).not.toBe(first.lease);

      const stale = await complete([{ ...refOf(first), outcome: 'finished', result: '"stale"' }]);
      expect(stale.rejected).toEqual([first.id]);
      expect(await mustGetJob(ctx.backend, first.id)).toMatchObject({
        state: 'claimed',
        processId: 'worker-2',
      });
      expect(await complete([{ ...refOf(second!), outcome: 'finished', result: '"fresh"' }])).toEqual({
        rejected: [],
      });
      expect(await mustGetJob(ctx.backend, first.id)).toMatchObject({ state: 'finished', result: '"fresh"' });
    });

    it('applies the valid items of a batch, each claim once, and rejects the others', async () => {
      const good = await claimedJob(ctx.backend);
      const bad = await claimedJob(ctx.backend);
      const result = await complete([
        { ...refOf(good), outcome: 'finished', result: null },
        { jobId: bad.id, lease: good.lease, outcome: 'finished', result: null },
        { ...refOf(good), outcome: 'failed', error: ERROR },
      ]);
      expect(result.rejected).toEqual([bad.id, good.id]);
      expect(await statesOf(ctx.backend, [good.id, bad.id])).toEqual(['finished', 'claimed']);
    });

    it('rejects ids that are unknown or not numeric without throwing', async () => {
      const job = await claimedJob(ctx.backend);
      const bogus = [UNKNOWN_ID, ...NON_NUMERIC_IDS];
      const result = await complete([
        ...bogus.map((jobId): Completion => ({ jobId, lease: job.lease, outcome: 'finished', result: null })),
        { ...refOf(job), outcome: 'finished', result: null },
      ]);
      expect([...result.rejected].sort()).toEqual([...bogus].sort());
      expect(await statesOf(ctx.backend, [job.id])).toEqual(['finished']);
      expect(await release(bogus.map((jobId) => ({ jobId, lease: job.lease })))).toBe(0);
    });

    it('accepts an empty batch', async () => {
      expect(await complete([])).toEqual({ rejected: [] });
      expect(await release([])).toBe(0);
    });
  });

  describe('release', () => {
    it('returns claims to ready and gives the attempt back', async () => {
      const job = await claimedJob(ctx.backend, { queue: 'q' });
      expect(await release([refOf(job)])).toBe(1);
      expect(await mustGetJob(ctx.backend, job.id)).toMatchObject({
        state: 'ready',
        attempts: 0,
        processId: null,
      });
      const [again] = await claimAll(ctx.backend, ['q']);
      expect(again).toMatchObject({ id: job.id, attempts: 1 });
    });

    it('counts a claim listed twice once', async () => {
      const job = await claimedJob(ctx.backend);
      expect(await release([refOf(job), refOf(job)])).toBe(1);
      expect(await mustGetJob(ctx.backend, job.id)).toMatchObject({ state: 'ready', attempts: 0 });
    });

    it('ignores a wrong lease', async () => {
      const job = await claimedJob(ctx.backend);
      const other = await claimedJob(ctx.backend);
      expect(await release([{ jobId: job.id, lease: other.lease }])).toBe(0);
      expect(await mustGetJob(ctx.backend, job.id)).toMatchObject({ state: 'claimed', attempts: 1 });
    });

    it('spends the lease: the old claim can neither complete nor release again', async () => {
      const job = await claimedJob(ctx.backend, { queue: 'q' });
      await release([refOf(job)]);
      expect(await release([refOf(job)])).toBe(0);
      expect(await complete([{ ...refOf(job), outcome: 'finished', result: null }])).toEqual({
        rejected: [job.id],
      });
      expect(await mustGetJob(ctx.backend, job.id)).toMatchObject({ state: 'ready', attempts: 0 });
      expect(idsOf(await claimAll(ctx.backend, ['q']))).toEqual([job.id]);
    });
  });
}
