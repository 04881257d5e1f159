import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';

/** Most rows one multi-row INSERT carries; chunks come in powers of two so few statements get prepared. */
const MAX_ROWS = 256;

const sqlCache = new Map<string, string>();

function valuesSql(table: string, columns: readonly string[], rows: number, returning: string): string {
  const key = `${table}|${columns.join(',')}|${rows}|${returning}`;
  let sql = sqlCache.get(key);
  if (!sql) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}${returning}`;
    sqlCache.set(key, sql);
  }
  return sql;
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

/** Inserts rows with bound parameters, in as few prepared statements as possible. */
export async function insertValues(
  tx: SqlExecutor,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
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
  columns: readonly string[],
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
      const returned = await tx.all<{ id: unknown }>(
        valuesSql(table, columns, size, ' RETURNING id'),
        params,
      );
      ids.push(...returned.map((r) => num(r.id)).sort((a, b) => a - b));
    }
  }
  return ids;
}
