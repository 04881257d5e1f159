import type { QueueLimits } from '../backend/types.ts';
import { InvalidInputError } from '../errors.ts';
import { assertQueueName } from '../util/names.ts';

/** Settings of one queue (config: queues: { <name>: { max_size, serialized, on_error } }). */
export interface QueueSettings {
  /** Most waiting jobs (ready + scheduled + blocked) the queue holds; an enqueue beyond raises QueueFullError. */
  readonly maxSize?: number;
  /** Its jobs run one at a time in enqueue order (per ordering key, if they have one). Default false. */
  readonly serialized?: boolean;
  /** A serialized queue's answer to a job failing past its retries (docs/serialized-queues.md). Default 'stop'. */
  readonly onError?: 'stop' | 'continue';
}

function checkSize(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`${what} must be a whole number >= 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The size limits the backend checks at enqueue, or undefined when there are none (no counting at all). */
export function queueLimitsOf(
  maxQueueSize: number | undefined,
  queues: Readonly<Record<string, QueueSettings>> | undefined,
): QueueLimits | undefined {
  const perQueue: Record<string, number> = {};
  for (const [name, settings] of Object.entries(queues ?? {})) {
    assertQueueName(name);
    if (settings.maxSize !== undefined)
      perQueue[name] = checkSize(settings.maxSize, `queues.${name}.maxSize`);
  }
  const total = maxQueueSize === undefined ? undefined : checkSize(maxQueueSize, 'maxQueueSize');
  if (total === undefined && Object.keys(perQueue).length === 0) return undefined;
  return { ...(total === undefined ? {} : { total }), perQueue };
}
