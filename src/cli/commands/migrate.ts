import type { Command } from 'commander';
import { backendLocation, migrationSqlFromConfig, publicBackend } from '../../config/backend.ts';
import { loadConfig } from '../../config/load.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { createOutput } from '../output.ts';

interface MigrateOptions extends GlobalOptions {
  readonly print?: boolean;
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Create or upgrade the database tables (every command also does this on its own)')
    .option('--print', 'print the SQL for the configured backend instead of running it (touches no database)')
    .action(async (_o, command: Command) => {
      const options = command.optsWithGlobals<MigrateOptions>();
      if (options.print) {
        const config = loadConfig({ path: options.config });
        const sql = migrationSqlFromConfig(config);
        createOutput(options.json ?? false).result({ backend: publicBackend(config.backend), sql }, () =>
          sql.trimEnd(),
        );
        return;
      }
      await withContext(options, async ({ config, out }) => {
        out.result(
          { migrated: true, backend: publicBackend(config.backend) },
          () => `Migrated ${config.backend.adapter} at ${backendLocation(config.backend)}.`,
        );
      });
    });
}
