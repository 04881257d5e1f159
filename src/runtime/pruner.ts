import { hostname } from 'node:os';
import type { Backend } from '../backend/types.ts';
import type { Logger } from '../util/logger.ts';
import { isAlive } from './pidfile.ts';
import { Poller } from './poller.ts';

/**
 * Removes dead processes and returns their claimed jobs to ready. Every supervisor runs one,
 * so a dead host's work comes back. A process is dead when its heartbeat stopped longer than
 * `aliveThresholdMs` ago, or at once when it ran on this host and its pid is gone.
 */
export class Pruner {
  readonly #poller: Poller;

  constructor(
    deps: { backend: Backend; now: () => number; logger: Logger; onError: (error: unknown) => void },
    options: { aliveThresholdMs: number; intervalMs: number },
  ) {
    const { backend, logger } = deps;
    this.#poller = new Poller(async () => {
      const now = deps.now();
      const here = hostname();
      const gone = (await backend.listProcesses()).filter((p) => p.hostname === here && !isAlive(p.pid));
      let released = 0;
      for (const p of gone) released += await backend.deregisterProcess({ processId: p.id, now });
      const pruned = await backend.pruneProcesses({ aliveSince: now - options.aliveThresholdMs, now });
      released += pruned.released;
      const names = [...gone, ...pruned.pruned].map((p) => `${p.kind}:${p.name}:${p.pid}@${p.hostname}`);
      if (names.length > 0 || released > 0) {
        logger.warn('Pruned dead processes and released their jobs', { processes: names, released });
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
