import type { Command } from 'commander';
import { type GlobalOptions, withContext } from '../context.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Create or upgrade the database tables (every command also does this on its own)')
    .action(async (_o, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ config, out }) => {
        out.result(
          { migrated: true, backend: config.backend },
          () => `Migrated ${config.backend.adapter} at ${config.backend.path}.`,
        );
      });
    });
}
