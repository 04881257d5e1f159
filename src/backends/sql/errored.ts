import type { ErroredSelector } from '../../backend/types.ts';
import { selectorWhere } from './admin.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { recordEnded } from './ended.ts';
import { takeStateRows } from './expiry.ts';
import { num } from './rows.ts';
import { advanceLines, insertWaiting, type LineHeads, lockLines } from './serial.ts';
import { type JobPlace, PLACE_COLUMNS, type PlaceRow, toPlace } from './transitions.ts';
import { releaseUniqueKeys } from './unique.ts';

const BATCH = 500;
/** Selected errored jobs are changed only if still errored when their lines are locked. */
const STILL_ERRORED = ` AND state = 'errored'`;

/**
 * Errored jobs back into their lines, waiting like the jobs behind them: a line's next job is
 * its lowest id, so each runs again before every job behind it that has not started (at once,
 * where it was the stopped head). The attempt count is kept. Returns how many.
 */
export function reenterErrored(ctx: SqlContext, select: ErroredSelector, now: number): Promise<number> {
  return inErroredBatches(ctx, select, now, async (tx, ids, heads) => {
    const places = await changeJobs(ctx, tx, `state = 'blocked', run_at = NULL`, [], ids, STILL_ERRORED);
    await leaveErrored(ctx, tx, places);
    await insertWaiting(ctx, tx, places);
    const leaving = new Set(places.map((p) => p.id));
    await yieldUnstartedHeads(ctx, tx, heads, leaving, places);
    await advanceLines(ctx, tx, heads, leaving, now);
    return places.length;
  });
}

/**
 * A re-entered job goes before the jobs of its line behind it that have not started: a head
 * enqueued after it that was never claimed (ready or scheduled, no attempt counted) goes back
 * to waiting, and its line is marked free in `heads`. A head a claim takes meanwhile has
 * started and stays.
 */
async function yieldUnstartedHeads(
  ctx: SqlContext,
  tx: SqlExecutor,
  heads: LineHeads,
  leaving: ReadonlySet<number>,
  reentered: readonly JobPlace[],
): Promise<void> {
  const first = new Map<string, number>();
  for (const p of reentered) first.set(p.serial!.key, Math.min(first.get(p.serial!.key) ?? p.id, p.id));
  const later = [...first].flatMap(([key, id]) => {
    const head = heads.get(key);
    return head != null && head > id && !leaving.has(head) ? [head] : [];
  });
  if (later.length === 0) return;
  const { d, t } = ctx;
  const unstarted = await tx.all<{ id: unknown; priority: unknown }>(
    `SELECT id, priority FROM ${t.jobs} WHERE ${d.inList('id', 'bigint')} AND state IN ('ready', 'scheduled') AND attempts = 0`,
    [d.listParam(later, 'bigint')],
  );
  const jobs = unstarted.map((row) => ({ id: num(row.id), priority: num(row.priority) }));
  if (jobs.length === 0) return;
  const taken = (
    await Promise.all([t.ready, t.scheduled].map((table) => takeStateRows(ctx, tx, table, jobs)))
  ).flat();
  if (taken.length === 0) return;
  const waiting = await changeJobs(ctx, tx, `state = 'blocked'`, [], taken, '');
  await insertWaiting(ctx, tx, waiting);
  for (const p of waiting) heads.set(p.serial!.key, null);
}

/** Errored jobs to discarded (kept for the retention time); a line stopped at one goes on. Returns how many. */
export function removeErrored(ctx: SqlContext, select: ErroredSelector, now: number): Promise<number> {
  return inErroredBatches(ctx, select, now, async (tx, ids, heads) => {
    const places = await changeJobs(
      ctx,
      tx,
      `state = 'discarded', finished_at = ?`,
      [now],
      ids,
      STILL_ERRORED,
    );
    await leaveErrored(ctx, tx, places);
    await recordEnded(
      ctx,
      tx,
      places.map((place) => place.id),
      now,
    );
    await releaseUniqueKeys(ctx, tx, places, 'discarded');
    await advanceLines(ctx, tx, heads, new Set(places.map((p) => p.id)), now);
    return places.length;
  });
}

/** Deletes the errored rows of jobs that are errored no more. */
async function leaveErrored(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  places: readonly JobPlace[],
): Promise<void> {
  if (places.length === 0) return;
  await tx.run(`DELETE FROM ${t.errored} WHERE ${d.inList('job_id', 'bigint')}`, [
    d.listParam(
      places.map((place) => place.id),
      'bigint',
    ),
  ]);
}

/** Changes the jobs among `ids` (that also match `guard`); returns where they belong. */
async function changeJobs(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  assignments: string,
  params: readonly unknown[],
  ids: readonly number[],
  guard: string,
): Promise<JobPlace[]> {
  const rows = await tx.all<PlaceRow>(
    `UPDATE ${t.jobs} SET ${assignments} WHERE ${d.inList('id', 'bigint')}${guard}
      RETURNING ${PLACE_COLUMNS}`,
    [...params, d.listParam(ids, 'bigint')],
  );
  return rows.map(toPlace);
}

/**
 * Selected errored jobs, a batch per transaction in id order: their lines are locked first,
 * then `apply` changes those still errored and returns how many it changed.
 */
async function inErroredBatches(
  ctx: SqlContext,
  select: ErroredSelector,
  now: number,
  apply: (tx: SqlExecutor, ids: readonly number[], heads: LineHeads) => Promise<number>,
): Promise<number> {
  const { driver, t } = ctx;
  const selected = selectorWhere(ctx, select, 'job_id');
  if (!selected) return 0;
  const where = ['job_id > ?', ...selected.where];
  const { params } = selected;
  let total = 0;
  // By id, so a job that errors again while this runs is not taken twice.
  for (let after = 0; ; ) {
    const batch = await driver.transaction(async (tx) => {
      const rows = await tx.all<{ id: unknown; serial_key: string }>(
        `SELECT job_id AS id, (SELECT serial_key FROM ${t.jobs} j WHERE j.id = e.job_id) AS serial_key
          FROM ${t.errored} e WHERE ${where.join(' AND ')} ORDER BY job_id LIMIT ?`,
        [after, ...params, BATCH],
      );
      if (rows.length === 0) return { seen: 0, last: after, changed: 0 };
      const heads = await lockLines(
        ctx,
        tx,
        rows.map((row) => row.serial_key),
        now,
      );
      const ids = rows.map((row) => num(row.id));
      return { seen: rows.length, last: ids.at(-1)!, changed: await apply(tx, ids, heads) };
    });
    total += batch.changed;
    if (batch.seen < BATCH) return total;
    after = batch.last;
  }
}
