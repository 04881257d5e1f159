import type { ClaimRef, Completion, CompletionResult } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';
import { type JobPlace, moveToReady } from './transitions.ts';

interface Guarded {
  readonly queue: string;
  readonly priority: number;
}

/**
 * Applies finished / failed / discarded / retry / snooze transitions in one transaction.
 * Each is guarded by its lease: a worker whose claim was taken over changes nothing.
 */
export async function completeJobs(
  ctx: SqlContext,
  items: readonly Completion[],
  now: number,
  deleteFinished: boolean,
): Promise<CompletionResult> {
  if (items.length === 0) return { rejected: [] };
  return ctx.driver.transaction(async (tx) => {
    const rejected: string[] = [];
    for (const item of items) {
      if (!(await applyCompletion(ctx, tx, item, now, deleteFinished))) rejected.push(item.jobId);
    }
    return { rejected };
  });
}

/** Returns false when the lease no longer holds. */
async function applyCompletion(
  ctx: SqlContext,
  tx: SqlExecutor,
  item: Completion,
  now: number,
  deleteFinished: boolean,
): Promise<boolean> {
  const { t } = ctx;
  const error = 'error' in item && item.error ? JSON.stringify(item.error) : null;
  switch (item.outcome) {
    case 'finished':
      if (deleteFinished)
        return (await tx.run(`DELETE FROM ${t.jobs} WHERE id = ? AND lease = ?`, guard(ctx, item))) === 1;
      return (
        (await tx.run(
          `UPDATE ${t.jobs} SET state = 'finished', finished_at = ?, result = ?, process_id = NULL, lease = NULL
           WHERE id = ? AND lease = ?`,
          [now, item.result, ...guard(ctx, item)],
        )) === 1
      );
    case 'discarded':
      return (
        (await tx.run(
          `UPDATE ${t.jobs} SET state = 'discarded', finished_at = ?, last_error = COALESCE(?, last_error),
             process_id = NULL, lease = NULL WHERE id = ? AND lease = ?`,
          [now, error, ...guard(ctx, item)],
        )) === 1
      );
    case 'failed': {
      const place = await guardedUpdate(ctx, tx, item, `state = 'failed', last_error = ?`, [error]);
      if (!place) return false;
      await tx.run(`INSERT INTO ${t.failed} (job_id, queue, failed_at) VALUES (?, ?, ?)`, [
        ctx.d.idParam(item.jobId),
        place.queue,
        now,
      ]);
      return true;
    }
    case 'retry':
    case 'snooze': {
      const attemptsDelta = item.outcome === 'snooze' ? -1 : 0;
      if (item.runAt <= now) {
        const place = await guardedUpdate(ctx, tx, item, 'last_error = COALESCE(?, last_error)', [error]);
        if (!place) return false;
        await moveToReady(ctx, tx, [{ id: num(item.jobId), ...place }], attemptsDelta);
        return true;
      }
      const place = await guardedUpdate(
        ctx,
        tx,
        item,
        `state = 'scheduled', run_at = ?, attempts = attempts + ?, last_error = COALESCE(?, last_error)`,
        [item.runAt, attemptsDelta, error],
      );
      if (!place) return false;
      await tx.run(`INSERT INTO ${t.scheduled} (job_id, queue, priority, run_at) VALUES (?, ?, ?, ?)`, [
        ctx.d.idParam(item.jobId),
        place.queue,
        place.priority,
        item.runAt,
      ]);
      return true;
    }
  }
}

function guard(ctx: SqlContext, ref: ClaimRef): unknown[] {
  return [ctx.d.idParam(ref.jobId), ref.lease];
}

/** Ends a claim (clears process and lease) with extra assignments; returns where the job belongs, or null if fenced. */
async function guardedUpdate(
  ctx: SqlContext,
  tx: SqlExecutor,
  ref: ClaimRef,
  assignments: string,
  params: readonly unknown[],
): Promise<Guarded | null> {
  const { d, t } = ctx;
  const sql = `UPDATE ${t.jobs} SET ${assignments}, process_id = NULL, lease = NULL WHERE id = ? AND lease = ?`;
  if (d.returning) {
    const rows = await tx.all<{ queue: string; priority: unknown }>(`${sql} RETURNING queue, priority`, [
      ...params,
      ...guard(ctx, ref),
    ]);
    const row = rows[0];
    return row ? { queue: row.queue, priority: num(row.priority) } : null;
  }
  const rows = await tx.all<{ queue: string; priority: unknown }>(
    `SELECT queue, priority FROM ${t.jobs} WHERE id = ? AND lease = ? FOR UPDATE`,
    guard(ctx, ref),
  );
  const row = rows[0];
  if (!row) return null;
  await tx.run(sql, [...params, ...guard(ctx, ref)]);
  return { queue: row.queue, priority: num(row.priority) };
}

/** Graceful release: claims back to ready with the attempt given back. */
export async function releaseClaims(ctx: SqlContext, items: readonly ClaimRef[]): Promise<number> {
  if (items.length === 0) return 0;
  return ctx.driver.transaction(async (tx) => {
    const places = new Map<number, JobPlace>();
    for (const item of items) {
      const rows = await tx.all<{ queue: string; priority: unknown }>(
        `SELECT queue, priority FROM ${ctx.t.jobs} WHERE id = ? AND lease = ?${ctx.d.skipLocked ? ' FOR UPDATE' : ''}`,
        guard(ctx, item),
      );
      const row = rows[0];
      // A claim listed twice is released once.
      const id = num(item.jobId);
      if (row) places.set(id, { id, queue: row.queue, priority: num(row.priority) });
    }
    await moveToReady(ctx, tx, [...places.values()], -1);
    return places.size;
  });
}
