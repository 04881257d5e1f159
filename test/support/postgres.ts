import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach } from 'vitest';
import type { Backend } from '../../src/backend/types.ts';
import { type PostgresBackendOptions, postgresBackend } from '../../src/backends/postgres/index.ts';
import { TcpProxy } from './tcp-proxy.ts';

/** The test database: local server, user postgres, trust authentication. */
export const TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

let admin: pg.Pool | undefined;

/** A small pool for setting up, inspecting and dropping schemas (close it with closeAdminPool). */
export function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  return admin;
}

/** Call from afterAll in every file that used adminPool. */
export async function closeAdminPool(): Promise<void> {
  const pool = admin;
  admin = undefined;
  await pool?.end();
}

/** A schema name no other test (or parallel run) uses. */
export function uniqueSchema(): string {
  return `test_${process.pid}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** A backend on its own fresh schema; `cleanup` closes it and drops the schema. */
export function isolatedPostgres(options: Omit<PostgresBackendOptions, 'schema'> = {}): {
  backend: Backend;
  schema: string;
  cleanup: () => Promise<void>;
  /** Another backend on the same schema (as another process would open). */
  sibling: () => Backend;
} {
  const schema = uniqueSchema();
  const open = () =>
    postgresBackend({ connectionString: TEST_DATABASE_URL, poolSize: 4, ...options, schema });
  const backend = open();
  return {
    backend,
    schema,
    sibling: open,
    cleanup: async () => {
      await backend.close();
      await dropSchema(schema);
    },
  };
}

/**
 * For a describe block on PostgreSQL: returns a list that tests push cleanups to (run after
 * each test, last pushed first), and closes the admin pool after the block.
 */
export function useCleanups(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(closeAdminPool);
  return cleanups;
}

/**
 * Two backends on one fresh, migrated schema: `direct` on the server, `worker` (one connection)
 * through a TCP proxy that tests use to break the network. Cleaned up after the test.
 */
export async function behindProxy(
  cleanups: Array<() => Promise<void>>,
  workerOptions: Omit<PostgresBackendOptions, 'schema'> = {},
): Promise<{ proxy: TcpProxy; direct: Backend; worker: Backend }> {
  const schema = uniqueSchema();
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
  const direct = postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 1 });
  const worker = postgresBackend({
    host: '127.0.0.1',
    port: proxy.port,
    user: 'postgres',
    database: 'test',
    schema,
    poolSize: 1,
    ...workerOptions,
  });
  cleanups.push(async () => {
    await worker.close();
    await direct.close();
    await proxy.close();
    await dropSchema(schema);
  });
  await direct.migrate();
  return { proxy, direct, worker };
}
