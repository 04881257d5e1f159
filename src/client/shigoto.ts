import type {
  Backend,
  ErroredSelector,
  FailedSelector,
  JobFilter,
  JobRecord,
  JobState,
  ProcessInfo,
  QueueInfo,
  QueueLimits,
} from '../backend/types.ts';
import { InvalidInputError, JobNotFoundError, OutcomeNotAppliedError } from '../errors.ts';
import { type Codec, CodecRegistry } from '../job/codec.ts';
import { CONTROL_DEFAULTS, positiveMs } from '../job/controls.ts';
import {
  type AnyJob,
  checkArgs,
  defaultQueueOf,
  type EnqueuedJob,
  isJobDefinition,
  type JobContext,
  type JobDefinition,
} from '../job/define.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, type JobEnvelope, toEnvelope } from '../job/envelope.ts';
import { isOutcome } from '../job/outcome.ts';
import { performWithCallbacks } from '../job/perform.ts';
import type { SerialQueues } from '../job/serial.ts';
import { DEFAULT_TASK_EXPIRE_MS } from '../job/topics.ts';
import { type EmbeddedOptions, type RunningRuntime, startEmbedded } from '../runtime/embedded.ts';
import type { LifecycleHooks } from '../runtime/hooks.ts';
import type { JobObserver } from '../runtime/observer.ts';
import type { Duration } from '../util/duration.ts';
import { createArgumentFilter } from '../util/filter.ts';
import { createConsoleLogger, type Logger } from '../util/logger.ts';
import { assertQueueName } from '../util/names.ts';
import {
  type EnqueueManyOptions,
  type EnqueueOptions,
  type EnqueueRequest,
  type EnqueuerDeps,
  enqueueRequests,
} from './enqueue.ts';
import { LifecycleEvents } from './lifecycle-events.ts';
import type { Middleware } from './middleware.ts';
import { type QueueSettings, queueLimitsOf } from './queue-limits.ts';
import { JobRegistry } from './registry.ts';
import { serialQueuesOf } from './serial-queues.ts';
import { type TaskOutcome, toTaskOutcome } from './task-outcome.ts';
import { TaskWaiter, type WaitForOptions } from './task-waiter.ts';
import { publishTask, type TaskOptions } from './tasks.ts';

/** The code-level parts of an application: what `shigoto start` loads from the `app` module. */
export interface AppDefinition {
  readonly jobs?: readonly AnyJob[];
  readonly middleware?: readonly Middleware[];
  readonly codecs?: readonly Codec[];
  readonly hooks?: LifecycleHooks;
}

export interface ShigotoOptions extends AppDefinition {
  readonly backend: Backend;
  readonly logger?: Logger;
  /** Largest encoded arguments + metadata, checked before any write. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Most jobs in one enqueueMany call. Default 100 000. */
  readonly maxBulkSize?: number;
  /** Most waiting jobs (ready + scheduled + blocked) in all queues together. Default: no limit. */
  readonly maxQueueSize?: number;
  /** Per-queue settings: `{ mail: { maxSize: 1000 }, ledger: { serialized: true, onError: 'stop' } }`. */
  readonly queues?: Readonly<Record<string, QueueSettings>>;
  /** How long a concurrency slot is held at most when a job's options set no duration. Default 3 minutes. */
  readonly concurrencyDuration?: Duration;
  /** How long a task's executions may wait to start before they expire. Default 10 seconds. */
  readonly taskExpire?: Duration;
  /**
   * Publish job state changes as tasks on the Job.* topics (docs/topics.md), for jobs that do
   * not say otherwise (defineJob's lifecycleEvents). Default false.
   */
  readonly lifecycleEvents?: boolean;
  /** Argument keys whose values lifecycle events hide (key fragments or /regexps/). Default: passwords, tokens, ... */
  readonly filterArguments?: readonly string[];
  /** Clock in ms (tests may pass their own). */
  readonly now?: () => number;
}

/** Names of Shigoto's own jobs start with this. */
export const INTERNAL_JOB_PREFIX = 'shigoto.';

export const CLIENT_DEFAULTS = { maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES, maxBulkSize: 100_000 };

export function defineApp(app: AppDefinition): AppDefinition {
  return app;
}

export function createShigoto(options: ShigotoOptions): Shigoto {
  return new Shigoto(options);
}

/** The client: enqueue jobs, run them in-process, and administer queues and jobs. */
export class Shigoto {
  readonly backend: Backend;
  readonly registry: JobRegistry;
  readonly codecs: CodecRegistry;
  readonly logger: Logger;
  readonly middleware: readonly Middleware[];
  readonly hooks: LifecycleHooks;
  readonly #options: ShigotoOptions;
  readonly #readyListeners = new Set<(queues: ReadonlySet<string>) => void>();
  readonly #now: () => number;
  readonly #limits: QueueLimits | undefined;
  /** The serialized queues and what an error does to their lines. */
  readonly serialQueues: SerialQueues;
  readonly #concurrencyDurationMs: number;
  readonly #taskExpireMs: number;
  readonly #waiter: TaskWaiter;
  readonly #events: LifecycleEvents;
  /** What this client's workers report to it: task waiters wake, lifecycle events go out. */
  readonly observer: JobObserver;

  constructor(options: ShigotoOptions) {
    this.#options = options;
    this.backend = options.backend;
    this.registry = new JobRegistry(options.jobs);
    this.codecs = new CodecRegistry(options.codecs);
    this.logger = options.logger ?? createConsoleLogger();
    this.middleware = options.middleware ?? [];
    this.hooks = options.hooks ?? {};
    this.#now = options.now ?? Date.now;
    this.#limits = queueLimitsOf(options.maxQueueSize, options.queues);
    this.serialQueues = serialQueuesOf(options.queues);
    this.#concurrencyDurationMs =
      options.concurrencyDuration === undefined
        ? CONTROL_DEFAULTS.concurrencyDurationMs
        : positiveMs(options.concurrencyDuration, 'concurrencyDuration');
    this.#taskExpireMs =
      options.taskExpire === undefined
        ? DEFAULT_TASK_EXPIRE_MS
        : positiveMs(options.taskExpire, 'taskExpire');
    this.#waiter = new TaskWaiter(this.backend, this.logger);
    this.#events = new LifecycleEvents({
      registry: this.registry,
      codecs: this.codecs,
      filter: createArgumentFilter(options.filterArguments),
      logger: this.logger,
      now: this.#now,
      enabled: options.lifecycleEvents ?? false,
      publish: (topic, content) => this.task(topic, content),
    });
    // Where the database sends notices of ended task jobs, they wake waiters (even ours).
    const wakesItself = this.backend.listenTasks === undefined;
    this.observer = {
      started: (job) => this.#events.started(job),
      ended: (done) => {
        if (wakesItself) this.#waiter.wake();
        this.#events.ended(done);
      },
      expired: (jobs) => {
        if (wakesItself) this.#waiter.wake();
        this.#events.expired(jobs);
      },
      drain: () => this.#events.drain(),
    };
  }

  /** Creates or upgrades the backend's storage. */
  migrate(): Promise<void> {
    return this.backend.migrate();
  }

  async close(): Promise<void> {
    await this.#waiter.close();
    await this.backend.close();
  }

  /** The time this client stamps its operations with: the `now` option, or the wall clock. */
  now(): number {
    return this.#now();
  }

  async enqueue<Args>(job: JobDefinition<Args>, args: Args, options?: EnqueueOptions): Promise<EnqueuedJob> {
    const { transaction, ...rest } = options ?? {};
    const request: EnqueueRequest<Args> = { job, args, ...(options ? { options: rest } : {}) };
    const [enqueued] = await this.#enqueue([request as EnqueueRequest<unknown>], { transaction });
    return enqueued!;
  }

  /**
   * Many jobs (of any kinds) in one round trip: all are stored, or none. With `transaction`,
   * through your open transaction (see EnqueueOptions.transaction).
   */
  enqueueMany<const T extends readonly unknown[]>(
    requests: {
      readonly [K in keyof T]: EnqueueRequest<T[K]>;
    },
    options: EnqueueManyOptions = {},
  ): Promise<EnqueuedJob[]> {
    return this.#enqueue(requests as unknown as readonly EnqueueRequest<unknown>[], options);
  }

  #enqueue(
    requests: readonly EnqueueRequest<unknown>[],
    options: EnqueueManyOptions,
  ): Promise<EnqueuedJob[]> {
    return enqueueRequests(this.#enqueuerDeps(), requests, options);
  }

  #enqueuerDeps(): EnqueuerDeps {
    return {
      backend: this.backend,
      codecs: this.codecs,
      middleware: this.#options.middleware ?? [],
      maxPayloadBytes: this.#options.maxPayloadBytes ?? CLIENT_DEFAULTS.maxPayloadBytes,
      maxBulkSize: this.#options.maxBulkSize ?? CLIENT_DEFAULTS.maxBulkSize,
      concurrencyDurationMs: this.#concurrencyDurationMs,
      limits: this.#limits,
      serialQueues: this.serialQueues,
      now: this.#now,
      onReady: (queues) => {
        for (const listener of this.#readyListeners) listener(queues);
      },
    };
  }

  /**
   * Publishes a task to `topic` (docs/topics.md): every job subscribed to it gets its own
   * execution with `content` as its arguments, all stored at once or none. Returns the task
   * id at once; NoSubscribersError when no job subscribes to the topic.
   */
  task(topic: string, content: unknown, options?: TaskOptions): Promise<string> {
    const deps = { backend: this.backend, registry: this.registry, expireMs: this.#taskExpireMs };
    return publishTask({ ...deps, enqueuer: this.#enqueuerDeps() }, topic, content, options);
  }

  /**
   * Resolves once every execution of the task has ended, with each one's status, result or
   * error. WaitTimeoutError after `timeout` (the task goes on); TaskNotFoundError for an id
   * that was never published or was cleared.
   */
  async waitFor(taskId: string, options?: WaitForOptions): Promise<TaskOutcome> {
    const task = await this.#waiter.wait(taskId, options);
    return toTaskOutcome(task, this.codecs, this.#now());
  }

  /** Enqueues a registered job by name (CLI, HTTP); rejects with UnknownJobError for other names. */
  async enqueueByName(name: string, args: unknown, options?: EnqueueOptions): Promise<EnqueuedJob> {
    // Built-in jobs ("shigoto.*", such as the one running recurring commands) are Shigoto's to
    // enqueue: by name, they would let any CLI or HTTP caller run what they run.
    if (name.startsWith(INTERNAL_JOB_PREFIX)) {
      throw new InvalidInputError(`Job "${name}" is internal to Shigoto and cannot be enqueued by name`);
    }
    return this.enqueue<unknown>(this.registry.get(name), args, options);
  }

  /**
   * Runs a job here and now, with its callbacks and timeout, without storing it: returns its
   * result or throws its error as is (retry and discard rules need a stored job). A returned
   * outcome (retryJob, discardJob, snoozeJob) raises OutcomeNotAppliedError.
   */
  async performNow<Args, Result>(job: JobDefinition<Args, Result>, args: Args): Promise<Result> {
    if (!isJobDefinition(job)) throw new InvalidInputError('performNow needs a job made by defineJob()');
    const controller = new AbortController();
    const checked = checkArgs(job, args, InvalidInputError);
    const ctx: JobContext = {
      id: 'inline',
      name: job.name,
      queue: defaultQueueOf(job, checked),
      priority: job.priority ?? 0,
      executions: 1,
      enqueuedAt: new Date(this.#now()),
      metadata: {},
      signal: controller.signal,
      logger: this.logger,
    };
    const value = await performWithCallbacks(job, checked, ctx, this.#options.middleware ?? [], controller);
    if (isOutcome(value)) throw new OutcomeNotAppliedError(job.name, value.kind);
    return value as Result;
  }

  /** Runs workers, a dispatcher and (with `recurring`) a scheduler inside this process until `stop()`. */
  work(options?: EmbeddedOptions): Promise<RunningRuntime> {
    return startEmbedded(
      {
        backend: this.backend,
        registry: this.registry,
        codecs: this.codecs,
        middleware: this.#options.middleware ?? [],
        logger: this.logger,
        now: this.#now,
        hooks: this.#options.hooks ?? {},
        maxPayloadBytes: this.#options.maxPayloadBytes ?? CLIENT_DEFAULTS.maxPayloadBytes,
        shigoto: this,
        observer: this.observer,
        subscribeReady: (listener) => {
          this.#readyListeners.add(listener);
          return () => this.#readyListeners.delete(listener);
        },
      },
      options,
    );
  }

  readonly jobs = {
    get: async (id: string): Promise<JobRecord> => {
      const job = await this.backend.getJob({ id });
      if (!job) throw new JobNotFoundError(id);
      return job;
    },
    /**
     * The decoded result of a finished job of kind `job`: undefined until it has finished, or
     * when perform returned nothing. JobNotFoundError if there is no such job.
     */
    /** The job as a versioned envelope (the wire format: arguments as encoded JSON, ISO times). */
    envelope: async (id: string): Promise<JobEnvelope> => toEnvelope(await this.jobs.get(id)),
    result: async <Args, Result>(
      job: JobDefinition<Args, Result>,
      id: string,
    ): Promise<Result | undefined> => {
      const record = await this.jobs.get(id);
      if (record.name !== job.name) {
        throw new InvalidInputError(`Job ${id} is a "${record.name}" job, not a "${job.name}" job`);
      }
      if (record.state !== 'finished' || record.result === null) return undefined;
      return this.codecs.parse(record.result) as Result;
    },
    list: (filter: JobFilter = {}): Promise<JobRecord[]> => this.backend.listJobs(filter),
    counts: (): Promise<Record<JobState, number>> => this.backend.countJobs(),
    /** Failed jobs back to their queue. */
    retry: async (select: FailedSelector): Promise<number> =>
      this.backend.retryFailed({ select: checkSelector(select, 'failed'), now: this.#now() }),
    /** Failed jobs to discarded. */
    discard: async (select: FailedSelector): Promise<number> =>
      this.backend.discardFailed({ select: checkSelector(select, 'failed'), now: this.#now() }),
    /**
     * Errored jobs of serialized queues run again at their place in their line, before the jobs
     * behind them that have not started (docs/serialized-queues.md).
     */
    reenter: async (select: ErroredSelector): Promise<number> =>
      this.backend.reenterErrored({ select: checkSelector(select, 'errored'), now: this.#now() }),
    /** Errored jobs to discarded: a queue stopped at one goes on with the next. */
    remove: async (select: ErroredSelector): Promise<number> =>
      this.backend.removeErrored({ select: checkSelector(select, 'errored'), now: this.#now() }),
  };

  readonly queues = {
    list: (): Promise<QueueInfo[]> => this.backend.listQueues(),
    pause: async (queue: string): Promise<void> =>
      this.backend.pauseQueue({ queue: assertQueueName(queue), now: this.#now() }),
    resume: async (queue: string): Promise<void> =>
      this.backend.resumeQueue({ queue: assertQueueName(queue) }),
  };

  readonly processes = {
    list: (): Promise<ProcessInfo[]> => this.backend.listProcesses(),
  };
}

function checkSelector(select: FailedSelector, state: 'failed' | 'errored'): FailedSelector {
  if (!select.ids && !select.queue && !select.all) {
    throw new InvalidInputError(`Say which ${state} jobs: ids, a queue, or all: true`);
  }
  if (select.queue) assertQueueName(select.queue);
  return select;
}
