import type { Shigoto } from '../client/shigoto.ts';
import type { Logger } from '../util/logger.ts';

/** Lifecycle hooks (Solid Queue's on_start / on_stop / on_worker_start / on_worker_stop / on_thread_error). */
export interface LifecycleHooks {
  /**
   * In the supervisor (or the embedded runtime) after it starts; `shigoto` can enqueue. Under
   * `shigoto start`, if it throws, the service stops and exits with code 1.
   */
  readonly onStart?: (ctx: { shigoto: Shigoto }) => void | Promise<void>;
  /** In the supervisor (or the embedded runtime) before it exits. */
  readonly onStop?: (ctx: { shigoto: Shigoto }) => void | Promise<void>;
  /**
   * In each worker process as its worker starts. Under `shigoto start` it runs before the first
   * claim; if it throws, that process exits holding nothing (and is restarted).
   */
  readonly onWorkerStart?: (info: { processId: string; queues: readonly string[] }) => void | Promise<void>;
  /** In each worker process after its workers stop. */
  readonly onWorkerStop?: (info: { processId: string; queues: readonly string[] }) => void | Promise<void>;
  /** An error of the runtime itself (a failed claim or heartbeat), not of a job. Default: logged. */
  readonly onThreadError?: (error: unknown) => void;
}

/**
 * The runtime's error handler: the onThreadError hook, or the log. A hook that throws is
 * logged too: it is called from inside the poll loops, and must not end them.
 */
export function threadErrorHandler(hooks: LifecycleHooks, logger: Logger): (error: unknown) => void {
  return (error) => {
    if (!hooks.onThreadError) return logger.error('Runtime error', { error });
    try {
      hooks.onThreadError(error);
    } catch (hookError) {
      logger.error('Runtime error; the onThreadError hook threw as well', { error, hookError });
    }
  };
}
