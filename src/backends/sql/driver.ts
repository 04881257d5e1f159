/** What the shared SQL backend needs from a database connection (pool). */
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  /** Runs a statement that returns rows. */
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Runs a multi-row INSERT and returns the id generated for its first row, for databases
   * whose ids within one statement are consecutive (see Dialect.consecutiveInsertIds).
   */
  insert?(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  /** Runs `fn` in one write transaction; retries transient conflicts (busy, deadlock) as a whole. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
