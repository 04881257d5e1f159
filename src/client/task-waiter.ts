import { ACTIVE_JOB_STATES, type Backend, type TaskRecord } from '../backend/types.ts';
import { TaskNotFoundError, WaitTimeoutError } from '../errors.ts';
import { type Duration, toMs } from '../util/duration.ts';
import type { Logger } from '../util/logger.ts';

export interface WaitForOptions {
  /** Give up (WaitTimeoutError) after this long; the task goes on. Default: wait until it ends. */
  readonly timeout?: Duration;
  /** Stops waiting (rejects with the signal's reason); the task goes on. */
  readonly signal?: AbortSignal;
}

/**
 * Without notices from the database, waiters look every this often (another process's worker
 * may end a task's job); jobs ended by this process's own workers wake them at once.
 */
export const TASK_POLL_INTERVAL_MS = 100;
/** After a failed look, the next comes this much later whatever else happens. */
const RETRY_MS = 1000;

type Settle = (task: TaskRecord) => void;

/**
 * Waits for tasks to end: one look at the database per wake-up for every task waited for. It
 * wakes on the backend's notices (PostgreSQL's task channel: no polling there), on jobs ended
 * in this process (wake), and otherwise on a modest poll while anyone waits.
 */
export class TaskWaiter {
  readonly #backend: Backend;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #waiting = new Map<string, Set<Settle>>();
  #listening: Promise<(() => Promise<void>) | null> | undefined;
  #checking: Promise<void> | undefined;
  /** The tasks to look at next: those a notice named, or all waited for (a poll, a reconnect). */
  #due: Set<string> | 'all' = new Set();
  #poll: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(backend: Backend, logger: Logger, pollMs = TASK_POLL_INTERVAL_MS) {
    this.#backend = backend;
    this.#logger = logger;
    this.#pollMs = pollMs;
  }

  /** Resolves with the task once none of its jobs waits or runs. */
  async wait(id: string, options: WaitForOptions = {}): Promise<TaskRecord> {
    const timeoutMs = options.timeout === undefined ? undefined : toMs(options.timeout, 'timeout');
    options.signal?.throwIfAborted();
    // Listening before the first look: a job that ends in between is not missed.
    const notices = await this.#listen();
    const [task] = await this.#backend.getTasks({ ids: [id] });
    if (!task) throw new TaskNotFoundError(id);
    if (hasEnded(task)) return task;
    options.signal?.throwIfAborted(); // it may have aborted during the look
    return new Promise<TaskRecord>((resolve, reject) => {
      const settle: Settle = (ended) => {
        done();
        resolve(ended);
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              done();
              reject(new WaitTimeoutError(id, timeoutMs));
            }, timeoutMs);
      const onAbort = () => {
        done();
        reject(options.signal!.reason);
      };
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const set = this.#waiting.get(id);
        set?.delete(settle);
        if (set?.size === 0) this.#waiting.delete(id);
        this.#updatePoll(notices);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const set = this.#waiting.get(id) ?? new Set();
      set.add(settle);
      this.#waiting.set(id, set);
      this.#updatePoll(notices);
    });
  }

  /** Jobs of these tasks (undefined or empty: of any task) may have ended: look again. */
  wake(taskIds?: readonly string[]): void {
    if (this.#waiting.size === 0) return;
    if (!taskIds || taskIds.length === 0) this.#due = 'all';
    else if (this.#due !== 'all') {
      const due = this.#due;
      for (const id of taskIds) if (this.#waiting.has(id)) due.add(id);
      if (due.size === 0) return;
    }
    void this.#check();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#poll);
    this.#poll = undefined;
    const unlisten = await this.#listening?.catch(() => null);
    await unlisten?.().catch(() => undefined);
  }

  /** Subscribes to the backend's task notices once; null where it has none (or they failed). */
  #listen(): Promise<(() => Promise<void>) | null> {
    const listen = this.#backend.listenTasks?.bind(this.#backend);
    this.#listening ??= listen
      ? listen(
          (ids) => this.wake(ids),
          (error) => this.#logger.warn('Task notices interrupted; reconnecting', { error }),
        ).catch((error: unknown) => {
          this.#logger.warn('Cannot listen for task notices; polling instead', { error });
          return null;
        })
      : Promise.resolve(null);
    return this.#listening;
  }

  /** A poll runs while anyone waits and no notices come from the backend. */
  #updatePoll(notices: unknown): void {
    const wanted = this.#waiting.size > 0 && notices === null && !this.#closed;
    if (wanted && !this.#poll) this.#poll = setInterval(() => this.wake(), this.#pollMs);
    if (!wanted && this.#poll) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
  }

  /** One look at the tasks due; wake-ups during a look make one more after it. */
  #check(): Promise<void> {
    if (this.#checking) return this.#checking;
    this.#checking = (async () => {
      for (;;) {
        const due = this.#due;
        this.#due = new Set();
        const ids = (due === 'all' ? [...this.#waiting.keys()] : [...due]).filter((id) =>
          this.#waiting.has(id),
        );
        if (ids.length === 0) break;
        const ended = await this.#backend.getTasks({ ids, ended: true });
        for (const task of ended) for (const settle of [...(this.#waiting.get(task.id) ?? [])]) settle(task);
      }
    })()
      .catch((error: unknown) => {
        this.#logger.warn('Looking up tasks waited for failed; trying again', { error });
        setTimeout(() => this.wake(), RETRY_MS);
      })
      .finally(() => {
        this.#checking = undefined;
        // A wake-up between the last look and now.
        if (this.#due === 'all' || this.#due.size > 0) void this.#check();
      });
    return this.#checking;
  }
}

/** None of its jobs waits or runs (a job that is gone has ended). */
export function hasEnded(task: TaskRecord): boolean {
  return task.executions.every((e) => e.job === null || !ACTIVE_JOB_STATES.includes(e.job.state));
}
