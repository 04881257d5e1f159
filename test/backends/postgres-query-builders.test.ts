import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import knex from 'knex';
import { Kysely, sql as kyselySql, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresBackend } from '../../src/backends/postgres/index.ts';
import {
  createConsoleLogger,
  createShigoto,
  defineJob,
  drizzleTransaction,
  knexTransaction,
  kyselyTransaction,
  type PostgresTransaction,
  type Shigoto,
} from '../../src/index.ts';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema, useCleanups } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';

const available = await serviceAvailable(POSTGRES);
const welcome = defineJob({ name: 'qb.welcome', queue: 'mail', perform: (_: { user: string }) => undefined });

/**
 * One query builder: `transaction(fn)` runs fn inside one of its transactions (rolled back if
 * fn throws), handing it a way to insert a user and the adapter Shigoto enqueues through.
 */
interface Builder {
  readonly name: string;
  transaction(
    schema: string,
    fn: (insertUser: (name: string) => Promise<unknown>, tx: PostgresTransaction) => Promise<void>,
  ): Promise<void>;
  close(): Promise<void>;
}

function kyselyBuilder(): Builder {
  const db = new Kysely<Record<string, never>>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 }) }),
  });
  return {
    name: 'Kysely',
    transaction: (schema, fn) =>
      db
        .transaction()
        .execute((trx) =>
          fn(
            (name) =>
              kyselySql`INSERT INTO ${kyselySql.table(`${schema}.users`)} VALUES (${name})`.execute(trx),
            kyselyTransaction(trx),
          ),
        ),
    close: () => db.destroy(),
  };
}

function drizzleBuilder(): Builder {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  const db = drizzle({ client: pool });
  return {
    name: 'Drizzle',
    transaction: (schema, fn) =>
      db.transaction((tx) =>
        fn(
          (name) =>
            tx.execute(drizzleSql`INSERT INTO ${drizzleSql.identifier(schema)}.users VALUES (${name})`),
          drizzleTransaction(tx),
        ),
      ),
    close: () => pool.end(),
  };
}

function knexBuilder(): Builder {
  const db = knex({ client: 'pg', connection: TEST_DATABASE_URL, pool: { min: 0, max: 2 } });
  return {
    name: 'Knex',
    transaction: (schema, fn) =>
      db.transaction((trx) =>
        fn((name) => trx.raw('INSERT INTO ??.users VALUES (?)', [schema, name]), knexTransaction(trx)),
      ),
    close: () => db.destroy(),
  };
}

describe.skipIf(!available)('postgres: enqueue inside a query builder’s transaction', () => {
  const cleanups = useCleanups();

  async function setup(
    makeBuilder: () => Builder,
  ): Promise<{ shigoto: Shigoto; schema: string; builder: Builder }> {
    const schema = uniqueSchema();
    const shigoto = createShigoto({
      backend: postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 }),
      jobs: [welcome],
      logger: createConsoleLogger({ level: 'silent' }),
    });
    const builder = makeBuilder();
    cleanups.push(async () => {
      await builder.close();
      await shigoto.close();
      await dropSchema(schema);
    });
    await shigoto.migrate();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE TABLE "${schema}".users (name text PRIMARY KEY)`);
    await admin.end();
    return { shigoto, schema, builder };
  }

  async function users(schema: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(`SELECT name FROM "${schema}".users ORDER BY name`)).rows.map((r) => r.name);
    } finally {
      await client.end();
    }
  }

  for (const makeBuilder of [kyselyBuilder, drizzleBuilder, knexBuilder]) {
    const label = makeBuilder.name.replace('Builder', '');

    it(`${label}: the jobs commit with the rows written beside them`, async () => {
      const { shigoto, schema, builder } = await setup(makeBuilder);
      let ids: string[] = [];
      await builder.transaction(schema, async (insertUser, transaction) => {
        await insertUser('ada');
        const one = await shigoto.enqueue(welcome, { user: 'ada' }, { transaction });
        const many = await shigoto.enqueueMany(
          [
            { job: welcome, args: { user: 'ada' }, options: { queue: 'digest' } },
            { job: welcome, args: { user: 'ada' }, options: { wait: '1h' } },
          ],
          { transaction },
        );
        ids = [one.id, ...many.map((j) => j.id)];
        expect(await shigoto.backend.getJob({ id: one.id })).toBeNull();
      });
      expect(await users(schema)).toEqual(['ada']);
      const jobs = await Promise.all(ids.map((id) => shigoto.jobs.get(id)));
      expect(jobs.map((j) => [j.queue, j.state])).toEqual([
        ['mail', 'ready'],
        ['digest', 'ready'],
        ['mail', 'scheduled'],
      ]);
    });

    it(`${label}: a transaction that throws takes the jobs with it`, async () => {
      const { shigoto, schema, builder } = await setup(makeBuilder);
      await expect(
        builder.transaction(schema, async (insertUser, transaction) => {
          await insertUser('bob');
          await shigoto.enqueue(welcome, { user: 'bob' }, { transaction });
          throw new Error('signup failed later');
        }),
      ).rejects.toThrow('signup failed later');
      expect(await users(schema)).toEqual([]);
      expect(await shigoto.jobs.counts()).toMatchObject({ ready: 0, scheduled: 0 });
    });
  }
});
