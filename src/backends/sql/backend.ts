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
import { CapabilityNotSupportedError } from '../../errors.ts';
import * as admin from './admin.ts';
import { OpenClaims } from './claim-rows.ts';
import { completeJobs, releaseClaims } from './complete.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { clearEnded } from './ended.ts';
import { enqueueJobs } from './enqueue.ts';
import { enqueueStreamed } from './enqueue-streamed.ts';
import * as errored from './errored.ts';
import { expireWaiting } from './expiry.ts';
import { promoteScheduled, unblockJobs } from './maintenance.ts';
import * as processes from './processes.ts';
import * as recurring from './recurring.ts';
import * as tasks from './tasks.ts';
import { UnsureClaims } from './unsure-claims.ts';

const NUMERIC_ID = /^\d{1,18}$/;

export interface SqlBackendOptions {
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly context: SqlContext;
  readonly migrate: () => Promise<void>;
  /** Finished jobs are deleted at once instead of kept for the retention time. */
  readonly deleteFinished: boolean;
  /** Cross-process wake-ups, where the database offers them (Backend.listen). */
  readonly listen?: Backend['listen'];
  /** Cross-process notices of task jobs that ended (Backend.listenTasks). */
  readonly listenTasks?: Backend['listenTasks'];
  /** Runs statements through a caller's open transaction (capabilities.transactionalEnqueue). */
  readonly transactionExecutor?: (transaction: unknown) => SqlExecutor;
}

/** The one Backend for every SQL database; only the Dialect and driver differ. */
export class SqlBackend implements Backend {
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly listen?: Backend['listen'];
  readonly listenTasks?: Backend['listenTasks'];
  readonly enqueueStreaming?: Backend['enqueueStreaming'];
  readonly #ctx: SqlContext;
  readonly #claims: UnsureClaims;
  readonly #open: OpenClaims;
  readonly #options: SqlBackendOptions;

  constructor(options: SqlBackendOptions) {
    this.name = options.name;
    this.capabilities = options.capabilities;
    if (options.listen) this.listen = options.listen;
    if (options.listenTasks) this.listenTasks = options.listenTasks;
    this.#ctx = options.context;
    // Where statements are round trips that pipeline, a bulk enqueue's first chunks are stored
    // while the client encodes the rest; where they are local calls nothing would overlap.
    const { d } = options.context;
    if (d.serverRoundTrips && d.dataModifyingCte) {
      this.enqueueStreaming = (p) => enqueueStreamed(this.#ctx, p.jobs, p.now, p.limits);
    }
    this.#claims = new UnsureClaims(options.context);
    this.#open = new OpenClaims(options.context);
    this.#options = options;
  }

  migrate(): Promise<void> {
    return this.#options.migrate();
  }

  close(): Promise<void> {
    return this.#ctx.driver.close();
  }

  async enqueue(p: {
    jobs: readonly NewJob[];
    now: number;
    transaction?: unknown;
    limits?: QueueLimits;
  }): Promise<EnqueuedIds> {
    return enqueueJobs(this.#ctx, p.jobs, p.now, { into: this.#into(p.transaction), limits: p.limits });
  }

  async claim(p: {
    queues: readonly string[];
    limit: number;
    processId: string;
    now: number;
  }): Promise<ClaimedJobs> {
    const jobs = await this.#claims.claim(p);
    this.#open.opened(jobs);
    return jobs;
  }

  async complete(p: { items: readonly Completion[]; now: number }): Promise<CompletionResult> {
    const valid = p.items.filter((item) => NUMERIC_ID.test(item.jobId));
    const invalid = p.items.filter((item) => !NUMERIC_ID.test(item.jobId)).map((item) => item.jobId);
    const { rejected } = await completeJobs(this.#ctx, valid, p.now, this.#options.deleteFinished);
    await this.#open.ended(valid);
    return { rejected: [...rejected, ...invalid] };
  }

  async release(p: { items: readonly ClaimRef[]; now: number }): Promise<number> {
    const valid = p.items.filter((item) => NUMERIC_ID.test(item.jobId));
    const released = await releaseClaims(this.#ctx, valid, p.now);
    await this.#open.ended(valid);
    return released;
  }

  promoteScheduled(p: { now: number; limit: number }): Promise<number> {
    return promoteScheduled(this.#ctx, p.now, p.limit);
  }

  expireJobs(p: { now: number; limit: number }): Promise<ExpiredJob[]> {
    return expireWaiting(this.#ctx, p.now, p.limit);
  }

  unblockJobs(p: { now: number; limit: number }): Promise<number> {
    return unblockJobs(this.#ctx, p.now, p.limit);
  }

  async clearFinished(p: { before: number; limit: number }): Promise<number> {
    await tasks.clearTasks(this.#ctx, p.before, p.limit);
    return clearEnded(this.#ctx, p.before, p.limit);
  }

  registerProcess(p: { process: ProcessInfo }): Promise<void> {
    return processes.registerProcess(this.#ctx, p.process);
  }

  heartbeat(p: { processIds: readonly string[]; now: number }): Promise<void> {
    return processes.heartbeat(this.#ctx, p.processIds, p.now);
  }

  deregisterProcess(p: { processId: string; now: number }): Promise<number> {
    return processes.deregisterProcess(this.#ctx, p.processId, p.now);
  }

  pruneProcesses(p: {
    aliveSince: number;
    now: number;
  }): Promise<{ pruned: ProcessInfo[]; released: number }> {
    return processes.pruneProcesses(this.#ctx, p.aliveSince, p.now);
  }

  listProcesses(): Promise<ProcessInfo[]> {
    return processes.listProcesses(this.#ctx);
  }

  pauseQueue(p: { queue: string; now: number }): Promise<void> {
    return admin.pauseQueue(this.#ctx, p.queue, p.now);
  }

  resumeQueue(p: { queue: string }): Promise<void> {
    return admin.resumeQueue(this.#ctx, p.queue);
  }

  listQueues(): Promise<QueueInfo[]> {
    return admin.listQueues(this.#ctx);
  }

  async getJob(p: { id: string }): Promise<JobRecord | null> {
    return NUMERIC_ID.test(p.id) ? admin.getJob(this.#ctx, p.id) : null;
  }

  async listJobs(filter: JobFilter): Promise<JobRecord[]> {
    const ids = filter.ids?.filter((id) => NUMERIC_ID.test(id));
    if (filter.beforeId !== undefined && !NUMERIC_ID.test(filter.beforeId)) return [];
    return admin.listJobs(this.#ctx, { ...filter, ids });
  }

  countJobs(): Promise<Record<JobState, number>> {
    return admin.countJobs(this.#ctx);
  }

  retryFailed(p: { select: FailedSelector; now: number }): Promise<number> {
    return admin.retryFailed(this.#ctx, numericIds(p.select), p.now);
  }

  discardFailed(p: { select: FailedSelector; now: number }): Promise<number> {
    return admin.discardFailed(this.#ctx, numericIds(p.select), p.now);
  }

  reenterErrored(p: { select: ErroredSelector; now: number }): Promise<number> {
    return errored.reenterErrored(this.#ctx, numericIds(p.select), p.now);
  }

  removeErrored(p: { select: ErroredSelector; now: number }): Promise<number> {
    return errored.removeErrored(this.#ctx, numericIds(p.select), p.now);
  }

  enqueueRecurring(p: { runs: readonly RecurringRun[]; now: number }): Promise<(string | null)[]> {
    return recurring.enqueueRecurring(this.#ctx, p.runs, p.now);
  }

  lastRecurringExecutions(p: { taskKeys: readonly string[] }): Promise<RecurringExecution[]> {
    return recurring.lastRecurringExecutions(this.#ctx, p.taskKeys);
  }

  clearRecurringExecutions(p: { before: number; limit: number }): Promise<number> {
    return recurring.clearRecurringExecutions(this.#ctx, p.before, p.limit);
  }

  async publishTask(p: {
    task: NewTask;
    jobs: readonly NewJob[];
    now: number;
    transaction?: unknown;
    limits?: QueueLimits;
  }): Promise<EnqueuedIds> {
    return tasks.publishTask(this.#ctx, p.task, p.jobs, p.now, {
      into: this.#into(p.transaction),
      limits: p.limits,
    });
  }

  getTasks(p: { ids: readonly string[]; ended?: boolean }): Promise<TaskRecord[]> {
    return tasks.getTasks(this.#ctx, p.ids, p.ended ?? false);
  }

  /** The caller's transaction as an executor (undefined: none given). */
  #into(transaction: unknown): SqlExecutor | undefined {
    if (transaction === undefined) return undefined;
    const into = this.#options.transactionExecutor;
    if (!into) throw new CapabilityNotSupportedError(this.name, 'enqueueing inside your transaction');
    return into(transaction);
  }
}

function numericIds(select: FailedSelector): FailedSelector {
  return select.ids ? { ...select, ids: select.ids.filter((id) => NUMERIC_ID.test(id)) } : select;
}
