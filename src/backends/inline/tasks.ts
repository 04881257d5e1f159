import {
  ACTIVE_JOB_STATES,
  type EnqueuedIds,
  type NewJob,
  type NewTask,
  type QueueLimits,
  type TaskRecord,
} from '../../backend/types.ts';
import { enqueueJobs } from './enqueue.ts';
import { type InlineState, toJobRecord } from './state.ts';

interface StoredTask extends NewTask {
  readonly createdAt: number;
  /** [job id, job name] of each execution, in publish order. */
  readonly executions: readonly (readonly [number, string])[];
}

/** Tasks published to topics, in memory; their executions are jobs of the state. */
export class InlineTasks {
  readonly #tasks = new Map<string, StoredTask>();

  /** Stores the jobs (enqueue checks everything before it writes) and then the task. */
  publish(
    state: InlineState,
    task: NewTask,
    jobs: readonly NewJob[],
    now: number,
    limits: QueueLimits | undefined,
  ): EnqueuedIds {
    const ids = enqueueJobs(state, jobs, now, limits);
    const duplicates = new Set(ids.duplicates);
    const executions = ids.flatMap((id, i) =>
      duplicates.has(i) ? [] : [[Number(id), jobs[i]!.name] as const],
    );
    this.#tasks.set(task.id, {
      id: task.id,
      topic: task.topic,
      expiresAt: task.expiresAt,
      createdAt: now,
      executions,
    });
    return ids;
  }

  /** The tasks with these ids (only those whose jobs have all ended, with `ended`). */
  get(state: InlineState, ids: readonly string[], ended: boolean): TaskRecord[] {
    const found = [...new Set(ids)].flatMap((id) => this.#tasks.get(id) ?? []);
    const isActive = (jobId: number) => {
      const job = state.jobs.get(jobId);
      return job !== undefined && ACTIVE_JOB_STATES.includes(job.state);
    };
    return found
      .filter((task) => !ended || !task.executions.some(([jobId]) => isActive(jobId)))
      .map((task) => ({
        id: task.id,
        topic: task.topic,
        createdAt: task.createdAt,
        expiresAt: task.expiresAt,
        executions: task.executions.map(([jobId, name]) => {
          const job = state.jobs.get(jobId);
          return { jobId: String(jobId), name, job: job ? toJobRecord(job) : null };
        }),
      }));
  }

  /** Deletes the tasks published before `before`. */
  clear(before: number): void {
    for (const [id, task] of this.#tasks) if (task.createdAt < before) this.#tasks.delete(id);
  }
}
