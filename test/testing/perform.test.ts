import { createShigoto, defineJob, discardJob, inlineBackend, type JobContext, snoozeJob } from 'shigoto';
import { assertEnqueued, createTestShigoto, enqueuedJobs, performEnqueued } from 'shigoto/testing';
import { describe, expect, it } from 'vitest';

class FlakyError extends Error {
  override name = 'FlakyError';
}
class GoneError extends Error {
  override name = 'GoneError';
}

/** Jobs that write what happened into `log`. */
function jobsLogging(log: string[]) {
  const add = defineJob({
    name: 'math.add',
    beforePerform: (args: { a: number; b: number }) => void log.push(`before ${args.a}+${args.b}`),
    afterPerform: (_args, _ctx, result) => void log.push(`after = ${String(result)}`),
    aroundPerform: async (_args, _ctx, next) => {
      log.push('around in');
      const result = await next();
      log.push('around out');
      return result;
    },
    perform: ({ a, b }: { a: number; b: number }) => a + b,
  });
  const flaky = defineJob({
    name: 'flaky',
    retryOn: [{ on: FlakyError, attempts: 3, wait: '10s', jitter: 0 }],
    perform: (_args: Record<string, never>, ctx: JobContext) => {
      log.push(`flaky run ${ctx.executions}`);
      throw new FlakyError(`attempt ${ctx.executions} failed`);
    },
  });
  const broken = defineJob({
    name: 'broken',
    perform: (_args: { id: number }) => {
      throw new TypeError('cannot read the thing');
    },
  });
  const gone = defineJob({
    name: 'gone',
    discardOn: [{ on: GoneError }],
    perform: (_args: Record<string, never>) => {
      throw new GoneError('record deleted');
    },
  });
  const waiting = defineJob({ name: 'waiting', perform: (_args: Record<string, never>) => snoozeJob('1m') });
  const skipped = defineJob({
    name: 'skipped',
    perform: (_args: Record<string, never>) => discardJob('not needed'),
  });
  return { add, flaky, broken, gone, waiting, skipped };
}

describe('performEnqueued', () => {
  it('runs ready jobs through callbacks and middleware and stores their results', async () => {
    const log: string[] = [];
    const { add } = jobsLogging(log);
    const shigoto = await createTestShigoto({
      jobs: [add],
      middleware: [{ beforePerform: (_args, ctx) => void log.push(`middleware ${ctx.name}`) }],
    });
    const job = await shigoto.enqueue(add, { a: 2, b: 3 });
    const summary = await performEnqueued(shigoto);
    expect(summary).toMatchObject({
      performed: 1,
      finished: 1,
      failed: 0,
      retried: 0,
      discarded: 0,
      ids: [job.id],
    });
    expect(log).toEqual(['around in', 'middleware math.add', 'before 2+3', 'after = 5', 'around out']);
    expect(await shigoto.jobs.get(job.id)).toMatchObject({ state: 'finished', attempts: 1, result: '5' });
    expect(await enqueuedJobs(shigoto)).toEqual([]);
  });

  it('runs jobs in claim order: priority, then first in first out', async () => {
    const seen: number[] = [];
    const record = defineJob({ name: 'record', perform: (n: number) => void seen.push(n) });
    const shigoto = await createTestShigoto({ jobs: [record] });
    await shigoto.enqueue(record, 1, { priority: 5 });
    await shigoto.enqueue(record, 2);
    await shigoto.enqueue(record, 3, { priority: -1 });
    await shigoto.enqueue(record, 4);
    await performEnqueued(shigoto);
    expect(seen).toEqual([3, 2, 4, 1]);
  });

  it('leaves jobs enqueued while performing for the next call', async () => {
    const follow = defineJob({ name: 'follow', perform: (_args: { step: number }) => {} });
    const start = defineJob({
      name: 'start',
      perform: async (_args: Record<string, never>) => {
        await shigoto.enqueue(follow, { step: 2 });
      },
    });
    const shigoto = await createTestShigoto({ jobs: [start, follow] });
    await shigoto.enqueue(start, {});
    expect((await performEnqueued(shigoto)).performed).toBe(1);
    await assertEnqueued(shigoto, follow, { step: 2 });
    expect((await performEnqueued(shigoto)).performed).toBe(1);
    expect(await enqueuedJobs(shigoto)).toEqual([]);
  });

  it('runs scheduled jobs only once the clock reaches them', async () => {
    const { add } = jobsLogging([]);
    const shigoto = await createTestShigoto({ jobs: [add] });
    const later = await shigoto.enqueue(add, { a: 1, b: 1 }, { wait: '5m' });
    expect((await performEnqueued(shigoto)).performed).toBe(0);
    shigoto.clock.advance('4m');
    expect((await performEnqueued(shigoto)).performed).toBe(0);
    shigoto.clock.advance('1m');
    expect(await performEnqueued(shigoto)).toMatchObject({ performed: 1, ids: [later.id] });
  });

  it('can run only one queue or one job, leaving the rest untouched', async () => {
    const log: string[] = [];
    const { add, broken } = jobsLogging(log);
    const shigoto = await createTestShigoto({ jobs: [add, broken] });
    const inMath = await shigoto.enqueue(add, { a: 1, b: 2 }, { queue: 'math' });
    const inDefault = await shigoto.enqueue(add, { a: 3, b: 4 });
    const other = await shigoto.enqueue(broken, { id: 1 });
    expect((await performEnqueued(shigoto, { queue: 'math' })).ids).toEqual([inMath.id]);
    expect((await performEnqueued(shigoto, { job: add })).ids).toEqual([inDefault.id]);
    // The job that was claimed and given back is as it was: ready, no attempt used.
    expect(await shigoto.jobs.get(other.id)).toMatchObject({ state: 'ready', attempts: 0, processId: null });
    expect((await performEnqueued(shigoto)).ids).toEqual([other.id]);
  });

  it('ends a job that throws without a retry rule as failed, with its error', async () => {
    const { broken } = jobsLogging([]);
    const shigoto = await createTestShigoto({ jobs: [broken] });
    const job = await shigoto.enqueue(broken, { id: 1 });
    const summary = await performEnqueued(shigoto);
    expect(summary).toMatchObject({ performed: 1, failed: 1, finished: 0 });
    expect(summary.jobs[0]).toMatchObject({ id: job.id, outcome: 'failed', error: { name: 'TypeError' } });
    const record = await shigoto.jobs.get(job.id);
    expect(record).toMatchObject({ state: 'failed', attempts: 1 });
    expect(record.lastError).toMatchObject({
      name: 'TypeError',
      message: 'cannot read the thing',
      execution: 1,
    });
  });

  it('schedules a retry by retryOn at the rule’s wait from the test clock', async () => {
    const log: string[] = [];
    const { flaky } = jobsLogging(log);
    const shigoto = await createTestShigoto({ jobs: [flaky] });
    const job = await shigoto.enqueue(flaky, {});
    expect(await performEnqueued(shigoto)).toMatchObject({ performed: 1, retried: 1, failed: 0 });
    expect(await shigoto.jobs.get(job.id)).toMatchObject({
      state: 'scheduled',
      attempts: 1,
      runAt: shigoto.now() + 10_000,
      lastError: { name: 'FlakyError', message: 'attempt 1 failed' },
    });
    expect((await performEnqueued(shigoto)).performed).toBe(0);
    expect(log).toEqual(['flaky run 1']);
  });

  it('applies discard rules and returned outcomes', async () => {
    const { gone, waiting, skipped } = jobsLogging([]);
    const shigoto = await createTestShigoto({ jobs: [gone, waiting, skipped] });
    const a = await shigoto.enqueue(gone, {});
    const b = await shigoto.enqueue(waiting, {});
    const c = await shigoto.enqueue(skipped, {});
    expect(await performEnqueued(shigoto)).toMatchObject({ performed: 3, discarded: 2, snoozed: 1 });
    expect(await shigoto.jobs.get(a.id)).toMatchObject({
      state: 'discarded',
      lastError: { name: 'GoneError' },
    });
    // A snooze gives its attempt back.
    expect(await shigoto.jobs.get(b.id)).toMatchObject({ state: 'scheduled', attempts: 0 });
    expect(await shigoto.jobs.get(c.id)).toMatchObject({
      state: 'discarded',
      lastError: { message: 'not needed' },
    });
  });

  it('fails a job whose name no definition has', async () => {
    const { add } = jobsLogging([]);
    const producer = await createTestShigoto({ jobs: [add] });
    const consumer = createShigoto({ backend: producer.backend, jobs: [], logger: producer.logger });
    const job = await producer.enqueue(add, { a: 1, b: 1 });
    expect(await performEnqueued(consumer)).toMatchObject({ performed: 1, failed: 1 });
    expect((await producer.jobs.get(job.id)).lastError).toMatchObject({ name: 'UnknownJobError' });
  });

  it('claims as a registered process that is gone afterwards', async () => {
    const seen: Array<{ processes: string[]; holder: string | null }> = [];
    const inspect = defineJob({
      name: 'inspect',
      perform: async (_args: Record<string, never>, ctx: JobContext) => {
        const processes = await shigoto.processes.list();
        const self = await shigoto.jobs.get(ctx.id);
        seen.push({ processes: processes.map((p) => `${p.kind}:${p.name}:${p.id}`), holder: self.processId });
      },
    });
    const shigoto = await createTestShigoto({ jobs: [inspect] });
    await shigoto.enqueue(inspect, {});
    await performEnqueued(shigoto);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.processes).toEqual([`worker:shigoto-testing:${seen[0]!.holder}`]);
    expect(await shigoto.processes.list()).toEqual([]);
  });

  it('works on any Shigoto, with the clock it was given', async () => {
    let now = Date.parse('2032-02-02T00:00:00Z');
    const { flaky } = jobsLogging([]);
    const shigoto = createShigoto({
      backend: inlineBackend(),
      jobs: [flaky],
      now: () => now,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const job = await shigoto.enqueue(flaky, {});
    now += 1000;
    await performEnqueued(shigoto);
    expect((await shigoto.jobs.get(job.id)).runAt).toBe(now + 10_000);
  });
});
