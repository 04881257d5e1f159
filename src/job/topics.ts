import { InvalidInputError } from '../errors.ts';
import { NAME_PATTERN } from '../util/names.ts';
import type { Metadata } from './envelope.ts';

/** The task a job runs for, when it was published to a topic (JobContext.task). */
export interface TaskRef {
  readonly id: string;
  readonly topic: string;
}

/**
 * The metadata keys that carry a job's task: set when the task is published, shown with the
 * job's metadata, read back into JobContext.task.
 */
export const TASK_METADATA = { id: 'shigoto.task', topic: 'shigoto.topic' } as const;

/** The seed's default: a task's executions not started within 10 s expire. */
export const DEFAULT_TASK_EXPIRE_MS = 10_000;

export const TOPIC_RULE = '1-128 characters from A-Z a-z 0-9 _ . : -';

/** Topics follow the rule of queue names. */
export function assertTopicName(topic: unknown, what = 'topic name'): string {
  if (typeof topic !== 'string' || !NAME_PATTERN.test(topic)) {
    throw new InvalidInputError(`Invalid ${what} ${JSON.stringify(topic)}: use ${TOPIC_RULE}`);
  }
  return topic;
}

/** The task of a job, from its metadata; undefined for a job enqueued directly. */
export function taskRefOf(metadata: Metadata): TaskRef | undefined {
  const id = metadata[TASK_METADATA.id];
  const topic = metadata[TASK_METADATA.topic];
  return typeof id === 'string' && typeof topic === 'string' ? { id, topic } : undefined;
}
