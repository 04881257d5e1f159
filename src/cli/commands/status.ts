import type { Command } from 'commander';
import { backendLocation, publicBackend } from '../../config/backend.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { age, table } from '../output.ts';
import { publicProcess, publicQueue, queueState } from '../records.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Live processes with their heartbeats, queues and job counts')
    .action(async (_o, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ config, shigoto, out }) => {
        const [processes, queues, counts] = await Promise.all([
          shigoto.processes.list(),
          shigoto.queues.list(),
          shigoto.jobs.counts(),
        ]);
        const status = {
          backend: publicBackend(config.backend),
          processes: processes.map(publicProcess),
          queues: queues.map(publicQueue),
          counts,
        };
        out.result(status, () =>
          [
            `Backend: ${config.backend.adapter} ${backendLocation(config.backend)}`,
            '',
            'Processes:',
            table(
              processes.map((p) => ({
                kind: p.kind,
                name: p.name,
                pid: p.pid,
                host: p.hostname,
                heartbeat: `${age(p.lastHeartbeatAt)} ago`,
                details: p.metadata === '{}' ? '' : p.metadata,
              })),
              ['kind', 'name', 'pid', 'host', 'heartbeat', 'details'],
              '(no live processes: is `shigoto start` running?)',
            ),
            '',
            'Queues:',
            table(
              queues.map((q) => ({
                queue: q.name,
                state: queueState(q),
                ready: q.ready,
                latency: age(q.oldestReadyAt),
              })),
              ['queue', 'state', 'ready', 'latency'],
            ),
            '',
            `Jobs: ${Object.entries(counts)
              .map(([state, n]) => `${state} ${n}`)
              .join(', ')}`,
          ].join('\n'),
        );
      });
    });
}
