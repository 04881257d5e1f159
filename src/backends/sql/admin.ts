import {
  type FailedSelector,
  JOB_STATES,
  type JobFilter,
  type JobRecord,
  type JobState,
  MAX_PAGE,
  type QueueInfo,
} from '../../backend/types.ts';
import { heldUnder } from './claim-rows.ts';
import { KeyLocks } from './concurrency.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { recordEnded } from './ended.ts';
import { moveToReady } from './make-ready.ts';
import { jobColumns, num, numOrNull, toJobRecord } from './rows.ts';
import { announceReady, PLACE_COLUMNS, takeRows, toPlace } from './transitions.ts';
import { releaseUniqueKeys } from './unique.ts';

export async function pauseQueue({ driver, d, t }: SqlContext, queue: string, now: number): Promise<void> {
  await driver.transaction(async (tx) => {
    await tx.run(d.insertIgnore(t.queues, 'name, created_at', 'SELECT ?, ? WHERE true'), [queue, now]);
    await tx.run(`UPDATE ${t.queues} SET paused_at = ? WHERE name = ? AND paused_at IS NULL`, [now, queue]);
  });
}

export async function resumeQueue(ctx: SqlContext, queue: string): Promise<void> {
  await ctx.driver.transaction(async (tx) => {
    await tx.run(`UPDATE ${ctx.t.queues} SET paused_at = NULL WHERE name = ?`, [queue]);
    // Its ready jobs are claimable again: wake the workers that take it.
    await announceReady(ctx, tx, [queue]);
  });
}

export async function listQueues(ctx: SqlContext): Promise<QueueInfo[]> {
  const { driver, t } = ctx;
  const queues = await driver.all<{ name: string; paused_at: unknown }>(
    `SELECT name, paused_at FROM ${t.queues} ORDER BY name`,
  );
  const ready = await driver.all<{ queue: string; n: unknown; oldest: unknown }>(
    `SELECT r.queue, COUNT(*) AS n, MIN(COALESCE(j.run_at, j.enqueued_at)) AS oldest
       FROM ${t.ready} r JOIN ${t.jobs} j ON j.id = r.job_id GROUP BY r.queue`,
  );
  const counts = async (sql: string) =>
    new Map((await driver.all<{ queue: string; n: unknown }>(sql)).map((r) => [r.queue, num(r.n)]));
  const scheduled = await counts(`SELECT queue, COUNT(*) AS n FROM ${t.scheduled} GROUP BY queue`);
  const failed = await counts(`SELECT queue, COUNT(*) AS n FROM ${t.failed} GROUP BY queue`);
  const blocked = await counts(`SELECT queue, COUNT(*) AS n FROM ${t.blocked} GROUP BY queue`);
  const waiting = await counts(`SELECT queue, COUNT(*) AS n FROM ${t.serialWaiting} GROUP BY queue`);
  // A queue's own line is keyed by its name: errored there under 'stop', the queue is stopped.
  const errored = await driver.all<{ queue: string; n: unknown; stopped: unknown }>(
    `SELECT j.queue, COUNT(*) AS n,
       MAX(CASE WHEN j.serial_key = j.queue AND j.serial_on_error = 'stop' THEN 1 ELSE 0 END) AS stopped
     FROM ${t.errored} e JOIN ${t.jobs} j ON j.id = e.job_id GROUP BY j.queue`,
  );
  const erroredBy = new Map(errored.map((r) => [r.queue, r]));
  const claimed = new Map<string, number>();
  const held = await heldUnder<{ queue: string }>(ctx, driver, { sql: '', params: [] }, 'queue', false);
  for (const { queue } of held.rows) claimed.set(queue, (claimed.get(queue) ?? 0) + 1);
  const readyBy = new Map(ready.map((r) => [r.queue, r]));
  return queues.map((q) => ({
    name: q.name,
    paused: q.paused_at !== null,
    ready: num(readyBy.get(q.name)?.n ?? 0),
    scheduled: scheduled.get(q.name) ?? 0,
    blocked: (blocked.get(q.name) ?? 0) + (waiting.get(q.name) ?? 0),
    claimed: claimed.get(q.name) ?? 0,
    failed: failed.get(q.name) ?? 0,
    errored: num(erroredBy.get(q.name)?.n ?? 0),
    stopped: num(erroredBy.get(q.name)?.stopped ?? 0) === 1,
    oldestReadyAt: numOrNull(readyBy.get(q.name)?.oldest),
  }));
}

export async function getJob({ driver, d, t }: SqlContext, id: string): Promise<JobRecord | null> {
  const rows = await driver.all<Record<string, unknown>>(
    `SELECT ${jobColumns(t)} FROM ${t.jobs} WHERE id = ?`,
    [d.idParam(id)],
  );
  return rows[0] ? toJobRecord(rows[0]) : null;
}

export async function listJobs({ driver, d, t }: SqlContext, filter: JobFilter): Promise<JobRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.state) {
    where.push('state = ?');
    params.push(filter.state);
  }
  if (filter.queue) {
    where.push('queue = ?');
    params.push(filter.queue);
  }
  if (filter.name) {
    where.push('name = ?');
    params.push(filter.name);
  }
  if (filter.ids) {
    where.push(d.inList('id', 'bigint'));
    params.push(d.listParam(filter.ids.map(Number), 'bigint'));
  }
  if (filter.beforeId) {
    where.push('id < ?');
    params.push(d.idParam(filter.beforeId));
  }
  const limit = Math.max(1, Math.min(filter.limit ?? 100, MAX_PAGE));
  const rows = await driver.all<Record<string, unknown>>(
    `SELECT ${jobColumns(t)} FROM ${t.jobs}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
    [...params, limit],
  );
  return rows.map(toJobRecord);
}

export async function countJobs({ driver, t }: SqlContext): Promise<Record<JobState, number>> {
  const rows = await driver.all<{ state: JobState; n: unknown }>(
    `SELECT state, COUNT(*) AS n FROM ${t.jobs} GROUP BY state`,
  );
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  for (const row of rows) counts[row.state] = num(row.n);
  return counts;
}

const BATCH = 500;

/**
 * Failed jobs back to ready, in batches (a job with a concurrency key takes a slot like a new
 * one, or is blocked); returns how many.
 */
export async function retryFailed(ctx: SqlContext, select: FailedSelector, now: number): Promise<number> {
  return inFailedBatches(ctx, select, async (tx, rows) => {
    const places = await jobPlaces(
      ctx,
      tx,
      rows.map((r) => r.id),
    );
    await moveToReady(ctx, tx, new KeyLocks(ctx, tx, now), places, 0, now);
  });
}

/** Failed jobs to discarded (kept for the retention time), in batches; returns how many. */
export async function discardFailed(ctx: SqlContext, select: FailedSelector, now: number): Promise<number> {
  return inFailedBatches(ctx, select, async (tx, rows) => {
    const places = await tx.all<{ id: unknown; queue: string; priority: unknown }>(
      `UPDATE ${ctx.t.jobs} SET state = 'discarded', finished_at = ? WHERE ${ctx.d.inList('id', 'bigint')}
        RETURNING ${PLACE_COLUMNS}`,
      [
        now,
        ctx.d.listParam(
          rows.map((r) => r.id),
          'bigint',
        ),
      ],
    );
    await recordEnded(
      ctx,
      tx,
      places.map((place) => num(place.id)),
      now,
    );
    await releaseUniqueKeys(ctx, tx, places.map(toPlace), 'discarded');
  });
}

async function jobPlaces(ctx: SqlContext, tx: SqlExecutor, ids: readonly number[]) {
  const rows = await tx.all<{ id: unknown; queue: string; priority: unknown }>(
    `SELECT ${PLACE_COLUMNS} FROM ${ctx.t.jobs} WHERE ${ctx.d.inList('id', 'bigint')}`,
    [ctx.d.listParam(ids, 'bigint')],
  );
  return rows.map(toPlace);
}

/**
 * The conditions choosing a selector's jobs (by `idColumn`, or queue), or null when it chooses
 * none (no ids, queue or `all`).
 */
export function selectorWhere(
  { d }: SqlContext,
  select: FailedSelector,
  idColumn: string,
): { where: string[]; params: unknown[] } | null {
  if (!select.ids && !select.queue && !select.all) return null;
  const where: string[] = [];
  const params: unknown[] = [];
  if (select.ids) {
    where.push(d.inList(idColumn, 'bigint'));
    params.push(d.listParam(select.ids.map(Number), 'bigint'));
  }
  if (select.queue) {
    where.push('queue = ?');
    params.push(select.queue);
  }
  return { where, params };
}

/** Takes selected rows out of the failed table batch by batch and hands each batch to `apply`. */
async function inFailedBatches(
  ctx: SqlContext,
  select: FailedSelector,
  apply: (tx: SqlExecutor, rows: { id: number }[]) => Promise<void>,
): Promise<number> {
  const { driver, t } = ctx;
  const selected = selectorWhere(ctx, select, 'job_id');
  if (!selected) return 0;
  const { where, params } = selected;
  let total = 0;
  for (;;) {
    const done = await driver.transaction(async (tx) => {
      const rows = (
        await takeRows<{ job_id: unknown }>(ctx, tx, {
          table: t.failed,
          columns: 'job_id',
          where: where.join(' AND '),
          params,
          order: 'job_id',
          limit: BATCH,
        })
      ).map((r) => ({ id: num(r.job_id) }));
      if (rows.length === 0) return 0;
      await apply(tx, rows);
      return rows.length;
    });
    total += done;
    if (done < BATCH) return total;
  }
}
