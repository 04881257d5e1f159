import type { ErroredSelector } from '../../backend/types.ts';
import { selectFrom } from './admin.ts';
import { advanceLine, endJob } from './controls.ts';
import type { InlineState, Line, StoredJob } from './state.ts';

/**
 * Errored jobs back into their lines, waiting like the jobs behind them: a line's next job is
 * its lowest id, so each runs again before every job behind it that has not started (at once,
 * where it was the stopped head). The attempt count is kept. Returns how many.
 */
export function reenterErrored(state: InlineState, select: ErroredSelector, now: number): number {
  const jobs = selectFrom(state.errored, select);
  const freed = new Map<string, Line>();
  for (const job of jobs) {
    const key = job.serial!.key;
    const line = state.line(key);
    job.runAt = null;
    state.enter(job, 'blocked');
    if (line.head === job || (line.head && isUnstartedAfter(line.head, job))) yieldHead(state, line);
    if (line.head === null) freed.set(key, line);
  }
  for (const [key, line] of freed) advanceLine(state, key, line, now);
  return jobs.length;
}

/** A head enqueued after `job` that was never claimed (ready or scheduled, no attempt counted). */
function isUnstartedAfter(head: StoredJob, job: StoredJob): boolean {
  return head.id > job.id && head.attempts === 0 && (head.state === 'ready' || head.state === 'scheduled');
}

/** The head of a line goes back to waiting (or, re-entered, already waits): the line is free. */
function yieldHead(state: InlineState, line: Line): void {
  const head = line.head!;
  if (head.state === 'ready') state.queue(head.queue).ready.remove(head);
  else if (head.state === 'scheduled') state.scheduled.remove(head);
  if (head.state !== 'blocked') state.enter(head, 'blocked');
  line.head = null;
}

/** Errored jobs to discarded (kept for the retention time); a line stopped at one goes on. Returns how many. */
export function removeErrored(state: InlineState, select: ErroredSelector, now: number): number {
  const jobs = selectFrom(state.errored, select);
  for (const job of jobs) {
    job.finishedAt = now;
    endJob(state, job, 'discarded', now);
  }
  return jobs.length;
}
