import { readyOrBlocked } from './controls.ts';
import type { InlineState } from './state.ts';

/**
 * Moves up to `limit` due scheduled jobs to ready (or blocked), earliest first; run_at is
 * kept, as in SQL.
 */
export function promoteScheduled(state: InlineState, now: number, limit: number): number {
  let promoted = 0;
  while (promoted < limit) {
    const next = state.scheduled.peek();
    if (!next || next.runAt! > now) break;
    state.scheduled.pop();
    readyOrBlocked(state, next, now);
    promoted++;
  }
  return promoted;
}

const ENDED = new Set(['finished', 'discarded', 'expired']);

/**
 * Deletes finished, discarded and expired jobs that ended before `before`, at most `limit` of
 * them, with the unique keys they still held; and keys whose period ended before `before`.
 */
export function clearFinished(state: InlineState, before: number, limit: number): number {
  if (limit <= 0) return 0;
  for (const [key, held] of state.uniques) {
    if (held.expiresAt !== null && held.expiresAt < before) state.uniques.delete(key);
  }
  const ended = [];
  for (const job of state.jobs.values()) {
    if (ENDED.has(job.state) && job.finishedAt! < before) {
      ended.push(job);
      if (ended.length >= limit) break;
    }
  }
  for (const job of ended) {
    if (job.unique && state.uniques.get(job.unique.key)?.jobId === job.id)
      state.uniques.delete(job.unique.key);
    state.delete(job);
  }
  return ended.length;
}
