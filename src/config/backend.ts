import type { Backend } from '../backend/types.ts';
import { describeTarget } from '../backends/postgres/errors.ts';
import { postgresBackend, postgresMigrationSql } from '../backends/postgres/index.ts';
import { sqliteBackend, sqliteMigrationSql } from '../backends/sqlite/index.ts';
import type { BackendConfig, ShigotoConfig } from './load.ts';

export function backendFromConfig(config: ShigotoConfig): Backend {
  const b = config.backend;
  const deleteFinished = !config.preserveFinishedJobs;
  if (b.adapter === 'postgres') {
    return postgresBackend({
      ...(b.url === null ? {} : { connectionString: b.url }),
      schema: b.schema,
      poolSize: b.poolSize,
      queryTimeoutMs: b.queryTimeoutMs,
      deleteFinished,
    });
  }
  return sqliteBackend({
    path: b.path,
    synchronous: b.synchronous,
    tablePrefix: b.tablePrefix,
    deleteFinished,
  });
}

/** The SQL the configured backend's migrate() runs, for teams who migrate by hand. Opens nothing. */
export function migrationSqlFromConfig(config: ShigotoConfig): string {
  const b = config.backend;
  return b.adapter === 'postgres'
    ? postgresMigrationSql({ schema: b.schema })
    : sqliteMigrationSql({ tablePrefix: b.tablePrefix });
}

/** Where the database is, for people: a file path, or host:port/database and schema (never a password). */
export function backendLocation(b: BackendConfig): string {
  if (b.adapter === 'sqlite') return b.path;
  return `${describeTarget(b.url === null ? {} : { connectionString: b.url })} (schema ${b.schema})`;
}

/** The backend settings as shown in output: a PostgreSQL URL loses its password. */
export function publicBackend(b: BackendConfig): BackendConfig {
  if (b.adapter === 'sqlite' || b.url === null) return b;
  return { ...b, url: withoutPassword(b.url) };
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
