import type { InlineState } from './state.ts';

/** Moves up to `limit` due scheduled jobs to ready, earliest first; run_at is kept, as in SQL. */
export function promoteScheduled(state: InlineState, now: number, limit: number): number {
  let promoted = 0;
  while (promoted < limit) {
    const next = state.scheduled.peek();
    if (!next || next.runAt! > now) break;
    state.scheduled.pop();
    state.enter(next, 'ready');
    promoted++;
  }
  return promoted;
}

/** Deletes finished and discarded jobs that ended before `before`, at most `limit` of them. */
export function clearFinished(state: InlineState, before: number, limit: number): number {
  if (limit <= 0) return 0;
  const ended = [];
  for (const job of state.jobs.values()) {
    if ((job.state === 'finished' || job.state === 'discarded') && job.finishedAt! < before) {
      ended.push(job);
      if (ended.length >= limit) break;
    }
  }
  for (const job of ended) state.delete(job);
  return ended.length;
}
