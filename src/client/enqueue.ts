import type { Backend, NewJob } from '../backend/types.ts';
import { InvalidInputError } from '../errors.ts';
import { commitThroughArounds } from '../job/callbacks.ts';
import type { CodecRegistry } from '../job/codec.ts';
import {
  type AnyJob,
  asList,
  DEFAULT_QUEUE,
  type EnqueueDraft,
  type EnqueuedJob,
  type JobDefinition,
} from '../job/define.ts';
import { assertPayloadSize, type Metadata } from '../job/envelope.ts';
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
}

export interface EnqueueRequest<Args = unknown> {
  readonly job: JobDefinition<Args>;
  readonly args: Args;
  readonly options?: EnqueueOptions;
}

export interface EnqueuerDeps {
  readonly backend: Backend;
  readonly codecs: CodecRegistry;
  readonly middleware: readonly Middleware[];
  readonly maxPayloadBytes: number;
  readonly maxBulkSize: number;
  readonly now: () => number;
  /** Called after a commit with the queues that got ready jobs (in-process wake-ups). */
  readonly onReady: (queues: ReadonlySet<string>) => void;
}

interface Draft extends EnqueueDraft<unknown> {
  readonly job: AnyJob;
}

/** Builds, checks and stores jobs: callbacks, queue resolution, codec, size limit, one round trip. */
export async function enqueueRequests(
  deps: EnqueuerDeps,
  requests: readonly EnqueueRequest[],
): Promise<EnqueuedJob[]> {
  if (requests.length > deps.maxBulkSize) {
    throw new InvalidInputError(
      `enqueueMany got ${requests.length} jobs; the limit is ${deps.maxBulkSize} (maxBulkSize)`,
    );
  }
  const now = deps.now();
  const drafts = requests.map((request) => buildDraft(request, now));
  for (const draft of drafts) {
    for (const m of deps.middleware) for (const cb of asList(m.beforeEnqueue)) await cb(draft);
    for (const cb of asList(draft.job.beforeEnqueue)) await cb(draft);
  }
  const enqueued = await commitThroughArounds<Draft, EnqueuedJob>(
    drafts,
    (draft) => [
      ...deps.middleware.flatMap((m) => asList(m.aroundEnqueue)),
      ...asList(draft.job.aroundEnqueue),
    ],
    (ready) => store(deps, ready, now),
  );
  for (const [i, draft] of drafts.entries()) {
    const job = enqueued[i]!;
    for (const cb of asList(draft.job.afterEnqueue)) await cb(job, draft);
    for (const m of deps.middleware) for (const cb of asList(m.afterEnqueue)) await cb(job, draft);
  }
  return enqueued;
}

function buildDraft({ job, args, options = {} }: EnqueueRequest, now: number): Draft {
  if (job?.kind !== 'shigoto.job') throw new InvalidInputError('enqueue needs a job made by defineJob()');
  const checked = job.schema ? parseArgs(job, args) : args;
  const queue =
    options.queue ?? (typeof job.queue === 'function' ? job.queue(checked) : (job.queue ?? DEFAULT_QUEUE));
  if (options.wait !== undefined && options.waitUntil !== undefined) {
    throw new InvalidInputError('Give either wait or waitUntil, not both');
  }
  let runAt: Date | null = null;
  if (options.wait !== undefined) runAt = new Date(now + toMs(options.wait, 'wait'));
  if (options.waitUntil !== undefined) {
    if (!(options.waitUntil instanceof Date) || Number.isNaN(options.waitUntil.getTime())) {
      throw new InvalidInputError('waitUntil must be a valid Date');
    }
    runAt = options.waitUntil;
  }
  return {
    job,
    name: job.name,
    args: checked,
    queue,
    priority: options.priority ?? job.priority ?? 0,
    runAt,
    metadata: { ...options.metadata },
  };
}

function parseArgs(job: AnyJob, args: unknown): unknown {
  try {
    return job.schema!.parse(args);
  } catch (error) {
    throw new InvalidInputError(`Arguments for job "${job.name}" are invalid: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function store(deps: EnqueuerDeps, drafts: readonly Draft[], now: number): Promise<EnqueuedJob[]> {
  const rows: NewJob[] = drafts.map((draft) => {
    assertQueueName(draft.queue);
    if (!Number.isSafeInteger(draft.priority)) {
      throw new InvalidInputError(`priority must be an integer, got ${draft.priority}`);
    }
    const args = deps.codecs.stringify(draft.args);
    const metadata = JSON.stringify(draft.metadata);
    assertPayloadSize(args, metadata, deps.maxPayloadBytes);
    return {
      name: draft.name,
      queue: draft.queue,
      priority: draft.priority,
      args,
      metadata,
      runAt: draft.runAt ? draft.runAt.getTime() : null,
    };
  });
  const ids = await deps.backend.enqueue({ jobs: rows, now });
  const readyQueues = new Set(rows.filter((r) => r.runAt === null || r.runAt <= now).map((r) => r.queue));
  if (readyQueues.size > 0) deps.onReady(readyQueues);
  return drafts.map((draft, i) => ({
    id: ids[i]!,
    name: draft.name,
    queue: draft.queue,
    priority: draft.priority,
    runAt: draft.runAt,
  }));
}
