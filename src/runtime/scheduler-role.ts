import type { Backend } from '../backend/types.ts';
import type { JobRegistry } from '../client/registry.ts';
import type { Shigoto } from '../client/shigoto.ts';
import type { ShigotoConfig } from '../config/load.ts';
import type { CodecRegistry } from '../job/codec.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../job/envelope.ts';
import type { SerialQueues } from '../job/serial.ts';
import { COMMAND_JOB, commandJob } from '../recurring/command.ts';
import { planRecurring } from '../recurring/plan.ts';
import { loadRecurringSetup } from '../recurring/setup.ts';
import type { RecurringTask } from '../recurring/task-schema.ts';
import type { Logger } from '../util/logger.ts';
import { RUNTIME_DEFAULTS } from './defaults.ts';
import { keepRunsFor, Scheduler } from './scheduler.ts';

export interface SchedulerRoleDeps {
  readonly config: ShigotoConfig;
  /** The child's client, with the app's jobs and codecs. */
  readonly shigoto: Shigoto;
  /** The app module's exports, which command tasks name. */
  readonly exports: object;
  readonly logger: Logger;
  readonly onError: (error: unknown) => void;
}

/**
 * The scheduler child of `shigoto start`: reads the recurring tasks file the supervisor checked
 * and named, and enqueues the runs until stopped. Resolves to its stop function.
 */
export function startSchedulerRole({ config, shigoto, exports, logger, onError }: SchedulerRoleDeps) {
  const { file, plan } = loadRecurringSetup(
    { path: config.scheduler.recurringScheduleFile ?? undefined },
    {
      registry: shigoto.registry,
      codecs: shigoto.codecs,
      maxPayloadBytes: config.maxPayloadBytes,
      concurrencyDurationMs: config.defaultConcurrencyControlPeriodMs,
      serialQueues: shigoto.serialQueues,
      exports,
    },
  );
  const scheduler = new Scheduler(
    { backend: shigoto.backend, now: Date.now, logger, onError, buildJob: plan.buildJob },
    plan.tasks,
    { keepRunsMs: keepRunsFor(config.clearFinishedJobsAfterMs) },
  );
  scheduler.start();
  logger.info('Scheduler started', { tasks: plan.tasks.map((task) => task.key).join(','), file });
  return () => scheduler.stop();
}

export interface EmbeddedSchedulerDeps {
  readonly backend: Backend;
  readonly registry: JobRegistry;
  readonly codecs: CodecRegistry;
  readonly maxPayloadBytes?: number | undefined;
  readonly serialQueues?: SerialQueues | undefined;
  readonly now: () => number;
  readonly logger: Logger;
  readonly onError: (error: unknown) => void;
  readonly onEnqueued: (queues: ReadonlySet<string>) => void;
}

/**
 * The scheduler of `work({ recurring, commands })`, or undefined without tasks. The tasks are
 * checked against this client's jobs and `commands` first (a ConfigError names each bad one),
 * and the command job is registered so this process's workers can run command tasks.
 */
export function embeddedScheduler(
  deps: EmbeddedSchedulerDeps,
  tasks: readonly RecurringTask[] = [],
  commands: object = {},
): Scheduler | undefined {
  if (tasks.length === 0) return undefined;
  const plan = planRecurring(
    tasks,
    {
      registry: deps.registry,
      codecs: deps.codecs,
      maxPayloadBytes: deps.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      ...(deps.serialQueues && { serialQueues: deps.serialQueues }),
      exports: commands,
    },
    'work({ recurring })',
  );
  if (tasks.some((task) => task.action.kind === 'command') && !deps.registry.find(COMMAND_JOB)) {
    deps.registry.add(commandJob(commands));
  }
  return new Scheduler({ ...deps, buildJob: plan.buildJob }, plan.tasks, {
    keepRunsMs: keepRunsFor(RUNTIME_DEFAULTS.clearFinishedJobsAfterMs),
  });
}
