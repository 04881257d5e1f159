import type { ClaimedJob, Completion, ExpiredJob } from '../backend/types.ts';

/** A claimed job whose completion was written. */
export interface EndedJob {
  readonly job: ClaimedJob;
  readonly completion: Completion;
}

/**
 * What the client learns from its workers and dispatchers: a job about to perform, completions
 * written, jobs expired before they started (by a claim or the dispatcher's sweep), for task
 * waiters and lifecycle events; `drain` lets a stopping worker wait for what that began.
 */
export interface JobObserver {
  started(job: ClaimedJob): void;
  ended(done: readonly EndedJob[]): void;
  expired(jobs: readonly ExpiredJob[]): void;
  drain(): Promise<void>;
}
