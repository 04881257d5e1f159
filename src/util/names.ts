import { InvalidQueueNameError } from '../errors.ts';

/** Names that may become identifiers (queues, channels, keys) must match this everywhere. */
export const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export function assertQueueName(queue: unknown): string {
  if (typeof queue !== 'string') throw new InvalidQueueNameError(queue, 'it must be a string');
  if (!NAME_PATTERN.test(queue)) {
    throw new InvalidQueueNameError(queue, 'use 1-128 characters from A-Z a-z 0-9 _ . : -');
  }
  return queue;
}

/**
 * A worker's queue pattern: an exact name, "*" (every queue) or "prefix*".
 * Wildcards are allowed only here, never when enqueuing.
 */
export function assertQueuePattern(pattern: unknown): string {
  if (pattern === '*') return pattern;
  if (typeof pattern === 'string' && pattern.endsWith('*')) {
    assertQueueName(pattern.slice(0, -1));
    return pattern;
  }
  return assertQueueName(pattern);
}
