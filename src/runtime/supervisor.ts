import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../backend/types.ts';
import type { Shigoto } from '../client/shigoto.ts';
import type { ShigotoConfig } from '../config/load.ts';
import type { Logger } from '../util/logger.ts';
import { newProcessInfo } from '../util/process-info.ts';
import type { ChildMessage, ChildSpec } from './child.ts';
import { Heartbeat } from './heartbeat.ts';
import { removePidfile, writePidfile } from './pidfile.ts';
import { Pruner } from './pruner.ts';

const CHILD_MAIN = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './child-main.ts' : './child-main.js', import.meta.url),
);
/** Extra time children get past shutdown_timeout to release and exit before QUIT, then KILL. */
const EXIT_GRACE_MS = 3000;
const MAX_RESTART_DELAY_MS = 30_000;

interface Child {
  readonly spec: ChildSpec;
  readonly process: ChildProcess;
  readonly startedAt: number;
  readonly exited: Promise<void>;
  processId?: string;
  /** Told to stop because it was pruned while alive: restarted at once, not as a crash. */
  replaced?: boolean;
}

/**
 * `shigoto start`: forks a process per worker (× processes) and per dispatcher, and one
 * scheduler when there are recurring tasks; restarts a child that dies (after releasing what
 * it held), heartbeats for all of them from its own event loop, prunes dead processes, and
 * turns TERM/INT (graceful) and QUIT (immediate) into an orderly stop.
 */
export class Supervisor {
  readonly #config: ShigotoConfig;
  readonly #shigoto: Shigoto;
  readonly #backend: Backend;
  readonly #logger: Logger;
  readonly #children = new Set<Child>();
  readonly #restartDelays = new Map<string, number>();
  /** Restarts waiting out their backoff: cleared on stop, so they cannot hold the exit up. */
  readonly #pendingRestarts = new Set<NodeJS.Timeout>();
  readonly #done = Promise.withResolvers<number>();
  #info = newProcessInfo('supervisor', 'supervisor', Date.now());
  #heartbeat: Heartbeat | undefined;
  #pruner: Pruner | undefined;
  #stopping = false;
  #exitCode = 0;

  constructor(config: ShigotoConfig, shigoto: Shigoto) {
    this.#config = config;
    this.#shigoto = shigoto;
    this.#backend = shigoto.backend;
    this.#logger = shigoto.logger;
  }

  /** Resolves with the exit code once stopped. */
  get done(): Promise<number> {
    return this.#done.promise;
  }

  async start(): Promise<void> {
    const config = this.#config;
    if (config.pidfile) writePidfile(config.pidfile);
    this.#info = newProcessInfo('supervisor', 'supervisor', Date.now(), {
      metadata: {
        workers: config.workers.length,
        dispatchers: config.dispatchers.length,
        scheduler: hasScheduler(config),
      },
    });
    await this.#backend.registerProcess({ process: this.#info });
    const onError = (error: unknown) => this.#logger.error('Supervisor error', { error });
    this.#heartbeat = new Heartbeat(
      this.#backend,
      config.processHeartbeatIntervalMs,
      Date.now,
      onError,
      (ids) => this.#onPruned(ids),
    );
    this.#heartbeat.add(this.#info.id);
    this.#heartbeat.start();
    this.#pruner = new Pruner(
      { backend: this.#backend, now: Date.now, logger: this.#logger, onError },
      {
        aliveThresholdMs: config.processAliveThresholdMs,
        intervalMs: Math.min(config.processAliveThresholdMs, 60_000),
      },
    );
    this.#pruner.start();

    process.on('SIGTERM', () => void this.stop(false));
    process.on('SIGINT', () => void this.stop(false));
    process.on('SIGQUIT', () => void this.stop(true));

    config.workers.forEach((worker, index) => {
      for (let n = 0; n < worker.processes; n++)
        this.#fork({ role: 'worker', index, supervisorId: this.#info.id, config });
    });
    config.dispatchers.forEach((_, index) => {
      this.#fork({ role: 'dispatcher', index, supervisorId: this.#info.id, config });
    });
    if (hasScheduler(config))
      this.#fork({ role: 'scheduler', index: 0, supervisorId: this.#info.id, config });
    this.#logger.info('Supervisor started', {
      pid: process.pid,
      children: this.#children.size,
      backend: this.#backend.name,
    });
    if (!(await this.#hook('onStart'))) void this.stop(false);
  }

  /** Graceful: children finish running jobs (up to shutdown_timeout). Immediate: they release them now. */
  async stop(immediate: boolean): Promise<void> {
    if (this.#stopping) {
      // QUIT during a graceful stop: the children release their running jobs now.
      if (immediate) for (const child of this.#children) child.process.kill('SIGQUIT');
      return;
    }
    this.#stopping = true;
    for (const timer of this.#pendingRestarts) clearTimeout(timer);
    this.#logger.info(immediate ? 'Stopping now (QUIT)' : 'Stopping gracefully', {
      children: this.#children.size,
    });
    try {
      await this.#stopChildren(immediate);
      await this.#pruner?.stop();
      await this.#heartbeat?.stop();
      await this.#hook('onStop');
      await this.#backend.deregisterProcess({ processId: this.#info.id, now: Date.now() });
      await this.#backend.close();
    } catch (error) {
      this.#logger.error('Stopping failed', { error });
      this.#exitCode = 1;
    } finally {
      if (this.#config.pidfile) removePidfile(this.#config.pidfile);
      this.#done.resolve(this.#exitCode);
    }
  }

  /** Runs onStart or onStop; a failure is logged and makes the exit code 1, never skips the rest. */
  async #hook(name: 'onStart' | 'onStop'): Promise<boolean> {
    try {
      await this.#shigoto.hooks[name]?.({ shigoto: this.#shigoto });
      return true;
    } catch (error) {
      this.#logger.error(`The ${name} hook failed`, { error });
      this.#exitCode = 1;
      return false;
    }
  }

  async #stopChildren(immediate: boolean): Promise<void> {
    const all = [...this.#children];
    for (const child of all) child.process.kill(immediate ? 'SIGQUIT' : 'SIGTERM');
    const firstWait = immediate ? EXIT_GRACE_MS : this.#config.shutdownTimeoutMs + EXIT_GRACE_MS;
    if (!(await exitedWithin(all, firstWait)) && !immediate) {
      for (const child of this.#children) child.process.kill('SIGQUIT');
      await exitedWithin([...this.#children], EXIT_GRACE_MS);
    }
    for (const child of [...this.#children]) {
      this.#logger.warn('Child did not stop; killing it', { pid: child.process.pid });
      child.process.kill('SIGKILL');
      await child.exited;
    }
  }

  #fork(spec: ChildSpec): void {
    const processHandle = fork(CHILD_MAIN, [], {
      env: { ...process.env, SHIGOTO_CHILD: JSON.stringify(spec) },
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // Settles once the child has exited and what it held is released: a stop waits for both.
    const exited = new Promise<void>((resolve) =>
      processHandle.once('exit', (code, signal) => void this.#onExit(child, code, signal).finally(resolve)),
    );
    const child: Child = { spec, process: processHandle, startedAt: Date.now(), exited };
    this.#children.add(child);
    processHandle.on('message', (message: ChildMessage) => {
      if (message?.type === 'registered') {
        child.processId = message.processId;
        this.#heartbeat?.add(message.processId);
      }
    });
  }

  /**
   * Rows of live processes were pruned: this service was paused past the alive threshold, and
   * others took their jobs. The supervisor holds no jobs and registers again; a child's claims
   * are no longer its own, so it stops at once (QUIT) and is restarted under a new id.
   */
  #onPruned(ids: readonly string[]): void {
    if (this.#stopping) return;
    if (ids.includes(this.#info.id)) {
      this.#logger.warn('This supervisor was pruned while alive (paused?); registering again');
      this.#backend
        .registerProcess({ process: { ...this.#info, lastHeartbeatAt: Date.now() } })
        .catch((error: unknown) => this.#logger.error('Could not register again', { error }));
    }
    for (const child of this.#children) {
      if (!child.processId || !ids.includes(child.processId)) continue;
      this.#logger.warn('A child was pruned while alive (paused?); replacing it', { pid: child.process.pid });
      this.#heartbeat?.remove(child.processId);
      child.replaced = true;
      child.process.kill('SIGQUIT');
    }
  }

  async #onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    this.#children.delete(child);
    if (child.processId) {
      this.#heartbeat?.remove(child.processId);
      // Whatever a dead child still held goes back to ready now, not after the alive threshold.
      const released = await this.#backend
        .deregisterProcess({ processId: child.processId, now: Date.now() })
        .catch((error: unknown) => {
          this.#logger.error('Could not release the jobs of an exited child', { error });
          return 0;
        });
      if (released > 0)
        this.#logger.warn('Released jobs of an exited child', { pid: child.process.pid, released });
    }
    if (this.#stopping) return;
    if (child.replaced) return this.#fork(child.spec);
    const key = `${child.spec.role}-${child.spec.index}`;
    const ranLong = Date.now() - child.startedAt > 10_000;
    const delay = ranLong ? 0 : Math.min(MAX_RESTART_DELAY_MS, (this.#restartDelays.get(key) ?? 500) * 2);
    this.#restartDelays.set(key, ranLong ? 500 : delay);
    this.#logger.error('Child exited unexpectedly; restarting', {
      role: key,
      pid: child.process.pid,
      code,
      signal,
      delayMs: delay,
    });
    const timer = setTimeout(() => {
      this.#pendingRestarts.delete(timer);
      this.#fork(child.spec);
    }, delay);
    this.#pendingRestarts.add(timer);
  }
}

/** `shigoto start` names the recurring tasks file only when it holds tasks. */
function hasScheduler(config: ShigotoConfig): boolean {
  return config.scheduler.enabled && config.scheduler.recurringScheduleFile !== null;
}

async function exitedWithin(children: readonly Child[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const all = Promise.all(children.map((c) => c.exited)).then(() => true as const);
  const result = await Promise.race([all, timeout]);
  clearTimeout(timer);
  return result;
}
