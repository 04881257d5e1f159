import type { Command } from 'commander';
import { loadApp } from '../../config/app.ts';
import { backendLocation } from '../../config/backend.ts';
import { loadConfig } from '../../config/load.ts';
import { Supervisor } from '../../runtime/supervisor.ts';
import { createConsoleLogger } from '../../util/logger.ts';
import { createClient, type GlobalOptions } from '../context.ts';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'Run the job service: a supervisor with its workers and dispatchers, until TERM/INT (graceful) or QUIT',
    )
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const config = loadConfig({ path: options.config });
      const logger = createConsoleLogger({
        level: config.logLevel,
        format: config.logFormat,
        context: { process: 'supervisor' },
      });
      const app = await loadApp(config.appPath);
      if (!app.jobs?.length)
        logger.warn(
          'No jobs are defined: set `app:` in the configuration to a module exporting defineApp({ jobs })',
        );
      const shigoto = await createClient(config, app, logger);
      logger.info('Configuration loaded', {
        config: config.source ?? '(defaults)',
        backend: `${config.backend.adapter}:${backendLocation(config.backend)}`,
        jobs: shigoto.registry.names().join(',') || '(none)',
      });
      const supervisor = new Supervisor(config, shigoto);
      await supervisor.start();
      process.exitCode = await supervisor.done;
    });
}
