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
 * outage, and the workers poll meanwhile.
 *
 * The workers need not wait for the listening to begin (opening its connection is most of a
 * start: ~12 ms of ~15 on PostgreSQL): their first claim finds every job committed before it,
 * and once listening begins every worker is woken once more, for jobs whose notices came in
 * between. Returns what stops listening (once the subscription is made, if it still is being).
 */
export function listenForWakeups(
  backend: Backend,
  workers: readonly Wakeable[],
  logger: Logger,
): () => Promise<void> {
  if (!backend.capabilities.crossProcessWakeups || !backend.listen) return async () => {};
  const listen = backend.listen.bind(backend);
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
  const subscribed = (async () => {
    try {
      const unsubscribe = await listen(onQueues, onError);
      wakeMatching(workers, []);
      return unsubscribe;
    } catch (error) {
      logger.warn('Cannot listen for wake-ups; workers poll', { error });
      return async () => {};
    }
  })();
  return async () => (await subscribed)();
}
