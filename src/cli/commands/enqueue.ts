import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { parseInteger, parseJsonArgument } from '../parse.ts';

export function registerEnqueue(program: Command): void {
  program
    .command('enqueue')
    .description('Enqueue a job of the app by name, with JSON arguments')
    .argument('<job>', 'job name (as in defineJob)')
    .argument('[args]', 'arguments as JSON', '{}')
    .option('--queue <queue>', "queue (overrides the job's)")
    .option('--priority <n>', 'priority, lower runs first', parseInteger('--priority'))
    .option('--wait <duration>', 'run after a delay, e.g. 30s, 5m, 1h')
    .option('--wait-until <time>', 'run at or after an ISO 8601 time')
    .action(
      async (
        job: string,
        rawArgs: string,
        options: { queue?: string; priority?: number; wait?: string; waitUntil?: string },
        command: Command,
      ) => {
        const args = parseJsonArgument(rawArgs, 'args');
        let waitUntil: Date | undefined;
        if (options.waitUntil !== undefined) {
          waitUntil = new Date(options.waitUntil);
          if (Number.isNaN(waitUntil.getTime()))
            throw new InvalidInputError(
              `--wait-until ${JSON.stringify(options.waitUntil)} is not a valid time`,
            );
        }
        await withContext(
          command.optsWithGlobals<GlobalOptions>(),
          async ({ shigoto, out }) => {
            const enqueued = await shigoto.enqueueByName(job, args, {
              ...(options.queue !== undefined && { queue: options.queue }),
              ...(options.priority !== undefined && { priority: options.priority }),
              ...(options.wait !== undefined && { wait: options.wait }),
              ...(waitUntil && { waitUntil }),
            });
            out.result(
              enqueued,
              () =>
                `Enqueued ${enqueued.name} as job ${enqueued.id} on queue ${enqueued.queue}${enqueued.runAt ? ` to run at ${enqueued.runAt.toISOString()}` : ''}`,
            );
          },
          true,
        );
      },
    );
}
