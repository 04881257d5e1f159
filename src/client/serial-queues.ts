import { InvalidInputError } from '../errors.ts';
import { ON_ERROR_VALUES, type OnError, type SerialQueues } from '../job/serial.ts';
import type { QueueSettings } from './queue-limits.ts';

/**
 * The serialized queues among the client's queue settings (`{ ledger: { serialized: true,
 * onError: 'continue' } }`), checked: onError is 'stop' (the default) or 'continue', and only
 * for a serialized queue.
 */
export function serialQueuesOf(queues: Readonly<Record<string, QueueSettings>> | undefined): SerialQueues {
  const serial = new Map<string, OnError>();
  for (const [name, settings] of Object.entries(queues ?? {})) {
    const { serialized, onError } = settings;
    if (serialized !== undefined && typeof serialized !== 'boolean') {
      throw new InvalidInputError(
        `queues.${name}.serialized must be true or false, got ${JSON.stringify(serialized)}`,
      );
    }
    if (onError !== undefined && !ON_ERROR_VALUES.includes(onError)) {
      throw new InvalidInputError(
        `queues.${name}.onError must be "stop" or "continue", got ${JSON.stringify(onError)}`,
      );
    }
    if (onError !== undefined && !serialized) {
      throw new InvalidInputError(
        `queues.${name}.onError applies only to a serialized queue (serialized: true)`,
      );
    }
    if (serialized) serial.set(name, onError ?? 'stop');
  }
  return serial;
}
