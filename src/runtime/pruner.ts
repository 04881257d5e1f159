import type { Backend } from '../backend/types.ts';
import type { Logger } from '../util/logger.ts';
import { Poller } from './poller.ts';

/**
 * Removes processes whose heartbeat stopped longer than `aliveThresholdMs` ago and returns
 * their claimed jobs to ready. Every supervisor runs one, so a dead host's work comes back.
 */
export class Pruner {
  readonly #poller: Poller;

  constructor(
    deps: { backend: Backend; now: () => number; logger: Logger; onError: (error: unknown) => void },
    options: { aliveThresholdMs: number; intervalMs: number },
  ) {
    this.#poller = new Poller(async () => {
      const now = deps.now();
      const { pruned, released } = await deps.backend.pruneProcesses({
        aliveSince: now - options.aliveThresholdMs,
        now,
      });
      if (pruned.length > 0 || released > 0) {
        deps.logger.warn('Pruned dead processes and released their jobs', {
          processes: pruned.map((p) => `${p.kind}:${p.name}:${p.pid}@${p.hostname}`),
          released,
        });
      }
      return options.intervalMs;
    }, deps.onError);
  }

  start(): void {
    this.#poller.start();
  }

  stop(): Promise<void> {
    return this.#poller.stop();
  }
}
