import type { SqlContext } from './context.ts';
import { num } from './rows.ts';

/** Moves due scheduled jobs to ready, earliest first. */
export async function promoteScheduled(
  { driver, d, t }: SqlContext,
  now: number,
  limit: number,
): Promise<number> {
  // SQLite reads a negative LIMIT as "no limit": a limit of 0 or less must do nothing.
  if (limit <= 0) return 0;
  const due = await driver.all(`SELECT job_id FROM ${t.scheduled} WHERE run_at <= ? LIMIT 1`, [now]);
  if (due.length === 0) return 0;
  return driver.transaction(async (tx) => {
    const rows = await tx.all<{ job_id: unknown; queue: string; priority: unknown }>(
      `SELECT job_id, queue, priority FROM ${t.scheduled} WHERE run_at <= ?
       ORDER BY run_at, priority, job_id LIMIT ?${d.skipLocked}`,
      [now, limit],
    );
    if (rows.length === 0) return 0;
    const ids = d.listParam(
      rows.map((r) => num(r.job_id)),
      'bigint',
    );
    await tx.run(`DELETE FROM ${t.scheduled} WHERE job_id IN ${d.idList('bigint')}`, [ids]);
    await tx.run(`UPDATE ${t.jobs} SET state = 'ready' WHERE id IN ${d.idList('bigint')}`, [ids]);
    const src = d.rowSource(['bigint', 'text', 'bigint']);
    await tx.run(
      `INSERT INTO ${t.ready} (job_id, queue, priority) SELECT c0, c1, c2 FROM ${src.sql} AS src`,
      src.params(rows.map((r) => [num(r.job_id), r.queue, num(r.priority)])),
    );
    return rows.length;
  });
}

/** Deletes finished and discarded jobs that ended before `before`, at most `limit` of them. */
export async function clearFinished(
  { driver, d, t }: SqlContext,
  before: number,
  limit: number,
): Promise<number> {
  if (limit <= 0) return 0;
  return driver.transaction(async (tx) => {
    const rows = await tx.all<{ id: unknown }>(
      `SELECT id FROM ${t.jobs} WHERE finished_at < ? AND state IN ('finished', 'discarded') LIMIT ?${d.skipLocked}`,
      [before, limit],
    );
    if (rows.length === 0) return 0;
    return tx.run(`DELETE FROM ${t.jobs} WHERE id IN ${d.idList('bigint')}`, [
      d.listParam(
        rows.map((r) => num(r.id)),
        'bigint',
      ),
    ]);
  });
}
