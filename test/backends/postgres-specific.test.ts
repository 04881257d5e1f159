import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Backend, ClaimedJob } from '../../src/backend/types.ts';
import { postgresBackend, postgresMigrationSql } from '../../src/backends/postgres/index.ts';
import { postgresMigrations } from '../../src/backends/postgres/migrate.ts';
import {
  BackendUnavailableError,
  InvalidInputError,
  InvalidQueueNameError,
  PermissionDeniedError,
} from '../../src/errors.ts';
import { createShigoto, defineJob } from '../../src/index.ts';
import { newJob, newJobs, T0 } from '../contract/helpers.ts';
import { freePort } from '../support/ports.ts';
import {
  adminPool,
  closeAdminPool,
  dropSchema,
  isolatedPostgres,
  TEST_DATABASE_URL,
  uniqueSchema,
} from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';

const available = await serviceAvailable(POSTGRES);

describe.skipIf(!available)('postgres backend', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(closeAdminPool);

  /** Backends sharing one fresh schema (as processes on several hosts would). */
  function sharedSchema(count: number): { schema: string; backends: Backend[] } {
    const schema = uniqueSchema();
    const backends = Array.from({ length: count }, () =>
      postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 }),
    );
    cleanups.push(async () => {
      await Promise.all(backends.map((b) => b.close()));
      await dropSchema(schema);
    });
    return { schema, backends };
  }

  it('migrates once when several backends migrate the same schema at once', async () => {
    const { schema, backends } = sharedSchema(6);
    await Promise.all(backends.map((b) => b.migrate()));
    const { rows } = await adminPool().query(
      `SELECT version, name FROM "${schema}".migrations ORDER BY version`,
    );
    expect(rows).toEqual(postgresMigrations(schema).map(({ version, name }) => ({ version, name })));
    const [id] = await backends[0]!.enqueue({ jobs: [newJob()], now: T0 });
    expect(await backends[5]!.getJob({ id: id! })).toMatchObject({ state: 'ready' });
  });

  it('never hands one job to two concurrent claimers (SKIP LOCKED)', async () => {
    const { backends } = sharedSchema(4);
    await backends[0]!.migrate();
    const total = 2000;
    const ids = await backends[0]!.enqueue({ jobs: Array.from({ length: total }, () => newJob()), now: T0 });
    const claimUntilEmpty = async (backend: Backend, processId: string) => {
      const mine: ClaimedJob[] = [];
      for (;;) {
        const batch = await backend.claim({ queues: ['*'], limit: 25, processId, now: T0 });
        if (batch.length === 0) return mine;
        mine.push(...batch);
      }
    };
    const perClaimer = await Promise.all(backends.map((b, i) => claimUntilEmpty(b, `claimer-${i}`)));
    const claimed = perClaimer.flat().map((job) => job.id);
    expect(claimed).toHaveLength(total);
    expect(new Set(claimed)).toEqual(new Set(ids));
    // More than one claimer took part, so the test did exercise concurrency.
    expect(perClaimer.filter((jobs) => jobs.length > 0).length).toBeGreaterThan(1);
    expect(await backends[0]!.countJobs()).toMatchObject({ ready: 0, claimed: total });
  });

  it('claims and finishes jobs without moving their rows out of their pages (HOT updates)', async () => {
    const { schema, backends } = sharedSchema(1);
    const backend = backends[0]!;
    await backend.migrate();
    // Small rows (more of them share a page, whose claimed versions must all fit beside them).
    await backend.enqueue({ jobs: newJobs(3000, (i) => ({ args: `{"n":${i}}` })), now: T0 });
    const pages = async () => {
      const { rows } = await adminPool().query<{ id: string; page: string }>(
        `SELECT id, (ctid::text::point)[0] AS page FROM "${schema}".jobs ORDER BY id`,
      );
      return rows.map((row) => `${row.id}@${row.page}`);
    };
    const before = await pages();
    const processId = randomUUID(); // as long as a real process id
    for (;;) {
      const claimed = await backend.claim({ queues: ['*'], limit: 500, processId, now: T0 });
      if (claimed.length === 0) break;
      const items = claimed.map((job) => ({
        jobId: job.id,
        lease: job.lease,
        outcome: 'finished' as const,
        result: null,
      }));
      expect((await backend.complete({ items, now: T0 })).rejected).toEqual([]);
    }
    expect(await backend.countJobs()).toMatchObject({ ready: 0, claimed: 0, finished: 3000 });
    expect(await pages()).toEqual(before);
  });

  it('stores a queue name with SQL metacharacters literally, never executing it', async () => {
    const pg = isolatedPostgres();
    cleanups.push(pg.cleanup);
    await pg.backend.migrate();
    await adminPool().query(`CREATE TABLE "${pg.schema}".x (n int)`);
    const queue = "'; DROP TABLE x; --";
    const [id] = await pg.backend.enqueue({
      jobs: [newJob({ queue, name: `"); DROP TABLE x; --` })],
      now: T0,
    });
    await pg.backend.pauseQueue({ queue, now: T0 });
    await pg.backend.resumeQueue({ queue });
    expect(await pg.backend.getJob({ id: id! })).toMatchObject({ queue, name: `"); DROP TABLE x; --` });
    expect((await pg.backend.listQueues()).map((q) => q.name)).toEqual([queue]);
    const [claimed] = await pg.backend.claim({ queues: [queue], limit: 1, processId: 'p', now: T0 });
    expect(claimed?.id).toBe(id);
    const { rows } = await adminPool().query(`SELECT to_regclass('"${pg.schema}".x') IS NOT NULL AS present`);
    expect(rows[0].present).toBe(true);
  });

  it('stores batches of text as given, whatever characters it holds (rows travel as one JSON parameter)', async () => {
    const pg = isolatedPostgres();
    cleanups.push(pg.cleanup);
    await pg.backend.migrate();
    const awkward = [
      'a"b',
      'back\\slash',
      '{braces},[brackets]',
      'line\nbreak\ttab',
      'NULL',
      '',
      '日本 🚀',
      '\\ud800',
    ];
    const jobs = awkward.map((text) =>
      newJob({
        name: `n${text}`,
        queue: `q${text}`,
        args: JSON.stringify([text]),
        metadata: JSON.stringify({ text }),
      }),
    );
    const ids = await pg.backend.enqueue({ jobs, now: T0 });
    const stored = await Promise.all(ids.map((id) => pg.backend.getJob({ id })));
    expect(stored.map((job) => [job?.name, job?.queue, job?.args, job?.metadata])).toEqual(
      jobs.map((job) => [job.name, job.queue, job.args, job.metadata]),
    );
    // pg sends a lone surrogate in a string parameter as U+FFFD; a row of a batch goes the same way.
    const [lone] = await pg.backend.enqueue({ jobs: [newJob({ queue: 'q\ud800x' })], now: T0 });
    expect((await pg.backend.getJob({ id: lone! }))?.queue).toBe('q\ufffdx');
  });

  it('has the client reject a queue name with SQL metacharacters before storing anything', async () => {
    const pg = isolatedPostgres();
    cleanups.push(pg.cleanup);
    const job = defineJob({ name: 'pg.noop', perform: () => undefined });
    const shigoto = createShigoto({ backend: pg.backend, jobs: [job] });
    await shigoto.migrate();
    await expect(shigoto.enqueue(job, {}, { queue: "'; DROP TABLE x; --" })).rejects.toBeInstanceOf(
      InvalidQueueNameError,
    );
    expect(await pg.backend.countJobs()).toMatchObject({ ready: 0, scheduled: 0 });
  });

  it('rejects schema names that are not plain lowercase identifiers, before connecting', () => {
    const bad = [
      '',
      'Shigoto',
      '1jobs',
      'jobs-queue',
      'a b',
      'x"; DROP SCHEMA public; --',
      'pg_jobs',
      'a'.repeat(64),
    ];
    for (const schema of bad) {
      expect(() => postgresBackend({ connectionString: TEST_DATABASE_URL, schema }), schema).toThrow(
        InvalidInputError,
      );
    }
    expect(() => postgresMigrationSql({ schema: 'Bad' })).toThrow(InvalidInputError);
  });

  it('works in a schema whose name is a reserved word or 63 characters long', async () => {
    for (const schema of ['select', `s${uniqueSchema().slice(1)}`.padEnd(63, '_')]) {
      const backend = postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 1 });
      cleanups.push(async () => {
        await backend.close();
        await dropSchema(schema);
      });
      await backend.migrate();
      const [id] = await backend.enqueue({ jobs: [newJob()], now: T0 });
      expect(await backend.getJob({ id: id! }), schema).toMatchObject({ state: 'ready' });
    }
  });

  it('fails an enqueue with BackendUnavailableError when the server cannot be reached', async () => {
    const port = await freePort();
    const backend = postgresBackend({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'test',
      connectTimeoutMs: 2000,
    });
    cleanups.push(() => backend.close());
    await expect(backend.enqueue({ jobs: [newJob()], now: T0 })).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    await expect(backend.migrate()).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(backend.countJobs()).rejects.toThrow(`127.0.0.1:${port}/test`);
  });

  it('fails with BackendUnavailableError naming the mistake when the server refuses the role or the database', async () => {
    const refused = [
      [
        { user: 'postgres', database: 'shigoto_no_such_database' },
        'database "shigoto_no_such_database" does not exist',
      ],
      [{ user: 'shigoto_no_such_role', database: 'test' }, 'role "shigoto_no_such_role" does not exist'],
    ] as const;
    for (const [settings, reason] of refused) {
      const backend = postgresBackend({ host: '127.0.0.1', port: 5432, ...settings, connectTimeoutMs: 2000 });
      cleanups.push(() => backend.close());
      const enqueued = backend.enqueue({ jobs: [newJob()], now: T0 });
      await expect(enqueued).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(enqueued).rejects.toThrow(
        `PostgreSQL at 127.0.0.1:5432/${settings.database} refused the connection: ${reason} (check the connection settings: user, password, database, TLS)`,
      );
      await expect(backend.migrate()).rejects.toBeInstanceOf(BackendUnavailableError);
    }
  });

  it('fails with BackendUnavailableError when TLS is asked of a server without it', async () => {
    const backend = postgresBackend({
      connectionString: TEST_DATABASE_URL,
      ssl: true,
      connectTimeoutMs: 2000,
    });
    cleanups.push(() => backend.close());
    await expect(backend.enqueue({ jobs: [newJob()], now: T0 })).rejects.toThrow(
      /^PostgreSQL at 127\.0\.0\.1:5432\/test refused the connection: The server does not support SSL connections/,
    );
    await expect(backend.countJobs()).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it('fails migrate() with PermissionDeniedError when the role may not create the schema', async () => {
    const role = `shigoto_limited_${process.pid}_${Date.now()}`;
    await adminPool().query(`CREATE ROLE ${role} LOGIN`);
    const backend = postgresBackend({
      host: '127.0.0.1',
      port: 5432,
      user: role,
      database: 'test',
      schema: uniqueSchema(),
    });
    cleanups.push(async () => {
      await backend.close();
      await adminPool().query(`DROP ROLE ${role}`);
    });
    const migrated = backend.migrate();
    await expect(migrated).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(migrated).rejects.toThrow(
      'PostgreSQL at 127.0.0.1:5432/test refused: permission denied for database test (the role of the connection settings lacks a privilege Shigoto needs: see "Setup" in docs/backends.md)',
    );
  });

  it('prints a migration script that leaves the schema as migrate() would', async () => {
    const schema = uniqueSchema();
    cleanups.push(() => dropSchema(schema));
    const script = postgresMigrationSql({ schema });
    await adminPool().query(script);
    const backend = postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 1 });
    cleanups.push(() => backend.close());
    await backend.migrate();
    // migrate() found nothing left to apply: every version it knows came from the script.
    const { rows } = await adminPool().query(`SELECT version FROM "${schema}".migrations ORDER BY version`);
    expect(rows).toEqual(scriptVersions(script).map((version) => ({ version })));
    expect(scriptVersions(script)).toEqual(postgresMigrations(schema).map((m) => m.version));
    const [id] = await backend.enqueue({ jobs: [newJob()], now: T0 });
    expect(await backend.getJob({ id: id! })).toMatchObject({ state: 'ready' });
  });
});

/** The versions a printed migration script records, in order. */
function scriptVersions(script: string): number[] {
  return [...script.matchAll(/INSERT INTO \S+ \(version, name, applied_at\) VALUES \((\d+),/g)].map((m) =>
    Number(m[1]),
  );
}
