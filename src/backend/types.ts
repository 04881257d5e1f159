/**
 * THE seam. Everything above it (client, runtime, CLI, HTTP) is written once against
 * these types; each backend implements them. Every method takes one params object and
 * works on many rows at once. Times are milliseconds since the epoch, passed in by the
 * caller so that one clock drives a whole operation.
 */

export type JobState =
  | 'scheduled'
  | 'ready'
  /** Waiting for a concurrency slot of its key. */
  | 'blocked'
  | 'claimed'
  | 'finished'
  | 'failed'
  | 'discarded'
  /** Not started before its expiry: kept, never run. */
  | 'expired'
  /** A task of a serialized line that failed past its retries: kept until re-entered or removed. */
  | 'errored';

export const JOB_STATES: readonly JobState[] = [
  'scheduled',
  'ready',
  'blocked',
  'claimed',
  'finished',
  'failed',
  'discarded',
  'expired',
  'errored',
];

export interface StoredError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly code?: string | undefined;
  /** The execution (1-based) that raised it. */
  readonly execution: number;
  readonly at: number;
}

export interface NewJob {
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  /** Encoded arguments (JSON text after the codec). */
  readonly args: string;
  /** JSON object text. */
  readonly metadata: string;
  /** When it may run; null or <= now means ready at once. */
  readonly runAt: number | null;
  /** At most `limit` jobs of its key hold a slot (ready or running) at once; the others are blocked. */
  readonly concurrency?: ConcurrencyControl | null;
  /** At most one job holds this key while in the covered states (and the period lasts). */
  readonly unique?: UniqueControl | null;
  /** Not started by then, it moves to expired and never runs. */
  readonly expiresAt?: number | null;
  /** Runs one at a time with the other jobs of its line, in enqueue order. */
  readonly serial?: SerialControl | null;
}

/** A job's place in a serialized line (docs/serialized-queues.md). */
export interface SerialControl {
  /** The line: a serialized queue's name, or "<queue>/<ordering key>". */
  readonly key: string;
  /**
   * A failure past its retries makes the job errored. 'stop': it stays at the head of its line
   * and the jobs behind it wait; 'continue': it is set aside and the next one runs.
   */
  readonly onError: 'stop' | 'continue';
}

export interface ConcurrencyControl {
  /** The semaphore key: the group (default: the job name), "/", the key of the arguments. */
  readonly key: string;
  readonly limit: number;
  /** A slot is released this long after it was taken even if its job has not ended (a failsafe). */
  readonly durationMs: number;
}

export interface UniqueControl {
  readonly key: string;
  /** The states in which the job holds the key; always the waiting ones (UNIQUE_WAITING_STATES). */
  readonly states: readonly JobState[];
  /** When the key is released whatever the state (the period ends); null: only by leaving `states`. */
  readonly expiresAt: number | null;
  /** A duplicate gets the holder's id (`return`) or fails the whole call with DuplicateJobError. */
  readonly onConflict: 'return' | 'error';
}

/** A job waiting to run holds its unique key in these states whatever its options say. */
export const UNIQUE_WAITING_STATES: readonly JobState[] = ['scheduled', 'ready', 'blocked'];

/** Caps on waiting jobs (ready + scheduled + blocked), checked inside the enqueue transaction. */
export interface QueueLimits {
  /** Queue name → most waiting jobs in that queue. */
  readonly perQueue?: Readonly<Record<string, number>> | undefined;
  /** Most waiting jobs in all queues together. */
  readonly total?: number | undefined;
}

/**
 * Job ids in input order. As a RegExp match array carries `index`, it may carry `duplicates`:
 * the input indexes whose job was not stored because an existing job held its unique key (their
 * id is that job's).
 */
export type EnqueuedIds = string[] & { readonly duplicates?: readonly number[] };

export interface JobRecord {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly args: string;
  readonly metadata: string;
  readonly state: JobState;
  /** How many times it has been started (claimed), counting the current run. */
  readonly attempts: number;
  readonly enqueuedAt: number;
  readonly runAt: number | null;
  readonly finishedAt: number | null;
  readonly processId: string | null;
  readonly lastError: StoredError | null;
  /** Encoded result (JSON text) of a finished job. */
  readonly result: string | null;
  /** When it expires unless started (null: never). */
  readonly expiresAt: number | null;
  /** Its concurrency key, if it has a limit. */
  readonly concurrencyKey: string | null;
  /** Its unique key, if it has one (held or not). */
  readonly uniqueKey: string | null;
  /** Its serialized line, if it has one. */
  readonly serialKey: string | null;
}

export interface ClaimedJob {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly args: string;
  readonly metadata: string;
  readonly attempts: number;
  readonly enqueuedAt: number;
  /** Fencing token: every later transition of this claim must present it. */
  readonly lease: string;
  /** Not started by then, it must not run: complete it as `expired` instead. */
  readonly expiresAt: number | null;
}

/**
 * A job that reached its expiry before it started and was ended as expired (by the sweep or
 * at a claim): what announcing it needs. `attempts` counts the runs it had started, not the
 * one that never came.
 */
export type ExpiredJob = Pick<JobRecord, 'id' | 'name' | 'queue' | 'args' | 'metadata' | 'attempts'>;

/**
 * The jobs a claim took. As EnqueuedIds carries `duplicates`, it may carry `expired`: the jobs
 * the claim found past their expiry and ended instead (absent when there were none).
 */
export type ClaimedJobs = ClaimedJob[] & { readonly expired?: readonly ExpiredJob[] };

export interface ClaimRef {
  readonly jobId: string;
  readonly lease: string;
}

export type Completion =
  | (ClaimRef & { readonly outcome: 'finished'; readonly result: string | null })
  | (ClaimRef & { readonly outcome: 'failed'; readonly error: StoredError })
  | (ClaimRef & { readonly outcome: 'discarded'; readonly error: StoredError | null })
  /** Runs again at runAt; the attempt stays counted. */
  | (ClaimRef & { readonly outcome: 'retry'; readonly runAt: number; readonly error: StoredError | null })
  /** Runs again at runAt; the attempt is given back. */
  | (ClaimRef & { readonly outcome: 'snooze'; readonly runAt: number })
  /** Reached its expiry before it started: it ends expired, never run; the attempt is given back. */
  | (ClaimRef & { readonly outcome: 'expired' });

export interface CompletionResult {
  /** Job ids whose lease no longer matched: the transition was refused (fenced). */
  readonly rejected: readonly string[];
}

export type ProcessKind = 'supervisor' | 'worker' | 'dispatcher' | 'scheduler' | 'embedded';

export interface ProcessInfo {
  readonly id: string;
  readonly kind: ProcessKind;
  readonly name: string;
  readonly pid: number;
  readonly hostname: string;
  readonly supervisorId: string | null;
  /** JSON object text: queues, threads and other facts worth showing. */
  readonly metadata: string;
  readonly lastHeartbeatAt: number;
  readonly createdAt: number;
}

export interface QueueInfo {
  readonly name: string;
  readonly paused: boolean;
  readonly ready: number;
  readonly scheduled: number;
  /** Waiting for a concurrency slot. */
  readonly blocked: number;
  readonly claimed: number;
  readonly failed: number;
  /** Serialized tasks that failed past their retries, waiting to be re-entered or removed. */
  readonly errored: number;
  /** The queue is serialized and stopped at an errored task: the tasks behind it wait. */
  readonly stopped: boolean;
  /** When the longest-waiting ready job became runnable (its run time, else its enqueue time); null when none is ready. */
  readonly oldestReadyAt: number | null;
}

export interface JobFilter {
  readonly state?: JobState | undefined;
  readonly queue?: string | undefined;
  readonly name?: string | undefined;
  readonly ids?: readonly string[] | undefined;
  /** Page size; backends clamp it to MAX_PAGE. */
  readonly limit?: number | undefined;
  /** Return jobs with an id before this one (newest first paging). */
  readonly beforeId?: string | undefined;
}

export const MAX_PAGE = 1000;

/** Which errored jobs an admin operation applies to (`all` meaning every errored job). */
export type ErroredSelector = FailedSelector;

/** Which failed jobs an admin operation applies to. */
export interface FailedSelector {
  readonly ids?: readonly string[] | undefined;
  readonly queue?: string | undefined;
  /** Every failed job; must be said explicitly. */
  readonly all?: boolean | undefined;
}

export interface Capabilities {
  /** Other OS processes (and hosts) can share this backend. */
  readonly multiProcess: boolean;
  /** The backend pushes wake-ups across processes (LISTEN/NOTIFY and the like). */
  readonly crossProcessWakeups: boolean;
  /** enqueue can join the caller's database transaction. */
  readonly transactionalEnqueue: boolean;
}

/** One run of a recurring task: its job is stored at most once per (taskKey, runAt). */
export interface RecurringRun {
  readonly taskKey: string;
  /** The run's time on the task's schedule (ms since the epoch). */
  readonly runAt: number;
  readonly job: NewJob;
}

/** A recorded run of a recurring task. */
export interface RecurringExecution {
  readonly taskKey: string;
  readonly runAt: number;
  /** The job the run enqueued (it may have been cleared since). */
  readonly jobId: string;
  /** When the run was enqueued. */
  readonly enqueuedAt: number;
}

/** A job in one of these states has not ended: it waits or runs. Any other state is an end. */
export const ACTIVE_JOB_STATES: readonly JobState[] = ['scheduled', 'ready', 'blocked', 'claimed'];

/** A task being published to a topic: its jobs, one per subscriber, are stored with it. */
export interface NewTask {
  /** Chosen by the publisher (32 hexadecimal characters). */
  readonly id: string;
  readonly topic: string;
  /** Its executions not started by then expire (each of its jobs carries it as expiresAt). */
  readonly expiresAt: number;
}

/** One execution of a task: the job of one subscriber. */
export interface TaskExecution {
  readonly jobId: string;
  readonly name: string;
  /** null: the job is gone, deleted as it finished (a backend with deleteFinished). */
  readonly job: JobRecord | null;
}

export interface TaskRecord {
  readonly id: string;
  readonly topic: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** One per subscribed job stored, in publish order. */
  readonly executions: readonly TaskExecution[];
}

export interface Backend {
  readonly name: string;
  readonly capabilities: Capabilities;

  /** Creates or upgrades the storage; safe to call from many processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /**
   * Stores jobs in one round trip; returns their ids in input order. With `transaction` (only
   * when capabilities.transactionalEnqueue; what it is depends on the backend, e.g. a pg client
   * inside BEGIN) the jobs are written through the caller's open transaction: they appear, and
   * wake workers, only if it commits.
   */
  enqueue(params: {
    jobs: readonly NewJob[];
    now: number;
    transaction?: unknown;
    /**
     * Caps checked in the same transaction: a call that would pass one raises QueueFullError
     * and stores nothing. Unique duplicates (onConflict 'error') raise DuplicateJobError, also
     * storing nothing.
     */
    limits?: QueueLimits;
  }): Promise<EnqueuedIds>;

  /**
   * Optional: enqueue (without a caller's transaction) taking the jobs while they are still
   * being made. A backend that talks to a server stores the first ones while the rest are
   * encoded, in one transaction; results and errors are enqueue's. `jobs` is read once, in
   * order; an error it throws stores nothing.
   */
  enqueueStreaming?(params: {
    jobs: Iterable<NewJob>;
    now: number;
    limits?: QueueLimits;
  }): Promise<EnqueuedIds>;

  /**
   * Claims up to `limit` ready jobs for `processId`, in the order of `queues`
   * (exact names, "*" or "prefix*"), then priority, then FIFO; paused queues are skipped.
   * Jobs taken past their expiry end as expired instead, listed in `expired`.
   */
  claim(params: {
    queues: readonly string[];
    limit: number;
    processId: string;
    now: number;
  }): Promise<ClaimedJobs>;
  /** Applies each completion only if its lease still holds. */
  complete(params: { items: readonly Completion[]; now: number }): Promise<CompletionResult>;
  /** Returns claims to ready (graceful stop); the attempt is given back. Returns how many. */
  release(params: { items: readonly ClaimRef[]; now: number }): Promise<number>;

  /**
   * Moves up to `limit` due scheduled jobs on (to ready, or blocked when their concurrency key
   * has no free slot); returns how many.
   */
  promoteScheduled(params: { now: number; limit: number }): Promise<number>;
  /** Moves up to `limit` waiting jobs (scheduled, ready, blocked) past their expiry to expired; returns them. */
  expireJobs(params: { now: number; limit: number }): Promise<ExpiredJob[]>;
  /**
   * Concurrency maintenance: releases slots held past their duration, then unblocks waiting
   * jobs of up to `limit` keys (those slots' keys, and keys with jobs blocked longer than their
   * duration), each only as far as its limit allows. Returns the jobs unblocked.
   */
  unblockJobs(params: { now: number; limit: number }): Promise<number>;
  /**
   * Deletes finished, discarded and expired jobs that ended before `before`; returns how many.
   * Tasks published before `before` are deleted too (first, so a task never outlives its jobs).
   */
  clearFinished(params: { before: number; limit: number }): Promise<number>;

  registerProcess(params: { process: ProcessInfo }): Promise<void>;
  heartbeat(params: { processIds: readonly string[]; now: number }): Promise<void>;
  /** Removes a process and returns its claimed jobs to ready. Returns the jobs released. */
  deregisterProcess(params: { processId: string; now: number }): Promise<number>;
  /**
   * Removes processes whose last heartbeat is before `aliveSince` and releases their claims,
   * and claims held by processes that no longer exist.
   */
  pruneProcesses(params: {
    aliveSince: number;
    now: number;
  }): Promise<{ pruned: ProcessInfo[]; released: number }>;
  listProcesses(): Promise<ProcessInfo[]>;

  pauseQueue(params: { queue: string; now: number }): Promise<void>;
  resumeQueue(params: { queue: string }): Promise<void>;
  listQueues(): Promise<QueueInfo[]>;

  getJob(params: { id: string }): Promise<JobRecord | null>;
  /** Newest first. */
  listJobs(params: JobFilter): Promise<JobRecord[]>;
  countJobs(): Promise<Record<JobState, number>>;
  /** Failed jobs back to ready (attempt count kept); returns how many. */
  /**
   * Cross-process wake-ups (only when capabilities.crossProcessWakeups): the listener is
   * called with queues that just got ready jobs; an empty list means "maybe any queue" (after
   * a reconnect, when notices may have been missed). The subscription survives lost
   * connections (reconnecting with backoff); `onError` hears about each loss, nothing throws.
   * Resolves once listening (or after the first failed attempt, still retrying) to an
   * unsubscribe function.
   */
  listen?(
    listener: (queues: readonly string[]) => void,
    onError?: (error: unknown) => void,
  ): Promise<() => Promise<void>>;

  retryFailed(params: { select: FailedSelector; now: number }): Promise<number>;
  /** Failed jobs to discarded; returns how many. */
  discardFailed(params: { select: FailedSelector; now: number }): Promise<number>;

  /**
   * Errored jobs run again at their place in their line: before the jobs behind them that
   * have not started (the attempt count is kept). Returns how many.
   */
  reenterErrored(params: { select: ErroredSelector; now: number }): Promise<number>;
  /** Errored jobs to discarded; a line stopped at one goes on with its next job. Returns how many. */
  removeErrored(params: { select: ErroredSelector; now: number }): Promise<number>;

  /**
   * Stores each run's job unless a run of that (taskKey, runAt) was stored before, and records
   * the run in the same transaction under a unique key, so schedulers racing on one database
   * store each run once. Returns per run, in input order, the job id, or null when the run was
   * already enqueued (by anyone, or earlier in the same call).
   */
  enqueueRecurring(params: { runs: readonly RecurringRun[]; now: number }): Promise<(string | null)[]>;
  /** The latest recorded run of each of `taskKeys` that has one, in task key order. */
  lastRecurringExecutions(params: { taskKeys: readonly string[] }): Promise<RecurringExecution[]>;
  /** Deletes up to `limit` runs whose run time is before `before`, never a task's latest; returns how many. */
  clearRecurringExecutions(params: { before: number; limit: number }): Promise<number>;

  /**
   * Stores a task and its jobs in one transaction, the jobs as enqueue stores them (with the
   * same limits, unique keys and errors: on an error nothing is stored), each linked to the
   * task. Returns the job ids as enqueue does: a unique duplicate gets the holder's id and is
   * not an execution of the task.
   */
  publishTask(params: {
    task: NewTask;
    jobs: readonly NewJob[];
    now: number;
    transaction?: unknown;
    limits?: QueueLimits;
  }): Promise<EnqueuedIds>;
  /**
   * The tasks with these ids, with their executions; unknown ids are left out. With `ended`,
   * only the tasks none of whose jobs is in ACTIVE_JOB_STATES.
   */
  getTasks(params: { ids: readonly string[]; ended?: boolean }): Promise<TaskRecord[]>;
  /**
   * Cross-process notices that a job of a task ended (PostgreSQL NOTIFY): the listener gets
   * the task ids; an empty list means "maybe any task" (after a reconnect). Behaves as listen.
   */
  listenTasks?(
    listener: (taskIds: readonly string[]) => void,
    onError?: (error: unknown) => void,
  ): Promise<() => Promise<void>>;
}
