import type { EnqueuedIds, NewJob, QueueLimits } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { ColumnType } from './dialect.ts';
import type { SqlExecutor } from './driver.ts';
import { enqueueControlled, needsControls } from './enqueue-controlled.ts';
import { JOB_COLUMNS, registerQueues } from './job-rows.ts';
import { num } from './rows.ts';
import { insertReady, insertScheduled, type JobPlace } from './transitions.ts';
import { insertReturningIds, sourceChunks } from './values.ts';

export interface EnqueueJobsOptions {
  /** The caller's transaction: the statements run there, one after the other. */
  readonly into?: SqlExecutor | undefined;
  readonly limits?: QueueLimits | undefined;
  /** The task these jobs execute (tasks.ts): stored with each job as it is inserted. */
  readonly taskId?: string | undefined;
}

/**
 * Inserts every job, its ready or scheduled row and its queue, all visible at once (with `into`,
 * when the caller commits). Jobs with controls (concurrency, unique, expiry) or size limits
 * take the controlled path; plain ones keep the few statements below.
 */
export async function enqueueJobs(
  ctx: SqlContext,
  jobs: readonly NewJob[],
  now: number,
  options: EnqueueJobsOptions = {},
): Promise<EnqueuedIds> {
  if (jobs.length === 0) return [];
  const ids = await enqueueUncounted(ctx, jobs, now, options);
  ctx.jobsStored?.(jobs.length);
  return ids;
}

/** Stores the jobs: the controlled path, or the few statements of plain jobs. */
async function enqueueUncounted(
  ctx: SqlContext,
  jobs: readonly NewJob[],
  now: number,
  options: EnqueueJobsOptions,
): Promise<EnqueuedIds> {
  const { into, limits, taskId } = options;
  if (taskId !== undefined || needsControls(jobs, limits)) {
    return enqueueControlled(ctx, jobs, now, options);
  }
  const ids = ctx.d.dataModifyingCte
    ? await insertWithStateRows(ctx, jobs, now, into)
    : await insertThenStateRows(ctx, jobs, now, into);
  return ids.map(String);
}

/**
 * The columns a plain job's row sends, in this order; the statement adds the state (scheduled
 * where run_at is set), no attempts and the enqueue time, the same for every row.
 */
const PLAIN_ROW: readonly ColumnType[] = ['text', 'text', 'bigint', 'text', 'text', 'bigint'];

function plainRow(job: NewJob, due: boolean): unknown[] {
  return [job.name, job.queue, job.priority, job.args, job.metadata, due ? null : job.runAt];
}

/** One statement per chunk: the jobs rows feed their ready, scheduled and queue rows. */
async function insertWithStateRows(
  ctx: SqlContext,
  jobs: readonly NewJob[],
  now: number,
  into: SqlExecutor | undefined,
): Promise<number[]> {
  const chunks = sourceChunks(jobs);
  const run = async (exec: SqlExecutor, together: boolean) => {
    // Sent together: where the driver pipelines, the database stores one chunk while the next
    // is still on its way. A caller's connection gets them one by one.
    if (together)
      return (await Promise.all(chunks.map((chunk) => insertPlainChunk(ctx, exec, chunk, now)))).flat();
    const ids: number[] = [];
    for (const chunk of chunks) ids.push(...(await insertPlainChunk(ctx, exec, chunk, now)));
    return ids;
  };
  if (into) return run(into, false);
  // One chunk is one statement, atomic on its own: no transaction round trips.
  return chunks.length === 1 ? run(ctx.driver, true) : ctx.driver.transaction((tx) => run(tx, true));
}

/**
 * Inserts plain jobs (at most a source chunk of them) with one statement: their jobs rows,
 * their ready or scheduled rows, their queues, and the wake-up for the queues with ready jobs
 * (delivered when the statement's or the caller's transaction commits). Returns their ids in
 * input order.
 */
export async function insertPlainChunk(
  ctx: SqlContext,
  exec: SqlExecutor,
  jobs: readonly NewJob[],
  now: number,
): Promise<number[]> {
  const { d, t } = ctx;
  const source = d.rowSource(PLAIN_ROW);
  const due = jobs.map((job) => job.runAt === null || job.runAt <= now);
  const readyQueues = jobs.filter((_, i) => due[i]).map((job) => job.queue);
  const notice = readyQueues.length > 0 ? d.readyNotice?.([...new Set(readyQueues)]) : undefined;
  const sql = `WITH j AS (INSERT INTO ${t.jobs} (name, queue, priority, args, metadata, run_at, state, attempts, enqueued_at)
      SELECT c0, c1, c2, c3, c4, c5, CASE WHEN c5 IS NULL THEN 'ready' ELSE 'scheduled' END, 0, ?
      FROM ${source.sql} AS src RETURNING id, queue, priority, state, run_at),
    r AS (INSERT INTO ${t.ready} (job_id, queue, priority) SELECT id, queue, priority FROM j WHERE state = 'ready'),
    s AS (INSERT INTO ${t.scheduled} (job_id, queue, priority, run_at)
      SELECT id, queue, priority, run_at FROM j WHERE state = 'scheduled'),
    q AS (${d.insertIgnore(t.queues, 'name, created_at', 'SELECT queue, ? FROM j GROUP BY queue')})${
      notice
        ? `,
    n AS (${notice.sql})`
        : ''
    }
    SELECT id FROM j${notice ? ', n' : ''}`;
  const rows = await exec.all<{ id: unknown }>(sql, [
    now,
    ...source.params(jobs.map((job, i) => plainRow(job, due[i]!))),
    now,
    ...(notice?.params ?? []),
  ]);
  // One statement hands out ids in row order, so sorting restores it.
  return rows.map((r) => num(r.id)).sort((a, b) => a - b);
}

/** The jobs rows first (their ids come back), then the state and queue rows, in one transaction. */
function insertThenStateRows(
  ctx: SqlContext,
  jobs: readonly NewJob[],
  now: number,
  into: SqlExecutor | undefined,
): Promise<number[]> {
  const { driver, t } = ctx;
  const due = jobs.map((job) => job.runAt === null || job.runAt <= now);
  const jobRows = jobs.map((job, i) => [
    job.name,
    job.queue,
    job.priority,
    job.args,
    job.metadata,
    due[i] ? 'ready' : 'scheduled',
    0,
    now,
    due[i] ? null : job.runAt,
  ]);
  const inTransaction = <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
    into ? fn(into) : driver.transaction(fn);
  return inTransaction(async (tx) => {
    const ids = await insertReturningIds(ctx, tx, t.jobs, JOB_COLUMNS, jobRows);
    const ready: JobPlace[] = [];
    const scheduled: (JobPlace & { runAt: number })[] = [];
    jobs.forEach((job, i) => {
      const place = { id: ids[i]!, queue: job.queue, priority: job.priority };
      if (due[i]) ready.push(place);
      else scheduled.push({ ...place, runAt: job.runAt! });
    });
    await insertReady(ctx, tx, ready);
    await insertScheduled(ctx, tx, scheduled);
    await registerQueues(
      ctx,
      tx,
      jobs.map((job) => job.queue),
      now,
    );
    return ids;
  });
}
