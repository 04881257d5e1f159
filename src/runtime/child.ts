import { Shigoto } from '../client/shigoto.ts';
import { backendFromConfig } from '../config/backend.ts';
import { clientSettings } from '../config/client.ts';
import type { ShigotoConfig } from '../config/load.ts';
import { loadServiceApp } from '../jobs-file/app.ts';
import { commandJob } from '../recurring/command.ts';
import { createConsoleLogger } from '../util/logger.ts';
import { newProcessInfo } from '../util/process-info.ts';
import { RUNTIME_DEFAULTS } from './defaults.ts';
import { Dispatcher } from './dispatcher.ts';
import { Heartbeat } from './heartbeat.ts';
import { threadErrorHandler } from './hooks.ts';
import { startSchedulerRole } from './scheduler-role.ts';
import { listenForWakeups } from './wakeups.ts';
import { Worker } from './worker.ts';

/** What the supervisor tells a forked child (as JSON in SHIGOTO_CHILD). */
export interface ChildSpec {
  readonly role: 'worker' | 'dispatcher' | 'scheduler';
  readonly index: number;
  readonly supervisorId: string;
  readonly config: ShigotoConfig;
}

export type ChildMessage = { readonly type: 'registered'; readonly processId: string };

/**
 * Runs one role in a child process until a signal: TERM/INT stop gracefully (running jobs get
 * the shutdown timeout), QUIT stops at once (running jobs are released). If the supervisor
 * disappears, the child stops gracefully too. The supervisor heartbeats on the child's behalf;
 * once it is gone, the child beats for itself while it stops.
 */
export async function runChild(spec: ChildSpec): Promise<void> {
  const { config } = spec;
  // Listen from the first moment: Node's default would kill the child on TERM, and a child
  // that missed the supervisor's death would run on unsupervised. What arrives while
  // starting is acted on once the role runs.
  const early: boolean[] = [];
  let requestStop = (immediate: boolean): void => {
    early.push(immediate);
  };
  let supervisorGone = false;
  let onSupervisorGone = () => {};
  process.on('SIGTERM', () => requestStop(false));
  process.on('SIGINT', () => requestStop(false));
  process.on('SIGQUIT', () => requestStop(true));
  process.on('disconnect', () => {
    supervisorGone = true;
    onSupervisorGone();
    requestStop(false);
  });
  if (!process.connected) {
    // It died while this module was still loading, before the listener was there.
    supervisorGone = true;
    early.push(false);
  }

  const name = `${spec.role}-${spec.index}`;
  const logger = createConsoleLogger({
    level: config.logLevel,
    format: config.logFormat,
    context: { process: name, pid: process.pid },
  });
  // The supervisor put the job definitions file it read into the config.
  const { app, exports } = await loadServiceApp(config);
  const shigoto = new Shigoto({
    ...app,
    // Command tasks of recurring.yml run as this job, calling the app module's exports.
    jobs: [...(app.jobs ?? []), commandJob(exports)],
    backend: backendFromConfig(config),
    logger,
    ...clientSettings(config),
  });
  const onError = threadErrorHandler(shigoto.hooks, logger);

  const workerConfig = spec.role === 'worker' ? config.workers[spec.index]! : undefined;
  const info = newProcessInfo(spec.role, name, Date.now(), {
    supervisorId: spec.supervisorId,
    metadata: workerConfig ? { queues: workerConfig.queues, threads: workerConfig.threads } : {},
  });
  await shigoto.backend.registerProcess({ process: info });
  process.send?.({ type: 'registered', processId: info.id } satisfies ChildMessage);

  /** Resolves with the number of runs that ignored their abort signal and still hold claims. */
  let stop: (immediate: boolean) => Promise<number>;
  let quit = () => {};
  if (workerConfig) {
    const worker = new Worker(
      {
        backend: shigoto.backend,
        registry: shigoto.registry,
        codecs: shigoto.codecs,
        middleware: shigoto.middleware,
        observer: shigoto.observer,
        logger,
        now: Date.now,
        processId: info.id,
        onError,
      },
      workerConfig,
    );
    // Before the first claim: what the hook sets up is there for the first job, and if it
    // throws, the child exits (and is restarted) holding nothing.
    await shigoto.hooks.onWorkerStart?.({ processId: info.id, queues: workerConfig.queues });
    const stopListening = listenForWakeups(shigoto.backend, [worker], logger);
    worker.start();
    quit = () => worker.quit();
    logger.info('Worker started', { queues: workerConfig.queues.join(','), threads: workerConfig.threads });
    stop = async (immediate) => {
      const stillRunning = await worker.stop(immediate ? 0 : config.shutdownTimeoutMs);
      await stopListening();
      await shigoto.hooks.onWorkerStop?.({ processId: info.id, queues: workerConfig.queues });
      return stillRunning;
    };
  } else if (spec.role === 'scheduler') {
    const stopScheduler = startSchedulerRole({ config, shigoto, exports, logger, onError });
    stop = async () => {
      await stopScheduler();
      return 0;
    };
  } else {
    const d = config.dispatchers[spec.index]!;
    const dispatcher = new Dispatcher(
      // Its sweep's expiries are announced from here, as a worker announces its own.
      { backend: shigoto.backend, now: Date.now, logger, onError, observer: shigoto.observer },
      {
        pollingIntervalMs: d.pollingIntervalMs,
        batchSize: d.batchSize,
        clearFinishedAfterMs: config.clearFinishedJobsAfterMs,
        clearIntervalMs: Math.min(RUNTIME_DEFAULTS.clearFinishedIntervalMs, config.clearFinishedJobsAfterMs),
        concurrencyMaintenanceIntervalMs: d.concurrencyMaintenance
          ? d.concurrencyMaintenanceIntervalMs
          : null,
      },
    );
    dispatcher.start();
    logger.info('Dispatcher started', { batchSize: d.batchSize });
    stop = async () => {
      await dispatcher.stop();
      return 0;
    };
  }

  // The supervisor beat for this process. Once it is gone, beat from here while stopping, or
  // another supervisor would prune this process and run its still-running jobs a second time.
  const heartbeat = new Heartbeat(shigoto.backend, config.processHeartbeatIntervalMs, Date.now, onError);
  heartbeat.add(info.id);
  onSupervisorGone = () => {
    logger.warn('Supervisor went away; stopping');
    void heartbeat.beat();
    heartbeat.start();
  };
  if (supervisorGone) onSupervisorGone();

  let stopping = false;
  const shutdown = (immediate: boolean) => {
    if (stopping) {
      if (immediate) quit(); // QUIT during a graceful stop: release running jobs now
      return;
    }
    stopping = true;
    void (async () => {
      try {
        const stillRunning = await stop(immediate);
        await heartbeat.stop();
        if (stillRunning > 0) {
          // Deregistering would release their claims while they run: exiting ends them, and
          // the supervisor (or a pruner) releases the claims once this process is gone.
          logger.warn('Jobs ignored the abort signal; they are released after this process exits', {
            jobs: stillRunning,
          });
        } else {
          await shigoto.backend.deregisterProcess({ processId: info.id, now: Date.now() });
        }
        await shigoto.close();
        process.exit(0);
      } catch (error) {
        logger.error('Stopping failed', { error });
        process.exit(1);
      }
    })();
  };
  requestStop = shutdown;
  for (const immediate of early.splice(0)) shutdown(immediate);
}
