import type { Backend } from '../backend/types.ts';
import type { Logger } from '../util/logger.ts';
import { RUNTIME_DEFAULTS } from './defaults.ts';
import type { JobObserver } from './observer.ts';
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
  /**
   * How often concurrency slots held past their duration are released and blocked jobs
   * checked again; null: never (another dispatcher does it). Default 600 s.
   */
  readonly concurrencyMaintenanceIntervalMs?: number | null;
}

export interface DispatcherDeps {
  readonly backend: Backend;
  readonly now: () => number;
  readonly logger: Logger;
  readonly onError: (error: unknown) => void;
  /** Called with the number of jobs that became ready (wakes in-process workers). */
  readonly onPromoted?: (count: number) => void;
  /** Told of the jobs the sweep expired (lifecycle events, task waiters). */
  readonly observer?: Pick<JobObserver, 'expired' | 'drain'> | undefined;
}

const CLEAR_BATCH = 1000;

/**
 * Moves due scheduled jobs to ready and expires waiting jobs past their expiry, in batches;
 * now and then runs concurrency maintenance and clears finished jobs past their retention.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #options: DispatcherOptions;
  readonly #poller: Poller;
  #nextClearAt = 0;
  #nextMaintenanceAt = 0;

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

  /** Stops polling, then waits for what the observer began (events of the last sweep). */
  async stop(): Promise<void> {
    await this.#poller.stop();
    await this.#deps.observer?.drain();
  }

  async #poll(): Promise<number> {
    const { backend, logger } = this.#deps;
    const { batchSize } = this.#options;
    const now = this.#deps.now();
    const promoted = await backend.promoteScheduled({ now, limit: batchSize });
    if (promoted > 0) this.#deps.onPromoted?.(promoted);
    const expired = await backend.expireJobs({ now, limit: batchSize });
    if (expired.length > 0) {
      logger.info('Jobs expired before they started', { expired: expired.length });
      this.#deps.observer?.expired(expired);
    }
    await this.#maintainConcurrency(now);
    if (now >= this.#nextClearAt) {
      this.#nextClearAt = now + this.#options.clearIntervalMs;
      await this.#clearFinished(now);
    }
    return promoted === batchSize || expired.length === batchSize ? 0 : this.#options.pollingIntervalMs;
  }

  /** A failsafe: a slot whose job never ended (its worker vanished) is freed after its duration. */
  async #maintainConcurrency(now: number): Promise<void> {
    const interval =
      this.#options.concurrencyMaintenanceIntervalMs === undefined
        ? RUNTIME_DEFAULTS.dispatcher.concurrencyMaintenanceIntervalMs
        : this.#options.concurrencyMaintenanceIntervalMs;
    if (interval === null || now < this.#nextMaintenanceAt) return;
    this.#nextMaintenanceAt = now + interval;
    const unblocked = await this.#deps.backend.unblockJobs({ now, limit: this.#options.batchSize });
    if (unblocked === 0) return;
    this.#deps.onPromoted?.(unblocked);
    this.#deps.logger.info('Unblocked jobs after their concurrency duration', { unblocked });
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
