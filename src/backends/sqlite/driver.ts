import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { BackendUnavailableError } from '../../errors.ts';
import type { SqlDriver, SqlExecutor } from '../sql/driver.ts';
import type { Migration } from '../sql/migrations.ts';
import { applyMigrations, splitStatements } from '../sql/migrations.ts';

export type Synchronous = 'normal' | 'full';

export interface SqliteDriverOptions {
  readonly path: string;
  readonly synchronous: Synchronous;
  /** How long one attempt may block waiting for another process's write lock. */
  readonly busyTimeoutMs: number;
  /** How long to keep retrying a busy database before giving up with BackendUnavailableError. */
  readonly busyDeadlineMs: number;
}

type Statement = Database.Statement<unknown[], unknown>;

/**
 * One better-sqlite3 connection per process. Calls are serialized through a promise chain so
 * that a transaction's statements never interleave with another caller's. SQLITE_BUSY is
 * retried with jittered backoff off the event loop, and never reaches users.
 */
export class SqliteDriver implements SqlDriver {
  readonly #db: Database.Database;
  readonly #options: SqliteDriverOptions;
  readonly #statements = new Map<string, Statement>();
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: SqliteDriverOptions) {
    this.#options = options;
    try {
      this.#db = new Database(options.path, { timeout: options.busyTimeoutMs });
      this.#withBusyRetrySync(() => this.#db.pragma('journal_mode = WAL'));
    } catch (error) {
      const reason =
        (error as { code?: string }).code === 'SQLITE_NOTADB'
          ? 'the file is not a SQLite database'
          : (error as Error).message;
      throw new BackendUnavailableError(`Cannot open SQLite database at ${options.path}: ${reason}`, {
        cause: error,
      });
    }
    this.#db.pragma(`synchronous = ${options.synchronous.toUpperCase()}`);
    this.#db.pragma('temp_store = MEMORY');
    this.#db.pragma('cache_size = -32000');
  }

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#serialized(() => this.#withBusyRetry(() => this.#all<T>(sql, params)));
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#serialized(() => this.#withBusyRetry(() => this.#run(sql, params)));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const tx: SqlExecutor = {
      all: async <R>(sql: string, params: readonly unknown[] = []) => this.#all<R>(sql, params),
      run: async (sql: string, params: readonly unknown[] = []) => this.#run(sql, params),
      insert: async (sql: string, params: readonly unknown[] = []) => {
        const { changes, lastInsertRowid } = this.#statement(sql).run(...params);
        return Number(lastInsertRowid) - changes + 1;
      },
    };
    return this.#serialized(() =>
      this.#withBusyRetry(async () => {
        this.#statement('BEGIN IMMEDIATE').run();
        try {
          const result = await fn(tx);
          this.#statement('COMMIT').run();
          return result;
        } catch (error) {
          if (this.#db.inTransaction) this.#statement('ROLLBACK').run();
          throw error;
        }
      }),
    );
  }

  /** Applies missing migrations under the write lock, so concurrent starters migrate once. */
  migrate(migrations: readonly Migration[], table: string): Promise<void> {
    return this.transaction((tx) =>
      applyMigrations(tx, migrations, table, async (sql) => {
        for (const statement of splitStatements(sql)) this.#db.exec(statement);
      }),
    );
  }

  async close(): Promise<void> {
    await this.#serialized(async () => {
      if (this.#db.open) this.#db.close();
    });
  }

  #all<T>(sql: string, params: readonly unknown[]): T[] {
    return this.#statement(sql).all(...params) as T[];
  }

  #run(sql: string, params: readonly unknown[]): number {
    return this.#statement(sql).run(...params).changes;
  }

  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #withBusyRetry<T>(fn: () => Promise<T> | T): Promise<T> {
    const deadline = Date.now() + this.#options.busyDeadlineMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() > deadline) {
          throw new BackendUnavailableError(
            `SQLite database ${this.#options.path} stayed locked for ${this.#options.busyDeadlineMs} ms`,
            { cause: error },
          );
        }
        await sleep(Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
      }
    }
  }

  #withBusyRetrySync<T>(fn: () => T): T {
    const deadline = Date.now() + this.#options.busyDeadlineMs;
    for (;;) {
      try {
        return fn();
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) throw error;
      }
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
