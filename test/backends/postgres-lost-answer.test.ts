import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../src/errors.ts';
import { newJobs, T0 } from '../contract/helpers.ts';
import { behindProxy, useCleanups } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';

const available = await serviceAvailable(POSTGRES);

describe.skipIf(!available)('postgres: a claim committed whose answer was lost on the way', () => {
  const cleanups = useCleanups();

  it('fails with BackendUnavailableError, and its jobs go back to ready (attempt given back) before the next claim', async () => {
    const { proxy, direct, worker } = await behindProxy(cleanups);
    const ids = await direct.enqueue({ jobs: newJobs(3), now: T0 });
    // Opens the worker's one connection first, so the next answer through the proxy is the claim's.
    expect(await worker.countJobs()).toMatchObject({ ready: 3 });

    proxy.cutNextAnswer();
    await expect(worker.claim({ queues: ['*'], limit: 2, processId: 'p1', now: T0 })).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    // The server did claim them; the worker never heard so and runs nothing.
    const claimed = (await direct.listJobs({ state: 'claimed' })).map((j) => [j.id, j.processId, j.attempts]);
    expect(claimed.sort()).toEqual(ids.slice(0, 2).map((id) => [id, 'p1', 1]));

    const next = await worker.claim({ queues: ['*'], limit: 3, processId: 'p1', now: T0 });
    expect(next.map((j) => [j.id, j.attempts]).sort()).toEqual(ids.map((id) => [id, 1]));
  });
});
