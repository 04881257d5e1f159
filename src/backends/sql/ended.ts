import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';

/**
 * The `ended` table (migration 006): one row per statement that ended jobs (finished, discarded
 * or expired), with the time and their ids. Retention reads it instead of an index on
 * `jobs.finished_at`, which every completion would have to add an entry to (and which would keep
 * PostgreSQL from writing the completion as a HOT update).
 */

/** The ended row of the ids a WITH item `changed` returns (as `id`); parameter: the time. */
export function endedItem({ d, t }: SqlContext): string {
  return `INSERT INTO ${t.ended} (ended_at, job_ids)
    SELECT CAST(? AS BIGINT), ${d.jsonArrayAgg('id')} FROM changed HAVING COUNT(*) > 0`;
}

/** Records that these jobs ended at `at`, in the caller's transaction. */
export async function recordEnded(
  { t }: SqlContext,
  tx: SqlExecutor,
  ids: readonly number[],
  at: number,
): Promise<void> {
  if (ids.length === 0) return;
  await tx.run(`INSERT INTO ${t.ended} (ended_at, job_ids) VALUES (?, ?)`, [at, JSON.stringify(ids)]);
}

/**
 * Deletes up to `limit` jobs that ended before `before`, oldest `ended` rows first, with the
 * unique keys they still held; and keys whose period ended before `before`. A listed job that is
 * gone or no longer ended is skipped; a row is deleted once all its jobs were looked at (the
 * last one reached may keep the rest). A few statements per batch of rows, however small the
 * rows (a worker that completes jobs one by one writes a row per job). Returns how many jobs it
 * deleted.
 */
export async function clearEnded(ctx: SqlContext, before: number, limit: number): Promise<number> {
  if (limit <= 0) return 0;
  const { d, t } = ctx;
  return ctx.driver.transaction(async (tx) => {
    await tx.run(`DELETE FROM ${t.uniques} WHERE expires_at < ?`, [before]);
    let deleted = 0;
    while (deleted < limit) {
      const rows = await tx.all<{ id: unknown; job_ids: string }>(
        `SELECT id, job_ids FROM ${t.ended} WHERE ended_at < ? ORDER BY ended_at, id LIMIT ?${d.skipLocked}`,
        [before, limit - deleted],
      );
      if (rows.length === 0) break;
      const { reached, spent, partial } = reach(rows, limit - deleted);
      deleted += await deleteEnded(ctx, tx, reached, before);
      if (spent.length > 0) {
        await tx.run(`DELETE FROM ${t.ended} WHERE ${d.inList('id', 'bigint')}`, [
          d.listParam(spent, 'bigint'),
        ]);
      }
      if (partial) {
        await tx.run(`UPDATE ${t.ended} SET job_ids = ? WHERE id = ?`, [
          JSON.stringify(partial.rest),
          partial.id,
        ]);
      }
    }
    return deleted;
  });
}

/**
 * The first `budget` ids of the rows, in order: the rows wholly reached (to delete) and the one
 * reached in part, with the ids it keeps.
 */
function reach(
  rows: readonly { id: unknown; job_ids: string }[],
  budget: number,
): { reached: number[]; spent: number[]; partial: { id: number; rest: number[] } | null } {
  const reached: number[] = [];
  const spent: number[] = [];
  for (const row of rows) {
    const ids = JSON.parse(row.job_ids) as number[];
    const room = budget - reached.length;
    reached.push(...ids.slice(0, room));
    if (ids.length > room) return { reached, spent, partial: { id: num(row.id), rest: ids.slice(room) } };
    spent.push(num(row.id));
  }
  return { reached, spent, partial: null };
}

/** Deletes those of `ids` that ended before `before`, with their unique keys; returns how many. */
async function deleteEnded(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  ids: readonly number[],
  before: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const deleted = await tx.all<{ id: unknown; unique_key: string | null }>(
    `DELETE FROM ${t.jobs} WHERE ${d.inList('id', 'bigint')}
      AND state IN ('finished', 'discarded', 'expired') AND finished_at < ? RETURNING id, unique_key`,
    [d.listParam(ids, 'bigint'), before],
  );
  const unique = deleted.filter((r) => r.unique_key !== null).map((r) => num(r.id));
  if (unique.length > 0) {
    await tx.run(`DELETE FROM ${t.uniques} WHERE ${d.inList('job_id', 'bigint')}`, [
      d.listParam(unique, 'bigint'),
    ]);
  }
  return deleted.length;
}
