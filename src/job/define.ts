import { InvalidInputError } from '../errors.ts';
import { type Duration, toMs } from '../util/duration.ts';
import type { Logger } from '../util/logger.ts';
import { assertQueueName } from '../util/names.ts';
import {
  type ConcurrencyOptions,
  positiveMs,
  type UniqueOptions,
  validateConcurrency,
  validateUnique,
} from './controls.ts';
import type { Metadata } from './envelope.ts';
import type { Outcome } from './outcome.ts';
import { type DiscardRule, type RetryPolicy, type RetryRule, validateRetryRule } from './retry.ts';
import { type OrderingKeyOf, validateOrderingKey } from './serial.ts';
import { assertTopicName, type TaskRef } from './topics.ts';

/** What a running job knows about itself. */
export interface JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  /** 1 on the first run, 2 on the first retry, ... */
  readonly executions: number;
  readonly enqueuedAt: Date;
  readonly metadata: Metadata;
  /** Aborted on timeout and on immediate shutdown: long jobs must honour it. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The task this run executes, when the job was published to a topic (undefined otherwise). */
  readonly task?: TaskRef;
}

/** A job about to be enqueued; before/around callbacks may change its queue, priority, time and metadata. */
export interface EnqueueDraft<Args = unknown> {
  readonly name: string;
  readonly args: Args;
  queue: string;
  priority: number;
  /** null: as soon as possible. */
  runAt: Date | null;
  metadata: Metadata;
}

export interface EnqueuedJob {
  /** The job's id; for a duplicate, the id of the existing job that holds the unique key. */
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly runAt: Date | null;
  /** A unique job whose key was held: nothing was stored and `id` is the existing job's. */
  readonly duplicate: boolean;
}

type OneOrMany<T> = T | readonly T[];

export interface EnqueueCallbacks<Args> {
  readonly beforeEnqueue?: OneOrMany<(draft: EnqueueDraft<Args>) => void | Promise<void>>;
  readonly afterEnqueue?: OneOrMany<(job: EnqueuedJob, draft: EnqueueDraft<Args>) => void | Promise<void>>;
  /** Must call `next()` once; throwing stops the enqueue. */
  readonly aroundEnqueue?: OneOrMany<
    (draft: EnqueueDraft<Args>, next: () => Promise<EnqueuedJob>) => Promise<EnqueuedJob>
  >;
}

export interface PerformCallbacks<Args> {
  readonly beforePerform?: OneOrMany<(args: Args, ctx: JobContext) => void | Promise<void>>;
  /** Runs after a successful perform (not after an error or an outcome). */
  readonly afterPerform?: OneOrMany<(args: Args, ctx: JobContext, result: unknown) => void | Promise<void>>;
  readonly aroundPerform?: OneOrMany<
    (args: Args, ctx: JobContext, next: () => Promise<unknown>) => Promise<unknown>
  >;
}

export interface JobOptions<Args, Result> extends EnqueueCallbacks<Args>, PerformCallbacks<Args> {
  /** Unique name; stored with every job and used to find the code that runs it. */
  readonly name: string;
  /** A queue name, or a function of the arguments evaluated once at enqueue (retries keep it). Default "default". */
  readonly queue?: string | ((args: Args) => string);
  /** Lower runs first. Default 0. */
  readonly priority?: number;
  /** Validates arguments at enqueue and before perform (zod or any `{ parse }`). */
  readonly schema?: { parse(input: unknown): Args };
  /** Retries for errors no rule below matches. Default: none (the job fails and is kept). */
  readonly retry?: RetryPolicy;
  /** Retry rules by error, checked in order after discardOn. */
  readonly retryOn?: readonly RetryRule[];
  /** Errors that end the job as discarded instead of failed. Checked first. */
  readonly discardOn?: readonly DiscardRule[];
  /** Catch-all: return an outcome (retryJob, discardJob, snoozeJob) or nothing to fall through. */
  readonly onError?: (error: unknown, ctx: JobContext) => Outcome | undefined | Promise<Outcome | undefined>;
  /** Fails the attempt (JobTimeoutError, which follows the retry rules) when exceeded. */
  readonly timeout?: Duration;
  /** Limits how many jobs with the same key hold a slot (ready or running) at once. */
  readonly concurrency?: ConcurrencyOptions<Args>;
  /** Stores at most one job per key while it waits or runs (by default); duplicates get the existing job. */
  readonly unique?: UniqueOptions<Args>;
  /**
   * In a serialized queue, splits it into lines: jobs with the same key run one at a time in
   * enqueue order, different keys in parallel (docs/serialized-queues.md). Per call: orderingKey.
   */
  readonly orderingKey?: OrderingKeyOf<Args>;
  /**
   * A job not started within this long of when it is due (its run time, else its enqueue)
   * moves to expired and never runs; retries included. Per call: the expiresIn option.
   */
  readonly expiresIn?: Duration;
  /**
   * Topics it subscribes to: every task published to one of them runs this job once, with the
   * task's content as its arguments (docs/topics.md).
   */
  readonly topics?: readonly string[];
  /**
   * Publish this job's state changes as tasks on the Job.* topics (docs/topics.md). Default:
   * the client's lifecycleEvents. A job subscribed to a Job.* topic never publishes its own.
   */
  readonly lifecycleEvents?: boolean;
  readonly perform: (args: Args, ctx: JobContext) => Result | Outcome | Promise<Result | Outcome>;
}

export interface JobDefinition<Args = unknown, Result = unknown> extends JobOptions<Args, Result> {
  readonly kind: 'shigoto.job';
  readonly timeoutMs: number | undefined;
  readonly expiresInMs: number | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds jobs of every argument type
export type AnyJob = JobDefinition<any, any>;

export const DEFAULT_QUEUE = 'default';

/**
 * Defines a job. Arguments are typed by `perform`'s first parameter (or by `schema`).
 * TypeScript reads the options left to right: when callbacks or a queue function come before
 * `perform`, annotate all of perform's parameters (`(args: T, ctx: JobContext)`) or put `perform`
 * first, else the callbacks see `unknown`.
 */
export function defineJob<Args, Result = unknown>(
  options: JobOptions<Args, Result>,
): JobDefinition<Args, Result> {
  if (typeof options.name !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(options.name)) {
    throw new InvalidInputError(
      `Job name ${JSON.stringify(options.name)} is invalid: use 1-128 characters from A-Z a-z 0-9 _ . : -`,
    );
  }
  if (typeof options.perform !== 'function') {
    throw new InvalidInputError(`Job "${options.name}" needs a perform function`);
  }
  if (typeof options.queue === 'string') assertQueueName(options.queue);
  if (options.priority !== undefined && !Number.isSafeInteger(options.priority)) {
    throw new InvalidInputError(
      `Job "${options.name}": priority must be an integer, got ${options.priority}`,
    );
  }
  for (const rule of options.retryOn ?? []) validateRetryRule(rule, options.name);
  if (options.retry) validateRetryRule(options.retry, options.name);
  const timeoutMs =
    options.timeout === undefined ? undefined : toMs(options.timeout, `Job "${options.name}" timeout`);
  if (options.concurrency !== undefined)
    validateConcurrency(options.concurrency, `Job "${options.name}" concurrency`);
  if (options.unique !== undefined) validateUnique(options.unique, `Job "${options.name}" unique`);
  if (options.orderingKey !== undefined) validateOrderingKey(options.orderingKey, options.name);
  if (options.topics !== undefined) validateTopics(options.topics, options.name);
  if (options.lifecycleEvents !== undefined && typeof options.lifecycleEvents !== 'boolean') {
    throw new InvalidInputError(`Job "${options.name}": lifecycleEvents must be true or false`);
  }
  const expiresInMs =
    options.expiresIn === undefined
      ? undefined
      : positiveMs(options.expiresIn, `Job "${options.name}" expiresIn`);
  return Object.freeze({ ...options, kind: 'shigoto.job' as const, timeoutMs, expiresInMs });
}

function validateTopics(topics: unknown, name: string): void {
  if (!Array.isArray(topics))
    throw new InvalidInputError(`Job "${name}": topics must be a list of topic names`);
  for (const topic of topics) assertTopicName(topic, `topic of job "${name}"`);
}

export function isJobDefinition(value: unknown): value is AnyJob {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'shigoto.job';
}

/** The queue a job goes to unless told otherwise; a queue function is called here, once per enqueue. */
export function defaultQueueOf(job: AnyJob, args: unknown): string {
  return typeof job.queue === 'function' ? job.queue(args) : (job.queue ?? DEFAULT_QUEUE);
}

/**
 * Runs the job's schema, if it has one. A refusal becomes `ErrorClass` (InvalidInputError when
 * enqueuing, PayloadDecodeError for a stored payload) so callers can tell bad input apart.
 */
export function checkArgs(
  job: AnyJob,
  args: unknown,
  ErrorClass: new (message: string, options?: ErrorOptions) => Error,
): unknown {
  if (!job.schema) return args;
  try {
    return job.schema.parse(args);
  } catch (error) {
    throw new ErrorClass(`Arguments for job "${job.name}" are invalid: ${describeRefusal(error)}`, {
      cause: error,
    });
  }
}

interface SchemaIssue {
  readonly path?: readonly PropertyKey[];
  readonly message: string;
}

/**
 * A schema's refusal in one line: "userId: expected number; email: required". Zod (and other
 * Standard Schema libraries) list `issues` and put a JSON dump of them in `message`; other
 * validators give their message.
 */
function describeRefusal(error: unknown): string {
  const issues = (error as { issues?: unknown }).issues;
  if (!Array.isArray(issues) || issues.length === 0 || !issues.every(isIssue)) {
    return error instanceof Error ? error.message : String(error);
  }
  return issues
    .map((issue) => {
      const path = issue.path?.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function isIssue(value: unknown): value is SchemaIssue {
  return typeof value === 'object' && value !== null && typeof (value as SchemaIssue).message === 'string';
}

export function asList<T>(value: OneOrMany<T> | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
