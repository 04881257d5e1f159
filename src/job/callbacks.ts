import { InvalidInputError } from '../errors.ts';
import { deferred } from '../util/deferred.ts';

export type Around<T, R> = (item: T, next: () => Promise<R>) => Promise<R>;

/** Nests arounds so the first wraps all the others, with `inner` at the centre. */
export function compose<T, R>(
  arounds: readonly Around<T, R>[],
  inner: (item: T) => Promise<R>,
): (item: T) => Promise<R> {
  return arounds.reduceRight<(item: T) => Promise<R>>(
    (next, around) => (item) => around(item, () => next(item)),
    inner,
  );
}

export interface CommitSteps<T, R> {
  readonly aroundsFor: (item: T) => readonly Around<T, R>[];
  /** Runs inside the item's arounds, before the commit (before-callbacks); undefined: it has none. */
  readonly before: (item: T) => Promise<void> | undefined;
  /** Stores every item at once. */
  readonly commit: (items: readonly T[]) => Promise<R[]>;
  /** Runs inside the item's arounds, after the commit (after-callbacks); undefined: it has none. */
  readonly after: (item: T, result: R) => Promise<void> | undefined;
}

/**
 * Runs every item through arounds → before → (commit) → after, like a single perform, but
 * commits all items in one call (one round trip for a bulk enqueue). If any item fails or
 * does not reach the centre (an around that throws, skips `next()` or swallows an error),
 * nothing is committed and the error is raised.
 */
export async function commitThroughArounds<T, R>(
  items: readonly T[],
  steps: CommitSteps<T, R>,
): Promise<R[]> {
  if (items.every((item) => steps.aroundsFor(item).length === 0)) {
    // Awaited only where there is something to run: a bulk enqueue of jobs without callbacks
    // spends no event-loop turn per job.
    for (const item of items) {
      const before = steps.before(item);
      if (before) await before;
    }
    const results = await steps.commit(items);
    for (const [i, item] of items.entries()) {
      const after = steps.after(item, results[i]!);
      if (after) await after;
    }
    return results;
  }
  const reached = items.map(() => deferred<void>());
  const failures: unknown[] = [];
  const committed = deferred<R[]>();
  const chains = items.map((item, i) => {
    let entered = false;
    const chain = compose(steps.aroundsFor(item), async (current) => {
      if (entered) throw new InvalidInputError('aroundEnqueue called next() twice');
      entered = true;
      try {
        await steps.before(current);
      } catch (error) {
        failures[i] = error;
        throw error;
      }
      reached[i]!.resolve();
      const result = (await committed.promise)[i]!;
      await steps.after(current, result);
      return result;
    })(item);
    const settledEarly = chain.then(() => {
      throw i in failures
        ? failures[i]
        : new InvalidInputError('aroundEnqueue returned without calling next()');
    });
    return { chain, ready: Promise.race([reached[i]!.promise, settledEarly]) };
  });
  try {
    await Promise.all(chains.map((c) => c.ready));
    committed.resolve(await steps.commit(items));
  } catch (error) {
    committed.reject(error);
    await Promise.allSettled(chains.map((c) => c.chain));
    throw error;
  }
  await Promise.all(chains.map((c) => c.chain));
  return committed.promise;
}
