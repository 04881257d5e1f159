import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresBackend } from '../../src/backends/postgres/index.ts';
import {
  CapabilityNotSupportedError,
  createConsoleLogger,
  createShigoto,
  defineJob,
  InvalidInputError,
  type Shigoto,
  sqliteBackend,
} from '../../src/index.ts';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema, useCleanups } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';
import { tempDir } from '../support/temp-dir.ts';

const available = await serviceAvailable(POSTGRES);
const DEADLINE = { timeout: 10_000, interval: 10 };
const logger = createConsoleLogger({ level: 'silent' });
const signup = defineJob({ name: 'tx.welcome', queue: 'mail', perform: (_: { user: string }) => undefined });

describe.skipIf(!available)('postgres: enqueue inside the caller’s transaction', () => {
  const cleanups = useCleanups();

  /** A migrated schema with its own table of users, a Shigoto on it, and what a listener hears. */
  async function setup(): Promise<{ shigoto: Shigoto; schema: string; pool: pg.Pool; heard: string[][] }> {
    const schema = uniqueSchema();
    const shigoto = createShigoto({
      backend: postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 }),
      jobs: [signup],
      logger,
    });
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    cleanups.push(async () => {
      await shigoto.close();
      await pool.end();
      await dropSchema(schema);
    });
    await shigoto.migrate();
    await pool.query(`CREATE TABLE "${schema}".users (name text PRIMARY KEY)`);
    const heard: string[][] = [];
    await shigoto.backend.listen!((queues) => heard.push([...queues]));
    return { shigoto, schema, pool, heard };
  }

  /** Runs `fn` between BEGIN and COMMIT (or ROLLBACK) on one client of `pool`. */
  async function inTransaction(
    pool: pg.Pool,
    end: 'COMMIT' | 'ROLLBACK',
    fn: (client: pg.PoolClient) => Promise<void>,
  ) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await fn(client);
      await client.query(end);
    } finally {
      client.release();
    }
  }

  it('a job enqueued in a transaction appears, and wakes workers, only when it commits', async () => {
    const { shigoto, schema, pool, heard } = await setup();
    let id = '';
    await inTransaction(pool, 'COMMIT', async (client) => {
      await client.query(`INSERT INTO "${schema}".users VALUES ('ada')`);
      ({ id } = await shigoto.enqueue(signup, { user: 'ada' }, { transaction: client }));
      // Not committed: invisible to everyone else, and nobody was woken.
      expect(await shigoto.backend.getJob({ id })).toBeNull();
      expect((await shigoto.jobs.counts()).ready).toBe(0);
    });
    expect(await shigoto.backend.getJob({ id })).toMatchObject({ state: 'ready', queue: 'mail' });
    await expect.poll(() => heard, DEADLINE).toEqual([['mail']]);
  });

  it('a rolled-back transaction leaves no job and wakes no one, together with the rest of its work', async () => {
    const { shigoto, schema, pool, heard } = await setup();
    await inTransaction(pool, 'ROLLBACK', async (client) => {
      await client.query(`INSERT INTO "${schema}".users VALUES ('bob')`);
      await shigoto.enqueueMany(
        [
          { job: signup, args: { user: 'bob' } },
          { job: signup, args: { user: 'bob' }, options: { queue: 'other', wait: '1h' } },
        ],
        { transaction: client },
      );
    });
    expect(await shigoto.jobs.counts()).toMatchObject({ ready: 0, scheduled: 0 });
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".users`)).rows[0].n).toBe(0);
    // A later committed enqueue is heard; had the rolled-back one been announced, it would come first.
    await shigoto.enqueue(signup, { user: 'carol' }, { queue: 'marker' });
    await expect.poll(() => heard, DEADLINE).toEqual([['marker']]);
  });

  it('enqueueMany through a transaction stores every job at commit, more than one statement’s worth', async () => {
    const { shigoto, pool } = await setup();
    let ids: string[] = [];
    await inTransaction(pool, 'COMMIT', async (client) => {
      const jobs = await shigoto.enqueueMany(
        Array.from({ length: 2500 }, (_, i) => ({ job: signup, args: { user: `u${i}` } })),
        { transaction: client },
      );
      ids = jobs.map((j) => j.id);
    });
    expect(new Set(ids).size).toBe(2500);
    expect((await shigoto.jobs.counts()).ready).toBe(2500);
  });

  it('a failing statement of the caller’s own aborts the transaction, and the job with it', async () => {
    const { shigoto, schema, pool } = await setup();
    await inTransaction(pool, 'ROLLBACK', async (client) => {
      await shigoto.enqueue(signup, { user: 'dup' }, { transaction: client });
      await client.query(`INSERT INTO "${schema}".users VALUES ('dup')`);
      await expect(client.query(`INSERT INTO "${schema}".users VALUES ('dup')`)).rejects.toThrow(
        /duplicate key/,
      );
      // PostgreSQL refuses everything else in an aborted transaction; so does the enqueue.
      await expect(shigoto.enqueue(signup, { user: 'late' }, { transaction: client })).rejects.toThrow(
        /current transaction is aborted/,
      );
    });
    expect((await shigoto.jobs.counts()).ready).toBe(0);
  });

  it('refuses a transaction that is not a client (or is a whole pool), and one given per request of enqueueMany, storing nothing', async () => {
    const { shigoto, pool } = await setup();
    for (const transaction of [{}, pool]) {
      await expect(shigoto.enqueue(signup, { user: 'x' }, { transaction })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    }
    await expect(
      shigoto.enqueueMany([{ job: signup, args: { user: 'x' }, options: { transaction: pool } }]),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect((await shigoto.jobs.counts()).ready).toBe(0);
  });

  it('a backend without transactional enqueue raises CapabilityNotSupportedError and stores nothing', async () => {
    const dir = await tempDir('shigoto-tx-');
    const shigoto = createShigoto({
      backend: sqliteBackend({ path: join(dir.path, 'q.db') }),
      jobs: [signup],
      logger,
    });
    cleanups.push(async () => {
      await shigoto.close();
      await dir.remove();
    });
    await shigoto.migrate();
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    cleanups.push(() => pool.end());
    await expect(shigoto.enqueue(signup, { user: 'x' }, { transaction: pool })).rejects.toBeInstanceOf(
      CapabilityNotSupportedError,
    );
    await expect(
      shigoto.enqueueMany([{ job: signup, args: { user: 'x' } }], { transaction: pool }),
    ).rejects.toBeInstanceOf(CapabilityNotSupportedError);
    expect((await shigoto.jobs.counts()).ready).toBe(0);
  });
});
