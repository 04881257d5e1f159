import type { Command } from 'commander';
import { assertQueueName } from '../../util/names.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { age, table } from '../output.ts';
import { publicQueue, queueState } from '../records.ts';

export function registerQueues(program: Command): void {
  const queues = program.command('queues').description('List, pause and resume queues');

  queues
    .command('list')
    .description('Queues with their depth, latency and state')
    .action(async (_o, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ shigoto, out }) => {
        const list = await shigoto.queues.list();
        out.result(list.map(publicQueue), () =>
          table(
            list.map((q) => ({
              queue: q.name,
              state: queueState(q),
              ready: q.ready,
              scheduled: q.scheduled,
              blocked: q.blocked,
              running: q.claimed,
              failed: q.failed,
              errored: q.errored,
              latency: age(q.oldestReadyAt),
            })),
            ['queue', 'state', 'ready', 'scheduled', 'blocked', 'running', 'failed', 'errored', 'latency'],
            'No queues yet: enqueue a job first.',
          ),
        );
      });
    });

  for (const verb of ['pause', 'resume'] as const) {
    queues
      .command(verb)
      .description(
        verb === 'pause'
          ? 'Stop workers from taking jobs of a queue'
          : 'Let workers take jobs of a paused queue again',
      )
      .argument('<queue>', 'queue name')
      .action(async (queue: string, _o, command: Command) => {
        assertQueueName(queue);
        await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ shigoto, out }) => {
          await (verb === 'pause' ? shigoto.queues.pause(queue) : shigoto.queues.resume(queue));
          out.result(
            { queue, paused: verb === 'pause' },
            () => `Queue ${queue} ${verb === 'pause' ? 'paused' : 'resumed'}.`,
          );
        });
      });
  }
}
