import { queueMatches } from '../backend/queue-selection.ts';
import type { Backend } from '../backend/types.ts';
import type { Logger } from '../util/logger.ts';

/** What a wake-up reaches: a worker and the queue patterns it takes. */
export interface Wakeable {
  readonly queues: readonly string[];
  wake(): void;
}

/** Wakes the workers that take any of `queues`; every worker for an empty list ("maybe any queue"). */
export function wakeMatching(workers: readonly Wakeable[], queues: Iterable<string>): void {
  const named = [...queues];
  for (const worker of workers) {
    if (named.length === 0 || named.some((queue) => queueMatches(worker.queues, queue))) worker.wake();
  }
}

/**
 * Where the backend pushes wake-ups across processes (PostgreSQL LISTEN/NOTIFY), a job that
 * becomes ready anywhere wakes the idle workers here at once instead of at their next poll;
 * polling stays the fallback. Never throws: losing the wake-up connection is logged once per
 * outage, and the workers poll meanwhile. Resolves to an unsubscribe function.
 */
async function subscribeWakeups(
  backend: Backend,
  workers: readonly Wakeable[],
  logger: Logger,
): Promise<() => Promise<void>> {
  if (!backend.capabilities.crossProcessWakeups || !backend.listen) return async () => {};
  let down = false;
  const onError = (error: unknown) => {
    if (!down) logger.warn('Lost the wake-up connection; reconnecting, workers poll meanwhile', { error });
    down = true;
  };
  const onQueues = (queues: readonly string[]) => {
    if (down) logger.info('Listening for wake-ups again');
    down = false;
    wakeMatching(workers, queues);
  };
  try {
    return await backend.listen(onQueues, onError);
  } catch (error) {
    logger.warn('Cannot listen for wake-ups; workers poll', { error });
    return async () => {};
  }
}

/**
 * Listens without holding up the workers, which may start at once: their first claim finds
 * every job committed before it, and once listening begins every worker is woken once more
 * for jobs whose notices came in between. Opening the LISTEN connection is most of a start
 * (~12 ms of ~15 on PostgreSQL). Returns what stops listening (after the subscription, if it
 * is still being made).
 */
export function listenBeside(
  backend: Backend,
  workers: readonly Wakeable[],
  logger: Logger,
): () => Promise<void> {
  const subscribed = subscribeWakeups(backend, workers, logger).then((unsubscribe) => {
    wakeMatching(workers, []);
    return unsubscribe;
  });
  return async () => (await subscribed)();
}
