import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../src/errors.ts';
import { newJobs, T0 } from '../contract/helpers.ts';
import { behindProxy, useCleanups } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';

const available = await serviceAvailable(POSTGRES);

describe.skipIf(!available)('postgres: a connection dropped without a word (no reset, no close)', () => {
  const cleanups = useCleanups();

  async function setUp() {
    const { proxy, direct, worker } = await behindProxy(cleanups, {
      queryTimeoutMs: 300,
      connectTimeoutMs: 300,
    });
    const ids = await direct.enqueue({ jobs: newJobs(3), now: T0 });
    // The worker's one connection is open and idle before the network goes quiet.
    expect(await worker.countJobs()).toMatchObject({ ready: 3 });
    return { proxy, direct, worker, ids };
  }

  it('fails a claim with BackendUnavailableError after the query timeout instead of hanging, and works once the network is back', async () => {
    const { proxy, direct, worker, ids } = await setUp();
    proxy.goSilent();
    const claim = worker.claim({ queues: ['*'], limit: 3, processId: 'p1', now: T0 });
    await expect(claim).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(claim).rejects.toThrow(/no answer within the query timeout/);
    // A new connection cannot be made meanwhile: an enqueue fails loudly and stores nothing.
    await expect(worker.enqueue({ jobs: newJobs(1), now: T0 })).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    expect(await direct.countJobs()).toMatchObject({ ready: 3, claimed: 0 });

    proxy.restore();
    const claimed = await worker.claim({ queues: ['*'], limit: 3, processId: 'p1', now: T0 });
    expect(claimed.map((job) => job.id).sort()).toEqual([...ids].sort());
  });

  it('fails a completion the same way; written again once the network is back, the jobs are finished', async () => {
    const { proxy, direct, worker } = await setUp();
    const claimed = await worker.claim({ queues: ['*'], limit: 3, processId: 'p1', now: T0 });
    const items = claimed.map((job) => ({
      jobId: job.id,
      lease: job.lease,
      outcome: 'finished' as const,
      result: null,
    }));

    proxy.goSilent();
    await expect(worker.complete({ items, now: T0 })).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(await direct.countJobs()).toMatchObject({ claimed: 3, finished: 0 });

    proxy.restore();
    expect((await worker.complete({ items, now: T0 })).rejected).toEqual([]);
    expect(await direct.countJobs()).toMatchObject({ claimed: 0, finished: 3 });
  });
});
