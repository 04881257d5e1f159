import type { ClaimedJob, Completion } from '../backend/types.ts';

/** A claimed job whose completion was written. */
export interface EndedJob {
  readonly job: ClaimedJob;
  readonly completion: Completion;
}

/**
 * What the client learns from its workers: a job about to perform, completions written (task
 * waiters and lifecycle events); `drain` lets a stopping worker wait for what that began.
 */
export interface JobObserver {
  started(job: ClaimedJob): void;
  ended(done: readonly EndedJob[]): void;
  drain(): Promise<void>;
}
