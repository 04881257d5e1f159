/**
 * The small part of SQL that differs between databases. The shared backend writes its
 * statements with `?` placeholders and these fragments; table names are trusted constants.
 */
export interface Tables {
  readonly jobs: string;
  /** Tasks published to topics; their executions are jobs. */
  readonly tasks: string;
  readonly ready: string;
  readonly scheduled: string;
  readonly failed: string;
  readonly queues: string;
  readonly processes: string;
  readonly blocked: string;
  readonly slots: string;
  readonly semaphores: string;
  readonly uniques: string;
  readonly recurringExecutions: string;
  readonly serialLines: string;
  readonly serialWaiting: string;
  /** One row per claim (a lease): its process and the ids it took. */
  readonly claims: string;
  /** Errored jobs of serialized lines (their queue), so that listing them reads a small table. */
  readonly errored: string;
  /** Jobs that ended (finished, discarded, expired), a row per statement, for retention. */
  readonly ended: string;
}

export type ColumnType = 'text' | 'bigint';

export interface RowSource {
  readonly sql: string;
  params(rows: readonly (readonly unknown[])[]): unknown[];
}

export interface Dialect {
  readonly name: string;
  readonly tables: Tables;
  /** UPDATE/DELETE ... RETURNING is available. */
  readonly returning: boolean;
  /** Rows of one INSERT get consecutive ids (one writer at a time), so no RETURNING is needed. */
  readonly consecutiveInsertIds: boolean;
  /**
   * Every statement is a round trip to a server (PostgreSQL): fold steps into fewer statements
   * (DELETE ... RETURNING, one INSERT fed by rowSource). False where statements are local calls
   * (SQLite): there a few simple statements (SELECT then DELETE, multi-row VALUES) cost less.
   */
  readonly serverRoundTrips: boolean;
  /**
   * A data-modifying WITH feeds one statement into another (`WITH taken AS (DELETE ... RETURNING)
   * UPDATE ... FROM taken`), so a claim step is one atomic statement.
   */
  readonly dataModifyingCte: boolean;
  /** Appended to a SELECT that picks rows to take: " FOR UPDATE SKIP LOCKED" or "". */
  readonly skipLocked: string;
  /**
   * The system column that finds a row of a table directly (ctid, rowid): a statement that picks
   * rows (and locks them) then deletes them finds them again by it, not through an index.
   */
  readonly rowId: string;
  /**
   * A condition true when `column` is one of the values of one list parameter, planned as
   * index lookups: `id IN (SELECT value FROM json_each(?))`, `id = ANY(?::bigint[])`.
   */
  inList(column: string, type: ColumnType): string;
  /** A condition true when `column` is one of the values `select` returns, planned as index lookups. */
  inSelect(column: string, select: string): string;
  /** An aggregate of `column`'s values as a JSON list (text). */
  jsonArrayAgg(column: string): string;
  /** Turns a JS array into the parameter inList expects. */
  listParam(values: readonly unknown[], type: ColumnType): unknown;
  /**
   * A parenthesised table source of many rows, with columns c0, c1, ... in input order,
   * and how to turn rows into its parameters.
   */
  rowSource(columns: readonly ColumnType[]): RowSource;
  /** An INSERT that ignores rows whose key exists: returns the statement for `INSERT ... <select>`. */
  insertIgnore(table: string, columns: string, select: string): string;
  /** Converts a job id string to the parameter the database wants. */
  idParam(id: string): unknown;
  /**
   * Where the database can wake listeners in other processes (PostgreSQL NOTIFY): a SELECT
   * (also usable as a WITH item) telling them these queues got ready jobs. Run inside the
   * transaction that made them ready, it is delivered only if that commits.
   */
  readyNotice?(queues: readonly string[]): { sql: string; params: unknown[] };
}
