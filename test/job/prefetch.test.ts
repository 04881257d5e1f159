import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { PREFETCH_TTL_MS } from '../../src/runtime/prefetch.ts';
import { useHarness, waitFor } from '../support/shigoto-harness.ts';

const harness = useHarness();

/**
 * Fast jobs, then one that holds its only thread until `release()`: after the fast ones the
 * worker claims ahead, so while the slow one runs others sit claimed but not started.
 */
async function workerHoldingPrefetchedJobs() {
  const slowGate = Promise.withResolvers<void>();
  const slowStarted = Promise.withResolvers<string>();
  const starts = new Map<string, number>();
  const job = defineJob({
    name: 'step',
    perform: async (n: number, ctx) => {
      starts.set(ctx.id, (starts.get(ctx.id) ?? 0) + 1);
      if (n === 40) {
        slowStarted.resolve(ctx.id);
        await slowGate.promise;
      }
    },
  });
  const h = await harness({ jobs: [job] });
  await h.shigoto.enqueueMany(Array.from({ length: 100 }, (_, n) => ({ job, args: n })));
  const runtime = await h.work({ workers: [{ queues: ['*'], threads: 1, bulkReadSize: 20 }] });
  const slowId = await slowStarted.promise;
  const claimed = await h.shigoto.jobs.list({ state: 'claimed' });
  return { h, runtime, starts, claimed, slowId, release: () => slowGate.resolve() };
}

describe('claiming ahead of free threads', () => {
  it('holds jobs claimed but not started while a fast queue drains, at most the bulk read size', async () => {
    const { claimed, starts, release } = await workerHoldingPrefetchedJobs();
    release();
    const notStarted = claimed.filter((job) => !starts.has(job.id));
    expect(notStarted.length).toBeGreaterThan(0);
    expect(notStarted.length).toBeLessThanOrEqual(20);
  });

  it('a graceful stop gives jobs claimed ahead back to ready with their attempt, and they ran nowhere', async () => {
    const { h, runtime, starts, claimed, slowId, release } = await workerHoldingPrefetchedJobs();
    // Claimed and not started (a job that ran may still show claimed until its completion is written).
    const prefetched = claimed.map((job) => job.id).filter((id) => id !== slowId && !starts.has(id));
    const stopping = runtime.stop();
    // Given back at once, while the slow job still runs.
    await waitFor(async () => (await h.shigoto.jobs.list({ state: 'claimed' })).length === 1);
    release();
    await stopping;

    const jobs = await h.allJobs();
    expect(jobs.filter((job) => job.state === 'claimed')).toEqual([]);
    for (const job of jobs) {
      const ran = starts.get(job.id) ?? 0;
      if (job.state === 'finished')
        expect({ id: job.id, ran, attempts: job.attempts }).toMatchObject({ ran: 1, attempts: 1 });
      else
        expect({ id: job.id, state: job.state, ran, attempts: job.attempts }).toMatchObject({
          state: 'ready',
          ran: 0,
          attempts: 0,
        });
    }
    const back = jobs.filter((job) => prefetched.includes(job.id));
    expect(back.length).toBeGreaterThan(0);
    expect(back.map((job) => [job.state, job.attempts])).toEqual(back.map(() => ['ready', 0]));
  });

  it('gives back jobs claimed ahead that waited too long behind a slow job, so other workers can take them', async () => {
    const { h, claimed, release } = await workerHoldingPrefetchedJobs();
    expect(claimed.length).toBeGreaterThan(1);
    try {
      await waitFor(
        async () => (await h.shigoto.jobs.list({ state: 'claimed' })).length === 1,
        () => 'only the running job to stay claimed',
        PREFETCH_TTL_MS + 3000,
      );
      const ready = await h.shigoto.jobs.list({ state: 'ready' });
      expect(ready.length).toBeGreaterThan(0);
      expect(ready.every((job) => job.attempts === 0)).toBe(true);
    } finally {
      release();
    }
  });
});
