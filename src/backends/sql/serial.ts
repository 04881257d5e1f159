import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';
import { insertReady, insertScheduled, type JobPlace } from './transitions.ts';
import { insertValues } from './values.ts';

/**
 * Serialized lines (docs/serialized-queues.md). The jobs of one line run one at a time in
 * enqueue (id) order. Only the line's head, named by its row in the lines table, is ever
 * ready, scheduled, claimed, or stopped errored; the others wait in the waiting table, in
 * state 'blocked'. Every transaction that changes a line locks its row first, so a head is
 * replaced only once it has ended (or was set aside), whichever process ended it.
 */

/** Each locked line's head (null: the line is free). */
export type LineHeads = Map<string, number | null>;

/**
 * Locks the rows of these lines (creating missing ones, free), in key order, and returns their
 * heads as they stand under the lock. Enqueues lock before they insert, so a line's ids
 * ascend in the order its jobs were stored.
 */
export async function lockLines(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  keys: Iterable<string>,
  now: number,
): Promise<LineHeads> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return new Map();
  const src = d.rowSource(['text', 'bigint']);
  // An upsert takes the row lock whether the row was there, is new, or was just deleted.
  const rows = await tx.all<{ key: string; head_id: unknown }>(
    `INSERT INTO ${t.serialLines} (key, head_id, locked_at) SELECT c0, NULL, c1 FROM ${src.sql} AS src WHERE true
      ON CONFLICT (key) DO UPDATE SET locked_at = excluded.locked_at RETURNING key, head_id`,
    src.params(sorted.map((key) => [key, now])),
  );
  return new Map(rows.map((row) => [row.key, row.head_id === null ? null : num(row.head_id)]));
}

/** Marks new heads of locked lines (jobs the caller stored as ready or scheduled). */
export async function setHeads(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  heads: readonly (readonly [key: string, id: number])[],
): Promise<void> {
  if (heads.length === 0) return;
  const src = d.rowSource(['text', 'bigint']);
  await tx.run(
    `UPDATE ${t.serialLines} SET head_id = src.c1 FROM ${src.sql} AS src WHERE key = src.c0`,
    src.params(heads),
  );
}

/** Waiting rows for jobs whose jobs row already says 'blocked' behind their line's head. */
export function insertWaiting(ctx: SqlContext, tx: SqlExecutor, places: readonly JobPlace[]): Promise<void> {
  return insertValues(
    ctx,
    tx,
    ctx.t.serialWaiting,
    [
      ['job_id', 'bigint'],
      ['queue', 'text'],
      ['serial_key', 'text'],
    ],
    places.map((p) => [p.id, p.queue, p.serial!.key]),
  );
}

/**
 * Jobs that left their lines (ended, or errored and set aside): the lines they headed go on
 * with their next job. Read `places` with PLACE_COLUMNS; jobs in no line are skipped, so with
 * none this writes nothing.
 */
export async function leaveLines(
  ctx: SqlContext,
  tx: SqlExecutor,
  places: readonly JobPlace[],
  now: number,
): Promise<void> {
  const inLine = places.filter((p) => p.serial);
  if (inLine.length === 0) return;
  const heads = await lockLines(
    ctx,
    tx,
    inLine.map((p) => p.serial!.key),
    now,
  );
  await advanceLines(ctx, tx, heads, new Set(inLine.map((p) => p.id)), now);
}

/**
 * Gives each locked line whose head is gone (null, or one of `leaving`) its next waiting job,
 * made ready (or scheduled, when it is due later); a line with nobody waiting is deleted.
 */
export async function advanceLines(
  ctx: SqlContext,
  tx: SqlExecutor,
  heads: LineHeads,
  leaving: ReadonlySet<number>,
  now: number,
): Promise<void> {
  const moving = [...heads].filter(([, head]) => head === null || leaving.has(head)).map(([key]) => key);
  if (moving.length === 0) return;
  const { d, t } = ctx;
  // The lines are locked, so their waiting rows cannot change under these reads.
  const nexts = await Promise.all(
    moving.map((key) =>
      tx.all<{ job_id: unknown }>(
        `SELECT job_id FROM ${t.serialWaiting} WHERE serial_key = ? ORDER BY job_id LIMIT 1`,
        [key],
      ),
    ),
  );
  const next = new Map(moving.flatMap((key, i) => (nexts[i]![0] ? [[key, num(nexts[i]![0].job_id)]] : [])));
  const emptied = moving.filter((key) => !next.has(key));
  if (emptied.length > 0) {
    await tx.run(`DELETE FROM ${t.serialLines} WHERE ${d.inList('key', 'text')}`, [
      d.listParam(emptied, 'text'),
    ]);
  }
  if (next.size === 0) return;
  const ids = d.listParam([...next.values()], 'bigint');
  const [, promoted] = await Promise.all([
    tx.run(`DELETE FROM ${t.serialWaiting} WHERE ${d.inList('job_id', 'bigint')}`, [ids]),
    tx.all<{ id: unknown; queue: string; priority: unknown; state: string; run_at: unknown }>(
      `UPDATE ${t.jobs} SET state = CASE WHEN run_at > ? THEN 'scheduled' ELSE 'ready' END
        WHERE ${d.inList('id', 'bigint')} RETURNING id, queue, priority, state, run_at`,
      [now, ids],
    ),
    setHeads(ctx, tx, [...next]),
  ]);
  const places = promoted.map((row) => ({
    id: num(row.id),
    queue: row.queue,
    priority: num(row.priority),
    runAt: num(row.run_at),
    state: row.state,
  }));
  await insertReady(
    ctx,
    tx,
    places.filter((p) => p.state === 'ready'),
  );
  await insertScheduled(
    ctx,
    tx,
    places.filter((p) => p.state === 'scheduled'),
  );
}
