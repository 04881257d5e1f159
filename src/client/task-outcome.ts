import type { JobRecord, JobState, StoredError, TaskRecord } from '../backend/types.ts';
import type { CodecRegistry } from '../job/codec.ts';

/** How one subscriber's execution of a task ended. */
export interface TaskExecutionOutcome {
  readonly jobId: string;
  /** The subscribed job's name. */
  readonly name: string;
  /** finished, failed, discarded, expired (or errored, on a serialized queue). */
  readonly status: JobState;
  /** What perform returned (decoded), when it finished with a result. */
  readonly result?: unknown;
  /** The last error, for a job that failed, was discarded with one or errored. */
  readonly error: StoredError | null;
  /** When it ended; null when the job was deleted as it finished (deleteFinished). */
  readonly completedAt: Date | null;
  /** How many times it was started. */
  readonly attempts: number;
}

/** A task whose executions have all ended: what waitFor resolves with. */
export interface TaskOutcome {
  readonly taskId: string;
  readonly topic: string;
  readonly publishedAt: Date;
  readonly expiresAt: Date;
  /** When its last execution ended. */
  readonly completedAt: Date;
  /** One per subscribed job, in publish order. */
  readonly executions: readonly TaskExecutionOutcome[];
}

/** A failed job records when in its last error; other ended jobs in finishedAt. */
function endOf(job: JobRecord): Date | null {
  const at = job.finishedAt ?? job.lastError?.at ?? null;
  return at === null ? null : new Date(at);
}

/** The outcome of an ended task, results decoded with the client's codecs. */
export function toTaskOutcome(task: TaskRecord, codecs: CodecRegistry, now: number): TaskOutcome {
  const executions = task.executions.map(({ jobId, name, job }): TaskExecutionOutcome => {
    // Only finished jobs are deleted as they end.
    if (!job) return { jobId, name, status: 'finished', error: null, completedAt: null, attempts: 1 };
    const result = job.state === 'finished' && job.result !== null ? codecs.parse(job.result) : undefined;
    return {
      jobId,
      name,
      status: job.state,
      ...(result !== undefined && { result }),
      error: job.state === 'finished' ? null : job.lastError,
      completedAt: endOf(job),
      attempts: job.attempts,
    };
  });
  const ends = executions.flatMap((e) => (e.completedAt ? [e.completedAt.getTime()] : []));
  return {
    taskId: task.id,
    topic: task.topic,
    publishedAt: new Date(task.createdAt),
    expiresAt: new Date(task.expiresAt),
    completedAt: new Date(ends.length > 0 ? Math.max(...ends) : now),
    executions,
  };
}
