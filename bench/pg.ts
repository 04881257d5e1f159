/** The PostgreSQL side of the benchmarks: one admin connection that makes and drops schemas. */
import pg from 'pg';
import { argValue } from './common.ts';

export const databaseUrl = argValue(
  '--url',
  process.env.SHIGOTO_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
);

let client: pg.Client | undefined;
let made = 0;

async function admin(): Promise<pg.Client> {
  if (!client) {
    client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
  }
  return client;
}

/** A schema name no other run uses: the prefix, this process and a counter. */
export function freshSchema(prefix: string): string {
  return `bench_${prefix}_${process.pid}_${++made}`;
}

export async function dropSchema(schema: string): Promise<void> {
  await (await admin()).query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/**
 * VACUUM ANALYZE every table of a schema, then CHECKPOINT: the state autovacuum and the
 * checkpointer reach soon after a large fill, so a measurement that follows is not racing
 * them (whose tables they would visit first depends on each library's autovacuum settings).
 */
export async function settleSchema(schema: string): Promise<void> {
  const db = await admin();
  const { rows } = await db.query<{ name: string }>(
    'SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = $1',
    [schema],
  );
  for (const { name } of rows) await db.query(`VACUUM (ANALYZE) "${schema}".${name}`);
  await db.query('CHECKPOINT');
}

/** Server version and durability settings, for the report. */
export async function serverSettings(): Promise<string> {
  const db = await admin();
  const show = async (name: string) => (await db.query(`SHOW ${name}`)).rows[0][name] as string;
  return `PostgreSQL ${(await show('server_version')).split(' ')[0]} (synchronous_commit=${await show('synchronous_commit')}, fsync=${await show('fsync')})`;
}

export async function closeAdmin(): Promise<void> {
  await client?.end();
  client = undefined;
}

/** The number a `SELECT count(*) ...` statement returns. */
export async function count(sql: string): Promise<number> {
  const { rows } = await (await admin()).query<{ count: string }>(sql);
  return Number(rows[0]!.count);
}
