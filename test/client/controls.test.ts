import { describe, expect, it } from 'vitest';
import {
  createShigoto,
  DuplicateJobError,
  defineJob,
  InvalidInputError,
  InvalidQueueNameError,
  inlineBackend,
  type JobOptions,
  QueueFullError,
} from '../../src/index.ts';
import { executeJob } from '../../src/runtime/executor.ts';
import { useHarness } from '../support/shigoto-harness.ts';

const harness = useHarness();
const MINUTE = 60_000;

type Order = { account: string; order: number };
const perform = (_args: Order) => {};

describe('bad control options are refused at defineJob with a typed error', () => {
  const cases: Array<[string, Partial<JobOptions<Order, unknown>>]> = [
    ['concurrency that is not an object', { concurrency: 3 as never }],
    ['a concurrency key that is missing', { concurrency: {} as never }],
    ['an empty constant concurrency key', { concurrency: { key: '' } }],
    ['a concurrency key that is an object', { concurrency: { key: {} as never } }],
    ['a limit of 0', { concurrency: { key: 'k', limit: 0 } }],
    ['a fractional limit', { concurrency: { key: 'k', limit: 1.5 } }],
    ['a zero duration', { concurrency: { key: 'k', duration: '0s' } }],
    ['a duration that is not one', { concurrency: { key: 'k', duration: 'soon' } }],
    ['a group with a space', { concurrency: { key: 'k', group: 'my group' } }],
    ['unique that is not an object', { unique: true as never }],
    ['a unique key that is not a function', { unique: { key: 'k' as never } }],
    ['a zero unique period', { unique: { period: 0 } }],
    ['unique states without the waiting ones', { unique: { states: ['ready', 'claimed'] } }],
    ['an unknown unique state', { unique: { states: ['scheduled', 'ready', 'blocked', 'done' as never] } }],
    ['an unknown onConflict', { unique: { onConflict: 'ignore' as never } }],
    ['a zero expiresIn', { expiresIn: 0 }],
    ['an expiresIn that is not a duration', { expiresIn: 'later' }],
  ];
  it.each(cases)('%s', (_label, options) => {
    expect(() => defineJob({ name: 'Bad', perform, ...options })).toThrow(InvalidInputError);
  });
});

describe('concurrency', () => {
  it('computes the key from the arguments, grouped by job name or group', async () => {
    const sync = defineJob({ name: 'Sync', perform, concurrency: { key: (a: Order) => a.account } });
    const audit = defineJob({
      name: 'Audit',
      perform,
      concurrency: { key: (a: Order) => a.account, limit: 2, group: 'Accounts', duration: '10m' },
    });
    const h = await harness({ jobs: [sync, audit], concurrencyDuration: '1m' });
    const jobs = await h.shigoto.enqueueMany([
      { job: sync, args: { account: 'a', order: 1 } },
      { job: sync, args: { account: 'a', order: 2 } },
      { job: sync, args: { account: 'b', order: 3 } },
      { job: audit, args: { account: 'a', order: 4 } },
    ]);
    const stored = await h.allJobs();
    expect(stored.map((j) => [j.concurrencyKey, j.state])).toEqual([
      ['Sync/a', 'ready'],
      ['Sync/a', 'blocked'],
      ['Sync/b', 'ready'],
      ['Accounts/a', 'ready'],
    ]);
    expect(jobs.map((j) => j.duplicate)).toEqual([false, false, false, false]);
  });

  it('shares one limit between job types of one group', async () => {
    const options = { key: (a: Order) => a.account, group: 'Contact' };
    const move = defineJob({ name: 'Move', perform, concurrency: options });
    const rebundle = defineJob({ name: 'Rebundle', perform, concurrency: options });
    const h = await harness({ jobs: [move, rebundle] });
    const [a, b] = await h.shigoto.enqueueMany([
      { job: move, args: { account: '123', order: 1 } },
      { job: rebundle, args: { account: '123', order: 2 } },
    ]);
    expect((await h.shigoto.jobs.get(a!.id)).state).toBe('ready');
    expect((await h.shigoto.jobs.get(b!.id)).state).toBe('blocked');
  });

  it('takes a constant key and a per-call concurrencyKey', async () => {
    const report = defineJob({ name: 'Report', perform, concurrency: { key: 'all' } });
    const h = await harness({ jobs: [report] });
    const first = await h.shigoto.enqueue(report, { account: 'a', order: 1 });
    const second = await h.shigoto.enqueue(report, { account: 'a', order: 2 }, { concurrencyKey: 'vip' });
    expect((await h.shigoto.jobs.get(first.id)).concurrencyKey).toBe('Report/all');
    expect(await h.shigoto.jobs.get(second.id)).toMatchObject({
      concurrencyKey: 'Report/vip',
      state: 'ready',
    });
  });

  it('refuses a key function answer that is no key, and a concurrencyKey for a job without limits, storing nothing', async () => {
    const odd = defineJob({ name: 'Odd', perform, concurrency: { key: () => ({}) as never } });
    const plain = defineJob({ name: 'Plain', perform });
    const h = await harness({ jobs: [odd, plain] });
    await expect(h.shigoto.enqueue(odd, { account: 'a', order: 1 })).rejects.toThrow(InvalidInputError);
    await expect(
      h.shigoto.enqueue(plain, { account: 'a', order: 1 }, { concurrencyKey: 'k' }),
    ).rejects.toThrow(InvalidInputError);
    expect(await h.allJobs()).toEqual([]);
  });

  it('runs at most `limit` at once and every job in the end', async () => {
    let running = 0;
    let most = 0;
    const limited = defineJob({
      name: 'Limited',
      concurrency: { key: 'k', limit: 2 },
      perform: async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
    });
    const h = await harness({ jobs: [limited] });
    const jobs = await h.shigoto.enqueueMany(Array.from({ length: 12 }, () => ({ job: limited, args: {} })));
    await h.work({ workers: [{ queues: ['*'], threads: 6, pollingIntervalMs: 10 }] });
    for (const job of jobs) await h.waitForState(job.id, 'finished');
    expect(most).toBe(2);
  });
});

describe('unique jobs', () => {
  const digest = defineJob({ name: 'Digest', perform, unique: {} });

  it('keys on the name and all arguments by default; a duplicate returns the existing job', async () => {
    const h = await harness({ jobs: [digest] });
    const first = await h.shigoto.enqueue(digest, { account: 'a', order: 1 });
    const again = await h.shigoto.enqueue(digest, { account: 'a', order: 1 });
    const other = await h.shigoto.enqueue(digest, { account: 'a', order: 2 });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(other.duplicate).toBe(false);
    expect(await h.allJobs()).toHaveLength(2);
    expect((await h.shigoto.jobs.get(first.id)).uniqueKey).toMatch(/^Digest:[0-9a-f]{64}$/);
  });

  it('takes a key function, a period, and per-call changes', async () => {
    const byAccount = defineJob({
      name: 'ByAccount',
      perform,
      unique: { key: (a: Order) => a.account, period: '1m' },
    });
    const h = await harness({ jobs: [byAccount] });
    const first = await h.shigoto.enqueue(byAccount, { account: 'a', order: 1 });
    expect((await h.shigoto.enqueue(byAccount, { account: 'a', order: 2 })).id).toBe(first.id);
    const keyed = await h.shigoto.enqueue(
      byAccount,
      { account: 'a', order: 3 },
      { unique: { key: 'other' } },
    );
    expect(keyed.duplicate).toBe(false);
    const off = await h.shigoto.enqueue(byAccount, { account: 'a', order: 4 }, { unique: false });
    expect(off.duplicate).toBe(false);
    h.advance(MINUTE);
    expect((await h.shigoto.enqueue(byAccount, { account: 'a', order: 5 })).duplicate).toBe(false);
  });

  it('raises DuplicateJobError with onConflict error, and a bulk call stores nothing', async () => {
    const strict = defineJob({ name: 'Strict', perform, unique: { onConflict: 'error' } });
    const h = await harness({ jobs: [strict, digest] });
    const first = await h.shigoto.enqueue(strict, { account: 'a', order: 1 });
    const bulk = h.shigoto.enqueueMany([
      { job: digest, args: { account: 'b', order: 1 } },
      { job: strict, args: { account: 'a', order: 1 } },
    ]);
    await expect(bulk).rejects.toThrow(DuplicateJobError);
    await expect(bulk).rejects.toMatchObject({ existingId: first.id, jobName: 'Strict' });
    expect(await h.allJobs()).toHaveLength(1);
    const perCall = h.shigoto.enqueue(
      digest,
      { account: 'a', order: 1 },
      { unique: { onConflict: 'error' } },
    );
    await expect(perCall).resolves.toMatchObject({ duplicate: false });
  });

  it('refuses bad per-call unique options before writing', async () => {
    const h = await harness({ jobs: [digest] });
    await expect(
      h.shigoto.enqueue(digest, { account: 'a', order: 1 }, { unique: { states: ['claimed'] } }),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      h.shigoto.enqueue(digest, { account: 'a', order: 1 }, { unique: { key: '' } }),
    ).rejects.toThrow(InvalidInputError);
    expect(await h.allJobs()).toEqual([]);
  });
});

describe('expiry', () => {
  const pulse = defineJob({ name: 'Pulse', perform, expiresIn: '10m' });

  it('expires a job that has not started within expiresIn of being due', async () => {
    const h = await harness({ jobs: [pulse] });
    const now = await h.shigoto.enqueue(pulse, { account: 'a', order: 1 });
    const later = await h.shigoto.enqueue(pulse, { account: 'a', order: 2 }, { wait: '1h', expiresIn: '1m' });
    const stored = await h.shigoto.jobs.get(now.id);
    expect(stored.expiresAt! - stored.enqueuedAt).toBe(10 * MINUTE);
    const scheduled = await h.shigoto.jobs.get(later.id);
    expect(scheduled.expiresAt! - scheduled.runAt!).toBe(MINUTE);
    h.advance(11 * MINUTE);
    await h.work();
    await h.waitForState(now.id, 'expired');
    expect((await h.shigoto.jobs.counts()).expired).toBe(1);
  });

  it('a job claimed in time but about to start after its expiry is not run', async () => {
    let ran = false;
    const late = defineJob({
      name: 'Late',
      expiresIn: '1m',
      perform: () => {
        ran = true;
      },
    });
    const h = await harness({ jobs: [late] });
    await h.shigoto.enqueue(late, {});
    const [claimed] = await h.shigoto.backend.claim({
      queues: ['*'],
      limit: 1,
      processId: 'p',
      now: h.now(),
    });
    h.advance(2 * MINUTE);
    const { registry, codecs, logger } = h.shigoto;
    const completion = await executeJob(
      { registry, codecs, logger, middleware: [], now: h.now },
      claimed!,
      new AbortController(),
    );
    expect(completion).toEqual({ jobId: claimed!.id, lease: claimed!.lease, outcome: 'expired' });
    expect(ran).toBe(false);
    await h.shigoto.backend.complete({ items: [completion], now: h.now() });
    expect(await h.shigoto.jobs.get(claimed!.id)).toMatchObject({ state: 'expired', attempts: 0 });
  });

  it('refuses a zero expiresIn per call', async () => {
    const h = await harness({ jobs: [pulse] });
    await expect(h.shigoto.enqueue(pulse, { account: 'a', order: 1 }, { expiresIn: 0 })).rejects.toThrow(
      InvalidInputError,
    );
  });
});

describe('queue size limits', () => {
  const plain = defineJob({ name: 'Plain', queue: 'mail', perform });
  const args = { account: 'a', order: 1 };

  it('raise QueueFullError past a queue’s maxSize or maxQueueSize, storing nothing', async () => {
    const h = await harness({ jobs: [plain], queues: { mail: { maxSize: 2 } }, maxQueueSize: 3 });
    await h.shigoto.enqueueMany([
      { job: plain, args },
      { job: plain, args },
    ]);
    await expect(h.shigoto.enqueue(plain, args)).rejects.toMatchObject({ queue: 'mail', limit: 2 });
    await h.shigoto.enqueue(plain, args, { queue: 'other' });
    const full = h.shigoto.enqueue(plain, args, { queue: 'another' });
    await expect(full).rejects.toThrow(QueueFullError);
    await expect(full).rejects.toMatchObject({ queue: null, limit: 3 });
    expect(await h.allJobs()).toHaveLength(3);
  });

  it('are checked when the client is made', () => {
    const backend = inlineBackend();
    expect(() => createShigoto({ backend, maxQueueSize: 0 })).toThrow(InvalidInputError);
    expect(() => createShigoto({ backend, queues: { mail: { maxSize: -1 } } })).toThrow(InvalidInputError);
    expect(() => createShigoto({ backend, queues: { 'bad name': { maxSize: 1 } } })).toThrow(
      InvalidQueueNameError,
    );
    expect(() => createShigoto({ backend, concurrencyDuration: 0 })).toThrow(InvalidInputError);
  });
});
