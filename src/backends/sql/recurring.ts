import { firstOfEachRun, runKey } from '../../backend/recurring-runs.ts';
import type { RecurringExecution, RecurringRun } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { SqlDriver, SqlExecutor } from './driver.ts';
import { enqueueJobs } from './enqueue.ts';
import { num } from './rows.ts';

/**
 * Records each run under its unique (task_key, run_at) and enqueues the jobs of the runs it
 * recorded, in one transaction. A run recorded by a racing scheduler makes the INSERT skip it
 * (on PostgreSQL it first waits for that transaction: committed, the run is skipped; rolled
 * back, this one records it), so its job is never stored twice.
 */
export async function enqueueRecurring(
  ctx: SqlContext,
  runs: readonly RecurringRun[],
  now: number,
): Promise<(string | null)[]> {
  const firsts = firstOfEachRun(runs);
  if (firsts.length === 0) return runs.map(() => null);
  const { d, t } = ctx;
  // Key order: transactions racing on the same runs lock them in one order, never a deadlock.
  const sorted = [...firsts].sort((a, b) => compareRuns(runs[a]!, runs[b]!));
  const claimSource = d.rowSource(['text', 'bigint', 'bigint']);
  const linkSource = d.rowSource(['text', 'bigint', 'bigint']);
  return ctx.driver.transaction(async (tx) => {
    const recorded = await tx.all<{ task_key: string; run_at: unknown }>(
      `INSERT INTO ${t.recurringExecutions} (task_key, run_at, created_at)
        SELECT c0, c1, c2 FROM ${claimSource.sql} AS src WHERE true
        ON CONFLICT DO NOTHING RETURNING task_key, run_at`,
      claimSource.params(sorted.map((i) => [runs[i]!.taskKey, runs[i]!.runAt, now])),
    );
    const won = new Set(recorded.map((row) => runKey(row.task_key, num(row.run_at))));
    const winners = firsts.filter((i) => won.has(runKey(runs[i]!.taskKey, runs[i]!.runAt)));
    if (winners.length === 0) return runs.map(() => null);
    // The shared enqueue, on this transaction: the jobs get every rule a plain enqueue has.
    const ids = await enqueueJobs(
      withinTransaction(ctx, tx),
      winners.map((i) => runs[i]!.job),
      now,
    );
    await tx.run(
      `UPDATE ${t.recurringExecutions} SET job_id = src.c2 FROM ${linkSource.sql} AS src
        WHERE task_key = src.c0 AND run_at = src.c1`,
      linkSource.params(winners.map((i, n) => [runs[i]!.taskKey, runs[i]!.runAt, d.idParam(ids[n]!)])),
    );
    const idOf = new Map(winners.map((i, n) => [i, ids[n]!]));
    return runs.map((_, i) => idOf.get(i) ?? null);
  });
}

/** The latest run of each task; one index lookup per task key. */
export async function lastRecurringExecutions(
  { driver, t }: SqlContext,
  taskKeys: readonly string[],
): Promise<RecurringExecution[]> {
  const keys = [...new Set(taskKeys)].sort();
  const latest = await Promise.all(
    keys.map((key) =>
      driver.all<Record<string, unknown>>(
        `SELECT task_key, run_at, job_id, created_at FROM ${t.recurringExecutions}
          WHERE task_key = ? ORDER BY run_at DESC LIMIT 1`,
        [key],
      ),
    ),
  );
  return latest.flat().map((row) => ({
    taskKey: String(row.task_key),
    runAt: num(row.run_at),
    jobId: String(row.job_id),
    enqueuedAt: num(row.created_at),
  }));
}

/** Deletes old runs, never a task's latest (the scheduler's catch-up and listings read it). */
export async function clearRecurringExecutions(
  { driver, t }: SqlContext,
  before: number,
  limit: number,
): Promise<number> {
  // SQLite reads a negative LIMIT as "no limit".
  if (limit <= 0) return 0;
  return driver.run(
    `DELETE FROM ${t.recurringExecutions} WHERE (task_key, run_at) IN (
      SELECT e.task_key, e.run_at FROM ${t.recurringExecutions} e
      WHERE e.run_at < ? AND EXISTS (
        SELECT 1 FROM ${t.recurringExecutions} l WHERE l.task_key = e.task_key AND l.run_at > e.run_at)
      LIMIT ?)`,
    [before, limit],
  );
}

function compareRuns(a: RecurringRun, b: RecurringRun): number {
  if (a.taskKey !== b.taskKey) return a.taskKey < b.taskKey ? -1 : 1;
  return a.runAt - b.runAt;
}

/** The context with its driver bound to an open transaction: its own transactions join this one. */
function withinTransaction(ctx: SqlContext, tx: SqlExecutor): SqlContext {
  const driver: SqlDriver = {
    all: <T>(sql: string, params?: readonly unknown[]) => tx.all<T>(sql, params),
    run: (sql: string, params?: readonly unknown[]) => tx.run(sql, params),
    ...(tx.insert && { insert: tx.insert.bind(tx) }),
    transaction: (fn) => fn(tx),
    close: async () => {},
  };
  return { ...ctx, driver };
}
