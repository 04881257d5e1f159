import { type Command, Option } from 'commander';
import { JOB_STATES, type JobRecord } from '../../backend/types.ts';
import { InvalidInputError } from '../../errors.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { table, time } from '../output.ts';
import { parseInteger } from '../parse.ts';

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('List, show, retry and discard jobs');

  jobs
    .command('list')
    .description('List jobs, newest first')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(JOB_STATES))
    .option('--queue <queue>', 'only jobs of this queue')
    .option('--name <job>', 'only jobs with this name')
    .option('--limit <n>', 'how many (at most 1000)', parseInteger('--limit'), 50)
    .option('--before <id>', 'only jobs older than this id (next page)')
    .action(
      async (
        o: { state?: JobRecord['state']; queue?: string; name?: string; limit: number; before?: string },
        command: Command,
      ) => {
        await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ shigoto, out }) => {
          const list = await shigoto.jobs.list({
            state: o.state,
            queue: o.queue,
            name: o.name,
            limit: o.limit,
            beforeId: o.before,
          });
          out.result(list.map(publicJob), () =>
            table(
              list.map((j) => ({
                id: j.id,
                name: j.name,
                queue: j.queue,
                state: j.state,
                priority: j.priority,
                attempts: j.attempts,
                enqueued: time(j.enqueuedAt),
                error: j.lastError ? `${j.lastError.name}: ${j.lastError.message}`.slice(0, 60) : '',
              })),
              ['id', 'name', 'queue', 'state', 'priority', 'attempts', 'enqueued', 'error'],
              'No jobs match.',
            ),
          );
        });
      },
    );

  jobs
    .command('show')
    .description('Show one job with its arguments, result and last error')
    .argument('<id>', 'job id')
    .action(async (id: string, _o, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ shigoto, out }) => {
        const job = await shigoto.jobs.get(id);
        out.result(publicJob(job), () => describeJob(job));
      });
    });

  for (const verb of ['retry', 'discard'] as const) {
    jobs
      .command(verb)
      .description(
        verb === 'retry' ? 'Put failed jobs back on their queue' : 'Discard failed jobs (kept as discarded)',
      )
      .argument('[ids...]', 'failed job ids')
      .option('--queue <queue>', 'every failed job of this queue')
      .option('--all-failed', 'every failed job')
      .action(async (ids: string[], o: { queue?: string; allFailed?: boolean }, command: Command) => {
        if (ids.length === 0 && !o.queue && !o.allFailed) {
          throw new InvalidInputError(
            `Say which failed jobs to ${verb}: ids, --queue <queue> or --all-failed`,
          );
        }
        await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ shigoto, out }) => {
          const select = { ids: ids.length ? ids : undefined, queue: o.queue, all: o.allFailed };
          const count = await (verb === 'retry' ? shigoto.jobs.retry(select) : shigoto.jobs.discard(select));
          out.result(
            { [verb === 'retry' ? 'retried' : 'discarded']: count },
            () =>
              `${verb === 'retry' ? 'Retried' : 'Discarded'} ${count} failed job${count === 1 ? '' : 's'}.`,
          );
          if (ids.length > 0 && count < ids.length) process.exitCode = 3;
        });
      });
  }
}

/** A job as scripts see it: arguments and result parsed, times as ISO strings. */
function publicJob(job: JobRecord) {
  return {
    ...job,
    args: JSON.parse(job.args) as unknown,
    metadata: JSON.parse(job.metadata) as unknown,
    result: job.result === null ? null : (JSON.parse(job.result) as unknown),
    enqueuedAt: time(job.enqueuedAt),
    runAt: job.runAt === null ? null : time(job.runAt),
    finishedAt: job.finishedAt === null ? null : time(job.finishedAt),
  };
}

function describeJob(job: JobRecord): string {
  const lines = [
    `Job ${job.id}: ${job.name}`,
    `  state:     ${job.state}`,
    `  queue:     ${job.queue} (priority ${job.priority})`,
    `  attempts:  ${job.attempts}`,
    `  enqueued:  ${time(job.enqueuedAt)}`,
    `  run at:    ${time(job.runAt)}`,
    `  finished:  ${time(job.finishedAt)}`,
    `  process:   ${job.processId ?? '-'}`,
    `  args:      ${job.args}`,
    `  metadata:  ${job.metadata}`,
    `  result:    ${job.result ?? '-'}`,
  ];
  if (job.lastError) {
    lines.push(
      `  error:     ${job.lastError.name}: ${job.lastError.message} (execution ${job.lastError.execution})`,
    );
    if (job.lastError.stack)
      lines.push(
        ...job.lastError.stack
          .split('\n')
          .slice(1, 8)
          .map((l) => `    ${l.trim()}`),
      );
  }
  return lines.join('\n');
}
