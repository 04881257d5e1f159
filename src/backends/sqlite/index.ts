import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Backend } from '../../backend/types.ts';
import { BackendUnavailableError } from '../../errors.ts';
import { SqlBackend } from '../sql/backend.ts';
import type { Tables } from '../sql/dialect.ts';
import { loadMigrations, type Migration, migrationScript } from '../sql/migrations.ts';
import { sqliteDialect, sqliteTables } from './dialect.ts';
import { SqliteDriver, type Synchronous } from './driver.ts';

export interface SqliteBackendOptions {
  /** Database file; created (with its folder) if missing. ":memory:" for a private in-memory database. */
  readonly path: string;
  /** Table name prefix. Default "shigoto_". */
  readonly tablePrefix?: string;
  /**
   * "normal" (default): a commit survives any process crash; an OS crash or power loss may
   * roll back the last commits. "full": every commit is fsynced (slower, survives power loss).
   */
  readonly synchronous?: Synchronous;
  /** Delete finished jobs at once instead of keeping them for the retention time. Default false. */
  readonly deleteFinished?: boolean;
  /** Keep retrying a locked database this long before failing with BackendUnavailableError. Default 30 s. */
  readonly busyDeadlineMs?: number;
}

export const SQLITE_DEFAULTS = {
  tablePrefix: 'shigoto_',
  synchronous: 'normal' as Synchronous,
  busyTimeoutMs: 100,
  busyDeadlineMs: 30_000,
};

/** The embedded default: one file, WAL mode, shared safely by several processes on one machine. */
export function sqliteBackend(options: SqliteBackendOptions): Backend {
  if (options.path !== ':memory:') {
    try {
      mkdirSync(dirname(options.path), { recursive: true });
    } catch (error) {
      throw new BackendUnavailableError(
        `Cannot create the folder of SQLite database ${options.path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  const prefix = options.tablePrefix ?? SQLITE_DEFAULTS.tablePrefix;
  const tables = sqliteTables(prefix);
  const driver = new SqliteDriver({
    path: options.path,
    synchronous: options.synchronous ?? SQLITE_DEFAULTS.synchronous,
    busyTimeoutMs: SQLITE_DEFAULTS.busyTimeoutMs,
    busyDeadlineMs: options.busyDeadlineMs ?? SQLITE_DEFAULTS.busyDeadlineMs,
  });
  return new SqlBackend({
    name: 'sqlite',
    capabilities: {
      multiProcess: options.path !== ':memory:',
      crossProcessWakeups: false,
      transactionalEnqueue: false,
    },
    context: { driver, d: sqliteDialect(tables), t: tables },
    migrate: () => driver.migrate(sqliteMigrations(tables), `${prefix}migrations`),
    deleteFinished: options.deleteFinished ?? false,
  });
}

function sqliteMigrations(tables: Tables): Migration[] {
  return loadMigrations(new URL('./migrations/', import.meta.url), { ...tables });
}

/** The SQL migrate() runs, for teams who migrate by hand (`shigoto migrate --print`). */
export function sqliteMigrationSql(options: { tablePrefix?: string } = {}): string {
  const prefix = options.tablePrefix ?? SQLITE_DEFAULTS.tablePrefix;
  // julianday works in every SQLite version a team's sqlite3 shell may have.
  const nowMs = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
  return migrationScript(
    sqliteMigrations(sqliteTables(prefix)),
    `${prefix}migrations`,
    ['BEGIN IMMEDIATE;'],
    nowMs,
  );
}
