import type { Command } from 'commander';
import { type FailedSelector, type JobState, MAX_PAGE } from '../../backend/types.ts';
import type { Shigoto } from '../../client/shigoto.ts';
import { InvalidInputError } from '../../errors.ts';
import { assertQueueName } from '../../util/names.ts';
import { type GlobalOptions, withContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { progressBar } from '../progress.ts';

const VERBS = {
  retry: { done: 'Retried', doing: 'Retrying', key: 'retried', help: 'Put failed jobs back on their queue' },
  discard: {
    done: 'Discarded',
    doing: 'Discarding',
    key: 'discarded',
    help: 'Discard failed jobs (kept as discarded until cleared)',
  },
} as const;

type Verb = keyof typeof VERBS;

interface Selection {
  readonly queue?: string;
  readonly allFailed?: boolean;
}

/** `jobs retry` and `jobs discard`: by ids, by queue, or every failed job. */
export function registerFailedCommands(jobs: Command): void {
  for (const verb of Object.keys(VERBS) as Verb[]) {
    jobs
      .command(verb)
      .description(VERBS[verb].help)
      .argument('[ids...]', 'failed job ids')
      .option('--queue <queue>', 'every failed job of this queue')
      .option('--all-failed', 'every failed job')
      .action(async (ids: string[], o: Selection, command: Command) => {
        const unique = [...new Set(ids)];
        checkSelection(verb, unique, o);
        const globals = command.optsWithGlobals<GlobalOptions>();
        await withContext(globals, async ({ shigoto, out }) => {
          if (unique.length > 0) {
            const { count, skipped } = await applyToIds(shigoto, verb, unique);
            out.result({ [VERBS[verb].key]: count, skipped }, () =>
              [
                summary(verb, count),
                ...skipped.map(
                  (s) =>
                    `Skipped job ${s.id}: ${s.state ? `it is ${s.state}, not failed` : 'there is no such job'}.`,
                ),
              ].join('\n'),
            );
            if (skipped.length > 0) process.exitCode = EXIT.notFound;
            return;
          }
          const count = await applyInPages(shigoto, verb, o.queue, !globals.json);
          out.result({ [VERBS[verb].key]: count }, () => summary(verb, count, o.queue));
        });
      });
  }
}

/** Exactly one way of choosing jobs, checked before anything is opened. */
function checkSelection(verb: Verb, ids: readonly string[], o: Selection): void {
  const ways = [ids.length > 0, o.queue !== undefined, o.allFailed === true].filter(Boolean).length;
  if (ways !== 1) {
    throw new InvalidInputError(
      `Say which failed jobs to ${verb} in one way: ids, --queue <queue> or --all-failed` +
        (ways > 1 ? ' (not several)' : ''),
    );
  }
  if (ids.length > MAX_PAGE) {
    throw new InvalidInputError(`Give at most ${MAX_PAGE} ids at once, or use --queue or --all-failed`);
  }
  if (o.queue !== undefined) assertQueueName(o.queue);
}

function apply(shigoto: Shigoto, verb: Verb, select: FailedSelector): Promise<number> {
  return verb === 'retry' ? shigoto.jobs.retry(select) : shigoto.jobs.discard(select);
}

/** Applies to the given ids and says why the others were skipped (not failed, or missing). */
async function applyToIds(shigoto: Shigoto, verb: Verb, ids: readonly string[]) {
  const before = new Map((await shigoto.jobs.list({ ids, limit: ids.length })).map((j) => [j.id, j.state]));
  const count = await apply(shigoto, verb, { ids });
  const skipped = ids
    .filter((id) => before.get(id) !== 'failed')
    .map((id) => ({ id, state: (before.get(id) ?? null) as JobState | null }));
  return { count, skipped };
}

/**
 * Every failed job (of `queue`), a page at a time from the newest down, so a terminal can show
 * progress. Paging by id means a retried job that fails again is not taken twice.
 */
async function applyInPages(shigoto: Shigoto, verb: Verb, queue: string | undefined, showProgress: boolean) {
  const total = queue
    ? ((await shigoto.queues.list()).find((q) => q.name === queue)?.failed ?? 0)
    : (await shigoto.jobs.counts()).failed;
  const bar = progressBar(VERBS[verb].doing, total, showProgress);
  let count = 0;
  let beforeId: string | undefined;
  try {
    for (;;) {
      const page = await shigoto.jobs.list({ state: 'failed', queue, beforeId, limit: MAX_PAGE });
      if (page.length === 0) return count;
      count += await apply(shigoto, verb, { ids: page.map((j) => j.id) });
      beforeId = page.at(-1)!.id;
      bar.update(count);
    }
  } finally {
    bar.finish();
  }
}

function summary(verb: Verb, count: number, queue?: string): string {
  return `${VERBS[verb].done} ${count} failed job${count === 1 ? '' : 's'}${queue ? ` of queue ${queue}` : ''}.`;
}
