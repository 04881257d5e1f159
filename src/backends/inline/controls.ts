import type { ExpiredJob, JobState } from '../../backend/types.ts';
import { type InlineState, type Line, type StoredJob, toExpiredJob } from './state.ts';

/**
 * Concurrency slots and unique keys in memory, with the SQL backend's rules: a key's slots in
 * use are its unexpired ones; a job keeps a live slot when its claim is given back; a job that
 * ends releases only its own slot and unique key.
 */

export function slotsInUse(state: InlineState, key: string, now: number): number {
  let live = 0;
  for (const id of state.slotsByKey.get(key) ?? []) if (state.slots.get(id)!.expiresAt > now) live++;
  return live;
}

export function takeSlot(state: InlineState, job: StoredJob, now: number): void {
  const { key, durationMs } = job.concurrency!;
  state.setSlot(job.id, { key, expiresAt: now + durationMs });
}

/**
 * Makes a job (out of every heap) claimable: without a concurrency key, or holding a live
 * slot, it goes to ready; otherwise it takes a free slot of its key or is blocked.
 */
export function readyOrBlocked(state: InlineState, job: StoredJob, now: number): void {
  const c = job.concurrency;
  const holdsLiveSlot = (state.slots.get(job.id)?.expiresAt ?? now) > now;
  if (c && !holdsLiveSlot) {
    if (slotsInUse(state, c.key, now) >= c.limit) {
      job.recheckAt = now + c.durationMs;
      state.enter(job, 'blocked');
      return;
    }
    takeSlot(state, job, now);
  }
  state.enter(job, 'ready');
}

/**
 * Puts a job (no longer claimed, failed or scheduled) back to ready, or blocked (see
 * readyOrBlocked); `attemptsDelta` is -1 when the attempt is given back.
 */
export function moveToReady(state: InlineState, job: StoredJob, attemptsDelta: number, now: number): void {
  job.processId = null;
  job.lease = null;
  job.runAt = null;
  job.finishedAt = null;
  job.attempts += attemptsDelta;
  readyOrBlocked(state, job, now);
}

/** Frees the job's own slot, then unblocks the next jobs of its key as far as the limit allows. */
export function releaseSlot(state: InlineState, job: StoredJob, now: number): void {
  if (job.concurrency && state.deleteSlot(job.id)) unblock(state, job.concurrency.key, now);
}

/** Moves blocked jobs of `key` to ready by priority, then FIFO, each taking a slot, while there is room. */
export function unblock(state: InlineState, key: string, now: number): number {
  const heap = state.blockedByKey.get(key);
  let inUse = slotsInUse(state, key, now);
  let moved = 0;
  for (let next = heap?.peek(); next && inUse < next.concurrency!.limit; next = heap!.peek()) {
    heap!.pop();
    next.recheckAt = null;
    takeSlot(state, next, now);
    state.enter(next, 'ready');
    inUse++;
    moved++;
  }
  if (heap?.size === 0) state.blockedByKey.delete(key);
  return moved;
}

/** Releases the job's unique key when `state` (which it just entered) is not one it covers. */
export function releaseUniqueKey(state: InlineState, job: StoredJob, entered: JobState): void {
  if (!job.unique || job.unique.states.includes(entered)) return;
  if (state.uniques.get(job.unique.key)?.jobId === job.id) state.uniques.delete(job.unique.key);
}

/**
 * A job ends in `end` (finished, failed, discarded, expired, errored): its slot, key and expiry
 * go, and the line it headed goes on, unless it errored in a 'stop' line (then the jobs behind
 * it wait).
 */
export function endJob(state: InlineState, job: StoredJob, end: JobState, now: number): void {
  job.expiresAt = null;
  state.expiring.delete(job);
  state.enter(job, end);
  releaseSlot(state, job, now);
  releaseUniqueKey(state, job, end);
  if (!(end === 'errored' && job.serial?.onError === 'stop')) leaveLine(state, job, now);
}

/** A job not started by its expiry ends as expired (never run); returns it as announced. */
export function expireJob(state: InlineState, job: StoredJob, now: number): ExpiredJob {
  job.finishedAt = now;
  endJob(state, job, 'expired', now);
  return toExpiredJob(job);
}

/** A job of a line ended or was set aside: if it headed the line, the next job heads it. */
export function leaveLine(state: InlineState, job: StoredJob, now: number): void {
  const line = job.serial && state.lines.get(job.serial.key);
  if (line && line.head === job) advanceLine(state, job.serial!.key, line, now);
}

/** The lowest waiting id heads the line (ready, or scheduled when due later); an empty line goes. */
export function advanceLine(state: InlineState, key: string, line: Line, now: number): void {
  const next = line.waiting.pop();
  line.head = next ?? null;
  if (!next) state.lines.delete(key);
  else state.enter(next, next.runAt !== null && next.runAt > now ? 'scheduled' : 'ready');
}

/**
 * Concurrency maintenance: drops slots held past their duration, then unblocks the keys of
 * those slots and of jobs blocked longer than their duration. Returns the jobs unblocked.
 */
export function unblockExpired(state: InlineState, now: number): number {
  const keys = new Set<string>();
  for (const [id, slot] of [...state.slots]) {
    if (slot.expiresAt <= now) {
      state.deleteSlot(id);
      keys.add(slot.key);
    }
  }
  for (const job of state.blocked.values()) {
    if (job.concurrency && job.recheckAt! <= now) keys.add(job.concurrency.key);
  }
  let unblocked = 0;
  for (const key of [...keys].sort()) unblocked += unblock(state, key, now);
  return unblocked;
}

/** Moves up to `limit` waiting jobs past their expiry to expired, earliest first; returns them. */
export function expireWaiting(state: InlineState, now: number, limit: number): ExpiredJob[] {
  const waiting: StoredJob[] = [];
  for (const job of state.expiring) {
    const isWaiting = job.state === 'ready' || job.state === 'scheduled' || job.state === 'blocked';
    if (isWaiting && job.expiresAt! <= now) waiting.push(job);
  }
  const due = waiting.sort((a, b) => a.expiresAt! - b.expiresAt! || a.id - b.id).slice(0, Math.max(0, limit));
  return due.map((job) => {
    if (job.state === 'ready') state.queue(job.queue).ready.remove(job);
    else if (job.state === 'scheduled') state.scheduled.remove(job);
    else if (job.serial) state.line(job.serial.key).waiting.remove(job);
    else state.blockedOn(job.concurrency!.key).remove(job);
    return expireJob(state, job, now);
  });
}
