import { Command } from 'commander';
import { registerEnqueue } from './commands/enqueue.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerQueues } from './commands/queues.ts';
import { registerRecurring } from './commands/recurring.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';
import { registerTask } from './commands/task.ts';

/** With `json`, commander's usage errors are left to main.ts, which prints them as JSON. */
export function buildProgram(version: string, { json = false } = {}): Command {
  const program = new Command('shigoto')
    .description('Shigoto: background jobs for TypeScript and Node.js')
    .version(version)
    .option(
      '-c, --config <file>',
      'configuration file (default: $SHIGOTO_CONFIG, else config/shigoto.yml if it exists)',
    )
    .option('--json', 'print results as JSON on stdout')
    .showHelpAfterError(!json)
    .exitOverride();
  if (json) program.configureOutput({ outputError: () => {} });
  // Subcommands inherit the settings above; they must be set before registering them.
  registerStart(program);
  registerEnqueue(program);
  registerTask(program);
  registerJobs(program);
  registerQueues(program);
  registerRecurring(program);
  registerMigrate(program);
  registerStatus(program);
  return program;
}
