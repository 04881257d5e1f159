import type { Backend } from '../backend/types.ts';
import type { Logger } from '../util/logger.ts';
import { Poller } from './poller.ts';

export interface DispatcherOptions {
  /** Sleep between polls when nothing was due. */
  readonly pollingIntervalMs: number;
  /** Most scheduled jobs moved to ready by one poll. */
  readonly batchSize: number;
  /** Finished jobs are kept this long, then cleared. */
  readonly clearFinishedAfterMs: number;
  /** How often finished jobs are cleared. */
  readonly clearIntervalMs: number;
}

export interface DispatcherDeps {
  readonly backend: Backend;
  readonly now: () => number;
  readonly logger: Logger;
  readonly onError: (error: unknown) => void;
  /** Called with the number of jobs that became ready (wakes in-process workers). */
  readonly onPromoted?: (count: number) => void;
}

const CLEAR_BATCH = 1000;

/** Moves due scheduled jobs to ready in batches, and clears finished jobs past their retention. */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #options: DispatcherOptions;
  readonly #poller: Poller;
  #nextClearAt = 0;

  constructor(deps: DispatcherDeps, options: DispatcherOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#poller = new Poller(() => this.#poll(), deps.onError);
  }

  start(): void {
    this.#poller.start();
  }

  wake(): void {
    this.#poller.wake();
  }

  stop(): Promise<void> {
    return this.#poller.stop();
  }

  async #poll(): Promise<number> {
    const now = this.#deps.now();
    const promoted = await this.#deps.backend.promoteScheduled({ now, limit: this.#options.batchSize });
    if (promoted > 0) this.#deps.onPromoted?.(promoted);
    if (now >= this.#nextClearAt) {
      this.#nextClearAt = now + this.#options.clearIntervalMs;
      await this.#clearFinished(now);
    }
    return promoted === this.#options.batchSize ? 0 : this.#options.pollingIntervalMs;
  }

  async #clearFinished(now: number): Promise<void> {
    const before = now - this.#options.clearFinishedAfterMs;
    let total = 0;
    for (let cleared = CLEAR_BATCH; cleared === CLEAR_BATCH; total += cleared) {
      cleared = await this.#deps.backend.clearFinished({ before, limit: CLEAR_BATCH });
    }
    if (total > 0) this.#deps.logger.info('Cleared finished jobs past retention', { cleared: total });
  }
}
