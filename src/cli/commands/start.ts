import type { Command } from 'commander';
import { backendLocation } from '../../config/backend.ts';
import { loadConfig, type ShigotoConfig } from '../../config/load.ts';
import { loadServiceApp } from '../../jobs-file/app.ts';
import { loadRecurringSetup, planDepsOf } from '../../recurring/setup.ts';
import { Supervisor } from '../../runtime/supervisor.ts';
import { createConsoleLogger } from '../../util/logger.ts';
import { createClient, type GlobalOptions } from '../context.ts';

interface StartFlags {
  readonly jobsFile?: string;
  readonly recurringScheduleFile?: string;
  readonly skipRecurring?: boolean;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'Run the job service: a supervisor with its workers, dispatchers and scheduler, until TERM/INT (graceful) or QUIT',
    )
    .option(
      '-r, --recurring-schedule-file <file>',
      'recurring tasks (default: $SHIGOTO_RECURRING_SCHEDULE, scheduler.recurring_schedule_file, else config/recurring.yml if it exists)',
    )
    .option(
      '-j, --jobs-file <file>',
      'job definitions: name, topics and code (default: $SHIGOTO_JOBS_FILE, jobs_file, else config/jobs.yml if it exists)',
    )
    .option('--skip-recurring', 'run no scheduler, whatever the recurring tasks file holds')
    .action(async (flags: StartFlags, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const loaded = loadConfig({ path: options.config });
      const logger = createConsoleLogger({
        level: loaded.logLevel,
        format: loaded.logFormat,
        context: { process: 'supervisor' },
      });
      // The app module and the job definitions file: every entry is checked before anything starts.
      const appModule = await loadServiceApp(loaded, flags.jobsFile);
      const { app } = appModule;
      if (!app.jobs?.length)
        logger.warn(
          'No jobs are defined: set `app:` in the configuration to a module exporting defineApp({ jobs })',
        );
      // Every task is checked against the app before anything starts: a bad one stops the start.
      const runScheduler = loaded.scheduler.enabled && !flags.skipRecurring;
      const recurring = runScheduler
        ? loadRecurringSetup(
            { path: flags.recurringScheduleFile, configured: loaded.scheduler.recurringScheduleFile },
            planDepsOf(appModule, loaded.maxPayloadBytes),
          )
        : null;
      const tasks = recurring?.plan.tasks.length ?? 0;
      // The scheduler child reads exactly this file; no tasks, no scheduler.
      const config: ShigotoConfig = {
        ...loaded,
        // Every child reads exactly the file read here.
        jobsFile: appModule.jobsFile,
        scheduler: { enabled: tasks > 0, recurringScheduleFile: tasks > 0 ? recurring!.file : null },
      };
      const shigoto = await createClient(config, app, logger);
      logger.info('Configuration loaded', {
        config: config.source ?? '(defaults)',
        backend: `${config.backend.adapter}:${backendLocation(config.backend)}`,
        jobs: shigoto.registry.names().join(',') || '(none)',
        jobsFile: appModule.jobsFile ?? '(none)',
        recurring: runScheduler ? `${tasks} task(s) from ${recurring!.file}` : 'scheduler disabled',
      });
      const supervisor = new Supervisor(config, shigoto);
      try {
        await supervisor.start();
      } catch (error) {
        // Nothing runs (e.g. the pidfile names a live process): close the database, whose open
        // connections would otherwise keep this process alive until they time out.
        await shigoto.close().catch(() => undefined);
        throw error;
      }
      process.exitCode = await supervisor.done;
    });
}
