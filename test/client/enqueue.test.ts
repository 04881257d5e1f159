import { describe, expect, it, vi } from 'vitest';
import {
  defineJob,
  InvalidInputError,
  InvalidQueueNameError,
  type JobContext,
  PayloadEncodeError,
  PayloadTooLargeError,
  retryJob,
  UnknownJobError,
} from '../../src/index.ts';
import { useHarness } from '../support/shigoto-harness.ts';

const harness = useHarness();

/** Records the queue and executions of every run. */
function recorder() {
  const runs: Array<{ queue: string; executions: number; args: unknown }> = [];
  return {
    runs,
    note: (args: unknown, ctx: JobContext) =>
      runs.push({ queue: ctx.queue, executions: ctx.executions, args }),
  };
}

describe('queues', () => {
  it('uses a static queue, "default" when none is given, and a per-call override', async () => {
    const mail = defineJob({ name: 'mail', queue: 'mailers', perform: (_args: { to: string }) => {} });
    const plain = defineJob({ name: 'plain', perform: (_args: null) => {} });
    const h = await harness({ jobs: [mail, plain] });

    const a = await h.shigoto.enqueue(mail, { to: 'a@example.com' });
    const b = await h.shigoto.enqueue(plain, null);
    const c = await h.shigoto.enqueue(mail, { to: 'c@example.com' }, { queue: 'urgent' });

    expect([a.queue, b.queue, c.queue]).toEqual(['mailers', 'default', 'urgent']);
    expect((await h.allJobs()).map((j) => j.queue)).toEqual(['mailers', 'default', 'urgent']);
  });

  it('evaluates a queue function once at enqueue and keeps its answer on retries', async () => {
    // The seed's case: the queue depends on outside state that may change before a retry.
    let vipAccounts = new Set([7]);
    const queueCalls: number[] = [];
    const { runs, note } = recorder();
    const sync = defineJob({
      name: 'sync',
      queue: (args: { account: number }) => {
        queueCalls.push(args.account);
        return vipAccounts.has(args.account) ? 'vip' : 'default';
      },
      perform: (args, ctx) => {
        note(args, ctx);
        if (ctx.executions === 1) return retryJob();
        return 'synced';
      },
    });
    const h = await harness({ jobs: [sync] });

    const enqueued = await h.shigoto.enqueue(sync, { account: 7 });
    expect(enqueued.queue).toBe('vip');
    vipAccounts = new Set();
    await h.work();
    await h.waitForState(enqueued.id, 'finished');

    expect(runs.map((r) => [r.queue, r.executions])).toEqual([
      ['vip', 1],
      ['vip', 2],
    ]);
    expect(queueCalls).toEqual([7]);
  });

  it('refuses a queue function that returns an invalid name, writing nothing', async () => {
    const job = defineJob({ name: 'routed', queue: (args: string) => `tenant ${args}`, perform: () => {} });
    const h = await harness({ jobs: [job] });
    await expect(h.shigoto.enqueue(job, 'acme')).rejects.toBeInstanceOf(InvalidQueueNameError);
    expect(await h.allJobs()).toEqual([]);
  });

  it('does not call the queue function when the call gives a queue', async () => {
    const queueFn = vi.fn(() => 'computed');
    const job = defineJob({ name: 'q', queue: queueFn, perform: (_args: number) => {} });
    const h = await harness({ jobs: [job] });
    const enqueued = await h.shigoto.enqueue(job, 1, { queue: 'given' });
    expect(enqueued.queue).toBe('given');
    expect(queueFn).not.toHaveBeenCalled();
  });
});

describe('priority', () => {
  it('runs lower numbers first, defaulting to 0, with per-call overrides', async () => {
    const order: string[] = [];
    const step = defineJob({ name: 'step', priority: 5, perform: (args: string) => void order.push(args) });
    const h = await harness({ jobs: [step] });
    const enqueued = await h.shigoto.enqueueMany([
      { job: step, args: 'job default 5' },
      { job: step, args: 'minus 3', options: { priority: -3 } },
      { job: step, args: 'ten', options: { priority: 10 } },
      { job: step, args: 'zero', options: { priority: 0 } },
    ]);
    expect(enqueued.map((j) => j.priority)).toEqual([5, -3, 10, 0]);

    await h.work({ workers: [{ queues: ['*'], threads: 1, pollingIntervalMs: 10 }] });
    for (const job of enqueued) await h.waitForState(job.id, 'finished');
    expect(order).toEqual(['minus 3', 'zero', 'job default 5', 'ten']);
  });

  it('defaults to 0 for a job without a priority', async () => {
    const job = defineJob({ name: 'p', perform: (_args: number) => {} });
    const h = await harness({ jobs: [job] });
    const enqueued = await h.shigoto.enqueue(job, 1);
    expect(enqueued.priority).toBe(0);
    expect((await h.shigoto.jobs.get(enqueued.id)).priority).toBe(0);
  });
});

describe('wait and waitUntil', () => {
  const later = defineJob({ name: 'later', perform: (args: string) => args });

  it('schedules with wait (ms or text) and runs when the time comes', async () => {
    const h = await harness({ jobs: [later] });
    const start = h.now();
    const inFive = await h.shigoto.enqueue(later, 'text', { wait: '5m' });
    const inMs = await h.shigoto.enqueue(later, 'ms', { wait: 90_000 });
    const now = await h.shigoto.enqueue(later, 'zero', { wait: 0 });

    expect(inFive.runAt!.getTime() - start).toBeGreaterThanOrEqual(300_000);
    expect(inFive.runAt!.getTime() - start).toBeLessThan(301_000);
    expect(inMs.runAt!.getTime() - start).toBeGreaterThanOrEqual(90_000);
    expect((await h.shigoto.jobs.get(inFive.id)).state).toBe('scheduled');
    expect((await h.shigoto.jobs.get(inMs.id)).state).toBe('scheduled');

    await h.work();
    await h.waitForState(now.id, 'finished');
    expect((await h.shigoto.jobs.get(inMs.id)).state).toBe('scheduled');
    h.advance(91_000);
    await h.waitForState(inMs.id, 'finished');
    expect((await h.shigoto.jobs.get(inFive.id)).state).toBe('scheduled');
    h.advance(210_000);
    await h.waitForState(inFive.id, 'finished');
  });

  it('schedules with waitUntil; a time in the past is ready at once', async () => {
    const h = await harness({ jobs: [later] });
    const at = new Date(h.now() + 3_600_000);
    const future = await h.shigoto.enqueue(later, 'future', { waitUntil: at });
    const past = await h.shigoto.enqueue(later, 'past', { waitUntil: new Date(h.now() - 1000) });

    expect(future.runAt).toEqual(at);
    expect((await h.shigoto.jobs.get(future.id)).runAt).toBe(at.getTime());
    expect((await h.shigoto.jobs.get(past.id)).state).toBe('ready');

    await h.work();
    await h.waitForState(past.id, 'finished');
    h.advance(3_600_000);
    await h.waitForState(future.id, 'finished');
  });
});

describe('bad input gets a typed error and writes nothing', () => {
  const note = defineJob({ name: 'note', perform: (_args: unknown) => {} });

  const cases: Array<
    [string, (h: Awaited<ReturnType<typeof harness>>) => Promise<unknown>, new (...a: never[]) => Error]
  > = [
    ['invalid queue name', (h) => h.shigoto.enqueue(note, 1, { queue: 'bad queue!' }), InvalidQueueNameError],
    ['wildcard queue name', (h) => h.shigoto.enqueue(note, 1, { queue: 'mail*' }), InvalidQueueNameError],
    ['oversize payload', (h) => h.shigoto.enqueue(note, 'x'.repeat(1024 * 1024)), PayloadTooLargeError],
    ['unencodable args', (h) => h.shigoto.enqueue(note, { callback: () => 1 }), PayloadEncodeError],
    ['a symbol', (h) => h.shigoto.enqueue(note, [Symbol('s')]), PayloadEncodeError],
    ['a class instance', (h) => h.shigoto.enqueue(note, new (class Point {})()), PayloadEncodeError],
    [
      'a __proto__ key',
      (h) => h.shigoto.enqueue(note, JSON.parse('{"__proto__": {"admin": true}}')),
      PayloadEncodeError,
    ],
    ['a constructor key', (h) => h.shigoto.enqueue(note, { nested: { constructor: 1 } }), PayloadEncodeError],
    [
      'a __proto__ key in metadata',
      (h) => h.shigoto.enqueue(note, 1, { metadata: JSON.parse('{"__proto__": "x"}') }),
      PayloadEncodeError,
    ],
    [
      'a non-scalar metadata value',
      (h) => h.shigoto.enqueue(note, 1, { metadata: { at: new Date() } as never }),
      PayloadEncodeError,
    ],
    [
      'both wait and waitUntil',
      (h) => h.shigoto.enqueue(note, 1, { wait: '1m', waitUntil: new Date() }),
      InvalidInputError,
    ],
    ['a bad wait', (h) => h.shigoto.enqueue(note, 1, { wait: 'soon' }), InvalidInputError],
    [
      'an invalid waitUntil',
      (h) => h.shigoto.enqueue(note, 1, { waitUntil: new Date('nope') }),
      InvalidInputError,
    ],
    ['a fractional priority', (h) => h.shigoto.enqueue(note, 1, { priority: 1.5 }), InvalidInputError],
    ['an unknown job name', (h) => h.shigoto.enqueueByName('nope', {}), UnknownJobError],
    [
      "a built-in job's name (only Shigoto enqueues those)",
      (h) => {
        h.shigoto.registry.add(defineJob({ name: 'shigoto.internal', perform: () => undefined }));
        return h.shigoto.enqueueByName('shigoto.internal', {});
      },
      InvalidInputError,
    ],
    ['not a job', (h) => h.shigoto.enqueue({ name: 'fake' } as never, 1), InvalidInputError],
  ];

  it.each(cases)('%s', async (_name, attempt, ErrorClass) => {
    const h = await harness({ jobs: [note] });
    await expect(attempt(h)).rejects.toBeInstanceOf(ErrorClass);
    expect(await h.allJobs()).toEqual([]);
  });

  it('checks the payload limit (maxPayloadBytes) in bytes, not characters', async () => {
    const h = await harness({ jobs: [note], maxPayloadBytes: 100 });
    // 40 three-byte characters: 42 characters of JSON but 122 bytes.
    const error = await h.shigoto.enqueue(note, '日'.repeat(40)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).bytes).toBeGreaterThan(100);
    await h.shigoto.enqueue(note, 'a'.repeat(40));
    expect(await h.allJobs()).toHaveLength(1);
  });

  it('rejects arguments the schema refuses, and stores what the schema returns', async () => {
    const schema = {
      parse(input: unknown): { id: number } {
        const id = (input as { id?: unknown }).id;
        if (typeof id !== 'number') throw new Error('id must be a number');
        return { id };
      },
    };
    const checked = defineJob({ name: 'checked', schema, perform: (args) => args.id });
    const h = await harness({ jobs: [checked] });
    const error = await h.shigoto.enqueue(checked, { id: 'x' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('id must be a number');
    expect(await h.allJobs()).toEqual([]);

    const ok = await h.shigoto.enqueueByName('checked', { id: 4, extra: 'dropped' });
    expect(JSON.parse((await h.shigoto.jobs.get(ok.id)).args)).toEqual({ id: 4 });
  });
});
