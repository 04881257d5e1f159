import { KeyLocks, unblock } from './concurrency.ts';
import type { SqlContext } from './context.ts';
import { readyOrBlocked } from './make-ready.ts';
import { num } from './rows.ts';
import { PLACE_COLUMNS, takeRows, toPlace } from './transitions.ts';

/** Moves due scheduled jobs to ready (or blocked, when their key has no free slot), earliest first. */
export async function promoteScheduled(ctx: SqlContext, now: number, limit: number): Promise<number> {
  const { driver, d, t } = ctx;
  // SQLite reads a negative LIMIT as "no limit": a limit of 0 or less must do nothing.
  if (limit <= 0) return 0;
  const due = await driver.all(`SELECT job_id FROM ${t.scheduled} WHERE run_at <= ? LIMIT 1`, [now]);
  if (due.length === 0) return 0;
  return driver.transaction(async (tx) => {
    const taken = await takeRows<{ job_id: unknown }>(ctx, tx, {
      table: t.scheduled,
      columns: 'job_id',
      where: 'run_at <= ?',
      params: [now],
      order: 'run_at, priority, job_id',
      limit,
    });
    if (taken.length === 0) return 0;
    const places = await tx.all<{ id: unknown; queue: string; priority: unknown }>(
      `UPDATE ${t.jobs} SET state = 'ready' WHERE ${d.inList('id', 'bigint')} RETURNING ${PLACE_COLUMNS}`,
      [
        d.listParam(
          taken.map((row) => num(row.job_id)),
          'bigint',
        ),
      ],
    );
    await readyOrBlocked(ctx, tx, new KeyLocks(ctx, tx, now), places.map(toPlace), now);
    return taken.length;
  });
}

/**
 * Concurrency maintenance, a failsafe: deletes slots held past their duration, then unblocks
 * jobs of those keys and of keys with jobs blocked longer than their duration, each only as
 * far as its limit allows. Keys go in batches of `limit`, one transaction each, in key order.
 * Then semaphore rows no key uses any more are deleted. Returns the jobs unblocked.
 */
export async function unblockJobs(ctx: SqlContext, now: number, limit: number): Promise<number> {
  const { driver, d, t } = ctx;
  if (limit <= 0) return 0;
  let unblocked = 0;
  for (let after = ''; ; ) {
    const keys = (
      await driver.all<{ key: string }>(
        `SELECT key FROM (SELECT key FROM ${t.slots} WHERE expires_at <= ?
           UNION SELECT concurrency_key AS key FROM ${t.blocked} WHERE recheck_at <= ?) AS k
         WHERE key > ? ORDER BY key LIMIT ?`,
        [now, now, after, limit],
      )
    ).map((row) => row.key);
    if (keys.length === 0) break;
    unblocked += await driver.transaction(async (tx) => {
      const locks = new KeyLocks(ctx, tx, now);
      await locks.lock(keys);
      await tx.run(`DELETE FROM ${t.slots} WHERE ${d.inList('key', 'text')} AND expires_at <= ?`, [
        d.listParam(keys, 'text'),
        now,
      ]);
      return unblock(ctx, tx, locks, keys, now);
    });
    if (keys.length < limit) break;
    after = keys.at(-1)!;
  }
  await driver.run(
    `DELETE FROM ${t.semaphores} WHERE key IN (SELECT s.key FROM ${t.semaphores} s
       WHERE NOT EXISTS (SELECT 1 FROM ${t.slots} WHERE key = s.key)
         AND NOT EXISTS (SELECT 1 FROM ${t.blocked} WHERE concurrency_key = s.key) LIMIT ?)`,
    [limit],
  );
  return unblocked;
}
