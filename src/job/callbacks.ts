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

/**
 * Runs every item through its around-callbacks, but commits all items that reach the centre
 * in one call (one round trip for a bulk enqueue). If any chain throws before reaching the
 * centre, nothing is committed and the error is raised.
 */
export async function commitThroughArounds<T, R>(
  items: readonly T[],
  aroundsFor: (item: T) => readonly Around<T, R>[],
  commit: (items: readonly T[]) => Promise<R[]>,
): Promise<R[]> {
  if (items.every((item) => aroundsFor(item).length === 0)) return commit(items);
  const reached = items.map(() => deferred<void>());
  const results = items.map(() => deferred<R>());
  const called = items.map(() => false);
  const chains = items.map((item, i) =>
    compose(aroundsFor(item), () => {
      if (called[i]) return Promise.reject(new InvalidInputError('aroundEnqueue called next() twice'));
      called[i] = true;
      reached[i]!.resolve();
      return results[i]!.promise;
    })(item),
  );
  try {
    await Promise.all(
      chains.map((chain, i) =>
        Promise.race([
          reached[i]!.promise,
          chain.then(() => {
            if (!called[i]) throw new InvalidInputError('aroundEnqueue returned without calling next()');
          }),
        ]),
      ),
    );
    const committed = await commit(items);
    committed.forEach((value, i) => {
      results[i]!.resolve(value);
    });
  } catch (error) {
    for (const result of results) result.reject(error);
    await Promise.allSettled(chains);
    throw error;
  }
  return Promise.all(chains);
}
