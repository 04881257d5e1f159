import { type Command, Option } from 'commander';
import { JOB_STATES, type JobRecord, MAX_PAGE } from '../../backend/types.ts';
import { createArgumentFilter } from '../../util/filter.ts';
import { assertQueueName } from '../../util/names.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { table, time } from '../output.ts';
import { parseInteger } from '../parse.ts';
import { publicJob } from '../records.ts';
import { registerJobActions } from './jobs-actions.ts';

export function registerJobs(program: Command): void {
  const jobs = program
    .command('jobs')
    .description('List, show, retry and discard jobs; re-enter and remove errored ones');

  jobs
    .command('list')
    .description('List jobs, newest first')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(JOB_STATES))
    .option('--queue <queue>', 'only jobs of this queue')
    .option('--name <job>', 'only jobs with this name')
    .option(
      `--limit <n>`,
      `how many (1 to ${MAX_PAGE})`,
      parseInteger('--limit', { min: 1, max: MAX_PAGE }),
      50,
    )
    .option('--before <id>', 'only jobs older than this id (next page)')
    .action(
      async (
        o: { state?: JobRecord['state']; queue?: string; name?: string; limit: number; before?: string },
        command: Command,
      ) => {
        if (o.queue !== undefined) assertQueueName(o.queue);
        await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ config, shigoto, out }) => {
          const filter = createArgumentFilter(config.filterArguments);
          const list = await shigoto.jobs.list({
            state: o.state,
            queue: o.queue,
            name: o.name,
            limit: o.limit,
            beforeId: o.before,
          });
          out.result(
            list.map((j) => publicJob(j, filter)),
            () =>
              table(
                list.map((j) => ({
                  id: j.id,
                  name: j.name,
                  queue: j.queue,
                  state: j.state,
                  priority: j.priority,
                  attempts: j.attempts,
                  enqueued: time(j.enqueuedAt),
                  error: j.lastError ? oneLine(`${j.lastError.name}: ${j.lastError.message}`, 60) : '',
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
      await withContext(command.optsWithGlobals<GlobalOptions>(), async ({ config, shigoto, out }) => {
        const job = publicJob(await shigoto.jobs.get(id), createArgumentFilter(config.filterArguments));
        out.result(job, () => describeJob(job));
      });
    });

  registerJobActions(jobs);
}

function describeJob(job: ReturnType<typeof publicJob>): string {
  const lines = [
    `Job ${job.id}: ${job.name}`,
    `  state:     ${job.state}`,
    `  queue:     ${job.queue} (priority ${job.priority})`,
    `  attempts:  ${job.attempts}`,
    `  enqueued:  ${job.enqueuedAt}`,
    `  run at:    ${job.runAt ?? '-'}`,
    `  finished:  ${job.finishedAt ?? '-'}`,
    `  process:   ${job.processId ?? '-'}`,
    `  args:      ${JSON.stringify(job.args)}`,
    `  metadata:  ${JSON.stringify(job.metadata)}`,
    `  result:    ${job.result === null ? '-' : JSON.stringify(job.result)}`,
  ];
  if (job.expiresAt) lines.push(`  expires:   ${job.expiresAt}`);
  if (job.concurrencyKey) lines.push(`  concurrency key: ${job.concurrencyKey}`);
  if (job.uniqueKey) lines.push(`  unique key: ${job.uniqueKey}`);
  if (job.serialKey) lines.push(`  serialized line: ${job.serialKey}`);
  if (job.lastError) {
    const { name, message, execution, at, stack } = job.lastError;
    const [first, ...more] = `${name}: ${message}`.split('\n');
    lines.push(
      `  error:     ${first} (execution ${execution}, at ${at})`,
      ...more.map((l) => `             ${l}`),
    );
    // The frames only: the stack's first lines repeat the message.
    const frames = (stack ?? '').split('\n').filter((l) => l.trim().startsWith('at '));
    lines.push(...frames.slice(0, 8).map((l) => `    ${l.trim()}`));
  }
  return lines.join('\n');
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
