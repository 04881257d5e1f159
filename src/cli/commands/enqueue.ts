import { type Command, Option } from 'commander';
import { assertQueueName } from '../../util/names.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { time } from '../output.ts';
import { parseDuration, parseInteger, parseJsonArgument, parseTime } from '../parse.ts';

interface EnqueueFlags {
  readonly queue?: string;
  readonly priority?: number;
  /** Milliseconds. */
  readonly wait?: number;
  readonly waitUntil?: Date;
  /** Milliseconds. */
  readonly expiresIn?: number;
  readonly orderingKey?: string;
}

export function registerEnqueue(program: Command): void {
  program
    .command('enqueue')
    .description('Enqueue a job of the app by name, with JSON arguments')
    .argument('<job>', 'job name (as in defineJob)')
    .argument('[args]', 'arguments as JSON', '{}')
    .option('--queue <queue>', "queue (overrides the job's)")
    .option('--priority <n>', 'priority, lower runs first', parseInteger('--priority'))
    .addOption(
      new Option('--wait <duration>', 'run after a delay, e.g. 30s, 5m, 1h')
        .argParser(parseDuration('--wait'))
        .conflicts('waitUntil'),
    )
    .addOption(
      new Option('--wait-until <time>', 'run at or after an ISO 8601 time').argParser(
        parseTime('--wait-until'),
      ),
    )
    .option(
      '--expires-in <duration>',
      'expire unless started within this long of being due, e.g. 10m',
      parseDuration('--expires-in'),
    )
    .option('--ordering-key <key>', "in a serialized queue, the line to run in (over the job's orderingKey)")
    .action(async (job: string, rawArgs: string, options: EnqueueFlags, command: Command) => {
      // Everything that can be checked without the database is checked first.
      const args = parseJsonArgument(rawArgs, 'args');
      if (options.queue !== undefined) assertQueueName(options.queue);
      await withContext(
        command.optsWithGlobals<GlobalOptions>(),
        async ({ shigoto, out }) => {
          const enqueued = await shigoto.enqueueByName(job, args, {
            ...(options.queue !== undefined && { queue: options.queue }),
            ...(options.priority !== undefined && { priority: options.priority }),
            ...(options.wait !== undefined && { wait: options.wait }),
            ...(options.waitUntil !== undefined && { waitUntil: options.waitUntil }),
            ...(options.expiresIn !== undefined && { expiresIn: options.expiresIn }),
            ...(options.orderingKey !== undefined && { orderingKey: options.orderingKey }),
          });
          const when = enqueued.runAt ? ` to run at ${time(enqueued.runAt.getTime())}` : '';
          out.result(enqueued, () =>
            enqueued.duplicate
              ? `Not enqueued: ${enqueued.name} is a duplicate of job ${enqueued.id} (unique)`
              : `Enqueued ${enqueued.name} as job ${enqueued.id} on queue ${enqueued.queue}${when}`,
          );
        },
        true,
      );
    });
}
