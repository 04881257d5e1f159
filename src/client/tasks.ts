import { randomBytes } from 'node:crypto';
import type { Backend, NewJob, NewTask } from '../backend/types.ts';
import { NoSubscribersError } from '../errors.ts';
import { positiveMs } from '../job/controls.ts';
import type { Metadata } from '../job/envelope.ts';
import { assertTopicName, TASK_METADATA } from '../job/topics.ts';
import type { Duration } from '../util/duration.ts';
import { type EnqueueRequest, type EnqueuerDeps, enqueueRequests, type JobWriter } from './enqueue.ts';
import type { JobRegistry } from './registry.ts';

export interface TaskOptions {
  /**
   * Executions not started within this long of the publish expire (kept, visible, never run
   * late). Default: the client's taskExpire, 10 s.
   */
  readonly expire?: Duration;
  /** Small facts carried with every execution (as EnqueueOptions.metadata). */
  readonly metadata?: Metadata;
  /** Your open database transaction, as EnqueueOptions.transaction. */
  readonly transaction?: unknown;
}

export interface TaskPublisherDeps {
  readonly backend: Backend;
  readonly registry: JobRegistry;
  /** The enqueue path the jobs go through (its writer is replaced by the task's). */
  readonly enqueuer: EnqueuerDeps;
  /** The client's default expiry of tasks, in ms. */
  readonly expireMs: number;
}

/** A new task id: 32 hexadecimal characters, as the seed's. */
export function newTaskId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Publishes one task: one job per subscriber of `topic`, each with `content` as its arguments,
 * through the enqueue path (callbacks, codecs, payload limit, argument checks), stored with the
 * task in one transaction. Any error stores nothing. Returns the task id.
 */
export async function publishTask(
  deps: TaskPublisherDeps,
  topic: string,
  content: unknown,
  options: TaskOptions = {},
): Promise<string> {
  assertTopicName(topic);
  const subscribers = deps.registry.subscribers(topic);
  if (subscribers.length === 0) throw new NoSubscribersError(topic, deps.registry.topics());
  const expireMs = options.expire === undefined ? deps.expireMs : positiveMs(options.expire, 'expire');
  const now = deps.enqueuer.now();
  const task: NewTask = { id: newTaskId(), topic, expiresAt: now + expireMs };
  const link: Metadata = { [TASK_METADATA.id]: task.id, [TASK_METADATA.topic]: topic };
  const requests: EnqueueRequest[] = subscribers.map((job) => ({
    job,
    args: content,
    options: { metadata: { ...options.metadata, ...link }, expiresIn: expireMs },
  }));
  const { backend } = deps;
  const writer: JobWriter = {
    name: backend.name,
    capabilities: backend.capabilities,
    enqueue: ({ jobs, ...rest }) =>
      backend.publishTask({ ...rest, task, jobs: jobs.map((job) => linked(job, task, link)) }),
  };
  await enqueueRequests(
    // One time for the task and its jobs: the task expires exactly `expire` after its publish.
    { ...deps.enqueuer, backend: writer, now: () => now },
    requests,
    options.transaction === undefined ? {} : { transaction: options.transaction },
  );
  return task.id;
}

/**
 * A task's expiry is a time, not a delay: a callback that moved a job's run time does not move
 * it. The task link is set again after callbacks that may have replaced the metadata.
 */
function linked(job: NewJob, task: NewTask, link: Metadata): NewJob {
  const metadata = JSON.stringify({ ...(JSON.parse(job.metadata) as Metadata), ...link });
  return { ...job, metadata, expiresAt: task.expiresAt };
}
