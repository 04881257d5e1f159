import type { Shigoto } from '../client/shigoto.ts';

/** Lifecycle hooks (Solid Queue's on_start / on_stop / on_worker_start / on_worker_stop / on_thread_error). */
export interface LifecycleHooks {
  /** In the supervisor (or the embedded runtime) after it starts; `shigoto` can enqueue. */
  readonly onStart?: (ctx: { shigoto: Shigoto }) => void | Promise<void>;
  /** In the supervisor (or the embedded runtime) before it exits. */
  readonly onStop?: (ctx: { shigoto: Shigoto }) => void | Promise<void>;
  /** In each worker process after its workers start. */
  readonly onWorkerStart?: (info: { processId: string; queues: readonly string[] }) => void | Promise<void>;
  /** In each worker process after its workers stop. */
  readonly onWorkerStop?: (info: { processId: string; queues: readonly string[] }) => void | Promise<void>;
  /** An error of the runtime itself (a failed claim or heartbeat), not of a job. Default: logged. */
  readonly onThreadError?: (error: unknown) => void;
}
