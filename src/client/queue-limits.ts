import type { QueueLimits } from '../backend/types.ts';
import { InvalidInputError } from '../errors.ts';
import { assertQueueName } from '../util/names.ts';

/** Settings of one queue (config: queues: { <name>: { max_size } }). */
export interface QueueSettings {
  /** Most waiting jobs (ready + scheduled + blocked) the queue holds; an enqueue beyond raises QueueFullError. */
  readonly maxSize?: number;
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
