import { type Command, InvalidArgumentError } from 'commander';
import type { TaskOutcome } from '../../client/task-outcome.ts';
import { assertTopicName } from '../../job/topics.ts';
import { secondsOrDurationToMs } from '../../util/duration.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { table, time } from '../output.ts';
import { parseJsonArgument } from '../parse.ts';

interface TaskFlags {
  /** Milliseconds. */
  readonly expire?: number;
  readonly wait?: boolean;
  /** Milliseconds. */
  readonly timeout?: number;
}

/** Without --timeout, --wait gives up after this long (the task goes on). */
const DEFAULT_WAIT_TIMEOUT_MS = 60_000;

/** `--expire 30` (seconds, as the seed) or `--expire 2m`. */
function parseSeconds(flag: string) {
  return (value: string): number => {
    const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    try {
      const ms = secondsOrDurationToMs(seconds, flag);
      if (ms > 0) return ms;
    } catch {
      // below
    }
    throw new InvalidArgumentError(`${flag} must be seconds (like 30) or a duration like 30s, 5m`);
  };
}

export function registerTask(program: Command): void {
  program
    .command('task')
    .description('Publish a task to a topic: every job subscribed to it runs it (docs/topics.md)')
    .argument('<topic>', 'topic name')
    .argument('[content]', 'task content as JSON (the arguments of each subscribed job)', '{}')
    .option(
      '--expire <seconds>',
      'executions not started within this long expire (default 10)',
      parseSeconds('--expire'),
    )
    .option('--wait', 'wait until every execution has ended and print the outcome')
    .option(
      '--timeout <seconds>',
      'with --wait: give up after this long (default 60)',
      parseSeconds('--timeout'),
    )
    .option(
      '-j, --jobs-file <file>',
      'job definitions (default: $SHIGOTO_JOBS_FILE, jobs_file, else config/jobs.yml if it exists)',
    )
    .action(async (topic: string, rawContent: string, flags: TaskFlags, command: Command) => {
      // Everything that can be checked without the database is checked first.
      assertTopicName(topic);
      const content = parseJsonArgument(rawContent, 'content');
      if (flags.timeout !== undefined && !flags.wait)
        throw new InvalidArgumentError('--timeout goes with --wait');
      await withContext(
        command.optsWithGlobals<GlobalOptions>(),
        async ({ shigoto, out }) => {
          const taskId = await shigoto.task(topic, content, {
            ...(flags.expire !== undefined && { expire: flags.expire }),
          });
          const subscribers = shigoto.registry.subscribers(topic).map((job) => job.name);
          if (!flags.wait) {
            out.result(
              { taskId, topic, subscribers },
              () => `Published task ${taskId} to ${topic}: ${subscribers.join(', ')}`,
            );
            return;
          }
          const outcome = await shigoto.waitFor(taskId, {
            timeout: flags.timeout ?? DEFAULT_WAIT_TIMEOUT_MS,
          });
          out.result(outcome, () => describeOutcome(outcome));
          // Scripts can tell "all finished" from "something failed, was discarded or expired".
          if (outcome.executions.some((e) => e.status !== 'finished')) process.exitCode = EXIT.failure;
        },
        true,
      );
    });
}

function describeOutcome(outcome: TaskOutcome): string {
  const rows = outcome.executions.map((e) => ({
    job: e.name,
    id: e.jobId,
    status: e.status,
    completed: time(e.completedAt?.getTime()),
    result: e.error
      ? `${e.error.name}: ${e.error.message}`
      : e.result === undefined
        ? ''
        : JSON.stringify(e.result),
  }));
  return [
    `Task ${outcome.taskId} on ${outcome.topic} completed at ${time(outcome.completedAt.getTime())}`,
    table(rows, ['job', 'id', 'status', 'completed', 'result']),
  ].join('\n');
}
