import type { Backend } from '../backend/types.ts';
import type { Shigoto } from '../client/shigoto.ts';
import { InvalidInputError } from '../errors.ts';
import type { RecurringTask } from '../recurring/task-schema.ts';
import type { Logger } from '../util/logger.ts';
import { assertQueuePattern } from '../util/names.ts';
import { newProcessInfo } from '../util/process-info.ts';
import { RUNTIME_DEFAULTS } from './defaults.ts';
import { Dispatcher, type DispatcherOptions } from './dispatcher.ts';
import type { ExecutorDeps } from './executor.ts';
import { Heartbeat } from './heartbeat.ts';
import { type LifecycleHooks, threadErrorHandler } from './hooks.ts';
import { Pruner } from './pruner.ts';
import { embeddedScheduler } from './scheduler-role.ts';
import { listenForWakeups, wakeMatching } from './wakeups.ts';
import { Worker, type WorkerOptions } from './worker.ts';

export interface EmbeddedOptions {
  readonly workers?: readonly Partial<WorkerOptions>[];
  /** null: no dispatcher (another process promotes scheduled jobs). */
  readonly dispatcher?: Partial<DispatcherOptions> | null;
  readonly heartbeatIntervalMs?: number;
  readonly aliveThresholdMs?: number;
  readonly shutdownTimeoutMs?: number;
  /** Recurring tasks to schedule here (loadRecurringTasks()); several processes may schedule the same ones. */
  readonly recurring?: readonly RecurringTask[];
  /** What `command:` tasks name: usually the app module (`import * as app from './app.ts'`). */
  readonly commands?: object;
}

export interface EmbeddedDeps extends ExecutorDeps {
  readonly backend: Backend;
  readonly hooks: LifecycleHooks;
  /** Handed to the onStart / onStop hooks. */
  readonly shigoto: Shigoto;
  readonly logger: Logger;
  readonly subscribeReady: (listener: (queues: ReadonlySet<string>) => void) => () => void;
  /** The client's payload limit, which recurring runs are held to as well. */
  readonly maxPayloadBytes?: number;
}

export interface RunningRuntime {
  readonly processId: string;
  /** Graceful stop (running jobs get the shutdown timeout); `{ immediate: true }` releases them at once. */
  stop(options?: { immediate?: boolean }): Promise<void>;
}

/**
 * Workers and a dispatcher inside the application's own process (Solid Queue's async mode):
 * no supervisor, one registered process, in-process wake-ups for jobs enqueued here.
 */
export async function startEmbedded(
  deps: EmbeddedDeps,
  options: EmbeddedOptions = {},
): Promise<RunningRuntime> {
  const now = deps.now;
  const onError = threadErrorHandler(deps.hooks, deps.logger);
  const workerOptions: WorkerOptions[] = (options.workers ?? [{}]).map((w) =>
    checkWorkerOptions({ ...RUNTIME_DEFAULTS.worker, ...w }),
  );
  const info = newProcessInfo('embedded', 'embedded', now(), {
    metadata: {
      queues: workerOptions.flatMap((w) => w.queues),
      threads: workerOptions.map((w) => w.threads),
    },
  });
  // Before anything runs: a task whose job or command is missing is refused here.
  const scheduler = embeddedScheduler(
    {
      ...deps,
      serialQueues: deps.shigoto.serialQueues,
      onError,
      onEnqueued: (queues) => wakeMatching(workers, queues),
    },
    options.recurring,
    options.commands,
  );
  await deps.backend.registerProcess({ process: info });
  const heartbeat = new Heartbeat(
    deps.backend,
    options.heartbeatIntervalMs ?? RUNTIME_DEFAULTS.processHeartbeatIntervalMs,
    now,
    onError,
  );
  heartbeat.add(info.id);
  heartbeat.start();
  const aliveThresholdMs = options.aliveThresholdMs ?? RUNTIME_DEFAULTS.processAliveThresholdMs;
  const pruner = new Pruner(
    { backend: deps.backend, now, logger: deps.logger, onError },
    { aliveThresholdMs, intervalMs: Math.min(RUNTIME_DEFAULTS.pruneIntervalMs, aliveThresholdMs) },
  );
  pruner.start();

  const workers = workerOptions.map((o) => new Worker({ ...deps, processId: info.id, onError }, o));
  const unsubscribe = deps.subscribeReady((queues) => wakeMatching(workers, queues));
  const stopListening = listenForWakeups(deps.backend, workers, deps.logger);
  const dispatcher =
    options.dispatcher === null
      ? undefined
      : new Dispatcher(
          {
            backend: deps.backend,
            now,
            logger: deps.logger,
            onError,
            observer: deps.observer,
            onPromoted: () => {
              for (const worker of workers) worker.wake();
            },
          },
          {
            pollingIntervalMs: RUNTIME_DEFAULTS.dispatcher.pollingIntervalMs,
            batchSize: RUNTIME_DEFAULTS.dispatcher.batchSize,
            clearFinishedAfterMs: RUNTIME_DEFAULTS.clearFinishedJobsAfterMs,
            clearIntervalMs: RUNTIME_DEFAULTS.clearFinishedIntervalMs,
            ...options.dispatcher,
          },
        );
  let stopping: Promise<void> | undefined;
  const runtime: RunningRuntime = {
    processId: info.id,
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        unsubscribe();
        const timeout = stopOptions.immediate
          ? 0
          : (options.shutdownTimeoutMs ?? RUNTIME_DEFAULTS.shutdownTimeoutMs);
        await Promise.all([
          ...workers.map((w) => w.stop(timeout)),
          dispatcher?.stop(),
          scheduler?.stop(),
          pruner.stop(),
        ]);
        // Closing the LISTEN connection waits for the server (~8 ms): it goes on meanwhile.
        const listening = stopListening();
        for (const w of workerOptions)
          await deps.hooks.onWorkerStop?.({ processId: info.id, queues: w.queues });
        await heartbeat.stop();
        await deps.backend.deregisterProcess({ processId: info.id, now: now() });
        await listening;
        await deps.hooks.onStop?.({ shigoto: deps.shigoto });
      })();
      return stopping;
    },
  };
  try {
    // Hooks run before the first claim, as in `shigoto start`.
    await deps.hooks.onStart?.({ shigoto: deps.shigoto });
    for (const w of workerOptions) await deps.hooks.onWorkerStart?.({ processId: info.id, queues: w.queues });
    for (const worker of workers) worker.start();
    dispatcher?.start();
    scheduler?.start();
  } catch (error) {
    // A failing start hook must not leave a runtime running that nobody can stop.
    await runtime.stop({ immediate: true }).catch(() => undefined);
    throw error;
  }
  return runtime;
}

/** Options given in code skip the config schema: a bad one must fail here, not stall a worker. */
function checkWorkerOptions(options: WorkerOptions): WorkerOptions {
  if (!Array.isArray(options.queues) || options.queues.length === 0) {
    throw new InvalidInputError('A worker needs a non-empty list of queues');
  }
  for (const pattern of options.queues) assertQueuePattern(pattern);
  for (const key of ['threads', 'bulkReadSize', 'pollingIntervalMs'] as const) {
    if (!Number.isSafeInteger(options[key]) || options[key] < 1) {
      throw new InvalidInputError(`Worker ${key} must be a positive integer, got ${options[key]}`);
    }
  }
  return options;
}
