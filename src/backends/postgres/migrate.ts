import { createHash } from 'node:crypto';
import { applyMigrations, loadMigrations, type Migration, migrationScript } from '../sql/migrations.ts';
import { postgresTables } from './dialect.ts';
import type { PostgresDriver } from './driver.ts';

const FOLDER = new URL('./migrations/', import.meta.url);

export function postgresMigrations(schema: string): Migration[] {
  return loadMigrations(FOLDER, { ...postgresTables(schema), schema: `"${schema}"` });
}

function migrationsTable(schema: string): string {
  return `"${schema}".migrations`;
}

/** The advisory lock key for migrating one schema: 64 bits of a hash, as a bigint literal. */
export function migrationLockKey(schema: string): string {
  return createHash('sha256').update(`shigoto:migrate:${schema}`).digest().readBigInt64BE().toString();
}

/** The statements that open the migration transaction: the lock first, then the schema. */
function opening(schema: string): string[] {
  return [
    `SELECT pg_advisory_xact_lock(${migrationLockKey(schema)});`,
    `CREATE SCHEMA IF NOT EXISTS "${schema}";`,
  ];
}

/**
 * Creates the schema and applies missing migrations in one transaction under an advisory
 * lock: processes starting at once wait for the first, then find nothing left to do.
 */
export function migratePostgres(driver: PostgresDriver, schema: string): Promise<void> {
  return driver.transaction(async (tx) => {
    for (const statement of opening(schema)) await tx.script(statement);
    await applyMigrations(tx, postgresMigrations(schema), migrationsTable(schema), (sql) => tx.script(sql));
  });
}

/** The same as one SQL script, for `shigoto migrate --print`. */
export function postgresMigrationScript(schema: string): string {
  return migrationScript(
    postgresMigrations(schema),
    migrationsTable(schema),
    ['BEGIN;', ...opening(schema)],
    '(extract(epoch FROM clock_timestamp()) * 1000)::bigint',
  );
}
