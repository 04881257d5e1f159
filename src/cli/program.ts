import { Command } from 'commander';
import { registerEnqueue } from './commands/enqueue.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerQueues } from './commands/queues.ts';
import { registerStart } from './commands/start.ts';
import { registerStatus } from './commands/status.ts';

export function buildProgram(version: string): Command {
  const program = new Command('shigoto')
    .description('Shigoto: background jobs for TypeScript and Node.js')
    .version(version)
    .option('-c, --config <file>', 'configuration file (default: config/shigoto.yml, or $SHIGOTO_CONFIG)')
    .option('--json', 'print results as JSON on stdout')
    .showHelpAfterError()
    .exitOverride();
  registerStart(program);
  registerEnqueue(program);
  registerJobs(program);
  registerQueues(program);
  registerMigrate(program);
  registerStatus(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}
