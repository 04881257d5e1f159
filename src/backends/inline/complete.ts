import type { ClaimRef, Completion, CompletionResult } from '../../backend/types.ts';
import { endJob, moveToReady, releaseSlot } from './controls.ts';
import { type InlineState, parseId, type StoredJob } from './state.ts';

/**
 * Applies finished / failed / discarded / retry / snooze transitions, each guarded by its
 * lease: a completion from a claim that was taken over changes nothing and is reported.
 */
export function completeJobs(
  state: InlineState,
  items: readonly Completion[],
  now: number,
  deleteFinished: boolean,
): CompletionResult {
  const rejected: string[] = [];
  // Ids that are not numeric are reported last, as the SQL backend does.
  const malformed: string[] = [];
  for (const item of items) {
    const job = heldBy(state, item);
    if (job) applyCompletion(state, job, item, now, deleteFinished);
    else (parseId(item.jobId) === null ? malformed : rejected).push(item.jobId);
  }
  return { rejected: [...rejected, ...malformed] };
}

/** Graceful release: claims back to ready with the attempt given back (a live slot kept); returns how many. */
export function releaseClaims(state: InlineState, items: readonly ClaimRef[], now: number): number {
  let released = 0;
  for (const item of items) {
    const job = heldBy(state, item);
    if (!job) continue;
    moveToReady(state, job, -1, now);
    released++;
  }
  return released;
}

/** The claimed job `ref` names, if its lease still holds. */
function heldBy(state: InlineState, ref: ClaimRef): StoredJob | undefined {
  const id = parseId(ref.jobId);
  const job = id === null ? undefined : state.claimed.get(id);
  return job && job.lease === ref.lease ? job : undefined;
}

function applyCompletion(
  state: InlineState,
  job: StoredJob,
  item: Completion,
  now: number,
  deleteFinished: boolean,
): void {
  const error = 'error' in item && item.error ? JSON.stringify(item.error) : null;
  switch (item.outcome) {
    case 'finished':
      endClaim(job);
      job.finishedAt = now;
      job.result = item.result;
      endJob(state, job, 'finished', now);
      if (deleteFinished) state.delete(job);
      return;
    case 'discarded':
      endClaim(job);
      job.finishedAt = now;
      job.lastError = error ?? job.lastError;
      endJob(state, job, 'discarded', now);
      return;
    case 'failed':
      endClaim(job);
      job.lastError = error;
      // A job of a serialized line errors instead of failing.
      endJob(state, job, job.serial ? 'errored' : 'failed', now);
      return;
    case 'expired':
      endClaim(job);
      job.finishedAt = now;
      job.attempts -= 1;
      endJob(state, job, 'expired', now);
      return;
    case 'retry':
    case 'snooze': {
      // The run ended: its slot goes, and the job takes one again like a new job.
      const attemptsDelta = item.outcome === 'snooze' ? -1 : 0;
      job.lastError = error ?? job.lastError;
      releaseSlot(state, job, now);
      if (item.runAt <= now) {
        moveToReady(state, job, attemptsDelta, now);
        return;
      }
      endClaim(job);
      job.runAt = item.runAt;
      job.attempts += attemptsDelta;
      state.enter(job, 'scheduled');
      return;
    }
  }
}

function endClaim(job: StoredJob): void {
  job.processId = null;
  job.lease = null;
}
