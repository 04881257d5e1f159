import type { ShigotoOptions } from '../client/shigoto.ts';
import type { ShigotoConfig } from './load.ts';

/** The client options the configuration sets: payload and queue size limits, serialized queues, the default concurrency duration. */
export function clientSettings(
  config: ShigotoConfig,
): Pick<
  ShigotoOptions,
  | 'maxPayloadBytes'
  | 'maxQueueSize'
  | 'queues'
  | 'concurrencyDuration'
  | 'taskExpire'
  | 'lifecycleEvents'
  | 'filterArguments'
> {
  const queues = Object.fromEntries(
    Object.entries(config.queues).map(([name, q]) => [
      name,
      {
        ...(q.maxSize === null ? {} : { maxSize: q.maxSize }),
        ...(q.serialized && { serialized: true, onError: q.onError }),
      },
    ]),
  );
  return {
    maxPayloadBytes: config.maxPayloadBytes,
    ...(config.maxQueueSize === null ? {} : { maxQueueSize: config.maxQueueSize }),
    queues,
    concurrencyDuration: config.defaultConcurrencyControlPeriodMs,
    taskExpire: config.taskExpireMs,
    lifecycleEvents: config.lifecycleEvents,
    filterArguments: config.filterArguments,
  };
}
