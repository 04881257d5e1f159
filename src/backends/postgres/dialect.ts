import type { ColumnType, Dialect, RowSource, Tables } from '../sql/dialect.ts';

/** Table names inside the configured schema (validated and quoted, so any valid name works). */
export function postgresTables(schema: string): Tables {
  const s = `"${schema}"`;
  return {
    jobs: `${s}.jobs`,
    ready: `${s}.ready`,
    scheduled: `${s}.scheduled`,
    failed: `${s}.failed`,
    queues: `${s}.queues`,
    processes: `${s}.processes`,
    recurringExecutions: `${s}.recurring_executions`,
  };
}

/**
 * PostgreSQL: lists travel as typed array parameters read with unnest; row locks with
 * SKIP LOCKED let many workers on many hosts claim at once without waiting for each other.
 */
export function postgresDialect(tables: Tables): Dialect {
  return {
    name: 'postgres',
    tables,
    returning: true,
    // Concurrent writers interleave sequence values: ids come back from RETURNING.
    consecutiveInsertIds: false,
    dataModifyingCte: true,
    serverRoundTrips: true,
    skipLocked: ' FOR UPDATE SKIP LOCKED',
    // = ANY(array) is planned as index lookups whatever the table statistics say; IN (subquery)
    // may become a hash join over the whole table.
    inList: (column, type) => `${column} = ANY(?::${type}[])`,
    inSelect: (column, select) => `${column} = ANY(ARRAY(${select}))`,
    listParam: (values) => values,
    rowSource(columns: readonly ColumnType[]): RowSource {
      const arrays = columns.map((type) => `?::${type}[]`).join(', ');
      const names = columns.map((_, i) => `c${i}`).join(', ');
      return {
        sql: `(SELECT * FROM unnest(${arrays}) WITH ORDINALITY AS u(${names}, ord) ORDER BY ord)`,
        params: (rows) => columns.map((_, i) => rows.map((row) => row[i] ?? null)),
      };
    },
    insertIgnore: (table, columns, select) =>
      `INSERT INTO ${table} (${columns}) ${select} ON CONFLICT DO NOTHING`,
    // Kept as text: a bigint parameter takes it exactly, with no detour through a JS number.
    idParam: (id) => id,
  };
}

/** The shared SQL writes `?`; PostgreSQL wants `$1, $2, ...` (our statements never put `?` in literals). */
export function toPositional(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
