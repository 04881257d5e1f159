import { createHash } from 'node:crypto';
import type { ColumnType, Dialect, RowSource, Tables } from '../sql/dialect.ts';

/** A NOTIFY payload must stay under 8000 bytes; past this the queues go unnamed (wake everyone). */
const MAX_NOTICE_BYTES = 7000;
/** PostgreSQL truncates identifiers longer than this. */
const MAX_IDENTIFIER = 63;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The NOTIFY channel of one schema: "shigoto_<schema>", or a hash of the schema where that
 * would be too long. Shigoto in two schemas of one database never wakes the other's workers.
 */
export function readyChannel(schema: string): string {
  const plain = `shigoto_${schema}`;
  const channel =
    plain.length <= MAX_IDENTIFIER
      ? plain
      : `shigoto_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
  // It is also written as a quoted identifier (LISTEN): only plain names ever get there.
  if (!CHANNEL.test(channel)) throw new Error(`Not a valid channel name: ${JSON.stringify(channel)}`);
  return channel;
}

/**
 * The NOTIFY channel on which the schema's jobs of tasks announce that they ended: "shigoto_t_"
 * and the md5 of the schema name, as the trigger of migration 004 computes it.
 */
export function taskChannel(schema: string): string {
  return `shigoto_t_${createHash('md5').update(schema).digest('hex')}`;
}

/** The queues a notice names: a JSON list, or "" (some queues, unnamed) when too long to send. */
export function noticePayload(queues: readonly string[]): string {
  const payload = JSON.stringify(queues);
  return Buffer.byteLength(payload) <= MAX_NOTICE_BYTES ? payload : '';
}

/** The queues in a notice; an empty list means "maybe any". Never throws. */
export function parseNoticePayload(payload: string | undefined): string[] {
  try {
    const queues: unknown = JSON.parse(payload ?? '');
    return Array.isArray(queues) ? queues.filter((q): q is string => typeof q === 'string') : [];
  } catch {
    return [];
  }
}

/** Table names inside the configured schema (validated and quoted, so any valid name works). */
export function postgresTables(schema: string): Tables {
  const s = `"${schema}"`;
  return {
    jobs: `${s}.jobs`,
    tasks: `${s}.tasks`,
    ready: `${s}.ready`,
    scheduled: `${s}.scheduled`,
    failed: `${s}.failed`,
    queues: `${s}.queues`,
    processes: `${s}.processes`,
    blocked: `${s}.blocked`,
    slots: `${s}.slots`,
    semaphores: `${s}.semaphores`,
    uniques: `${s}.uniques`,
    recurringExecutions: `${s}.recurring_executions`,
    serialLines: `${s}.serial_lines`,
    serialWaiting: `${s}.serial_waiting`,
    claims: `${s}.claims`,
    errored: `${s}.errored`,
    ended: `${s}.ended`,
  };
}

/**
 * PostgreSQL: lists travel as typed array parameters read with unnest; row locks with
 * SKIP LOCKED let many workers on many hosts claim at once without waiting for each other.
 */
export function postgresDialect(tables: Tables, channel: string): Dialect {
  return {
    name: 'postgres',
    tables,
    returning: true,
    // Concurrent writers interleave sequence values: ids come back from RETURNING.
    consecutiveInsertIds: false,
    dataModifyingCte: true,
    serverRoundTrips: true,
    skipLocked: ' FOR UPDATE SKIP LOCKED',
    // A locked row keeps its ctid until the statement deletes it.
    rowId: 'ctid',
    // = ANY(array) is planned as index lookups whatever the table statistics say; IN (subquery)
    // may become a hash join over the whole table.
    inList: (column, type) => `${column} = ANY(?::${type}[])`,
    inSelect: (column, select) => `${column} = ANY(ARRAY(${select}))`,
    listParam: (values) => values,
    jsonArrayAgg: (column) => `json_agg(${column})::text`,
    // One jsonb parameter of rows: JSON.stringify encodes a batch several times faster than
    // pg writes one array literal per column, and PostgreSQL reads it no slower.
    rowSource(columns: readonly ColumnType[]): RowSource {
      const values = columns.map((type, i) => (type === 'text' ? `x->>${i}` : `(x->>${i})::${type}`));
      const select = values.map((value, i) => `${value} AS c${i}`).join(', ');
      return {
        sql: `(SELECT ${select}, ord FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS u(x, ord) ORDER BY ord)`,
        params: (rows) => [rowsJson(rows)],
      };
    },
    insertIgnore: (table, columns, select) =>
      `INSERT INTO ${table} (${columns}) ${select} ON CONFLICT DO NOTHING`,
    // Kept as text: a bigint parameter takes it exactly, with no detour through a JS number.
    idParam: (id) => id,
    // Delivered at commit, once per distinct payload per transaction, to every LISTENer.
    readyNotice: (queues) => ({ sql: 'SELECT pg_notify(?, ?)', params: [channel, noticePayload(queues)] }),
  };
}

/** A lone surrogate, as JSON.stringify escapes it (jsonb refuses it). */
const LONE_SURROGATE = /\\ud[89a-f][0-9a-f]{2}/i;

/**
 * Rows as one JSON document. A string with a lone surrogate goes as U+FFFD in its place, as pg
 * sends such a string in any other parameter (the test may also match a literal backslash
 * followed by "ud...": then the strings are only made well-formed for nothing).
 */
function rowsJson(rows: readonly (readonly unknown[])[]): string {
  const json = JSON.stringify(rows);
  if (!LONE_SURROGATE.test(json)) return json;
  return JSON.stringify(rows, (_, value) => (typeof value === 'string' ? value.toWellFormed() : value));
}

/** The shared SQL writes `?`; PostgreSQL wants `$1, $2, ...` (our statements never put `?` in literals). */
export function toPositional(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
