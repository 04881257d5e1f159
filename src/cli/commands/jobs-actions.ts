import type { Command } from 'commander';
import { type FailedSelector, type JobState, MAX_PAGE } from '../../backend/types.ts';
import type { Shigoto } from '../../client/shigoto.ts';
import { InvalidInputError } from '../../errors.ts';
import { assertQueueName } from '../../util/names.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { progressBar } from '../progress.ts';

/** An operation on jobs in one state: failed jobs are retried or discarded, errored ones re-entered or removed. */
interface Action {
  readonly state: 'failed' | 'errored';
  readonly done: string;
  readonly doing: string;
  /** The count's key in --json output. */
  readonly key: string;
  readonly help: string;
  /** The option choosing every job in the state, and its name in commander's options. */
  readonly allFlag: '--all-failed' | '--all';
  readonly allOption: 'allFailed' | 'all';
  readonly apply: (shigoto: Shigoto, select: FailedSelector) => Promise<number>;
}

const FAILED = { state: 'failed', allFlag: '--all-failed', allOption: 'allFailed' } as const;
const ERRORED = { state: 'errored', allFlag: '--all', allOption: 'all' } as const;

const ACTIONS: Record<string, Action> = {
  retry: {
    ...FAILED,
    done: 'Retried',
    doing: 'Retrying',
    key: 'retried',
    help: 'Put failed jobs back on their queue',
    apply: (shigoto, select) => shigoto.jobs.retry(select),
  },
  discard: {
    ...FAILED,
    done: 'Discarded',
    doing: 'Discarding',
    key: 'discarded',
    help: 'Discard failed jobs (kept as discarded until cleared)',
    apply: (shigoto, select) => shigoto.jobs.discard(select),
  },
  reenter: {
    ...ERRORED,
    done: 'Re-entered',
    doing: 'Re-entering',
    key: 'reentered',
    help: 'Run errored jobs of serialized queues again, at their place in line',
    apply: (shigoto, select) => shigoto.jobs.reenter(select),
  },
  remove: {
    ...ERRORED,
    done: 'Removed',
    doing: 'Removing',
    key: 'removed',
    help: 'Remove errored jobs (kept as discarded until cleared): their queues go on with the next',
    apply: (shigoto, select) => shigoto.jobs.remove(select),
  },
};

type Selection = { readonly queue?: string } & Partial<Record<Action['allOption'], boolean>>;

/**
 * `jobs retry|discard` (failed jobs) and `jobs reenter|remove` (errored jobs of serialized
 * queues): by ids, by queue, or every job in the state.
 */
export function registerJobActions(jobs: Command): void {
  for (const [verb, action] of Object.entries(ACTIONS)) {
    jobs
      .command(verb)
      .description(action.help)
      .argument('[ids...]', `${action.state} job ids`)
      .option('--queue <queue>', `every ${action.state} job of this queue`)
      .option(action.allFlag, `every ${action.state} job`)
      .action(async (ids: string[], o: Selection, command: Command) => {
        const unique = [...new Set(ids)];
        checkSelection(verb, action, unique, o);
        const globals = command.optsWithGlobals<GlobalOptions>();
        await withContext(globals, async ({ shigoto, out }) => {
          if (unique.length > 0) {
            const { count, skipped } = await applyToIds(shigoto, action, unique);
            out.result({ [action.key]: count, skipped }, () =>
              [
                summary(action, count),
                ...skipped.map(
                  (s) =>
                    `Skipped job ${s.id}: ${s.state ? `it is ${s.state}, not ${action.state}` : 'there is no such job'}.`,
                ),
              ].join('\n'),
            );
            if (skipped.length > 0) process.exitCode = EXIT.notFound;
            return;
          }
          const count = await applyToAll(shigoto, action, o.queue, !globals.json);
          out.result({ [action.key]: count }, () => summary(action, count, o.queue));
        });
      });
  }
}

/** Exactly one way of choosing jobs, checked before anything is opened. */
function checkSelection(verb: string, action: Action, ids: readonly string[], o: Selection): void {
  const ways = [ids.length > 0, o.queue !== undefined, o[action.allOption] === true].filter(Boolean).length;
  if (ways !== 1) {
    throw new InvalidInputError(
      `Say which ${action.state} jobs to ${verb} in one way: ids, --queue <queue> or ${action.allFlag}` +
        (ways > 1 ? ' (not several)' : ''),
    );
  }
  if (ids.length > MAX_PAGE) {
    throw new InvalidInputError(`Give at most ${MAX_PAGE} ids at once, or use --queue or ${action.allFlag}`);
  }
  if (o.queue !== undefined) assertQueueName(o.queue);
}

/** Applies to the given ids and says why the others were skipped (in another state, or missing). */
async function applyToIds(shigoto: Shigoto, action: Action, ids: readonly string[]) {
  const before = new Map((await shigoto.jobs.list({ ids, limit: ids.length })).map((j) => [j.id, j.state]));
  const count = await action.apply(shigoto, { ids });
  const skipped = ids
    .filter((id) => before.get(id) !== action.state)
    .map((id) => ({ id, state: (before.get(id) ?? null) as JobState | null }));
  return { count, skipped };
}

/**
 * Every job in the action's state (of `queue`). Failed jobs go a page at a time from the newest
 * down, so a terminal can show progress; paging by id means a retried job that fails again is
 * not taken twice. Errored jobs go in one call: the backend takes them oldest first, so in a
 * line each is back before the ones behind it.
 */
async function applyToAll(
  shigoto: Shigoto,
  action: Action,
  queue: string | undefined,
  showProgress: boolean,
) {
  if (action.state === 'errored') return action.apply(shigoto, queue ? { queue } : { all: true });
  const total = queue
    ? ((await shigoto.queues.list()).find((q) => q.name === queue)?.failed ?? 0)
    : (await shigoto.jobs.counts()).failed;
  const bar = progressBar(action.doing, total, showProgress);
  let count = 0;
  let beforeId: string | undefined;
  try {
    for (;;) {
      const page = await shigoto.jobs.list({ state: 'failed', queue, beforeId, limit: MAX_PAGE });
      if (page.length === 0) return count;
      count += await action.apply(shigoto, { ids: page.map((j) => j.id) });
      beforeId = page.at(-1)!.id;
      bar.update(count);
    }
  } finally {
    bar.finish();
  }
}

function summary(action: Action, count: number, queue?: string): string {
  const jobs = `${action.state} job${count === 1 ? '' : 's'}`;
  return `${action.done} ${count} ${jobs}${queue ? ` of queue ${queue}` : ''}.`;
}
