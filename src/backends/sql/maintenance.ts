import type { SqlContext } from './context.ts';
import { num } from './rows.ts';
import { insertReady, takeRows, toPlace } from './transitions.ts';

/** Moves due scheduled jobs to ready, earliest first. */
export async function promoteScheduled(ctx: SqlContext, now: number, limit: number): Promise<number> {
  const { driver, d, t } = ctx;
  // SQLite reads a negative LIMIT as "no limit": a limit of 0 or less must do nothing.
  if (limit <= 0) return 0;
  const due = await driver.all(`SELECT job_id FROM ${t.scheduled} WHERE run_at <= ? LIMIT 1`, [now]);
  if (due.length === 0) return 0;
  return driver.transaction(async (tx) => {
    const places = (
      await takeRows<{ job_id: unknown; queue: string; priority: unknown }>(ctx, tx, {
        table: t.scheduled,
        columns: 'job_id, queue, priority',
        where: 'run_at <= ?',
        params: [now],
        order: 'run_at, priority, job_id',
        limit,
      })
    ).map(toPlace);
    if (places.length === 0) return 0;
    await tx.run(`UPDATE ${t.jobs} SET state = 'ready' WHERE ${d.inList('id', 'bigint')}`, [
      d.listParam(
        places.map((p) => p.id),
        'bigint',
      ),
    ]);
    await insertReady(ctx, tx, places);
    return places.length;
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
    return tx.run(`DELETE FROM ${t.jobs} WHERE ${d.inList('id', 'bigint')}`, [
      d.listParam(
        rows.map((r) => num(r.id)),
        'bigint',
      ),
    ]);
  });
}
