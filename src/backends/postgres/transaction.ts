import { randomUUID } from 'node:crypto';
import type { QueryResult } from 'pg';
import { InvalidInputError } from '../../errors.ts';
import type { Queryable } from './executor.ts';

/** A statement as Shigoto sends it: `$1, $2, ...` placeholders; `name` may be used to prepare it once. */
export interface PostgresStatement {
  readonly name?: string;
  readonly text: string;
  readonly values: unknown[];
}

/**
 * What `enqueue(..., { transaction })` takes on PostgreSQL: a `pg` Client or PoolClient on which
 * the caller ran BEGIN (anything with pg's `query({ text, values })`), or one of the adapters
 * below. Shigoto runs its statements there and never commits nor rolls back.
 */
export interface PostgresTransaction {
  query(statement: PostgresStatement): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

export function asQueryable(transaction: unknown): Queryable {
  const query = (transaction as { query?: unknown } | null)?.query;
  if (typeof query !== 'function') {
    throw new InvalidInputError(
      'transaction must be a pg client inside BEGIN (or kyselyTransaction(trx), drizzleTransaction(tx), knexTransaction(trx))',
    );
  }
  if (typeof (transaction as { totalCount?: unknown }).totalCount === 'number') {
    // Each statement would take any pooled connection and commit on its own.
    throw new InvalidInputError(
      'transaction is a pg Pool: pass the client of your transaction (const client = await pool.connect(); BEGIN ...)',
    );
  }
  return {
    query: (config) => (query as (c: unknown) => Promise<QueryResult>).call(transaction, config),
  };
}

/** What the adapters need of a Kysely `Transaction` (the `trx` of `db.transaction().execute(...)`). */
export interface KyselyTransactionLike {
  executeQuery(query: never): Promise<{ rows: unknown[]; numAffectedRows?: bigint }>;
}

type KyselyExecuteQuery = (query: {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly query: unknown;
  readonly queryId: unknown;
}) => Promise<{ rows: unknown[]; numAffectedRows?: bigint }>;

/** Kysely (PostgresDialect): enqueue through `trx`, the transaction of `db.transaction().execute(async (trx) => ...)`. */
export function kyselyTransaction(trx: KyselyTransactionLike): PostgresTransaction {
  return {
    async query({ text, values }) {
      // The shape of Kysely's CompiledQuery.raw(text, values), without importing Kysely.
      const result = await (trx.executeQuery as KyselyExecuteQuery).call(trx, {
        sql: text,
        parameters: values,
        query: { kind: 'RawNode', sqlFragments: [text], parameters: [] },
        queryId: { queryId: randomUUID() },
      });
      const changed = result.numAffectedRows;
      return { rows: result.rows, rowCount: changed === undefined ? result.rows.length : Number(changed) };
    },
  };
}

/** What the adapters need of a Drizzle node-postgres transaction (`tx` of `db.transaction(async (tx) => ...)`). */
export interface DrizzleTransactionLike {
  execute(query: never): PromiseLike<unknown>;
}

/** Drizzle (drizzle-orm/node-postgres): enqueue through `tx`, the transaction of `db.transaction(async (tx) => ...)`. */
export function drizzleTransaction(tx: DrizzleTransactionLike): PostgresTransaction {
  return {
    async query({ text, values }) {
      // Drizzle builds a statement from any SQL wrapper by asking it for its text and parameters.
      const statement = {
        getSQL: () => statement,
        toQuery: () => ({ sql: text, params: values }),
      };
      return asPgResult(await (tx.execute as (q: unknown) => PromiseLike<unknown>).call(tx, statement));
    },
  };
}

/** What the adapters need of a Knex transaction (`trx` of `knex.transaction(async (trx) => ...)`). */
export interface KnexTransactionLike {
  raw(sql: string, bindings: readonly unknown[]): PromiseLike<unknown>;
}

/** Knex (client "pg"): enqueue through `trx`, the transaction of `knex.transaction(async (trx) => ...)`. */
export function knexTransaction(trx: KnexTransactionLike): PostgresTransaction {
  return {
    async query({ text, values }) {
      // Knex numbers the `?` placeholders itself.
      return asPgResult(await trx.raw(text.replace(/\$\d+/g, '?'), values));
    },
  };
}

function asPgResult(result: unknown): { rows: unknown[]; rowCount: number | null } {
  const { rows, rowCount } = result as { rows?: unknown; rowCount?: unknown };
  if (!Array.isArray(rows))
    throw new InvalidInputError('The transaction did not return pg results (is it PostgreSQL?)');
  return { rows, rowCount: typeof rowCount === 'number' ? rowCount : null };
}
