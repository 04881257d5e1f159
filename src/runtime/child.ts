import { Shigoto } from '../client/shigoto.ts';
import { loadApp } from '../config/app.ts';
import { backendFromConfig } from '../config/backend.ts';
import type { ShigotoConfig } from '../config/load.ts';
import { createConsoleLogger } from '../util/logger.ts';
import { newProcessInfo } from '../util/process-info.ts';
import { Dispatcher } from './dispatcher.ts';
import { Worker } from './worker.ts';

/** What the supervisor tells a forked child (as JSON in SHIGOTO_CHILD). */
export interface ChildSpec {
  readonly role: 'worker' | 'dispatcher';
  readonly index: number;
  readonly supervisorId: string;
  readonly config: ShigotoConfig;
}

export type ChildMessage = { readonly type: 'registered'; readonly processId: string };

/**
 * Runs one role in a child process until a signal: TERM/INT stop gracefully (running jobs get
 * the shutdown timeout), QUIT stops at once (running jobs are released). If the supervisor
 * disappears, the child stops gracefully too. The supervisor heartbeats on the child's behalf.
 */
export async function runChild(spec: ChildSpec): Promise<void> {
  const { config } = spec;
  const name = `${spec.role}-${spec.index}`;
  const logger = createConsoleLogger({
    level: config.logLevel,
    format: config.logFormat,
    context: { process: name, pid: process.pid },
  });
  const app = await loadApp(config.appPath);
  const shigoto = new Shigoto({
    ...app,
    backend: backendFromConfig(config),
    logger,
    maxPayloadBytes: config.maxPayloadBytes,
  });
  const onError = (error: unknown) =>
    shigoto.hooks.onThreadError
      ? shigoto.hooks.onThreadError(error)
      : logger.error('Runtime error', { error });

  const workerConfig = spec.role === 'worker' ? config.workers[spec.index]! : undefined;
  const info = newProcessInfo(spec.role, name, Date.now(), {
    supervisorId: spec.supervisorId,
    metadata: workerConfig ? { queues: workerConfig.queues, threads: workerConfig.threads } : {},
  });
  await shigoto.backend.registerProcess({ process: info });
  process.send?.({ type: 'registered', processId: info.id } satisfies ChildMessage);

  let stop: (immediate: boolean) => Promise<void>;
  let quit = () => {};
  if (workerConfig) {
    const worker = new Worker(
      {
        backend: shigoto.backend,
        registry: shigoto.registry,
        codecs: shigoto.codecs,
        middleware: shigoto.middleware,
        logger,
        now: Date.now,
        processId: info.id,
        onError,
      },
      workerConfig,
    );
    worker.start();
    quit = () => worker.quit();
    await shigoto.hooks.onWorkerStart?.({ processId: info.id, queues: workerConfig.queues });
    logger.info('Worker started', { queues: workerConfig.queues.join(','), threads: workerConfig.threads });
    stop = async (immediate) => {
      await worker.stop(immediate ? 0 : config.shutdownTimeoutMs);
      await shigoto.hooks.onWorkerStop?.({ processId: info.id, queues: workerConfig.queues });
    };
  } else {
    const d = config.dispatchers[spec.index]!;
    const dispatcher = new Dispatcher(
      { backend: shigoto.backend, now: Date.now, logger, onError },
      {
        pollingIntervalMs: d.pollingIntervalMs,
        batchSize: d.batchSize,
        clearFinishedAfterMs: config.clearFinishedJobsAfterMs,
        clearIntervalMs: Math.min(3_600_000, config.clearFinishedJobsAfterMs),
      },
    );
    dispatcher.start();
    logger.info('Dispatcher started', { batchSize: d.batchSize });
    stop = () => dispatcher.stop();
  }

  let stopping = false;
  const shutdown = (immediate: boolean) => {
    if (stopping) {
      if (immediate) quit(); // QUIT during a graceful stop: release running jobs now
      return;
    }
    stopping = true;
    void (async () => {
      try {
        await stop(immediate);
        await shigoto.backend.deregisterProcess({ processId: info.id, now: Date.now() });
        await shigoto.close();
        process.exit(0);
      } catch (error) {
        logger.error('Stopping failed', { error });
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => shutdown(false));
  process.on('SIGINT', () => shutdown(false));
  process.on('SIGQUIT', () => shutdown(true));
  process.on('disconnect', () => {
    logger.warn('Supervisor went away; stopping');
    shutdown(false);
  });
}
