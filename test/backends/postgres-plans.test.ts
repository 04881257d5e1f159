import { describe, expect, it } from 'vitest';
import { postgresBackend } from '../../src/backends/postgres/index.ts';
import { newJobs, T0 } from '../contract/helpers.ts';
import { adminPool, dropSchema, TEST_DATABASE_URL, uniqueSchema, useCleanups } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';
import { waitFor } from '../support/shigoto-harness.ts';

const available = await serviceAvailable(POSTGRES);

async function adminQuery<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = await adminPool().connect();
  try {
    await client.query('SELECT pg_stat_clear_snapshot()');
    return (await client.query<T>(sql, params)).rows;
  } finally {
    client.release();
  }
}

const autovacuumOff =
  available && (await adminQuery<{ autovacuum: string }>('SHOW autovacuum'))[0]?.autovacuum === 'off';
if (available && !autovacuumOff) {
  console.log('postgres plans test skipped: it needs a server with autovacuum off (SHOW autovacuum)');
}

/** Rows of the jobs table read by whole-table scans so far (statistics closed connections flushed). */
async function jobsRowsScanned(schema: string): Promise<number> {
  const rows = await adminQuery<{ seq_tup_read: string }>(
    "SELECT seq_tup_read FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'jobs'",
    [schema],
  );
  return Number(rows[0]!.seq_tup_read);
}

/** The rows ANALYZE last counted in the jobs table (-1: never analyzed). */
async function analyzedJobRows(schema: string): Promise<number> {
  const rows = await adminQuery<{ rows: number }>(
    "SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = format('%I.jobs', $1::text)::regclass",
    [schema],
  );
  return rows[0]!.rows;
}

describe.skipIf(!autovacuumOff)('postgres without autovacuum: plans follow the tables as they grow', () => {
  const cleanups = useCleanups();

  it('analyzes the tables as they grow, so claims and completes go through the primary key, never scanning the grown table', async () => {
    const schema = uniqueSchema();
    cleanups.push(() => dropSchema(schema));
    const setup = postgresBackend({ connectionString: TEST_DATABASE_URL, schema });
    await setup.migrate();
    await setup.close(); // statistics are flushed when connections end
    const before = await jobsRowsScanned(schema);

    // One connection, so its prepared statements run many times while the table is small.
    const worker = postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 1 });
    const claimAndFinish = async (count: number) => {
      const claimed = await worker.claim({ queues: ['*'], limit: count, processId: 'p1', now: T0 });
      const items = claimed.map((job) => ({
        jobId: job.id,
        lease: job.lease,
        outcome: 'finished' as const,
        result: null,
      }));
      expect(items).toHaveLength(count);
      expect((await worker.complete({ items, now: T0 })).rejected).toEqual([]);
    };
    await worker.enqueue({ jobs: newJobs(40), now: T0 });
    for (let i = 0; i < 8; i++) await claimAndFinish(5);
    for (let i = 0; i < 5; i++) await worker.enqueue({ jobs: newJobs(10_000), now: T0 });
    // The backend analyzes the grown tables in the background; their plans are then made again.
    await waitFor(
      async () => (await analyzedJobRows(schema)) >= 40_000,
      () => 'the backend to analyze the grown jobs table',
    );
    for (let i = 0; i < 5; i++) await claimAndFinish(10);
    await worker.close();

    // Scanning a table of 40 jobs is the right plan; one scan of the grown table reads 50 000.
    expect((await jobsRowsScanned(schema)) - before).toBeLessThan(1000);
  });
});
