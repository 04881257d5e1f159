import type {
  Backend,
  Capabilities,
  ClaimedJobs,
  ClaimRef,
  Completion,
  CompletionResult,
  EnqueuedIds,
  ErroredSelector,
  ExpiredJob,
  FailedSelector,
  JobFilter,
  JobRecord,
  JobState,
  NewJob,
  NewTask,
  ProcessInfo,
  QueueInfo,
  QueueLimits,
  RecurringExecution,
  RecurringRun,
  TaskRecord,
} from '../../backend/types.ts';
import * as admin from './admin.ts';
import { claimJobs } from './claim.ts';
import { completeJobs, releaseClaims } from './complete.ts';
import { expireWaiting, unblockExpired } from './controls.ts';
import { enqueueJobs } from './enqueue.ts';
import * as errored from './errored.ts';
import { clearFinished, promoteScheduled } from './maintenance.ts';
import * as processes from './processes.ts';
import { RecurringRuns } from './recurring.ts';
import { InlineState } from './state.ts';
import { InlineTasks } from './tasks.ts';

const CAPABILITIES: Capabilities = {
  multiProcess: false,
  crossProcessWakeups: false,
  transactionalEnqueue: false,
};

/**
 * The Backend in memory, with the SQL backend's semantics. Every method runs to completion
 * before it resolves, so each call is atomic like one SQL transaction.
 */
export class InlineBackend implements Backend {
  readonly name = 'inline';
  readonly capabilities = CAPABILITIES;
  readonly #state = new InlineState();
  readonly #recurring = new RecurringRuns();
  readonly #tasks = new InlineTasks();
  readonly #deleteFinished: boolean;

  constructor(options: { deleteFinished: boolean }) {
    this.#deleteFinished = options.deleteFinished;
  }

  /** Nothing to create: the storage lives and dies with this object. */
  async migrate(): Promise<void> {}

  async close(): Promise<void> {}

  async enqueue(p: { jobs: readonly NewJob[]; now: number; limits?: QueueLimits }): Promise<EnqueuedIds> {
    return enqueueJobs(this.#state, p.jobs, p.now, p.limits);
  }

  async claim(p: {
    queues: readonly string[];
    limit: number;
    processId: string;
    now: number;
  }): Promise<ClaimedJobs> {
    return claimJobs(this.#state, p);
  }

  async complete(p: { items: readonly Completion[]; now: number }): Promise<CompletionResult> {
    return completeJobs(this.#state, p.items, p.now, this.#deleteFinished);
  }

  async release(p: { items: readonly ClaimRef[]; now: number }): Promise<number> {
    return releaseClaims(this.#state, p.items, p.now);
  }

  async promoteScheduled(p: { now: number; limit: number }): Promise<number> {
    return promoteScheduled(this.#state, p.now, p.limit);
  }

  async expireJobs(p: { now: number; limit: number }): Promise<ExpiredJob[]> {
    return expireWaiting(this.#state, p.now, p.limit);
  }

  async unblockJobs(p: { now: number; limit: number }): Promise<number> {
    return p.limit > 0 ? unblockExpired(this.#state, p.now) : 0;
  }

  async clearFinished(p: { before: number; limit: number }): Promise<number> {
    this.#tasks.clear(p.before);
    return clearFinished(this.#state, p.before, p.limit);
  }

  async registerProcess(p: { process: ProcessInfo }): Promise<void> {
    processes.registerProcess(this.#state, p.process);
  }

  async heartbeat(p: { processIds: readonly string[]; now: number }): Promise<void> {
    processes.heartbeat(this.#state, p.processIds, p.now);
  }

  async deregisterProcess(p: { processId: string; now: number }): Promise<number> {
    return processes.deregisterProcess(this.#state, p.processId, p.now);
  }

  async pruneProcesses(p: {
    aliveSince: number;
    now: number;
  }): Promise<{ pruned: ProcessInfo[]; released: number }> {
    return processes.pruneProcesses(this.#state, p.aliveSince, p.now);
  }

  async listProcesses(): Promise<ProcessInfo[]> {
    return processes.listProcesses(this.#state);
  }

  async pauseQueue(p: { queue: string; now: number }): Promise<void> {
    admin.pauseQueue(this.#state, p.queue, p.now);
  }

  async resumeQueue(p: { queue: string }): Promise<void> {
    admin.resumeQueue(this.#state, p.queue);
  }

  async listQueues(): Promise<QueueInfo[]> {
    return admin.listQueues(this.#state);
  }

  async getJob(p: { id: string }): Promise<JobRecord | null> {
    return admin.getJob(this.#state, p.id);
  }

  async listJobs(filter: JobFilter): Promise<JobRecord[]> {
    return admin.listJobs(this.#state, filter);
  }

  async countJobs(): Promise<Record<JobState, number>> {
    return admin.countJobs(this.#state);
  }

  async retryFailed(p: { select: FailedSelector; now: number }): Promise<number> {
    return admin.retryFailed(this.#state, p.select, p.now);
  }

  async discardFailed(p: { select: FailedSelector; now: number }): Promise<number> {
    return admin.discardFailed(this.#state, p.select, p.now);
  }

  async reenterErrored(p: { select: ErroredSelector; now: number }): Promise<number> {
    return errored.reenterErrored(this.#state, p.select, p.now);
  }

  async removeErrored(p: { select: ErroredSelector; now: number }): Promise<number> {
    return errored.removeErrored(this.#state, p.select, p.now);
  }

  async enqueueRecurring(p: { runs: readonly RecurringRun[]; now: number }): Promise<(string | null)[]> {
    return this.#recurring.enqueue(this.#state, p.runs, p.now);
  }

  async lastRecurringExecutions(p: { taskKeys: readonly string[] }): Promise<RecurringExecution[]> {
    return this.#recurring.last(p.taskKeys);
  }

  async clearRecurringExecutions(p: { before: number; limit: number }): Promise<number> {
    return this.#recurring.clear(p.before, p.limit);
  }

  async publishTask(p: {
    task: NewTask;
    jobs: readonly NewJob[];
    now: number;
    limits?: QueueLimits;
  }): Promise<EnqueuedIds> {
    return this.#tasks.publish(this.#state, p.task, p.jobs, p.now, p.limits);
  }

  async getTasks(p: { ids: readonly string[]; ended?: boolean }): Promise<TaskRecord[]> {
    return this.#tasks.get(this.#state, p.ids, p.ended ?? false);
  }
}
