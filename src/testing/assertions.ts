import { inspect, isDeepStrictEqual } from 'node:util';
import type { Shigoto } from '../client/shigoto.ts';
import type { JobDefinition } from '../job/define.ts';
import { enqueuedJobs, type WaitingJob } from './waiting.ts';

/** Expected arguments: a value compared by deep equality, or a predicate. */
export type ArgsMatcher<Args> = Args | ((args: Args) => boolean);

export interface EnqueuedMatchOptions {
  readonly queue?: string;
  readonly priority?: number;
}

export interface AssertEnqueuedOptions extends EnqueuedMatchOptions {
  /** Exactly this many matching jobs (default: at least one). */
  readonly count?: number;
}

/** Lines of job listing in a failure message before the rest is summed up. */
const LISTED = 20;

/**
 * Throws a JobAssertionError unless a waiting (ready or scheduled) job of kind `job` matches.
 * Expected args are normalised as enqueue stores them (schema, then codec), so they compare
 * like with like. Returns the matching jobs.
 */
export async function assertEnqueued<Args, Result>(
  shigoto: Shigoto,
  job: JobDefinition<Args, Result>,
  args?: ArgsMatcher<Args>,
  options: AssertEnqueuedOptions = {},
): Promise<WaitingJob<Args>[]> {
  const { all, matching, wanted } = await findMatches(shigoto, job, args, options);
  const ok = options.count === undefined ? matching.length > 0 : matching.length === options.count;
  if (ok) return matching;
  const expected = options.count === undefined ? `a ${wanted}` : `${options.count} × ${wanted}`;
  const found =
    options.count === undefined
      ? 'none matches'
      : `${matching.length} ${matching.length === 1 ? 'matches' : 'match'}`;
  throw new JobAssertionError(
    'assertEnqueued',
    `Expected ${expected} to be enqueued, but ${found}.\n${await describeWaiting(shigoto, job, all)}`,
  );
}

/** Throws a JobAssertionError if any waiting job of kind `job` matches. */
export async function assertNotEnqueued<Args, Result>(
  shigoto: Shigoto,
  job: JobDefinition<Args, Result>,
  args?: ArgsMatcher<Args>,
  options: EnqueuedMatchOptions = {},
): Promise<void> {
  const { matching, wanted } = await findMatches(shigoto, job, args, options);
  if (matching.length === 0) return;
  throw new JobAssertionError(
    'assertNotEnqueued',
    `Expected no ${wanted} to be enqueued, but found ${matching.length}:\n${listJobs(matching)}`,
  );
}

async function findMatches<Args, Result>(
  shigoto: Shigoto,
  job: JobDefinition<Args, Result>,
  args: ArgsMatcher<Args> | undefined,
  options: EnqueuedMatchOptions,
) {
  const all = await enqueuedJobs(shigoto, job);
  const argsMatch = argsMatcher(shigoto, job, args);
  const matching = all.filter(
    (waiting) =>
      (options.queue === undefined || waiting.queue === options.queue) &&
      (options.priority === undefined || waiting.priority === options.priority) &&
      argsMatch(waiting.args),
  );
  return { all, matching, wanted: describeWanted(job, args, options) };
}

function argsMatcher<Args, Result>(
  shigoto: Shigoto,
  job: JobDefinition<Args, Result>,
  expected: ArgsMatcher<Args> | undefined,
): (args: Args) => boolean {
  if (expected === undefined) return () => true;
  if (typeof expected === 'function') return expected as (args: Args) => boolean;
  const normalised = asStored(shigoto, job, expected);
  return (args) => isDeepStrictEqual(args, normalised);
}

/** What enqueue would store for `args`; the value itself when it could not be enqueued at all. */
function asStored<Args, Result>(shigoto: Shigoto, job: JobDefinition<Args, Result>, args: Args): unknown {
  try {
    const checked = job.schema ? job.schema.parse(args) : args;
    return shigoto.codecs.parse(shigoto.codecs.stringify(checked));
  } catch {
    return args;
  }
}

function describeWanted<Args, Result>(
  job: JobDefinition<Args, Result>,
  args: ArgsMatcher<Args> | undefined,
  options: EnqueuedMatchOptions,
): string {
  const parts = [`"${job.name}" job`];
  if (typeof args === 'function') parts.push(`with args matching ${args.name || 'the predicate'}`);
  else if (args !== undefined) parts.push(`with args ${show(args)}`);
  if (options.queue !== undefined) parts.push(`in queue "${options.queue}"`);
  if (options.priority !== undefined) parts.push(`with priority ${options.priority}`);
  return parts.join(' ');
}

/** What is waiting: the jobs of this kind, or else every waiting job (a wrong job is a common slip). */
async function describeWaiting<Args, Result>(
  shigoto: Shigoto,
  job: JobDefinition<Args, Result>,
  ofThisKind: readonly WaitingJob<Args>[],
): Promise<string> {
  if (ofThisKind.length > 0) {
    return `Enqueued "${job.name}" jobs (${ofThisKind.length}):\n${listJobs(ofThisKind)}`;
  }
  const others = await enqueuedJobs(shigoto);
  if (others.length === 0) return 'Nothing is enqueued.';
  return `No "${job.name}" job is enqueued. Enqueued jobs (${others.length}):\n${listJobs(others)}`;
}

function listJobs(jobs: readonly WaitingJob[]): string {
  const lines = jobs.slice(0, LISTED).map((job) => {
    const when = job.state === 'scheduled' ? `scheduled for ${job.runAt?.toISOString()}` : 'ready';
    return `  #${job.id} "${job.name}" ${when}, queue "${job.queue}", priority ${job.priority}, args ${show(job.args)}`;
  });
  if (jobs.length > LISTED) lines.push(`  … and ${jobs.length - LISTED} more`);
  return lines.join('\n');
}

function show(value: unknown): string {
  return inspect(value, { depth: 6, breakLength: Number.POSITIVE_INFINITY, compact: true, sorted: true });
}

/**
 * The failure of an enqueue assertion. Not node:assert's AssertionError: test runners would
 * print its empty actual / expected as a diff under the message.
 */
export class JobAssertionError extends Error {
  readonly assertion: string;
  constructor(assertion: string, message: string) {
    super(message);
    this.name = 'JobAssertionError';
    this.assertion = assertion;
  }
}
