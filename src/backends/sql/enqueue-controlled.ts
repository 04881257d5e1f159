import type { ConcurrencyControl, EnqueuedIds, NewJob, QueueLimits } from '../../backend/types.ts';
import { grantSlots, insertBlocked, insertSlots, KeyLocks } from './concurrency.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import type { EnqueueJobsOptions } from './enqueue.ts';
import { CONTROL_COLUMNS, JOB_COLUMNS, registerQueues } from './job-rows.ts';
import { checkQueueLimits, hasQueueLimits, queueLimitKeys } from './queue-limits.ts';
import { insertWaiting, lockLines, setHeads } from './serial.ts';
import { insertReady, insertScheduled, type JobPlace } from './transitions.ts';
import { linkUniqueKeys, takeUniqueKeys } from './unique.ts';
import { insertReturningIds } from './values.ts';

/** Whether any job uses a control, or a size limit applies: then enqueue takes the controlled path. */
export function needsControls(jobs: readonly NewJob[], limits: QueueLimits | undefined): boolean {
  return (
    hasQueueLimits(limits) ||
    jobs.some((job) => job.concurrency || job.unique || job.expiresAt != null || job.serial)
  );
}

type StoredState = 'ready' | 'scheduled' | 'blocked';

/**
 * Enqueues jobs with controls in one transaction, in this order: lock the semaphores of their
 * concurrency keys and limited queues; take the unique keys (duplicates are not stored); check
 * the queue sizes; grant slots (the rest are blocked); lock the serialized lines (a job heads a
 * free line, the others wait behind); then write every row. A DuplicateJobError
 * or QueueFullError rolls the whole call back.
 */
export async function enqueueControlled(
  ctx: SqlContext,
  jobs: readonly NewJob[],
  now: number,
  { limits, into, taskId }: EnqueueJobsOptions,
): Promise<EnqueuedIds> {
  const due = jobs.map((job) => job.runAt === null || job.runAt <= now);
  const run = async (tx: SqlExecutor): Promise<EnqueuedIds> => {
    const locks = new KeyLocks(ctx, tx, now);
    const keyOf = (i: number) => (due[i] ? jobs[i]!.concurrency?.key : undefined);
    await locks.lock([
      ...jobs.flatMap((_, i) => keyOf(i) ?? []),
      ...queueLimitKeys(
        jobs.map((job) => job.queue),
        limits,
      ),
    ]);
    const duplicates = await takeUniqueKeys(ctx, tx, jobs, now);
    const stored = jobs.flatMap((_, i) => (duplicates.has(i) ? [] : [i]));
    await checkQueueLimits(
      ctx,
      tx,
      stored.map((i) => jobs[i]!.queue),
      limits,
    );
    const asking = stored.filter((i) => keyOf(i) !== undefined);
    const granted = await grantSlots(
      ctx,
      tx,
      locks,
      asking.map((i) => jobs[i]!.concurrency!),
      now,
    );
    const blocked = new Set(asking.filter((_, n) => !granted[n]));
    const heading = await lineHeads(ctx, tx, jobs, stored, now);
    for (const i of stored) if (jobs[i]!.serial && !heading.has(i)) blocked.add(i);
    const stateOf = (i: number): StoredState =>
      blocked.has(i) ? 'blocked' : !due[i] ? 'scheduled' : 'ready';
    const ids = await insertReturningIds(
      ctx,
      tx,
      ctx.t.jobs,
      [...JOB_COLUMNS, ...CONTROL_COLUMNS],
      stored.map((i) => jobRow(jobs[i]!, stateOf(i), now, taskId ?? null)),
    );
    const idOf = new Map(stored.map((i, n) => [i, ids[n]!]));
    await writeStateRows(ctx, tx, jobs, stored, idOf, stateOf, now);
    await setHeads(
      ctx,
      tx,
      [...heading].map((i) => [jobs[i]!.serial!.key, idOf.get(i)!] as const),
    );
    await linkUniqueKeys(
      ctx,
      tx,
      stored.flatMap((i) => (jobs[i]!.unique ? [[jobs[i]!.unique!.key, idOf.get(i)!] as const] : [])),
    );
    await registerQueues(
      ctx,
      tx,
      stored.map((i) => jobs[i]!.queue),
      now,
    );
    const result: EnqueuedIds = jobs.map((_, i) => {
      const holder = duplicates.get(i);
      if (!holder) return String(idOf.get(i));
      return 'id' in holder ? holder.id : String(idOf.get(holder.index));
    });
    return duplicates.size === 0
      ? result
      : Object.assign(result, { duplicates: [...duplicates.keys()].sort((a, b) => a - b) });
  };
  return into ? run(into) : ctx.driver.transaction(run);
}

/**
 * Locks the lines of the stored jobs and returns the indexes of those that head a line: the
 * first of the call in each free line. The others wait behind.
 */
async function lineHeads(
  ctx: SqlContext,
  tx: SqlExecutor,
  jobs: readonly NewJob[],
  stored: readonly number[],
  now: number,
): Promise<Set<number>> {
  const inLine = stored.filter((i) => jobs[i]!.serial);
  const heads = await lockLines(
    ctx,
    tx,
    inLine.map((i) => jobs[i]!.serial!.key),
    now,
  );
  const heading = new Set<number>();
  for (const i of inLine) {
    const key = jobs[i]!.serial!.key;
    if (heads.get(key) !== null) continue;
    heads.set(key, -1); // taken by this job
    heading.add(i);
  }
  return heading;
}

function jobRow(job: NewJob, state: StoredState, now: number, taskId: string | null): unknown[] {
  const c = job.concurrency;
  return [
    job.name,
    job.queue,
    job.priority,
    job.args,
    job.metadata,
    state,
    0,
    now,
    // A job waiting in a line keeps its run time for when it heads the line.
    state === 'scheduled' || job.serial ? job.runAt : null,
    job.expiresAt ?? null,
    c?.key ?? null,
    c?.limit ?? null,
    c?.durationMs ?? null,
    job.unique?.key ?? null,
    job.unique ? job.unique.states.join(',') : null,
    job.serial?.key ?? null,
    job.serial?.onError ?? null,
    taskId,
  ];
}

/** The ready (with slot), blocked and scheduled rows of the stored jobs. */
async function writeStateRows(
  ctx: SqlContext,
  tx: SqlExecutor,
  jobs: readonly NewJob[],
  stored: readonly number[],
  idOf: ReadonlyMap<number, number>,
  stateOf: (i: number) => StoredState,
  now: number,
): Promise<void> {
  const place = (i: number): JobPlace => ({
    id: idOf.get(i)!,
    queue: jobs[i]!.queue,
    priority: jobs[i]!.priority,
  });
  const keyed = (i: number) => ({ ...place(i), concurrency: jobs[i]!.concurrency as ConcurrencyControl });
  const inState = (state: StoredState) => stored.filter((i) => stateOf(i) === state);
  const ready = inState('ready');
  const blocked = inState('blocked');
  await insertSlots(ctx, tx, ready.filter((i) => jobs[i]!.concurrency).map(keyed), now);
  await insertBlocked(ctx, tx, blocked.filter((i) => !jobs[i]!.serial).map(keyed), now);
  await insertWaiting(
    ctx,
    tx,
    blocked.filter((i) => jobs[i]!.serial).map((i) => ({ ...place(i), serial: jobs[i]!.serial! })),
  );
  await insertScheduled(
    ctx,
    tx,
    inState('scheduled').map((i) => ({ ...place(i), runAt: jobs[i]!.runAt! })),
  );
  await insertReady(ctx, tx, ready.map(place));
}
