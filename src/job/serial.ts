import type { SerialControl } from '../backend/types.ts';
import { InvalidInputError } from '../errors.ts';
import { keyText } from './controls.ts';

/** What a failure past its retries does to a serialized line (docs/serialized-queues.md). */
export type OnError = SerialControl['onError'];

export const ON_ERROR_VALUES: readonly OnError[] = ['stop', 'continue'];

/** The serialized queues of a client, by name, with what an error does to their lines. */
export type SerialQueues = ReadonlyMap<string, OnError>;

/** How a job splits a serialized queue into lines: a key computed from its arguments. */
export type OrderingKeyOf<Args> = (args: Args) => string | number;

/** Checks defineJob's orderingKey: a function of the arguments. */
export function validateOrderingKey(value: unknown, jobName: string): void {
  if (typeof value !== 'function') {
    throw new InvalidInputError(`Job "${jobName}": orderingKey must be a function of the arguments`);
  }
}

export interface SerialInput {
  readonly jobName: string;
  readonly queue: string;
  readonly args: unknown;
  /** The job's orderingKey function, if it has one. */
  readonly keyOf: OrderingKeyOf<unknown> | undefined;
  /** The call's orderingKey, over the job's function. */
  readonly callKey: string | number | undefined;
  /** Whether the job has concurrency options (a line already runs one at a time). */
  readonly hasConcurrency: boolean;
}

/**
 * The line of a job being enqueued, or null in a parallel queue. A serialized queue is one
 * line named after it; with an ordering key, each key is its own line "<queue>/<key>" (queue
 * names have no "/", so the two never collide). A job's orderingKey applies only where its queue
 * is serialized; a call's orderingKey to a parallel queue is a mistake.
 */
export function serialOf(queues: SerialQueues, input: SerialInput): SerialControl | null {
  const onError = queues.get(input.queue);
  const what = `Job "${input.jobName}"`;
  if (onError === undefined) {
    if (input.callKey !== undefined) {
      throw new InvalidInputError(
        `${what}: orderingKey needs a serialized queue, and queue "${input.queue}" is not (queues.${input.queue}.serialized)`,
      );
    }
    return null;
  }
  if (input.hasConcurrency) {
    throw new InvalidInputError(
      `${what} has concurrency options and cannot go to serialized queue "${input.queue}": its jobs already run one at a time`,
    );
  }
  const raw = input.callKey ?? input.keyOf?.(input.args);
  const key = raw === undefined ? input.queue : `${input.queue}/${keyText(raw, `${what} ordering key`)}`;
  return { key, onError };
}
