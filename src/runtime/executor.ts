import type { ClaimedJob, Completion, StoredError } from '../backend/types.ts';
import type { Middleware } from '../client/middleware.ts';
import type { JobRegistry } from '../client/registry.ts';
import { PayloadDecodeError, UnknownJobError } from '../errors.ts';
import type { CodecRegistry } from '../job/codec.ts';
import { type AnyJob, checkArgs, type JobContext } from '../job/define.ts';
import { type Metadata, parseMetadata } from '../job/envelope.ts';
import { isOutcome, type Outcome } from '../job/outcome.ts';
import { performWithCallbacks } from '../job/perform.ts';
import { computeWait, errorMatches, RETRY_DEFAULTS, type RetryPolicy } from '../job/retry.ts';
import { type TaskRef, taskRefOf } from '../job/topics.ts';
import { toMs } from '../util/duration.ts';
import { childLogger, type Logger } from '../util/logger.ts';
import type { JobObserver } from './observer.ts';

export interface ExecutorDeps {
  readonly registry: JobRegistry;
  readonly codecs: CodecRegistry;
  readonly middleware: readonly Middleware[];
  readonly logger: Logger;
  readonly now: () => number;
  /** Told when a job starts to perform (lifecycle events). */
  readonly observer?: JobObserver | undefined;
}

const MAX_STACK_CHARS = 8000;

/**
 * Runs one claimed job and decides what happens to it. Never throws: an unknown name, an
 * undecodable payload or a crashing perform all become a Completion for that job alone.
 */
export async function executeJob(
  deps: ExecutorDeps,
  job: ClaimedJob,
  controller: AbortController,
): Promise<Completion> {
  const ref = { jobId: job.id, lease: job.lease };
  // A job claimed in time may wait in the worker before it starts: past its expiry, it never runs.
  if (job.expiresAt !== null && deps.now() >= job.expiresAt) return { ...ref, outcome: 'expired' };
  const definition = deps.registry.find(job.name);
  if (!definition) {
    const error = new UnknownJobError(job.name, deps.registry.names());
    return { ...ref, outcome: 'failed', error: toStoredError(error, job.attempts, deps.now()) };
  }
  let args: unknown;
  let ctx: JobContext;
  try {
    args = checkArgs(definition, deps.codecs.parse(job.args), PayloadDecodeError);
    ctx = new RunContext(job, parseMetadata(job.metadata), controller.signal, deps.logger);
  } catch (error) {
    return { ...ref, outcome: 'failed', error: toStoredError(error, job.attempts, deps.now()) };
  }

  deps.observer?.started(job);
  let value: unknown;
  try {
    value = await performWithCallbacks(definition, args, ctx, deps.middleware, controller);
  } catch (error) {
    return decideSafely(deps, ctx, ref, () => decideOnError(deps, definition, error, ctx, ref));
  }
  if (isOutcome(value)) return decideSafely(deps, ctx, ref, () => applyOutcome(deps, value, ctx, ref, null));
  let result: string | null = null;
  if (value !== undefined) {
    try {
      result = deps.codecs.stringify(value);
    } catch (error) {
      ctx.logger.warn('Job result could not be encoded; it is not stored', { error });
    }
  }
  return { ...ref, outcome: 'finished', result };
}

/**
 * The context of one run. A class, not an object literal: a literal with a getter costs
 * about 0.8 µs to make, more than the rest of a no-op job's context.
 */
class RunContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly executions: number;
  readonly enqueuedAt: Date;
  readonly metadata: Metadata;
  readonly signal: AbortSignal;
  readonly task?: TaskRef;
  readonly #parentLogger: Logger;
  #logger: Logger | undefined;

  constructor(job: ClaimedJob, metadata: Metadata, signal: AbortSignal, parentLogger: Logger) {
    this.id = job.id;
    this.name = job.name;
    this.queue = job.queue;
    this.priority = job.priority;
    this.executions = job.attempts;
    this.enqueuedAt = new Date(job.enqueuedAt);
    this.metadata = metadata;
    this.signal = signal;
    const task = taskRefOf(metadata);
    if (task) this.task = task;
    this.#parentLogger = parentLogger;
  }

  /** Made when a job first logs: most never do. */
  get logger(): Logger {
    this.#logger ??= childLogger(this.#parentLogger, { job: this.name, jobId: this.id });
    return this.#logger;
  }
}

/** A rule or wait function that throws fails the job with that error instead of stalling it. */
async function decideSafely(
  deps: ExecutorDeps,
  ctx: JobContext,
  ref: { jobId: string; lease: string },
  decide: () => Completion | Promise<Completion>,
): Promise<Completion> {
  try {
    return await decide();
  } catch (error) {
    return { ...ref, outcome: 'failed', error: toStoredError(error, ctx.executions, deps.now()) };
  }
}

async function decideOnError(
  deps: ExecutorDeps,
  job: AnyJob,
  error: unknown,
  ctx: JobContext,
  ref: { jobId: string; lease: string },
): Promise<Completion> {
  const stored = toStoredError(error, ctx.executions, deps.now());
  if (job.discardOn?.some((rule) => errorMatches(rule.on, error)))
    return { ...ref, outcome: 'discarded', error: stored };
  const rule = job.retryOn?.find((r) => errorMatches(r.on, error));
  if (rule) return retryOrFail(deps, rule, error, ctx, ref, stored);
  if (job.onError) {
    // A throwing handler fails the job with its own error (decideSafely).
    const outcome: unknown = await job.onError(error, ctx);
    if (isOutcome(outcome)) return applyOutcome(deps, outcome, ctx, ref, stored, error);
  }
  if (job.retry) return retryOrFail(deps, job.retry, error, ctx, ref, stored);
  return { ...ref, outcome: 'failed', error: stored };
}

function retryOrFail(
  deps: ExecutorDeps,
  policy: Partial<RetryPolicy>,
  error: unknown,
  ctx: JobContext,
  ref: { jobId: string; lease: string },
  stored: StoredError,
): Completion {
  const attempts = policy.attempts ?? RETRY_DEFAULTS.attempts;
  if (ctx.executions >= attempts) return { ...ref, outcome: 'failed', error: stored };
  const wait = computeWait(
    policy.wait ?? RETRY_DEFAULTS.wait,
    ctx.executions,
    error,
    policy.jitter ?? RETRY_DEFAULTS.jitter,
  );
  return { ...ref, outcome: 'retry', runAt: deps.now() + wait, error: stored };
}

function applyOutcome(
  deps: ExecutorDeps,
  outcome: Outcome,
  ctx: JobContext,
  ref: { jobId: string; lease: string },
  stored: StoredError | null,
  error?: unknown,
): Completion {
  const now = deps.now();
  switch (outcome.kind) {
    case 'discard': {
      const reason =
        stored ??
        (outcome.reason === undefined
          ? null
          : toStoredError(new Error(outcome.reason), ctx.executions, now, 'Discarded'));
      return { ...ref, outcome: 'discarded', error: reason };
    }
    case 'snooze':
      return { ...ref, outcome: 'snooze', runAt: now + toMs(outcome.wait, 'snooze') };
    case 'retry': {
      const ms = outcome.wait === undefined ? 0 : computeWait(outcome.wait, ctx.executions, error, 0);
      return { ...ref, outcome: 'retry', runAt: now + ms, error: stored };
    }
  }
}

export function toStoredError(error: unknown, execution: number, at: number, name?: string): StoredError {
  if (error instanceof Error) {
    return {
      name: name ?? error.name,
      message: error.message,
      stack: error.stack?.slice(0, MAX_STACK_CHARS),
      code: errorCode(error),
      execution,
      at,
    };
  }
  return { name: name ?? 'NonError', message: String(error), execution, at };
}

function errorCode(error: Error): string | undefined {
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
