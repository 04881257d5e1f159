import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Pg from 'pg';
import { BackendUnavailableError } from '../../errors.ts';
import type { SqlDriver, SqlExecutor } from '../sql/driver.ts';
import { describeTarget, isConnectionError, isRetryable, toBackendError } from './errors.ts';
import { PgExecutor, type Queryable, StatementCache } from './executor.ts';
import { PostgresListener } from './listener.ts';

export interface PostgresConnectionOptions {
  /** postgres://user:password@host:port/database (libpq URL); the fields below override its parts. */
  readonly connectionString?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** true, or Node TLS options (ca, cert, rejectUnauthorized, ...). */
  readonly ssl?: boolean | Record<string, unknown>;
  /** How this process's connections show in pg_stat_activity. Default "shigoto". */
  readonly applicationName?: string;
}

export interface PostgresDriverOptions extends PostgresConnectionOptions {
  readonly poolSize: number;
  /** How long to wait for a new connection before failing with BackendUnavailableError. */
  readonly connectTimeoutMs: number;
  /** How long a statement may go unanswered before its connection is given up for lost. */
  readonly queryTimeoutMs: number;
}

/**
 * TCP keep-alive probes start after this much silence on a connection: the OS then notices a
 * server that vanished without closing it (a host gone, a firewall that forgot the flow).
 */
const KEEP_ALIVE_DELAY_MS = 10_000;

/**
 * Opens every transaction (one round trip). Our statements touch a few rows by key, and the
 * hot tables are small enough to sit in memory: at the default random_page_cost (4, priced
 * for spinning disks) the planner picks a scan of a whole small jobs table over a few index
 * lookups, which costs milliseconds per batch. SET LOCAL lasts for the transaction only, so
 * it is safe behind pgbouncer and never touches anyone else's sessions.
 */
const BEGIN = 'BEGIN; SET LOCAL random_page_cost = 1.1';

/** A transaction that keeps failing on serialization or deadlock errors gives up after this many runs. */
const MAX_ATTEMPTS = 5;

// Loaded when a PostgreSQL backend is created, so SQLite users never load pg.
const require = createRequire(import.meta.url);

/** The pg connection settings for these options; a LISTEN connection later uses the same. */
export function clientConfig(options: PostgresDriverOptions): Pg.ClientConfig {
  const { connectionString, host, port, user, password, database, ssl } = options;
  return {
    ...(connectionString === undefined ? {} : { connectionString }),
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(database === undefined ? {} : { database }),
    ...(ssl === undefined ? {} : { ssl: ssl as Pg.ClientConfig['ssl'] }),
    connectionTimeoutMillis: options.connectTimeoutMs,
    // Without an answer in time the connection is destroyed (pipeline mode) and the statement
    // fails as BackendUnavailableError: a silently dropped connection never hangs a worker.
    query_timeout: options.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEP_ALIVE_DELAY_MS,
    application_name: options.applicationName ?? 'shigoto',
  };
}

/**
 * A pg Pool. Statements run as named prepared statements; a transaction runs on one pooled
 * client between BEGIN and COMMIT and is run again as a whole on a serialization failure or
 * deadlock. A connection that cannot be made or is lost becomes BackendUnavailableError:
 * nothing is reported as done unless PostgreSQL said so.
 */
export class PostgresDriver implements SqlDriver {
  readonly target: string;
  readonly #pool: Pg.Pool;
  readonly #statements = new StatementCache();
  readonly #executor: PgExecutor;
  readonly #options: PostgresDriverOptions;
  /** One listening connection per channel, opened on first use. */
  readonly #listeners = new Map<string, PostgresListener>();
  /** Background work that uses the pool, awaited before it closes. */
  readonly #beforeClose: (() => Promise<void>)[] = [];
  #closed = false;

  constructor(options: PostgresDriverOptions) {
    const pg = require('pg') as typeof Pg;
    this.#options = options;
    this.target = describeTarget(options);
    // Pipeline mode: a client sends queries without waiting for the previous answer, so the
    // statements of a transaction that do not depend on each other share round trips.
    this.#pool = new pg.Pool({ ...clientConfig(options), max: options.poolSize, pipeline: true });
    // An idle client whose connection dies is dropped by the pool; without a listener the
    // 'error' event would crash the process. The next query opens a fresh connection.
    this.#pool.on('error', () => {});
    this.#executor = new PgExecutor(this.#pool, this.#statements);
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#executor.all<T>(sql, params).catch((error) => this.#fail(error));
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.#executor.run(sql, params).catch((error) => this.#fail(error));
  }

  async transaction<T>(fn: (tx: PgExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#transactionOnce(fn);
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) return this.#fail(error);
        await sleep(Math.min(100, 5 * 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  /** Runs statements on a connection the caller owns, inside its open transaction: no BEGIN/COMMIT here. */
  on(client: Queryable): SqlExecutor {
    const executor = new PgExecutor(client, this.#statements);
    return {
      all: <T>(sql: string, params?: readonly unknown[]) =>
        executor.all<T>(sql, params).catch((error) => this.#fail(error)),
      run: (sql: string, params?: readonly unknown[]) =>
        executor.run(sql, params).catch((error) => this.#fail(error)),
    };
  }

  /** Subscribes to `channel` over this process's listening connection for it (opened on first use). */
  async listen(
    channel: string,
    onQueues: (queues: readonly string[]) => void,
    onError?: (error: unknown) => void,
  ): Promise<() => Promise<void>> {
    if (this.#closed) throw new BackendUnavailableError('This PostgreSQL backend is closed');
    let listener = this.#listeners.get(channel);
    if (!listener) {
      const pg = require('pg') as typeof Pg;
      const config = clientConfig(this.#options);
      listener = new PostgresListener(() => new pg.Client(config), channel);
      this.#listeners.set(channel, listener);
    }
    return listener.subscribe(onQueues, (error) => onError?.(toBackendError(error, this.target)));
  }

  /** Has close() wait for `idle` (background work on this pool) before it closes the connections. */
  awaitBeforeClose(idle: () => Promise<void>): void {
    this.#beforeClose.push(idle);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#beforeClose.map((idle) => idle()));
    await Promise.all([...this.#listeners.values()].map((listener) => listener.close()));
    await this.#pool.end();
  }

  async #transactionOnce<T>(fn: (tx: PgExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    // A client whose connection broke (or whose ROLLBACK failed) must not go back to the pool.
    let broken: Error | undefined;
    // Pipelined: BEGIN travels with the transaction's first statement, saving a round trip.
    // Should it fail, that statement fails too (the connection is gone), so it never runs
    // outside the transaction.
    const begun = client.query(BEGIN);
    begun.catch(() => {});
    try {
      const result = await fn(new PgExecutor(client, this.#statements));
      await begun;
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = isConnectionError(error) ? (error as Error) : await rollback(client);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  #fail(error: unknown): never {
    throw toBackendError(error, this.target);
  }
}

/** Rolls back; returns the error if even that failed (the connection is then unusable). */
async function rollback(client: Pg.PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
