import { describe, expect, it } from 'vitest';
import { inlineBackend } from '../../src/backends/inline/index.ts';
import { describeBackendContract } from '../contract/index.ts';

const CAPABILITIES = { multiProcess: false, crossProcessWakeups: false, transactionalEnqueue: false };
const T0 = 1_700_000_000_000;
const job = { name: 'inline.job', queue: 'default', priority: 0, args: '[]', metadata: '{}', runAt: null };

// In memory there is nothing to isolate or remove: a fresh instance is a fresh store.
describeBackendContract(
  'inline',
  async () => ({ backend: inlineBackend(), cleanup: async () => {} }),
  CAPABILITIES,
);

describe('inline backend', () => {
  it('shares no state between instances', async () => {
    const first = inlineBackend();
    const second = inlineBackend();
    const [id] = await first.enqueue({ jobs: [job], now: T0 });
    expect(await second.getJob({ id: id! })).toBeNull();
    expect((await second.countJobs()).ready).toBe(0);
    expect(await second.enqueue({ jobs: [job], now: T0 })).toEqual([id]);
    expect((await first.countJobs()).ready).toBe(1);
  });

  it('deletes finished jobs at once with deleteFinished, keeping failed ones', async () => {
    const backend = inlineBackend({ deleteFinished: true });
    const [done, broken] = await backend.enqueue({ jobs: [job, job], now: T0 });
    const claimed = await backend.claim({ queues: ['*'], limit: 2, processId: 'p', now: T0 });
    const [a, b] = claimed.map((c) => ({ jobId: c.id, lease: c.lease }));
    const error = { name: 'Error', message: 'boom', execution: 1, at: T0 };
    const result = await backend.complete({
      items: [
        { ...a!, outcome: 'finished', result: null },
        { ...b!, outcome: 'failed', error },
      ],
      now: T0,
    });
    expect(result.rejected).toEqual([]);
    expect(await backend.getJob({ id: done! })).toBeNull();
    expect(await backend.getJob({ id: broken! })).toMatchObject({ state: 'failed', lastError: error });
    expect(await backend.countJobs()).toMatchObject({ finished: 0, failed: 1, claimed: 0 });
  });

  it('pages newest first through many jobs after deletions', async () => {
    const backend = inlineBackend({ deleteFinished: true });
    const ids = await backend.enqueue({ jobs: Array.from({ length: 5000 }, () => job), now: T0 });
    // Finish (and so delete) the older half.
    const claimed = await backend.claim({ queues: ['*'], limit: 2500, processId: 'p', now: T0 });
    await backend.complete({
      items: claimed.map((c) => ({
        jobId: c.id,
        lease: c.lease,
        outcome: 'finished' as const,
        result: null,
      })),
      now: T0,
    });
    const seen: string[] = [];
    let beforeId: string | undefined;
    for (;;) {
      const page = await backend.listJobs({ limit: 1000, beforeId });
      if (page.length === 0) break;
      seen.push(...page.map((j) => j.id));
      beforeId = page.at(-1)!.id;
    }
    expect(seen).toEqual(ids.slice(2500).reverse());
  });
});
