import type { ClaimRef, ExpiredJob } from '../../backend/types.ts';
import { KeyLocks, releaseSlots } from './concurrency.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { recordEnded } from './ended.ts';
import { num, toExpiredJob } from './rows.ts';
import { leaveLines, lockLines } from './serial.ts';
import { type JobPlace, PLACE_COLUMNS, toPlace } from './transitions.ts';
import { releaseUniqueKeys } from './unique.ts';

/** What a job's row becomes when it expires: ended, its expiry cleared (so the sweep skips it). */
const EXPIRED = `state = 'expired', finished_at = ?, expires_at = NULL`;

/** What an expiring UPDATE returns: where each job was (PLACE_COLUMNS), and what announcing it needs. */
const EXPIRED_RETURNING = `${PLACE_COLUMNS}, name, args, metadata, attempts`;

/** A job just expired: its place (to release its slot, key and line) and the job itself. */
export type ExpiredPlace = JobPlace & { readonly job: ExpiredJob };

type Row = { id: unknown; queue: string; priority: unknown } & Record<string, unknown>;

function toExpiredPlace(row: Row): ExpiredPlace {
  return { ...toPlace(row), job: toExpiredJob(row) };
}

/**
 * Moves up to `limit` waiting jobs (ready, scheduled, blocked) past their expiry to expired,
 * earliest first, releasing their slots, unique keys and lines. Each is taken by deleting its
 * state row, so a job claimed meanwhile is left alone. Returns the jobs expired.
 */
export async function expireWaiting(ctx: SqlContext, now: number, limit: number): Promise<ExpiredJob[]> {
  const { driver, t } = ctx;
  if (limit <= 0) return [];
  // Read first without locks: the keys to lock come before the rows, as everywhere else.
  const due = await driver.all<{
    id: unknown;
    priority: unknown;
    concurrency_key: string | null;
    serial_key: string | null;
  }>(
    `SELECT id, priority, concurrency_key, serial_key FROM ${t.jobs}
      WHERE expires_at <= ? AND state IN ('ready', 'scheduled', 'blocked') ORDER BY expires_at LIMIT ?`,
    [now, limit],
  );
  if (due.length === 0) return [];
  return driver.transaction(async (tx) => {
    const locks = new KeyLocks(ctx, tx, now);
    await locks.lock(due.flatMap((row) => row.concurrency_key ?? []));
    // A line's waiting rows change only under its lock.
    const lines = due.flatMap((row) => row.serial_key ?? []);
    await lockLines(ctx, tx, lines, now);
    const jobs = due.map((row) => ({ id: num(row.id), priority: num(row.priority) }));
    const tables = [t.ready, t.scheduled, t.blocked, ...(lines.length > 0 ? [t.serialWaiting] : [])];
    const taken = (await Promise.all(tables.map((table) => takeStateRows(ctx, tx, table, jobs)))).flat();
    if (taken.length === 0) return [];
    const places = (
      await tx.all<Row>(
        `UPDATE ${t.jobs} SET ${EXPIRED} WHERE ${ctx.d.inList('id', 'bigint')} RETURNING ${EXPIRED_RETURNING}`,
        [now, ctx.d.listParam(taken, 'bigint')],
      )
    ).map(toExpiredPlace);
    await recordEnded(
      ctx,
      tx,
      places.map((place) => place.id),
      now,
    );
    await releaseSlots(ctx, tx, locks, places, now);
    await releaseUniqueKeys(ctx, tx, places, 'expired');
    await leaveLines(ctx, tx, places, now);
    return places.map((place) => place.job);
  });
}

/**
 * Deletes these jobs' rows from a state table; returns the ids it took (a concurrent claim takes
 * each at most once with it). `ready` is found by (priority, job_id), the order claims walk it
 * in: on PostgreSQL that is its primary key, and it has no index on job_id alone.
 */
export async function takeStateRows(
  ctx: SqlContext,
  tx: SqlExecutor,
  table: string,
  jobs: readonly { readonly id: number; readonly priority: number }[],
): Promise<number[]> {
  const { d, t } = ctx;
  if (jobs.length === 0) return [];
  let rows: { job_id: unknown }[];
  if (table === t.ready) {
    const source = d.rowSource(['bigint', 'bigint']);
    rows = await tx.all(
      `DELETE FROM ${table} WHERE (priority, job_id) IN (SELECT c0, c1 FROM ${source.sql} AS src) RETURNING job_id`,
      source.params(jobs.map((job) => [job.priority, job.id])),
    );
  } else {
    rows = await tx.all(`DELETE FROM ${table} WHERE ${d.inList('job_id', 'bigint')} RETURNING job_id`, [
      d.listParam(
        jobs.map((job) => job.id),
        'bigint',
      ),
    ]);
  }
  return rows.map((row) => num(row.job_id));
}

/**
 * Ends claims of jobs that reached their expiry before they started (found so by the claim,
 * or by the worker about to run them): they never run, and the attempt the claim counted is
 * given back. Guarded by the lease like any transition of a claim. Returns the jobs changed
 * (their attempts as stored: without the claim's).
 */
export async function expireClaims(
  ctx: SqlContext,
  tx: SqlExecutor,
  locks: KeyLocks,
  claims: readonly ClaimRef[],
  now: number,
): Promise<ExpiredPlace[]> {
  if (claims.length === 0) return [];
  const { d, t } = ctx;
  const src = d.rowSource(['bigint', 'text']);
  const places = (
    await tx.all<Row>(
      `UPDATE ${t.jobs} SET ${EXPIRED}, attempts = attempts - 1, lease = NULL
        FROM ${src.sql} AS src WHERE id = src.c0 AND lease = src.c1 RETURNING ${EXPIRED_RETURNING}`,
      [now, ...src.params(claims.map((c) => [d.idParam(c.jobId), c.lease]))],
    )
  ).map(toExpiredPlace);
  await recordEnded(
    ctx,
    tx,
    places.map((place) => place.id),
    now,
  );
  await releaseSlots(ctx, tx, locks, places, now);
  await releaseUniqueKeys(ctx, tx, places, 'expired');
  return places;
}
