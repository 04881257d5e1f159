import type { Command } from 'commander';
import type { RecurringExecution } from '../../backend/types.ts';
import { loadAppModule } from '../../config/app.ts';
import { loadConfig } from '../../config/load.ts';
import { InvalidInputError } from '../../errors.ts';
import { nextRun } from '../../recurring/runs.ts';
import { loadRecurringSetup, planDepsOf, type RecurringSetup } from '../../recurring/setup.ts';
import type { RecurringTask } from '../../recurring/task-schema.ts';
import { createArgumentFilter } from '../../util/filter.ts';
import { createConsoleLogger } from '../../util/logger.ts';
import { type CommandContext, createClient, type GlobalOptions } from '../context.ts';
import { createOutput, table, time } from '../output.ts';

interface RecurringFlags {
  readonly recurringScheduleFile?: string;
}

const FILE_OPTION = [
  '-r, --recurring-schedule-file <file>',
  'recurring tasks (default: $SHIGOTO_RECURRING_SCHEDULE, scheduler.recurring_schedule_file, else config/recurring.yml)',
] as const;

export function registerRecurring(program: Command): void {
  const recurring = program
    .command('recurring')
    .description('List the recurring tasks, or run one now outside its schedule');

  recurring
    .command('list')
    .description('Recurring tasks with their schedule, next run and last enqueued run')
    .option(...FILE_OPTION)
    .action(async (flags: RecurringFlags, command: Command) => {
      await withRecurring(command, flags, async ({ shigoto, config, out }, { file, plan }) => {
        const now = shigoto.now();
        const taskKeys = plan.tasks.map((task) => task.key);
        const last = new Map(
          (await shigoto.backend.lastRecurringExecutions({ taskKeys })).map((run) => [run.taskKey, run]),
        );
        const filter = createArgumentFilter(config.filterArguments);
        const rows = plan.tasks.map((task) => {
          const job = plan.buildJob(task, now);
          return {
            key: task.key,
            schedule: task.schedule.text,
            timezone: task.schedule.timeZone,
            describe: task.schedule.describe(),
            ...(task.action.kind === 'job'
              ? { job: task.action.job, args: filter(task.action.args) }
              : { command: task.action.command }),
            queue: job.queue,
            priority: job.priority,
            description: task.description,
            nextRunAt: isoOrNull(nextRun(task.schedule, now)),
            lastRun: publicRun(last.get(task.key)),
          };
        });
        out.result(rows, () =>
          table(
            rows.map((row, i) => ({
              key: row.key,
              schedule: row.describe,
              runs: actionLabel(plan.tasks[i]!),
              queue: row.queue,
              priority: row.priority,
              next: row.nextRunAt,
              last: row.lastRun ? `${row.lastRun.runAt} (job ${row.lastRun.jobId})` : null,
            })),
            ['key', 'schedule', 'runs', 'queue', 'priority', 'next', 'last'],
            `No recurring tasks in ${file}.`,
          ),
        );
      });
    });

  recurring
    .command('run')
    .description('Enqueue one run of a recurring task now, outside its schedule')
    .argument('<key>', 'task key (as in the recurring tasks file)')
    .option(...FILE_OPTION)
    .action(async (key: string, flags: RecurringFlags, command: Command) => {
      await withRecurring(command, flags, async ({ shigoto, out }, { file, plan }) => {
        const task = findTask(plan.tasks, key, file);
        const now = shigoto.now();
        const job = plan.buildJob(task, now);
        const [id] = await shigoto.backend.enqueueRecurring({
          runs: [{ taskKey: key, runAt: now, job }],
          now,
        });
        if (!id)
          throw new InvalidInputError(`A run of ${key} at ${time(now)} is already enqueued; try again`);
        const result = { task: key, jobId: id, name: job.name, queue: job.queue, runAt: time(now) };
        out.result(result, () => `Enqueued a run of ${key} (${job.name}) as job ${id} on queue ${job.queue}`);
      });
    });
}

/** Opens the backend with the app and its checked recurring tasks; always closes it. */
async function withRecurring(
  command: Command,
  flags: RecurringFlags,
  fn: (ctx: CommandContext, setup: RecurringSetup) => Promise<void>,
): Promise<void> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const config = loadConfig({ path: options.config });
  const appModule = await loadAppModule(config.appPath);
  const setup = loadRecurringSetup(
    { path: flags.recurringScheduleFile, configured: config.scheduler.recurringScheduleFile },
    planDepsOf(appModule, config.maxPayloadBytes),
  );
  const logger = createConsoleLogger({ level: 'warn', format: config.logFormat });
  const shigoto = await createClient(config, appModule.app, logger);
  try {
    await fn({ config, shigoto, out: createOutput(options.json ?? false) }, setup);
  } finally {
    await shigoto.close();
  }
}

function findTask(tasks: readonly RecurringTask[], key: string, file: string): RecurringTask {
  const task = tasks.find((t) => t.key === key);
  if (task) return task;
  const known = tasks.length > 0 ? `: ${tasks.map((t) => t.key).join(', ')}` : ' (it has none)';
  throw new InvalidInputError(`No recurring task "${key}" in ${file}; its tasks are${known}`);
}

function actionLabel({ action }: RecurringTask): string {
  return action.kind === 'job' ? action.job : `command ${action.command}`;
}

function publicRun(run: RecurringExecution | undefined) {
  return run ? { runAt: time(run.runAt), jobId: run.jobId, enqueuedAt: time(run.enqueuedAt) } : null;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : time(ms);
}
