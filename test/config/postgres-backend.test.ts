import { describe, expect, it } from 'vitest';
import {
  backendFromConfig,
  backendLocation,
  migrationSqlFromConfig,
  publicBackend,
} from '../../src/config/backend.ts';
import { useConfigDir } from './helpers.ts';

const dir = useConfigDir();
const URL_WITH_PASSWORD = 'postgres://app:s3cret@db.example.com:5433/jobs';

/** The resolved backend settings: defaults for what is not given. */
function postgres(url: string | null, schema = 'shigoto', poolSize = 10, queryTimeoutMs = 60_000) {
  return { adapter: 'postgres', url, schema, poolSize, queryTimeoutMs };
}

describe('backend: adapter postgres', () => {
  it('reads url, schema and pool_size, with defaults for what is left out', async () => {
    const withUrl = await dir.load(`backend: {adapter: postgres, url: "${URL_WITH_PASSWORD}"}\n`);
    expect(withUrl.backend).toEqual(postgres(URL_WITH_PASSWORD));
    const config = await dir.load('backend: {adapter: postgres, schema: app_jobs, pool_size: 4}\n');
    expect(config.backend).toEqual(postgres(null, 'app_jobs', 4));
  });

  it('reads query_timeout in seconds or as a duration', async () => {
    const seconds = await dir.load('backend: {adapter: postgres, query_timeout: 15}\n');
    expect(seconds.backend).toEqual(postgres(null, 'shigoto', 10, 15_000));
    const minutes = await dir.load('backend: {adapter: postgres, query_timeout: 2m}\n');
    expect(minutes.backend).toEqual(postgres(null, 'shigoto', 10, 120_000));
  });

  it('takes SHIGOTO_DATABASE_URL=postgres://..., keeping the file’s schema and pool size', async () => {
    const env = { SHIGOTO_DATABASE_URL: 'postgresql://localhost/other' };
    const config = await dir.load('backend: {adapter: postgres, schema: app_jobs, pool_size: 3}\n', env);
    expect(config.backend).toEqual(postgres('postgresql://localhost/other', 'app_jobs', 3));
    // A file that names SQLite keeps none of its settings for PostgreSQL.
    const fromSqlite = await dir.load('backend: {adapter: sqlite, table_prefix: app_}\n', env);
    expect(fromSqlite.backend).toEqual(postgres('postgresql://localhost/other'));
  });

  it.each([
    [
      'backend: {adapter: postgres, schema: "Jobs-1"}',
      'backend.schema: got "Jobs-1"; expected a lowercase letter or _, then up to 62 lowercase letters, digits and _',
    ],
    [
      'backend: {adapter: postgres, schema: pg_jobs}',
      'backend.schema: got "pg_jobs"; expected a lowercase letter',
    ],
    [
      'backend: {adapter: postgres, url: "mysql://db/jobs"}',
      'backend.url: got "mysql://db/jobs"; expected a postgres:// URL',
    ],
    ['backend: {adapter: postgres, pool_size: 0}', 'backend.pool_size: got 0; expected a whole number >= 1'],
    [
      'backend: {adapter: postgres, query_timeout: 0}',
      'backend.query_timeout: got 0; expected seconds (a number > 0)',
    ],
    [
      'backend: {adapter: postgres, path: jobs.db}',
      'backend: unknown key "path"; allowed keys: adapter, url, schema, pool_size, query_timeout',
    ],
  ])('%s is refused, naming the key', async (yaml, expected) => {
    expect((await dir.loadError(`${yaml}\n`)).issues.join('\n')).toContain(expected);
  });

  it('creates a PostgreSQL backend without connecting', async () => {
    const config = await dir.load(
      `backend: {adapter: postgres, url: "${URL_WITH_PASSWORD}", schema: app_jobs}\n`,
    );
    const backend = backendFromConfig(config);
    expect(backend.name).toBe('postgres');
    expect(backend.capabilities.multiProcess).toBe(true);
    await backend.close();
  });

  it('shows where the database is without the password', async () => {
    const { backend } = await dir.load(`backend: {adapter: postgres, url: "${URL_WITH_PASSWORD}"}\n`);
    expect(backendLocation(backend)).toBe('db.example.com:5433/jobs (schema shigoto)');
    expect(publicBackend(backend)).toMatchObject({ url: 'postgres://app:***@db.example.com:5433/jobs' });
    expect(JSON.stringify(publicBackend(backend))).not.toContain('s3cret');
  });
});

describe('migration SQL of the configured backend', () => {
  it('names the PostgreSQL schema and takes the advisory lock', async () => {
    const sql = migrationSqlFromConfig(await dir.load('backend: {adapter: postgres, schema: app_jobs}\n'));
    expect(sql).toMatch(
      /^BEGIN;\nSELECT pg_advisory_xact_lock\(-?\d+\);\nCREATE SCHEMA IF NOT EXISTS "app_jobs";/,
    );
    expect(sql).toContain('CREATE TABLE "app_jobs".jobs (');
    expect(sql).toContain(
      'INSERT INTO "app_jobs".migrations (version, name, applied_at) VALUES (1, \'init\',',
    );
    expect(sql.trimEnd()).toMatch(/COMMIT;$/);
  });

  it('uses the SQLite table prefix', async () => {
    const sql = migrationSqlFromConfig(await dir.load('backend: {adapter: sqlite, table_prefix: app_}\n'));
    expect(sql).toMatch(/^BEGIN IMMEDIATE;\nCREATE TABLE IF NOT EXISTS app_migrations /);
    expect(sql).toContain('CREATE TABLE app_jobs (');
    expect(sql).not.toContain('shigoto_');
  });
});
