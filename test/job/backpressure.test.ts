import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useHarness, waitFor } from '../support/shigoto-harness.ts';

const harness = useHarness();

describe('completion writes that fall behind', () => {
  it('hold claims back while too many completions wait to be written, and the worker goes on once they are', async () => {
    const started = new Set<number>();
    const job = defineJob({ name: 'quick', perform: (n: number) => void started.add(n) });
    const h = await harness({ jobs: [job] });
    await h.shigoto.enqueueMany(Array.from({ length: 200 }, (_, n) => ({ job, args: n })));

    // The database takes no completion until the gate opens (a stalled disk, a slow server).
    const gate = Promise.withResolvers<void>();
    const backend = h.shigoto.backend;
    const complete = backend.complete.bind(backend);
    backend.complete = async (params) => {
      await gate.promise;
      return complete(params);
    };
    await h.work({ workers: [{ queues: ['*'], threads: 2, bulkReadSize: 5 }] });

    // At most 2 × max(threads, bulk read) = 10 unwritten, plus the claim that reached the bound.
    await waitFor(async () => started.size >= 10);
    await sleep(500);
    expect(started.size).toBeLessThanOrEqual(15);

    gate.resolve();
    await waitFor(async () => (await h.shigoto.jobs.counts()).finished === 200);
    expect(started.size).toBe(200);
  });
});

describe('completions the database refuses', () => {
  it('are not reported as ended: the observer hears of the written ones only', async () => {
    const job = defineJob({ name: 'quick', perform: () => undefined });
    const h = await harness({ jobs: [job] });
    const ids = (
      await h.shigoto.enqueueMany(Array.from({ length: 5 }, () => ({ job, args: undefined })))
    ).map((e) => e.id);
    const [refused] = ids;
    // As if another worker had taken the first job over: its completion is not applied.
    const backend = h.shigoto.backend;
    const complete = backend.complete.bind(backend);
    backend.complete = async (params) => {
      const result = await complete({
        ...params,
        items: params.items.filter((item) => item.jobId !== refused),
      });
      const asked = params.items.some((item) => item.jobId === refused);
      return { rejected: [...result.rejected, ...(asked ? [refused!] : [])] };
    };
    const heard: string[] = [];
    const observer = h.shigoto.observer;
    const ended = observer.ended.bind(observer);
    observer.ended = (done) => {
      heard.push(...done.map((d) => d.job.id));
      ended(done);
    };
    await h.work({ workers: [{ queues: ['*'], threads: 5 }] });
    await waitFor(async () => heard.length === 4);
    await sleep(100);
    expect(heard.sort()).toEqual(ids.slice(1).sort());
  });
});
