import type { ColumnType, Dialect, RowSource, Tables } from '../sql/dialect.ts';

export function sqliteTables(prefix: string): Tables {
  return {
    jobs: `${prefix}jobs`,
    tasks: `${prefix}tasks`,
    ready: `${prefix}ready`,
    scheduled: `${prefix}scheduled`,
    failed: `${prefix}failed`,
    queues: `${prefix}queues`,
    processes: `${prefix}processes`,
    blocked: `${prefix}blocked`,
    slots: `${prefix}slots`,
    semaphores: `${prefix}semaphores`,
    uniques: `${prefix}uniques`,
    recurringExecutions: `${prefix}recurring_executions`,
    serialLines: `${prefix}serial_lines`,
    serialWaiting: `${prefix}serial_waiting`,
    claims: `${prefix}claims`,
    errored: `${prefix}errored`,
    ended: `${prefix}ended`,
  };
}

/** SQLite: lists travel as one JSON parameter read with json_each; one writer at a time, so no row locks. */
export function sqliteDialect(tables: Tables): Dialect {
  return {
    name: 'sqlite',
    tables,
    returning: true,
    consecutiveInsertIds: true,
    dataModifyingCte: false,
    serverRoundTrips: false,
    skipLocked: '',
    rowId: 'rowid',
    inList: (column) => `${column} IN (SELECT value FROM json_each(?))`,
    inSelect: (column, select) => `${column} IN (${select})`,
    listParam: (values) => JSON.stringify(values),
    jsonArrayAgg: (column) => `json_group_array(${column})`,
    rowSource(columns: readonly ColumnType[]): RowSource {
      const select = columns.map((_, i) => `value->>${i} AS c${i}`).join(', ');
      return {
        sql: `(SELECT ${select} FROM json_each(?) ORDER BY key)`,
        params: (rows) => [JSON.stringify(rows)],
      };
    },
    insertIgnore: (table, columns, select) =>
      `INSERT INTO ${table} (${columns}) ${select} ON CONFLICT DO NOTHING`,
    idParam: (id) => Number(id),
  };
}
