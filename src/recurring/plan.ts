import type { NewJob } from '../backend/types.ts';
import { buildDraft, toRow } from '../client/enqueue.ts';
import type { JobRegistry } from '../client/registry.ts';
import { ConfigError, ShigotoError } from '../errors.ts';
import type { CodecRegistry } from '../job/codec.ts';
import type { AnyJob } from '../job/define.ts';
import type { SerialQueues } from '../job/serial.ts';
import { commandJob, resolveCommand } from './command.ts';
import type { RecurringTask } from './task-schema.ts';

/** What a run's job is built from: the app's jobs, codecs and exports, and the payload limit. */
export interface PlanDeps {
  readonly registry: JobRegistry;
  readonly codecs: CodecRegistry;
  readonly maxPayloadBytes: number;
  /** The slot duration of concurrency options that set none (default_concurrency_control_period). */
  readonly concurrencyDurationMs?: number;
  /** The client's serialized queues: a run enqueued to one takes its place in line. */
  readonly serialQueues?: SerialQueues;
  /** The app module's exports, which `command:` tasks name. */
  readonly exports: object;
}

/** Tasks checked against the app, and how a run of each becomes a job. */
export interface RecurringPlan {
  readonly tasks: readonly RecurringTask[];
  /**
   * The job a run at `runAt` enqueues: the task's job with its args (through the job's schema
   * and queue function, as enqueue does), the task's queue and priority over the job's, and
   * metadata naming the task and the run. Enqueue callbacks and middleware do not run.
   */
  buildJob(task: RecurringTask, runAt: number): NewJob;
}

/**
 * Checks that every task's job exists in the app, that every command names an exported
 * function, and that a run of each can be built (arguments that pass the job's schema, a
 * payload within the limit). Throws one ConfigError naming `source` and every bad task.
 */
export function planRecurring(
  tasks: readonly RecurringTask[],
  deps: PlanDeps,
  source: string,
): RecurringPlan {
  const commands = commandJob(deps.exports);
  const jobOf = (task: RecurringTask): { job: AnyJob; args: unknown } =>
    task.action.kind === 'job'
      ? { job: deps.registry.get(task.action.job), args: task.action.args }
      : { job: commands, args: { command: task.action.command } };
  const buildJob = (task: RecurringTask, runAt: number): NewJob => {
    const { job, args } = jobOf(task);
    const options = {
      ...(task.queue !== null && { queue: task.queue }),
      ...(task.priority !== null && { priority: task.priority }),
      metadata: { recurringTask: task.key, recurringRunAt: new Date(runAt).toISOString() },
    };
    return toRow(deps, buildDraft({ job, args, options }, runAt));
  };

  const problems = tasks.flatMap((task) => {
    const missing = missingTarget(task, deps);
    if (missing) return [missing];
    try {
      buildJob(task, Date.now());
      return [];
    } catch (error) {
      if (!(error instanceof ShigotoError)) throw error;
      return [`${task.key}: a run cannot be enqueued: ${error.message}`];
    }
  });
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { tasks, buildJob };
}

function missingTarget(task: RecurringTask, deps: PlanDeps): string | null {
  const { action } = task;
  if (action.kind === 'job') {
    if (deps.registry.find(action.job)) return null;
    const known = deps.registry.names();
    const hint = known.length > 0 ? `; the app's jobs are ${known.join(', ')}` : '; the app defines no jobs';
    return `${task.key}.job: no job named "${action.job}"${hint}`;
  }
  if (resolveCommand(deps.exports, action.command)) return null;
  return `${task.key}.command: the app module exports no function "${action.command}" (export it, or an object holding it, from the module named by app:)`;
}
