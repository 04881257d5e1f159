import type { Backend, EnqueuedIds, NewJob, QueueLimits } from '../backend/types.ts';
import { CapabilityNotSupportedError, InvalidInputError } from '../errors.ts';
import { commitThroughArounds } from '../job/callbacks.ts';
import type { CodecRegistry } from '../job/codec.ts';
import {
  CONTROL_DEFAULTS,
  concurrencyOf,
  mergeUnique,
  positiveMs,
  type UniqueCallOptions,
  uniqueOf,
  validateUnique,
} from '../job/controls.ts';
import {
  type AnyJob,
  asList,
  checkArgs,
  defaultQueueOf,
  type EnqueueCallbacks,
  type EnqueueDraft,
  type EnqueuedJob,
  isJobDefinition,
  type JobDefinition,
} from '../job/define.ts';
import { assertMetadata, assertPayloadSize, type Metadata } from '../job/envelope.ts';
import { type SerialQueues, serialOf } from '../job/serial.ts';
import { type Duration, toMs } from '../util/duration.ts';
import { assertQueueName } from '../util/names.ts';
import type { Middleware } from './middleware.ts';

export interface EnqueueOptions {
  /** Overrides the job's queue. */
  readonly queue?: string;
  /** Overrides the job's priority (lower runs first). */
  readonly priority?: number;
  /** Run after this delay (ms or text like "5m"). */
  readonly wait?: Duration;
  /** Run at or after this time. */
  readonly waitUntil?: Date;
  /** Small facts carried with the job (locale, trace ids). */
  readonly metadata?: Metadata;
  /** Overrides the job's expiresIn: not started within this long of being due, it expires. */
  readonly expiresIn?: Duration;
  /** Changes the job's unique options for this call (a key given as a value), or false for none. */
  readonly unique?: UniqueCallOptions | false;
  /** Overrides the key the job's concurrency options compute from the arguments. */
  readonly concurrencyKey?: string | number;
  /** In a serialized queue, the line this job runs in (over the job's orderingKey function). */
  readonly orderingKey?: string | number;
  /**
   * Your open database transaction (PostgreSQL: a pg client inside BEGIN, or an adapter such
   * as kyselyTransaction(trx)): the job is stored through it, so it exists, and wakes workers,
   * only if that transaction commits. Backends without transactionalEnqueue refuse it.
   */
  readonly transaction?: unknown;
}

/** Options that apply to a whole enqueueMany call. */
export interface EnqueueManyOptions {
  /** As EnqueueOptions.transaction, for every job of the call. */
  readonly transaction?: unknown;
}

/** What storing jobs needs of a backend. */
export type JobWriter = Pick<Backend, 'name' | 'capabilities' | 'enqueue' | 'enqueueStreaming'>;

export interface EnqueueRequest<Args = unknown> {
  readonly job: JobDefinition<Args>;
  readonly args: Args;
  readonly options?: EnqueueOptions;
}

export interface EnqueuerDeps {
  /** Where the rows go: the backend, or a writer that stores them with a task (tasks.ts). */
  readonly backend: JobWriter;
  readonly codecs: CodecRegistry;
  readonly middleware: readonly Middleware[];
  readonly maxPayloadBytes: number;
  readonly maxBulkSize: number;
  readonly now: () => number;
  /** Called after a commit with the queues that got ready jobs (in-process wake-ups). */
  readonly onReady: (queues: ReadonlySet<string>) => void;
  /** The slot duration of concurrency options that set none. */
  readonly concurrencyDurationMs: number;
  /** Queue size caps, checked by the backend in the enqueue transaction. */
  readonly limits?: QueueLimits | undefined;
  /** The serialized queues: their jobs are stored in lines. */
  readonly serialQueues?: SerialQueues | undefined;
}

export interface Draft extends EnqueueDraft<unknown> {
  readonly job: AnyJob;
  /** When the draft was made: unique periods and expiry count from it. */
  readonly createdAt: number;
  readonly expiresInMs: number | undefined;
  readonly unique: ReturnType<typeof mergeUnique>;
  readonly concurrencyKey: string | number | undefined;
  readonly orderingKey: string | number | undefined;
}

/**
 * Builds, checks and stores jobs in one round trip. Each job goes through its callbacks as
 * middleware arounds → job arounds → middleware befores → job befores → (store) → job afters →
 * middleware afters, the same nesting as perform.
 */
export async function enqueueRequests(
  deps: EnqueuerDeps,
  requests: readonly EnqueueRequest[],
  { transaction }: EnqueueManyOptions = {},
): Promise<EnqueuedJob[]> {
  if (transaction !== undefined && !deps.backend.capabilities.transactionalEnqueue) {
    throw new CapabilityNotSupportedError(deps.backend.name, 'enqueueing inside your transaction');
  }
  if (requests.length > deps.maxBulkSize) {
    throw new InvalidInputError(
      `enqueueMany got ${requests.length} jobs; the limit is ${deps.maxBulkSize} (maxBulkSize)`,
    );
  }
  const now = deps.now();
  const drafts = requests.map((request) => buildDraft(request, now));
  const callbacksOf = enqueueCallbacks(deps.middleware);
  return commitThroughArounds<Draft, EnqueuedJob>(drafts, {
    aroundsFor: (draft) => callbacksOf(draft.job).arounds,
    before: (draft) => {
      const { befores } = callbacksOf(draft.job);
      return befores.length === 0 ? undefined : inTurn(befores, (cb) => cb(draft));
    },
    commit: (ready) => store(deps, ready, now, transaction),
    after: (draft, job) => {
      const { afters } = callbacksOf(draft.job);
      return afters.length === 0 ? undefined : inTurn(afters, (cb) => cb(job, draft));
    },
  });
}

/** One callback of a callback option (which takes one or a list). */
type One<T> = T extends readonly (infer U)[] ? U : T;
type Callback<K extends keyof EnqueueCallbacks<unknown>> = One<NonNullable<EnqueueCallbacks<unknown>[K]>>;

interface JobEnqueueCallbacks {
  readonly arounds: readonly Callback<'aroundEnqueue'>[];
  readonly befores: readonly Callback<'beforeEnqueue'>[];
  readonly afters: readonly Callback<'afterEnqueue'>[];
}

/** The enqueue callbacks of a job with the middleware's, in calling order, worked out once per job definition. */
function enqueueCallbacks(middleware: readonly Middleware[]): (job: AnyJob) => JobEnqueueCallbacks {
  const known = new Map<AnyJob, JobEnqueueCallbacks>();
  return (job) => {
    let callbacks = known.get(job);
    if (!callbacks) {
      callbacks = {
        arounds: [...middleware.flatMap((m) => asList(m.aroundEnqueue)), ...asList(job.aroundEnqueue)],
        befores: [...middleware.flatMap((m) => asList(m.beforeEnqueue)), ...asList(job.beforeEnqueue)],
        afters: [...asList(job.afterEnqueue), ...middleware.flatMap((m) => asList(m.afterEnqueue))],
      };
      known.set(job, callbacks);
    }
    return callbacks;
  };
}

/** Runs `call` on each callback in turn, each awaited before the next. */
async function inTurn<C>(callbacks: readonly C[], call: (cb: C) => unknown): Promise<void> {
  for (const cb of callbacks) await call(cb);
}

export function buildDraft({ job, args, options = {} }: EnqueueRequest, now: number): Draft {
  if (!isJobDefinition(job)) throw new InvalidInputError('enqueue needs a job made by defineJob()');
  if (options.wait !== undefined && options.waitUntil !== undefined) {
    throw new InvalidInputError('Give either wait or waitUntil, not both');
  }
  if (options.transaction !== undefined) {
    // One call is one write: its jobs cannot go to different transactions.
    throw new InvalidInputError(
      'enqueueMany takes the transaction once: enqueueMany(requests, { transaction })',
    );
  }
  if (options.unique) validateUnique(options.unique, 'The unique option', true);
  const checked = checkArgs(job, args, InvalidInputError);
  let runAt: Date | null = null;
  if (options.wait !== undefined) runAt = new Date(now + toMs(options.wait, 'wait'));
  if (options.waitUntil !== undefined) runAt = options.waitUntil;
  return {
    job,
    name: job.name,
    args: checked,
    queue: options.queue ?? defaultQueueOf(job, checked),
    priority: options.priority ?? job.priority ?? 0,
    runAt,
    metadata: { ...options.metadata },
    createdAt: now,
    expiresInMs:
      options.expiresIn === undefined ? job.expiresInMs : positiveMs(options.expiresIn, 'expiresIn'),
    unique: mergeUnique(job.unique, options.unique),
    concurrencyKey: options.concurrencyKey,
    orderingKey: options.orderingKey,
  };
}

/** Checks what callbacks may have changed, encodes, checks the size, then writes once. */
async function store(
  deps: EnqueuerDeps,
  drafts: readonly Draft[],
  now: number,
  transaction: unknown,
): Promise<EnqueuedJob[]> {
  if (drafts.length === 0) return [];
  const limits = deps.limits === undefined ? {} : { limits: deps.limits };
  const rows: NewJob[] = [];
  let ids: EnqueuedIds;
  if (transaction === undefined && deps.backend.enqueueStreaming) {
    // Each row is made as the backend reads it: it may store the first while we encode the rest.
    const made = function* () {
      for (const draft of drafts) {
        const row = toRow(deps, draft);
        rows.push(row);
        yield row;
      }
    };
    ids = await deps.backend.enqueueStreaming({ jobs: made(), now, ...limits });
  } else {
    rows.push(...drafts.map((draft) => toRow(deps, draft)));
    ids = await deps.backend.enqueue({
      jobs: rows,
      now,
      ...(transaction === undefined ? {} : { transaction }),
      ...limits,
    });
  }
  const duplicates = new Set(ids.duplicates);
  const readyQueues = new Set(rows.filter((r) => r.runAt === null || r.runAt <= now).map((r) => r.queue));
  // Inside the caller's transaction nothing is visible yet: the backend wakes workers at commit.
  if (readyQueues.size > 0 && transaction === undefined) deps.onReady(readyQueues);
  return drafts.map((draft, i) => ({
    id: ids[i]!,
    name: draft.name,
    queue: draft.queue,
    priority: draft.priority,
    runAt: draft.runAt,
    duplicate: duplicates.has(i),
  }));
}

const NO_SERIAL_QUEUES: SerialQueues = new Map();

/**
 * The row a draft is stored as: checks what callbacks may have changed, encodes, checks the
 * size, and works out its controls (concurrency key, unique key, expiry, serialized line)
 * from its arguments.
 */
export function toRow(
  deps: Pick<EnqueuerDeps, 'codecs' | 'maxPayloadBytes'> &
    Partial<Pick<EnqueuerDeps, 'concurrencyDurationMs' | 'serialQueues'>>,
  draft: Draft,
): NewJob {
  assertQueueName(draft.queue);
  if (!Number.isSafeInteger(draft.priority)) {
    throw new InvalidInputError(`priority must be an integer, got ${draft.priority}`);
  }
  if (draft.runAt !== null && !(draft.runAt instanceof Date && Number.isFinite(draft.runAt.getTime()))) {
    throw new InvalidInputError('waitUntil (runAt) must be a valid Date');
  }
  const args = deps.codecs.stringify(draft.args);
  const metadata = JSON.stringify(assertMetadata(draft.metadata));
  assertPayloadSize(args, metadata, deps.maxPayloadBytes);
  const runAt = draft.runAt ? draft.runAt.getTime() : null;
  const { name, createdAt } = draft;
  const durationMs = deps.concurrencyDurationMs ?? CONTROL_DEFAULTS.concurrencyDurationMs;
  const concurrency = concurrencyOf(
    name,
    draft.job.concurrency,
    draft.args,
    draft.concurrencyKey,
    durationMs,
  );
  const unique = uniqueOf(name, draft.unique, draft.args, args, createdAt);
  const serial = serialOf(deps.serialQueues ?? NO_SERIAL_QUEUES, {
    jobName: name,
    queue: draft.queue,
    args: draft.args,
    keyOf: draft.job.orderingKey,
    callKey: draft.orderingKey,
    hasConcurrency: concurrency !== null,
  });
  // Counted from when the job is due: a job scheduled for later does not expire before.
  const dueAt = Math.max(runAt ?? createdAt, createdAt);
  return {
    name,
    queue: draft.queue,
    priority: draft.priority,
    args,
    metadata,
    runAt,
    ...(concurrency && { concurrency }),
    ...(unique && { unique }),
    ...(serial && { serial }),
    ...(draft.expiresInMs !== undefined && { expiresAt: dueAt + draft.expiresInMs }),
  };
}
