import type { Backend, ClaimedJob, ClaimRef, Completion, StoredError } from '../backend/types.ts';
import type { Shigoto } from '../client/shigoto.ts';
import type { AnyJob } from '../job/define.ts';
import { executeJob } from '../runtime/executor.ts';
import { newProcessInfo } from '../util/process-info.ts';

export interface PerformOptions {
  /** Only jobs of this queue. */
  readonly queue?: string;
  /** Only jobs of this kind. */
  readonly job?: AnyJob;
}

export interface PerformedJob {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  /** What the run decided; `retry` and `snooze` jobs wait again (ready, or scheduled for later). */
  readonly outcome: Completion['outcome'];
  readonly error: StoredError | null;
}

export interface PerformSummary {
  readonly performed: number;
  readonly finished: number;
  readonly failed: number;
  readonly retried: number;
  readonly snoozed: number;
  readonly discarded: number;
  /** Ids of the jobs run, in the order they ran. */
  readonly ids: string[];
  readonly jobs: PerformedJob[];
}

/** Most jobs one claim or promotion call handles; the helpers loop until none are left. */
const BATCH = 1000;
const PROCESS_NAME = 'shigoto-testing';

/**
 * Runs every job that is ready now once, one after the other, through the real executor
 * (callbacks, middleware, retry and discard rules, outcomes) and applies each completion
 * before the next job starts. Due scheduled jobs are promoted first, as the dispatcher would.
 * The claims belong to a registered process, removed afterwards, so pruning behaves as in
 * production. Jobs enqueued while performing wait for the next call (or `drain`).
 */
export async function performEnqueued(
  shigoto: Shigoto,
  options: PerformOptions = {},
): Promise<PerformSummary> {
  const { backend } = shigoto;
  const now = () => shigoto.now();
  const queues = [options.queue ?? '*'];
  await promoteDue(backend, now());
  const process = newProcessInfo('worker', PROCESS_NAME, now(), { metadata: { queues } });
  await backend.registerProcess({ process });
  const performed: PerformedJob[] = [];
  try {
    const claimed = await claimEverything(backend, queues, process.id, now);
    const wanted: ClaimedJob[] = [];
    const others: ClaimedJob[] = [];
    for (const job of claimed) (!options.job || job.name === options.job.name ? wanted : others).push(job);
    // Claims cannot select by name: other kinds go straight back, with their attempt given back.
    if (others.length > 0) await backend.release({ items: others.map(refOf), now: now() });
    const deps = {
      registry: shigoto.registry,
      codecs: shigoto.codecs,
      middleware: shigoto.middleware,
      logger: shigoto.logger,
      now,
    };
    for (const job of wanted) {
      const completion = await executeJob(deps, job, new AbortController());
      const { rejected } = await backend.complete({ items: [completion], now: now() });
      if (rejected.length > 0) {
        shigoto.logger.warn('Completion refused: the job was taken over while it ran', { jobId: job.id });
      }
      performed.push({
        id: job.id,
        name: job.name,
        queue: job.queue,
        outcome: completion.outcome,
        error: 'error' in completion ? completion.error : null,
      });
    }
  } finally {
    await backend.deregisterProcess({ processId: process.id, now: now() });
  }
  return summarize(performed);
}

export function summarize(jobs: PerformedJob[]): PerformSummary {
  const count = (outcome: Completion['outcome']) => jobs.filter((job) => job.outcome === outcome).length;
  return {
    performed: jobs.length,
    finished: count('finished'),
    failed: count('failed'),
    retried: count('retry'),
    snoozed: count('snooze'),
    discarded: count('discarded'),
    ids: jobs.map((job) => job.id),
    jobs,
  };
}

/** Moves every due scheduled job to ready. */
export async function promoteDue(backend: Backend, now: number): Promise<void> {
  while ((await backend.promoteScheduled({ now, limit: BATCH })) === BATCH) {
    // keep going until a batch comes back short
  }
}

async function claimEverything(
  backend: Backend,
  queues: readonly string[],
  processId: string,
  now: () => number,
): Promise<ClaimedJob[]> {
  const claimed: ClaimedJob[] = [];
  for (;;) {
    const batch = await backend.claim({ queues, limit: BATCH, processId, now: now() });
    claimed.push(...batch);
    if (batch.length < BATCH) return claimed;
  }
}

function refOf(job: ClaimedJob): ClaimRef {
  return { jobId: job.id, lease: job.lease };
}
