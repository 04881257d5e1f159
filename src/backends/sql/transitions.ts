import type { ConcurrencyControl, JobState, SerialControl } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { Dialect } from './dialect.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';
import { insertValues } from './values.ts';

export interface JobPlace {
  readonly id: number;
  readonly queue: string;
  readonly priority: number;
  /** Its concurrency limit, when read with PLACE_COLUMNS (null: none). */
  readonly concurrency?: ConcurrencyControl | null;
  /** The states in which it holds its unique key, when read with PLACE_COLUMNS (null: none). */
  readonly uniqueStates?: readonly JobState[] | null;
  /** Its serialized line, when read with PLACE_COLUMNS (null: none). */
  readonly serial?: SerialControl | null;
}

/** The jobs columns toPlace reads: where a job goes, and the controls that decide how. */
export const PLACE_COLUMNS =
  'id, queue, priority, concurrency_key, concurrency_limit, concurrency_duration, unique_states, serial_key, serial_on_error';

export type PlaceRow = { id?: unknown; job_id?: unknown; queue: string; priority: unknown } & Record<
  string,
  unknown
>;

export function toPlace(row: PlaceRow): JobPlace {
  const place = { id: num(row.id ?? row.job_id), queue: row.queue, priority: num(row.priority) };
  if (!('concurrency_key' in row)) return place;
  return {
    ...place,
    concurrency:
      row.concurrency_key === null
        ? null
        : {
            key: String(row.concurrency_key),
            limit: num(row.concurrency_limit),
            durationMs: num(row.concurrency_duration),
          },
    uniqueStates: row.unique_states === null ? null : (String(row.unique_states).split(',') as JobState[]),
    serial:
      row.serial_key === null || row.serial_key === undefined
        ? null
        : { key: String(row.serial_key), onError: row.serial_on_error as SerialControl['onError'] },
  };
}

/** Adds ready rows for jobs whose jobs row already says 'ready', and announces their queues. */
export async function insertReady(
  ctx: SqlContext,
  tx: SqlExecutor,
  jobs: readonly JobPlace[],
): Promise<void> {
  await insertValues(
    ctx,
    tx,
    ctx.t.ready,
    [
      ['job_id', 'bigint'],
      ['queue', 'text'],
      ['priority', 'bigint'],
    ],
    jobs.map((j) => [j.id, j.queue, j.priority]),
  );
  await announceReady(
    ctx,
    tx,
    jobs.map((j) => j.queue),
  );
}

/** Wakes listeners in other processes for these queues, where the dialect can (see Dialect.readyNotice). */
export async function announceReady(
  { d }: SqlContext,
  exec: SqlExecutor,
  queues: readonly string[],
): Promise<void> {
  if (!d.readyNotice || queues.length === 0) return;
  const notice = d.readyNotice([...new Set(queues)]);
  await exec.all(notice.sql, notice.params);
}

/** Adds scheduled rows for jobs whose jobs row already says 'scheduled'. */
export function insertScheduled(
  ctx: SqlContext,
  tx: SqlExecutor,
  jobs: readonly (JobPlace & { readonly runAt: number })[],
): Promise<void> {
  return insertValues(
    ctx,
    tx,
    ctx.t.scheduled,
    [
      ['job_id', 'bigint'],
      ['queue', 'text'],
      ['priority', 'bigint'],
      ['run_at', 'bigint'],
    ],
    jobs.map((j) => [j.id, j.queue, j.priority, j.runAt]),
  );
}

export interface TakeRows {
  /** A per-state table keyed by job_id (ready, scheduled, failed). */
  readonly table: string;
  /** Columns to return, job_id among them. */
  readonly columns: string;
  /** Condition with `?` placeholders, or '' for every row. */
  readonly where: string;
  readonly params: readonly unknown[];
  readonly order: string;
  readonly limit: number;
}

function pickSql({ d }: SqlContext, take: TakeRows, columns: string): string {
  const where = take.where ? ` WHERE ${take.where}` : '';
  return `SELECT ${columns} FROM ${take.table}${where} ORDER BY ${take.order} LIMIT ?${d.skipLocked}`;
}

/** One DELETE ... RETURNING that takes the rows (for dialects with RETURNING), and its parameters. */
export function takeStatement(ctx: SqlContext, take: TakeRows): { sql: string; params: unknown[] } {
  return {
    sql: `DELETE FROM ${take.table} WHERE ${ctx.d.inSelect(ctx.d.rowId, pickSql(ctx, take, ctx.d.rowId))} RETURNING ${take.columns}`,
    params: [...take.params, take.limit],
  };
}

/** Whether takeRows returns rows in their `order` (it does unless it takes them with DELETE ... RETURNING). */
export function takesInOrder(d: Dialect): boolean {
  return !(d.returning && d.serverRoundTrips);
}

/**
 * Deletes up to `limit` rows of a state table, first in `order`, and returns them: one
 * DELETE ... RETURNING (rows in no particular order) where statements are round trips, else
 * SELECT then DELETE (rows in order). Rows another transaction holds are skipped, so
 * concurrent takers never wait for each other nor take the same row.
 */
export async function takeRows<T>(ctx: SqlContext, tx: SqlExecutor, take: TakeRows): Promise<T[]> {
  const { d } = ctx;
  if (!takesInOrder(d)) {
    const { sql, params } = takeStatement(ctx, take);
    return tx.all<T>(sql, params);
  }
  const rows = await tx.all<T & { job_id: unknown }>(pickSql(ctx, take, take.columns), [
    ...take.params,
    take.limit,
  ]);
  if (rows.length > 0) {
    await tx.run(`DELETE FROM ${take.table} WHERE ${d.inList('job_id', 'bigint')}`, [
      d.listParam(
        rows.map((r) => num(r.job_id)),
        'bigint',
      ),
    ]);
  }
  return rows;
}
