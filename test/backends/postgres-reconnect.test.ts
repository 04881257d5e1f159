import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresBackend } from '../../src/backends/postgres/index.ts';
import {
  BackendUnavailableError,
  createConsoleLogger,
  createShigoto,
  defineJob,
  type Shigoto,
} from '../../src/index.ts';
import { adminPool, dropSchema, TEST_DATABASE_URL, uniqueSchema, useCleanups } from '../support/postgres.ts';
import {
  type PrivatePostgres,
  privatePostgresUnavailable,
  startPrivatePostgres,
} from '../support/private-postgres.ts';
import { POSTGRES, serviceAvailable, skipOrFail } from '../support/services.ts';

const available = await serviceAvailable(POSTGRES);
const unavailable = privatePostgresUnavailable();
const canRunPrivate = unavailable === undefined || skipOrFail(`private PostgreSQL: ${unavailable}`);
const logger = createConsoleLogger({ level: 'silent' });
const WAIT = { timeout: 20_000, interval: 25 };

/** A worker side and a producer side on one database, and the runs the worker side made. */
interface Rig {
  readonly worker: Shigoto;
  readonly producer: Shigoto;
  /** Job id → how many runs finished. */
  readonly finished: Map<string, number>;
  readonly started: number[];
  enqueue(count: number): Promise<string[]>;
  /** Ids among `ids` whose job is not finished in the database. */
  unfinished(ids: readonly string[]): Promise<string[]>;
}

const task = (finished: Map<string, number>, started: number[]) =>
  defineJob({
    name: 'reconnect.task',
    perform: async (args: { ms: number }, ctx) => {
      started.push(Date.now());
      await sleep(args.ms);
      finished.set(ctx.id, (finished.get(ctx.id) ?? 0) + 1);
    },
  });

/**
 * The worker polls once a minute: once it is running, only a wake-up (a NOTIFY, or the
 * listener's "maybe any" after it reconnects) starts a job within a test's time.
 */
async function rig(
  url: string,
  schema: string,
  applicationName: string,
): Promise<Rig & { stop(): Promise<void> }> {
  const finished = new Map<string, number>();
  const started: number[] = [];
  const job = task(finished, started);
  const make = (name: string) =>
    createShigoto({
      backend: postgresBackend({
        connectionString: url,
        schema,
        poolSize: 4,
        applicationName: name,
        connectTimeoutMs: 2000,
      }),
      jobs: [job],
      logger,
    });
  const worker = make(applicationName);
  const producer = make(`${applicationName}-producer`);
  await producer.migrate();
  const runtime = await worker.work({
    workers: [{ queues: ['*'], threads: 5, pollingIntervalMs: 60_000 }],
    dispatcher: null,
  });
  return {
    worker,
    producer,
    finished,
    started,
    enqueue: async (count) =>
      (await producer.enqueueMany(Array.from({ length: count }, () => ({ job, args: { ms: 20 } })))).map(
        (j) => j.id,
      ),
    unfinished: async (ids) => {
      const jobs = await producer.jobs.list({ ids, limit: ids.length });
      const done = new Set(jobs.filter((j) => j.state === 'finished').map((j) => j.id));
      return ids.filter((id) => !done.has(id));
    },
    stop: async () => {
      await runtime.stop();
      await worker.close();
      await producer.close();
    },
  };
}

/** Every accepted job finished in the database and ran exactly once: nothing lost, nothing twice. */
async function expectAllRanOnce(r: Rig, accepted: readonly string[]): Promise<void> {
  await expect.poll(() => r.unfinished(accepted), WAIT).toEqual([]);
  const runs = accepted.map((id) => r.finished.get(id) ?? 0);
  expect(runs.filter((n) => n !== 1)).toEqual([]);
}

describe.skipIf(!available)('postgres: connections terminated by the server (pg_terminate_backend)', () => {
  const cleanups = useCleanups();

  it('every connection of the worker killed twice mid-run: it reconnects, goes on, and every job ends finished once', async () => {
    const schema = uniqueSchema();
    const applicationName = `shigoto-kill-${randomBytes(4).toString('hex')}`;
    const r = await rig(TEST_DATABASE_URL, schema, applicationName);
    cleanups.push(async () => {
      await r.stop();
      await dropSchema(schema);
    });
    const accepted = await r.enqueue(300);
    const terminate = async () => {
      const { rows } = await adminPool().query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      return rows.length;
    };
    for (const after of [50, 150]) {
      await expect.poll(() => r.finished.size, WAIT).toBeGreaterThanOrEqual(after);
      // The pool's connections and the LISTEN connection.
      expect(await terminate()).toBeGreaterThanOrEqual(2);
    }
    await expectAllRanOnce(r, accepted);
    // The listener is back: a new job starts without waiting for the minute-long poll.
    const [late] = await r.enqueue(1);
    await expect.poll(() => r.finished.has(late!), WAIT).toBe(true);
  });
});

describe.skipIf(!canRunPrivate)('postgres: the server restarts mid-run (a private cluster)', () => {
  let server: PrivatePostgres | undefined;
  let stopRig: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopRig?.();
    await server?.destroy();
    stopRig = undefined;
    server = undefined;
  });

  it('enqueue during the outage fails with BackendUnavailableError; after it the worker resumes, LISTEN is back, nothing is lost', async () => {
    server = await startPrivatePostgres();
    const r = await rig(server.url, 'shigoto', 'shigoto-restart');
    stopRig = r.stop;
    const accepted = await r.enqueue(200);
    await expect.poll(() => r.finished.size, WAIT).toBeGreaterThanOrEqual(30);
    await server.stop();

    const job = r.producer.registry.get('reconnect.task');
    await expect(r.producer.enqueue(job, { ms: 1 })).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(r.worker.enqueue(job, { ms: 1 })).rejects.toBeInstanceOf(BackendUnavailableError);
    await sleep(500);
    await server.start();
    const back = Date.now();

    await expectAllRanOnce(r, accepted);
    // Jobs started after the restart (not only ones that were running through it).
    const resumedAfterMs = (r.started.find((at) => at >= back) ?? Number.NaN) - back;
    expect(resumedAfterMs).toBeGreaterThanOrEqual(0);
    console.info(`restart: the first job started ${resumedAfterMs} ms after the server was back`);
    // Only a NOTIFY can start this one soon: the listener subscribed again after the restart.
    const [late] = await r.enqueue(1);
    await expect.poll(() => r.finished.has(late!), WAIT).toBe(true);
  });
});
