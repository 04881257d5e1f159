import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/types.ts';
import { postgresBackend } from '../../src/backends/postgres/index.ts';
import { createConsoleLogger, createShigoto, defineJob } from '../../src/index.ts';
import { claim, enqueue, newJob, newJobs, processInfo, refOf, storedError, T0 } from '../contract/helpers.ts';
import { adminPool, dropSchema, TEST_DATABASE_URL, uniqueSchema, useCleanups } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';

const available = await serviceAvailable(POSTGRES);
const DEADLINE = { timeout: 10_000, interval: 10 };

describe.skipIf(!available)('postgres LISTEN/NOTIFY wake-ups', () => {
  const cleanups = useCleanups();

  /** Backends on one fresh, migrated schema, each as another process would open it. */
  async function sharedSchema(count: number, applicationName = 'shigoto-test'): Promise<Backend[]> {
    const schema = uniqueSchema();
    const backends = Array.from({ length: count }, () =>
      postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2, applicationName }),
    );
    cleanups.push(async () => {
      await Promise.all(backends.map((b) => b.close()));
      await dropSchema(schema);
    });
    await backends[0]!.migrate();
    return backends;
  }

  /** Subscribes and records what is heard, in order (one entry per notice). */
  async function hear(backend: Backend, errors: unknown[] = []): Promise<string[][]> {
    const heard: string[][] = [];
    const unsubscribe = await backend.listen!(
      (queues) => heard.push([...queues]),
      (error) => errors.push(error),
    );
    cleanups.push(unsubscribe);
    return heard;
  }

  /** A ready job in `queue` enqueued after everything else: its notice comes after theirs. */
  async function marker(backend: Backend, heard: string[][]): Promise<string[][]> {
    await enqueue(backend, [newJob({ queue: 'marker' })]);
    await expect.poll(() => heard.flat(), DEADLINE).toContain('marker');
    return heard.slice(0, -1);
  }

  it('a ready job enqueued through one backend wakes a listener of another, once per enqueue', async () => {
    const [listener, producer] = await sharedSchema(2);
    const heard = await hear(listener!);
    await enqueue(
      producer!,
      newJobs(3, (i) => ({ queue: i === 2 ? 'mail' : 'default' })),
    );
    await expect.poll(() => heard, DEADLINE).toEqual([['default', 'mail']]);
  });

  it('a scheduled job wakes no one until it is promoted; then its queue is named', async () => {
    const [listener, producer] = await sharedSchema(2);
    const heard = await hear(listener!);
    await enqueue(producer!, [newJob({ queue: 'later', runAt: T0 + 60_000 })]);
    expect(await marker(producer!, heard)).toEqual([]);
    expect(await producer!.promoteScheduled({ now: T0 + 60_000, limit: 10 })).toBe(1);
    await expect.poll(() => heard.slice(1), DEADLINE).toEqual([['later']]);
  });

  it('a retry due now, a released claim, a retried failure, a pruned process and a resumed queue each wake the queue', async () => {
    const [listener, producer] = await sharedSchema(2);
    await enqueue(producer!, [
      newJob({ queue: 'retry' }),
      newJob({ queue: 'release' }),
      newJob({ queue: 'failed' }),
      newJob({ queue: 'pruned' }),
    ]);
    await producer!.registerProcess({ process: processInfo({ id: 'dead', lastHeartbeatAt: T0 }) });
    const [retry] = await claim(producer!, ['retry'], 1);
    const [release] = await claim(producer!, ['release'], 1);
    const [failed] = await claim(producer!, ['failed'], 1);
    await claim(producer!, ['pruned'], 1, { processId: 'dead' });
    await producer!.complete({
      items: [{ ...refOf(failed!), outcome: 'failed', error: storedError() }],
      now: T0,
    });
    await producer!.pauseQueue({ queue: 'paused', now: T0 });
    const heard = await hear(listener!);

    await producer!.complete({
      items: [{ ...refOf(retry!), outcome: 'retry', runAt: T0, error: null }],
      now: T0,
    });
    await producer!.release({ items: [refOf(release!)], now: T0 });
    await producer!.retryFailed({ select: { queue: 'failed' }, now: T0 });
    await producer!.pruneProcesses({ aliveSince: T0 + 1, now: T0 + 1 });
    await producer!.resumeQueue({ queue: 'paused' });
    await expect
      .poll(() => heard, DEADLINE)
      .toEqual([['retry'], ['release'], ['failed'], ['pruned'], ['paused']]);
  });

  it('a job finishing, failing or retried later wakes no one', async () => {
    const [listener, producer] = await sharedSchema(2);
    const jobs = await Promise.all(
      ['a', 'b', 'c'].map(async (queue) => {
        await enqueue(producer!, [newJob({ queue })]);
        return (await claim(producer!, [queue], 1))[0]!;
      }),
    );
    const heard = await hear(listener!);
    await producer!.complete({
      items: [
        { ...refOf(jobs[0]!), outcome: 'finished', result: null },
        { ...refOf(jobs[1]!), outcome: 'failed', error: storedError() },
        { ...refOf(jobs[2]!), outcome: 'retry', runAt: T0 + 60_000, error: null },
      ],
      now: T0,
    });
    expect(await marker(producer!, heard)).toEqual([]);
  });

  it('never hears another schema, and names no queue when there are too many to name', async () => {
    const [listener, producer] = await sharedSchema(2);
    const [elsewhere] = await sharedSchema(1);
    const heard = await hear(listener!);
    await enqueue(elsewhere!, [newJob({ queue: 'other-schema' })]);
    const many = Array.from({ length: 100 }, (_, i) => newJob({ queue: `q${i}-${'x'.repeat(100)}` }));
    await enqueue(producer!, many);
    await expect.poll(() => heard, DEADLINE).toEqual([[]]);
  });

  it('survives pg_terminate_backend of its connection: reports it, reconnects, says "maybe any", and hears again', async () => {
    const applicationName = `shigoto-listen-${process.pid}-${Date.now()}`;
    const [listener] = await sharedSchema(1, applicationName);
    const errors: unknown[] = [];
    const heard = await hear(listener!, errors);
    const { rows } = await adminPool().query(
      'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    expect(rows.length).toBeGreaterThan(0);
    await expect.poll(() => errors.length, DEADLINE).toBeGreaterThan(0);
    await expect.poll(() => heard, DEADLINE).toEqual([[]]);
    await enqueue(listener!, [newJob({ queue: 'after' })]);
    await expect.poll(() => heard, DEADLINE).toEqual([[], ['after']]);
  });

  it('work() wakes on a job enqueued by another process at once, without waiting for its (minute-long) poll', async () => {
    const [runtimeSide, producerSide] = await sharedSchema(2);
    const ran: string[] = [];
    const job = defineJob({ name: 'wake.me', perform: (_: object, ctx) => void ran.push(ctx.id) });
    const logger = createConsoleLogger({ level: 'silent' });
    const worker = createShigoto({ backend: runtimeSide!, jobs: [job], logger });
    const producer = createShigoto({ backend: producerSide!, jobs: [job], logger });
    const runtime = await worker.work({
      workers: [{ queues: ['*'], pollingIntervalMs: 60_000 }],
      dispatcher: null,
    });
    cleanups.push(() => runtime.stop());
    // The first poll runs at start; from then on only a wake-up can start a job within the minute.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 3; i++) {
      const { id } = await producer.enqueue(job, {});
      await expect.poll(() => ran, DEADLINE).toContain(id);
    }
  });

  it('work() starts its workers without waiting for the LISTEN connection, and wakes them once it listens', async () => {
    const [runtimeSide, producerSide] = await sharedSchema(2);
    // The runtime's backend, with its subscription held back until the test lets it through.
    const gate = Promise.withResolvers<void>();
    const held = new Proxy(runtimeSide!, {
      get(target, key) {
        // Methods run on the backend itself: its private fields are not the proxy's.
        const value = Reflect.get(target, key);
        if (key !== 'listen') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<NonNullable<Backend['listen']>>) => {
          await gate.promise;
          return target.listen!(...args);
        };
      },
    });
    const ran: string[] = [];
    const job = defineJob({ name: 'wake.later', perform: (_: object, ctx) => void ran.push(ctx.id) });
    const logger = createConsoleLogger({ level: 'silent' });
    const worker = createShigoto({ backend: held, jobs: [job], logger });
    const producer = createShigoto({ backend: producerSide!, jobs: [job], logger });
    const runtime = await worker.work({
      workers: [{ queues: ['*'], pollingIntervalMs: 60_000 }],
      dispatcher: null,
    });
    // stop() waits for the subscription: let it through even if an assertion below fails first.
    cleanups.push(() => {
      gate.resolve();
      return runtime.stop();
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the first poll, which finds nothing
    // Its notice goes out while no one listens: only the wake-up once listening starts it.
    const { id } = await producer.enqueue(job, {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ran).toEqual([]);
    gate.resolve();
    await expect.poll(() => ran, DEADLINE).toEqual([id]);
  });
});
