/**
 * The one loop shape of every role: `poll()` does a batch of work and says how long to sleep
 * (Infinity: until woken). `wake()` cuts a sleep short. An error never ends the loop: it is
 * reported and the loop backs off, so a database blip cannot silently stop a worker.
 */
export class Poller {
  readonly #poll: () => Promise<number>;
  readonly #onError: (error: unknown) => void;
  #running = false;
  #wakeRequested = false;
  #wakeSleep: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #errorStreak = 0;

  constructor(poll: () => Promise<number>, onError: (error: unknown) => void) {
    this.#poll = poll;
    this.#onError = onError;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Polls again as soon as the current poll (if any) ends. */
  wake(): void {
    this.#wakeRequested = true;
    this.#wakeSleep?.();
  }

  /** Stops after the current poll; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#wakeRequested = false;
      let sleepMs: number;
      try {
        sleepMs = await this.#poll();
        this.#errorStreak = 0;
      } catch (error) {
        this.#errorStreak++;
        this.#onError(error);
        sleepMs = Math.min(30_000, 100 * 2 ** Math.min(this.#errorStreak, 9)) * (0.5 + Math.random());
      }
      if (!this.#running) break;
      if (sleepMs > 0 && !this.#wakeRequested) await this.#sleep(sleepMs);
      // Even with more work at once, let timers and I/O run between polls: a synchronous
      // driver (SQLite) resolves everything in microtasks and would starve them.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wakeSleep = undefined;
        resolve();
      }
      this.#wakeSleep = done;
    });
  }
}
