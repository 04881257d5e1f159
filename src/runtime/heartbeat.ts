import type { Backend } from '../backend/types.ts';

/**
 * Beats for a set of process ids from a timer of its own. In `shigoto start` it runs in the
 * supervisor, so a child whose event loop is busy with a CPU-bound job is not taken for dead.
 */
export class Heartbeat {
  readonly #backend: Backend;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #ids = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(backend: Backend, intervalMs: number, now: () => number, onError: (error: unknown) => void) {
    this.#backend = backend;
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#onError = onError;
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
    this.#beating ??= this.#backend
      .heartbeat({ processIds: [...this.#ids], now: this.#now() })
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
}
