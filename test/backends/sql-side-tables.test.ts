import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/types.ts';
import { postgresTables } from '../../src/backends/postgres/dialect.ts';
import { postgresMigrations } from '../../src/backends/postgres/migrate.ts';
import { loadMigrations, migrationsTableSql } from '../../src/backends/sql/migrations.ts';
import { sqliteTables } from '../../src/backends/sqlite/dialect.ts';
import { SQLITE_DEFAULTS, sqliteBackend } from '../../src/backends/sqlite/index.ts';
import { claim, enqueue, newJob, newJobs, processInfo, refOf, storedError, T0 } from '../contract/helpers.ts';
import { adminPool, closeAdminPool, isolatedPostgres } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * The side tables of migration 006, checked on both SQL backends by reading them: claim rows
 * (one per claim, naming its process and the ids it took, kept while some of those jobs are
 * still held under it), `ended` rows (one per statement that ended jobs, read by retention) and
 * `errored`.
 */
interface SqlSetup {
  readonly backend: Backend;
  /** Rows of a query on the backend's database; `{{table}}` names one of its tables. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** Runs migrations 001-005 only, then `sql` (one statement per call), as a database made before 006. */
  before006(statements: readonly string[]): Promise<void>;
  cleanup(): Promise<void>;
}

const PREFIX = SQLITE_DEFAULTS.tablePrefix;
const NOW = T0 + 60_000;

async function sqliteSetup(): Promise<SqlSetup> {
  const dir = await tempDir('shigoto-claim-rows-');
  const path = join(dir.path, 'shigoto.db');
  const backend = sqliteBackend({ path });
  const tables = sqliteTables(PREFIX);
  const named = (sql: string) => sql.replace(/\{\{(\w+)\}\}/g, (_, key: keyof typeof tables) => tables[key]);
  const db = new Database(path);
  return {
    backend,
    rows: async (sql) => db.prepare(named(sql)).all() as Record<string, unknown>[],
    async before006(statements) {
      const migrations = loadMigrations(new URL('../../src/backends/sqlite/migrations/', import.meta.url), {
        ...tables,
      });
      db.exec(migrationsTableSql(`${PREFIX}migrations`));
      for (const m of migrations.filter((m) => m.version < 6)) {
        db.exec(m.sql);
        db.prepare(`INSERT INTO ${PREFIX}migrations (version, name, applied_at) VALUES (?, ?, 0)`).run(
          m.version,
          m.name,
        );
      }
      for (const statement of statements) db.exec(named(statement));
    },
    async cleanup() {
      db.close();
      await backend.close();
      await dir.remove();
    },
  };
}

function postgresSetup(): SqlSetup {
  const { backend, schema, cleanup } = isolatedPostgres();
  const tables = postgresTables(schema);
  const named = (sql: string) => sql.replace(/\{\{(\w+)\}\}/g, (_, key: keyof typeof tables) => tables[key]);
  return {
    backend,
    rows: async (sql) => (await adminPool().query(named(sql))).rows,
    async before006(statements) {
      const db = adminPool();
      await db.query(`CREATE SCHEMA "${schema}"`);
      await db.query(migrationsTableSql(`"${schema}".migrations`));
      for (const m of postgresMigrations(schema).filter((m) => m.version < 6)) {
        await db.query(m.sql);
        await db.query(`INSERT INTO "${schema}".migrations (version, name, applied_at) VALUES ($1, $2, 0)`, [
          m.version,
          m.name,
        ]);
      }
      for (const statement of statements) await db.query(named(statement));
    },
    cleanup,
  };
}

const postgresAvailable = await serviceAvailable(POSTGRES);
const setups: [string, () => Promise<SqlSetup> | SqlSetup, boolean][] = [
  ['sqlite', sqliteSetup, true],
  ['postgres', postgresSetup, postgresAvailable],
];

for (const [name, open, available] of setups) {
  describe.skipIf(!available)(`side tables: ${name}`, () => {
    let setup: SqlSetup;
    afterEach(async () => {
      await setup.cleanup();
      if (name === 'postgres') await closeAdminPool();
    });
    const claimRows = () => setup.rows('SELECT lease, process_id, job_ids FROM {{claims}}');
    const endedRows = async () =>
      (await setup.rows('SELECT ended_at, job_ids FROM {{ended}} ORDER BY id')).map((row) => ({
        at: Number(row.ended_at),
        ids: (JSON.parse(String(row.job_ids)) as number[]).map(String),
      }));

    it('writes one row per claim, and deletes it once every job of the claim has ended', async () => {
      setup = await open();
      const { backend } = setup;
      await backend.migrate();
      const ids = await enqueue(backend, newJobs(8));
      const first = await claim(backend, ['*'], 5);
      const second = await claim(backend, ['*'], 5);
      expect(await claimRows()).toHaveLength(2);
      const row = (await claimRows()).find((r) => r.lease === first[0]!.lease)!;
      expect(row.process_id).toBe('worker-1');
      expect((JSON.parse(String(row.job_ids)) as number[]).map(String).sort()).toEqual(
        ids.slice(0, 5).sort(),
      );

      const ended = (jobs: typeof first) =>
        jobs.map((job) => ({ ...refOf(job), outcome: 'finished' as const, result: null }));
      await backend.complete({ items: ended(first.slice(0, 4)), now: T0 });
      expect(await claimRows()).toHaveLength(2); // one job of the first claim still runs
      await backend.complete({ items: ended(first.slice(4)), now: T0 });
      await backend.release({ items: second.map(refOf), now: T0 });
      expect(await claimRows()).toEqual([]);
      // A claim that finds nothing writes no row.
      await claim(backend, ['nothing-here'], 5);
      expect(await claimRows()).toEqual([]);
    });

    it('gives a dead process’s claims back through its rows, then deletes the rows', async () => {
      setup = await open();
      const { backend } = setup;
      await backend.migrate();
      await backend.registerProcess({ process: processInfo({ id: 'dead', lastHeartbeatAt: T0 }) });
      const ids = await enqueue(backend, newJobs(3));
      const taken = await claim(backend, ['*'], 3, { processId: 'dead' });
      await backend.complete({
        items: [{ ...refOf(taken[0]!), outcome: 'finished', result: null }],
        now: T0,
      });
      const { released } = await backend.pruneProcesses({ aliveSince: NOW - 1000, now: NOW });
      expect(released).toBe(2);
      const states = await Promise.all(ids.map(async (id) => (await backend.getJob({ id }))!.state));
      expect(states).toEqual(['finished', 'ready', 'ready']);
      expect(await claimRows()).toEqual([]);
    });

    it('a completion writes one ended row; retention deletes its jobs, keeping what it did not reach', async () => {
      setup = await open();
      const { backend } = setup;
      await backend.migrate();
      const ids = await enqueue(backend, newJobs(5));
      const jobs = await claim(backend, ['*'], 5);
      const items = jobs.map((job) => ({ ...refOf(job), outcome: 'finished' as const, result: null }));
      await backend.complete({ items, now: T0 + 1000 });
      expect(await endedRows()).toEqual([{ at: T0 + 1000, ids }]);

      expect(await backend.clearFinished({ before: T0 + 2000, limit: 2 })).toBe(2);
      expect(await endedRows()).toEqual([{ at: T0 + 1000, ids: ids.slice(2) }]);
      expect(await backend.clearFinished({ before: T0 + 2000, limit: 10 })).toBe(3);
      expect(await endedRows()).toEqual([]);
    });

    it('a batch ends its plain jobs in one statement (one ended row) and a job with controls after it', async () => {
      setup = await open();
      const { backend } = setup;
      await backend.migrate();
      const plain = await enqueue(backend, newJobs(3));
      const [keyed] = await enqueue(backend, [
        newJob({ unique: { key: 'k', states: ['ready'], expiresAt: null, onConflict: 'return' } }),
      ]);
      const jobs = await claim(backend, ['*'], 10);
      const items = jobs.map((job) => ({ ...refOf(job), outcome: 'finished' as const, result: null }));
      expect(await backend.complete({ items, now: T0 + 1000 })).toEqual({ rejected: [] });
      expect(await endedRows()).toEqual([
        { at: T0 + 1000, ids: plain },
        { at: T0 + 1000, ids: [keyed] },
      ]);
    });

    it('retention clears many one-job rows in one call, and stops at its limit inside a row', async () => {
      setup = await open();
      const { backend } = setup;
      await backend.migrate();
      await enqueue(backend, newJobs(30));
      for (const job of await claim(backend, ['*'], 30)) {
        await backend.complete({
          items: [{ ...refOf(job), outcome: 'finished', result: null }],
          now: T0 + 1,
        });
      }
      expect(await endedRows()).toHaveLength(30);
      expect(await backend.clearFinished({ before: T0 + 2, limit: 25 })).toBe(25);
      expect(await endedRows()).toHaveLength(5);
      expect(await backend.clearFinished({ before: T0 + 2, limit: 1000 })).toBe(5);
      expect(await endedRows()).toEqual([]);
    });

    it('expired jobs and failed jobs discarded by hand are found by retention too', async () => {
      setup = await open();
      const { backend } = setup;
      await backend.migrate();
      const [expiring] = await enqueue(
        backend,
        newJobs(1, () => ({ expiresAt: T0 + 10 })),
      );
      expect(await backend.expireJobs({ now: T0 + 20, limit: 10 })).toHaveLength(1);
      const [failing] = await enqueue(
        backend,
        newJobs(1, () => ({ queue: 'f' })),
      );
      const [job] = await claim(backend, ['f'], 1);
      await backend.complete({
        items: [{ ...refOf(job!), outcome: 'failed', error: storedError() }],
        now: T0 + 30,
      });
      expect(await backend.discardFailed({ select: { ids: [failing!] }, now: T0 + 40 })).toBe(1);
      expect(await endedRows()).toEqual([
        { at: T0 + 20, ids: [expiring] },
        { at: T0 + 40, ids: [failing] },
      ]);
      expect(await backend.clearFinished({ before: T0 + 50, limit: 10 })).toBe(2);
      expect(await backend.getJob({ id: expiring! })).toBeNull();
      expect(await backend.getJob({ id: failing! })).toBeNull();
    });

    it('expiry takes ready rows by priority and id (the key claims walk), whatever the priority', async () => {
      setup = await open();
      const { backend } = setup;
      await backend.migrate();
      const priorities = [-5, 0, 3, 100];
      const ids = await enqueue(
        backend,
        priorities.map((priority) => newJobs(1, () => ({ priority, expiresAt: T0 + 10 }))[0]!),
      );
      expect(await backend.expireJobs({ now: T0 + 20, limit: 10 })).toHaveLength(4);
      expect(await setup.rows('SELECT job_id FROM {{ready}}')).toEqual([]);
      for (const id of ids) expect((await backend.getJob({ id }))!.state).toBe('expired');
    });

    it('migration 006 carries claimed, errored and ended jobs of an older database over', async () => {
      setup = await open();
      const { backend } = setup;
      await setup.before006([
        `INSERT INTO {{jobs}} (name, queue, priority, args, metadata, state, attempts, enqueued_at, process_id, lease)
           VALUES ('old', 'default', 0, '[]', '{}', 'claimed', 1, ${T0}, 'gone', 'old-lease')`,
        `INSERT INTO {{jobs}} (name, queue, priority, args, metadata, state, attempts, enqueued_at, last_error, serial_key, serial_on_error)
           VALUES ('old', 'q', 0, '[]', '{}', 'errored', 1, ${T0}, '{"message":"boom"}', 'q', 'stop')`,
        `INSERT INTO {{serialLines}} (key, head_id, locked_at) SELECT 'q', MAX(id), ${T0} FROM {{jobs}}`,
        `INSERT INTO {{queues}} (name, created_at) VALUES ('q', ${T0})`,
        `INSERT INTO {{jobs}} (name, queue, priority, args, metadata, state, attempts, enqueued_at, finished_at)
           VALUES ('old', 'default', 0, '[]', '{}', 'finished', 1, ${T0}, ${T0 + 5})`,
      ]);
      await backend.migrate();
      expect(await claimRows()).toEqual([{ lease: 'old-lease', process_id: 'gone', job_ids: '[1]' }]);
      expect(await backend.listQueues()).toMatchObject([
        { name: 'q', errored: 1, stopped: true, claimed: 0 },
      ]);
      expect(await setup.rows('SELECT job_id, queue FROM {{errored}}')).toEqual([
        { job_id: name === 'postgres' ? '2' : 2, queue: 'q' },
      ]);
      // The process of the claimed job has no row: pruning finds its claim through the claim row.
      expect((await backend.pruneProcesses({ aliveSince: NOW - 1000, now: NOW })).released).toBe(1);
      expect((await backend.getJob({ id: '1' }))!.state).toBe('ready');
      expect(await endedRows()).toEqual([{ at: T0 + 5, ids: ['3'] }]);
      expect(await backend.removeErrored({ select: { all: true }, now: NOW })).toBe(1);
      expect((await backend.getJob({ id: '2' }))!.state).toBe('discarded');
      // Retention finds the finished job through its migrated row, and the discarded one too.
      expect(await backend.clearFinished({ before: NOW + 1, limit: 10 })).toBe(2);
      expect(await backend.countJobs()).toMatchObject({ finished: 0, discarded: 0, ready: 1 });
    });
  });
}
