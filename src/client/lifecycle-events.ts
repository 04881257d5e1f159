import type { ClaimedJob, Completion, ExpiredJob } from '../backend/types.ts';
import type { CodecRegistry } from '../job/codec.ts';
import type { AnyJob } from '../job/define.ts';
import { parseMetadata } from '../job/envelope.ts';
import { type TaskRef, taskRefOf } from '../job/topics.ts';
import type { ArgumentFilter } from '../util/filter.ts';
import type { Logger } from '../util/logger.ts';
import type { JobRegistry } from './registry.ts';

/** The topics job state changes are published on (the seed's job_transaction_event). */
export const LIFECYCLE_TOPICS = {
  started: 'Job.Started',
  completed: 'Job.Completed',
  failed: 'Job.Failed',
  discarded: 'Job.Discarded',
  expired: 'Job.Expired',
  retried: 'Job.Retried',
} as const;

export type LifecycleEventName = keyof typeof LIFECYCLE_TOPICS;

/** The content of a lifecycle event task. */
export interface LifecycleEvent {
  readonly event: LifecycleEventName;
  readonly jobId: string;
  readonly name: string;
  readonly queue: string;
  /** The job's arguments, secrets filtered (filterArguments); null if they cannot be decoded. */
  readonly arguments: unknown;
  /** The run this is about (1 for the first); expired: the run that never started. */
  readonly attempt: number;
  /** ISO time of the change. */
  readonly at: string;
  /** failed, discarded, retried: the error's name and message. */
  readonly error?: { readonly name: string; readonly message: string };
  /** retried: when it runs again (ISO time). */
  readonly retryAt?: string;
  /** The task the job ran for, if it was published to a topic. */
  readonly task?: TaskRef;
}

const BY_OUTCOME: Partial<Record<Completion['outcome'], LifecycleEventName>> = {
  finished: 'completed',
  failed: 'failed',
  discarded: 'discarded',
  expired: 'expired',
  retry: 'retried',
};

const LIFECYCLE_PREFIX = 'Job.';

/** A job subscribed to a lifecycle topic never publishes its own: no event loops. */
export function listensToLifecycle(job: AnyJob): boolean {
  return (job.topics ?? []).some((topic) => topic.startsWith(LIFECYCLE_PREFIX));
}

export interface LifecycleDeps {
  readonly registry: JobRegistry;
  readonly codecs: CodecRegistry;
  readonly filter: ArgumentFilter;
  readonly logger: Logger;
  readonly now: () => number;
  /** The client's default (a job's lifecycleEvents overrides it). */
  readonly enabled: boolean;
  readonly publish: (topic: string, content: LifecycleEvent) => Promise<string>;
}

/**
 * Publishes job state changes as tasks on the Job.* topics, for the jobs that have them
 * enabled, and only to topics some job subscribes to. Publishing runs beside the worker: a
 * failure is logged and never touches the job.
 */
export class LifecycleEvents {
  readonly #deps: LifecycleDeps;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(deps: LifecycleDeps) {
    this.#deps = deps;
  }

  started(job: ClaimedJob): void {
    this.#emit('started', job, {});
  }

  /** Completions written for these claimed jobs. */
  ended(done: readonly { job: ClaimedJob; completion: Completion }[]): void {
    for (const { job, completion } of done) {
      const event = BY_OUTCOME[completion.outcome];
      if (!event) continue;
      const error = 'error' in completion && completion.error ? completion.error : undefined;
      this.#emit(event, job, {
        ...(error && { error: { name: error.name, message: error.message } }),
        ...(completion.outcome === 'retry' && { retryAt: new Date(completion.runAt).toISOString() }),
      });
    }
  }

  /** Jobs ended as expired while they waited (by the sweep, or found so by a claim). */
  expired(jobs: readonly ExpiredJob[]): void {
    for (const job of jobs) this.#emit('expired', job, { attempt: job.attempts + 1 });
  }

  /** Resolves once every event begun so far is published (or failed). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** `job`: a claimed job (its attempts count its run) or an expired one (with `extra.attempt`). */
  #emit(event: LifecycleEventName, job: ExpiredJob, extra: Partial<LifecycleEvent>): void {
    const topic = LIFECYCLE_TOPICS[event];
    if (!this.#wants(job.name, topic)) return;
    const content: LifecycleEvent = {
      event,
      jobId: job.id,
      name: job.name,
      queue: job.queue,
      arguments: this.#arguments(job.args),
      attempt: job.attempts,
      at: new Date(this.#deps.now()).toISOString(),
      ...extra,
      ...taskOf(job),
    };
    const published = this.#deps
      .publish(topic, content)
      .catch((error: unknown) =>
        this.#deps.logger.warn('Lifecycle event not published', { topic, jobId: job.id, error }),
      )
      .finally(() => this.#inFlight.delete(published));
    this.#inFlight.add(published);
  }

  #wants(name: string, topic: string): boolean {
    const { registry, enabled } = this.#deps;
    if (registry.subscribers(topic).length === 0) return false;
    const job = registry.find(name);
    if (job && listensToLifecycle(job)) return false;
    return job?.lifecycleEvents ?? enabled;
  }

  #arguments(encoded: string): unknown {
    try {
      return this.#deps.filter(this.#deps.codecs.parse(encoded));
    } catch {
      return null;
    }
  }
}

function taskOf(job: ExpiredJob): { task?: TaskRef } {
  try {
    const task = taskRefOf(parseMetadata(job.metadata));
    return task ? { task } : {};
  } catch {
    return {};
  }
}
