import { createHash } from 'node:crypto';
import type { QueryConfig, QueryResult } from 'pg';
import type { Row, SqlExecutor } from '../sql/driver.ts';
import { toPositional } from './dialect.ts';

/** What the executor needs of a connection: a pooled client, a plain pg Client, or a caller's. */
export interface Queryable {
  query(config: (QueryConfig & { query_timeout?: number }) | string): Promise<QueryResult>;
}

export interface Prepared {
  readonly name: string;
  readonly text: string;
}

/**
 * Statement texts turned into named prepared statements: the name is a hash of the text, so
 * one text has one name on every connection (a caller's too) and PostgreSQL parses and plans
 * it once per connection.
 */
export class StatementCache {
  readonly #byText = new Map<string, Prepared>();

  get(sql: string): Prepared {
    let prepared = this.#byText.get(sql);
    if (!prepared) {
      const text = toPositional(sql);
      const name = `shigoto_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      prepared = { name, text };
      this.#byText.set(sql, prepared);
    }
    return prepared;
  }
}

/** The longest timer Node keeps (about 24.8 days): pg's way to say "no timeout" per query. */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

/** Runs the shared SQL on one connection. */
export class PgExecutor implements SqlExecutor {
  readonly #client: Queryable;
  readonly #statements: StatementCache;

  constructor(client: Queryable, statements: StatementCache) {
    this.#client = client;
    this.#statements = statements;
  }

  async all<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#client.query({ ...this.#statements.get(sql), values: params as unknown[] }))
      .rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (
      (await this.#client.query({ ...this.#statements.get(sql), values: params as unknown[] })).rowCount ?? 0
    );
  }

  /**
   * Runs several statements without parameters (a migration), unprepared. A migration may
   * rewrite a large table or wait for another process's migration lock: no query timeout.
   */
  async script(sql: string): Promise<void> {
    await this.#client.query({ text: sql, query_timeout: NO_TIMEOUT_MS });
  }
}
