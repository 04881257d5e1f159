import type { SqlContext } from './context.ts';
import type { ColumnType } from './dialect.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';

/** A column of a bulk INSERT: its name and the type its values travel as. */
export type Column = readonly [name: string, type: ColumnType];

/** Most rows one multi-row INSERT carries; chunks come in powers of two so few statements get prepared. */
const MAX_ROWS = 256;
/**
 * Most rows one rowSource INSERT carries: small enough that a pipelined bulk insert keeps the
 * database busy while the next chunk is encoded, large enough to amortize the statement.
 */
export const MAX_SOURCE_ROWS = 1000;

const sqlCache = new Map<string, string>();

function valuesSql(table: string, columns: readonly Column[], rows: number, returning: string): string {
  const key = `${table}|${names(columns)}|${rows}|${returning}`;
  let sql = sqlCache.get(key);
  if (!sql) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    sql = `INSERT INTO ${table} (${names(columns)}) VALUES ${Array(rows).fill(tuple).join(', ')}${returning}`;
    sqlCache.set(key, sql);
  }
  return sql;
}

function names(columns: readonly Column[]): string {
  return columns.map(([name]) => name).join(', ');
}

/** Splits n into chunks of MAX_ROWS, then descending powers of two. */
function* chunkSizes(n: number): Generator<number> {
  let left = n;
  while (left >= MAX_ROWS) {
    yield MAX_ROWS;
    left -= MAX_ROWS;
  }
  for (let size = MAX_ROWS / 2; size >= 1; size /= 2) {
    if (left >= size) {
      yield size;
      left -= size;
    }
  }
}

/** Inserts rows with bound parameters, in as few statements as the dialect allows. */
export async function insertValues(
  ctx: SqlContext,
  tx: SqlExecutor,
  table: string,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (ctx.d.serverRoundTrips) {
    const insert = sourceInsert(ctx, table, columns);
    for (const chunk of sourceChunks(rows)) await tx.run(insert.sql, insert.params(chunk));
    return;
  }
  let offset = 0;
  for (const size of chunkSizes(rows.length)) {
    await tx.run(valuesSql(table, columns, size, ''), rows.slice(offset, offset + size).flat());
    offset += size;
  }
}

/**
 * Inserts rows into a table with a generated id column and returns the ids in input order:
 * from the driver's consecutive insert ids where the database guarantees them (one writer,
 * as SQLite), otherwise from RETURNING.
 */
export async function insertReturningIds(
  { d }: SqlContext,
  tx: SqlExecutor,
  table: string,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
): Promise<number[]> {
  const ids: number[] = [];
  let offset = 0;
  for (const size of chunkSizes(rows.length)) {
    const params = rows.slice(offset, offset + size).flat();
    offset += size;
    if (d.consecutiveInsertIds && tx.insert) {
      const firstId = await tx.insert(valuesSql(table, columns, size, ''), params);
      for (let i = 0; i < size; i++) ids.push(firstId + i);
    } else {
      // One statement hands out ids in row order, so sorting restores input order.
      const returned = await tx.all<{ id: unknown }>(
        valuesSql(table, columns, size, ' RETURNING id'),
        params,
      );
      ids.push(...returned.map((r) => num(r.id)).sort((a, b) => a - b));
    }
  }
  return ids;
}

export interface SourceInsert {
  /** `INSERT INTO table (columns) SELECT c0, c1, ... FROM <rowSource> AS src` */
  readonly sql: string;
  params(rows: readonly (readonly unknown[])[]): unknown[];
}

/** An INSERT fed by the dialect's rowSource: any number of rows in one statement. */
export function sourceInsert({ d }: SqlContext, table: string, columns: readonly Column[]): SourceInsert {
  const src = d.rowSource(columns.map(([, type]) => type));
  const select = columns.map((_, i) => `c${i}`).join(', ');
  return {
    sql: `INSERT INTO ${table} (${names(columns)}) SELECT ${select} FROM ${src.sql} AS src`,
    params: (rows) => src.params(rows),
  };
}

/** Splits rows into the chunks one rowSource statement carries. */
export function sourceChunks<T>(rows: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let offset = 0; offset < rows.length; offset += MAX_SOURCE_ROWS) {
    chunks.push(rows.slice(offset, offset + MAX_SOURCE_ROWS));
  }
  return chunks;
}
