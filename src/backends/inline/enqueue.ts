import type { EnqueuedIds, NewJob, QueueLimits } from '../../backend/types.ts';
import { DuplicateJobError, QueueFullError } from '../../errors.ts';
import { slotsInUse, takeSlot } from './controls.ts';
import type { InlineState } from './state.ts';

type Holder = { readonly id: string } | { readonly index: number };

/**
 * Stores jobs as ready (due; or blocked, when their concurrency key has no free slot) or
 * scheduled; ids ascend in input order. Duplicates of a held unique key are not stored and get
 * the holder's id. Checks come first, so DuplicateJobError and QueueFullError store nothing.
 */
export function enqueueJobs(
  state: InlineState,
  jobs: readonly NewJob[],
  now: number,
  limits?: QueueLimits,
): EnqueuedIds {
  const duplicates = findDuplicates(state, jobs, now);
  const stored = jobs.flatMap((job, i) => (duplicates.has(i) ? [] : [job]));
  checkLimits(state, stored, limits);
  const ids = new Map<number, string>();
  jobs.forEach((job, i) => {
    if (duplicates.has(i)) return;
    const due = job.runAt === null || job.runAt <= now;
    const c = job.concurrency;
    // A job of a line heads it when the line is free, else waits behind.
    const line = job.serial ? state.line(job.serial.key) : null;
    const blocked =
      line !== null ? line.head !== null : due && c != null && slotsInUse(state, c.key, now) >= c.limit;
    state.queue(job.queue);
    const fields = {
      name: job.name,
      queue: job.queue,
      priority: job.priority,
      args: job.args,
      metadata: job.metadata,
      enqueuedAt: now,
      attempts: 0,
      runAt: due ? null : job.runAt,
      finishedAt: null,
      processId: null,
      lease: null,
      lastError: null,
      result: null,
      expiresAt: job.expiresAt ?? null,
      concurrency: job.concurrency ?? null,
      unique: job.unique ? { key: job.unique.key, states: job.unique.states } : null,
      recheckAt: blocked && c ? now + c.durationMs : null,
      serial: job.serial ?? null,
    };
    const saved = state.insert(fields, blocked ? 'blocked' : !due ? 'scheduled' : 'ready');
    if (line && !blocked) line.head = saved;
    if (due && !blocked && job.concurrency) takeSlot(state, saved, now);
    if (job.unique) state.uniques.set(job.unique.key, { jobId: saved.id, expiresAt: job.unique.expiresAt });
    ids.set(i, String(saved.id));
  });
  const result: EnqueuedIds = jobs.map((_, i) => {
    const holder = duplicates.get(i);
    if (!holder) return ids.get(i)!;
    return 'id' in holder ? holder.id : ids.get(holder.index)!;
  });
  return duplicates.size === 0
    ? result
    : Object.assign(result, { duplicates: [...duplicates.keys()].sort((a, b) => a - b) });
}

/** Jobs whose unique key is held (by a stored job whose period has not ended, or earlier in the call). */
function findDuplicates(state: InlineState, jobs: readonly NewJob[], now: number): Map<number, Holder> {
  const duplicates = new Map<number, Holder>();
  const firstWith = new Map<string, number>();
  jobs.forEach((job, i) => {
    if (!job.unique) return;
    const { key } = job.unique;
    const first = firstWith.get(key);
    const held = state.uniques.get(key);
    if (first !== undefined) duplicates.set(i, duplicates.get(first) ?? { index: first });
    else if (held && (held.expiresAt === null || held.expiresAt > now)) {
      duplicates.set(i, { id: String(held.jobId) });
      firstWith.set(key, i);
    } else firstWith.set(key, i);
  });
  for (const [i, holder] of duplicates) {
    const job = jobs[i]!;
    if (job.unique!.onConflict === 'error') {
      throw new DuplicateJobError(job.name, job.unique!.key, 'id' in holder ? holder.id : null);
    }
  }
  return duplicates;
}

/** Waiting jobs (ready, scheduled, blocked) per queue and in total must stay within the limits. */
function checkLimits(state: InlineState, jobs: readonly NewJob[], limits: QueueLimits | undefined): void {
  if (jobs.length === 0) return;
  const adding = new Map<string, number>();
  for (const job of jobs) {
    if (limits?.perQueue?.[job.queue] !== undefined) adding.set(job.queue, (adding.get(job.queue) ?? 0) + 1);
  }
  for (const [queue, n] of adding) {
    let size = state.queues.get(queue)?.ready.size ?? 0;
    for (const job of state.scheduled.values()) if (job.queue === queue) size++;
    for (const job of state.blocked.values()) if (job.queue === queue) size++;
    const limit = limits!.perQueue![queue]!;
    if (size + n > limit) throw new QueueFullError(queue, size, n, limit);
  }
  if (limits?.total !== undefined) {
    const size = state.counts.ready + state.counts.scheduled + state.counts.blocked;
    if (size + jobs.length > limits.total) throw new QueueFullError(null, size, jobs.length, limits.total);
  }
}
