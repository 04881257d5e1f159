/**
 * PostgreSQL benchmarks (scenarios.ts) in a fresh schema that is dropped afterwards.
 * Run: npm run bench -- postgres [--jobs 100000] [--threads 64] [--url postgres://postgres@127.0.0.1:5432/test]
 */
import pg from 'pg';
import { createShigoto, postgresBackend } from 'shigoto';
import { silentLogger } from '../src/util/logger.ts';
import { argValue } from './common.ts';
import { noop, runScenarios } from './scenarios.ts';

const jobs = Number(argValue('--jobs', '100000'));
const url = argValue('--url', process.env.SHIGOTO_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const schema = `bench_${process.pid}`;

const admin = new pg.Client({ connectionString: url });
await admin.connect();
try {
  const { rows } = await admin.query('SHOW server_version');
  const shigoto = createShigoto({
    backend: postgresBackend({ connectionString: url, schema }),
    jobs: [noop],
    logger: silentLogger,
  });
  await runScenarios(`PostgreSQL ${rows[0].server_version}, Node ${process.version}`, shigoto, jobs);
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
