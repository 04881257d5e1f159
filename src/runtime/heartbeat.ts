import type { Backend } from '../backend/types.ts';

/**
 * Beats for a set of process ids from a timer of its own. In `shigoto start` it runs in the
 * supervisor, so a child whose event loop is busy with a CPU-bound job is not taken for dead.
 *
 * With `onGone`, each beat also checks that the rows still exist: a process that was paused
 * past the alive threshold (SIGSTOP, Ctrl-Z, a VM pause) has been pruned and its jobs handed
 * to others, and must find out rather than go on working under an id nobody knows.
 */
export class Heartbeat {
  readonly #backend: Backend;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #onGone: ((ids: readonly string[]) => void) | undefined;
  readonly #ids = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(
    backend: Backend,
    intervalMs: number,
    now: () => number,
    onError: (error: unknown) => void,
    onGone?: (ids: readonly string[]) => void,
  ) {
    this.#backend = backend;
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#onError = onError;
    this.#onGone = onGone;
  }

  add(id: string): void {
    this.#ids.add(id);
  }

  remove(id: string): void {
    this.#ids.delete(id);
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.beat(), this.#intervalMs);
    this.#timer.unref();
  }

  beat(): Promise<void> {
    this.#beating ??= this.#beatAndCheck()
      .catch(this.#onError)
      .finally(() => {
        this.#beating = undefined;
      });
    return this.#beating;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#beating;
  }

  async #beatAndCheck(): Promise<void> {
    const ids = [...this.#ids];
    await this.#backend.heartbeat({ processIds: ids, now: this.#now() });
    if (!this.#onGone || ids.length === 0) return;
    const known = new Set((await this.#backend.listProcesses()).map((p) => p.id));
    // An id removed meanwhile (its process exited and deregistered) is not news.
    const gone = ids.filter((id) => !known.has(id) && this.#ids.has(id));
    if (gone.length > 0) this.#onGone(gone);
  }
}
