import type { EnqueuedIds, NewJob, QueueLimits } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import { enqueueJobs, insertPlainChunk } from './enqueue.ts';
import { needsControls } from './enqueue-controlled.ts';
import { hasQueueLimits } from './queue-limits.ts';
import { MAX_SOURCE_ROWS } from './values.ts';

/** A chunk turned out to need controls: the streamed transaction rolls back and enqueueJobs stores the call. */
class ControlsFound extends Error {}

/**
 * Stores jobs while the caller still makes them: each chunk of plain jobs is sent as soon as it
 * is complete (the driver pipelines statements), so the database stores one chunk while the
 * caller encodes the next, all in one transaction (for dialects with data-modifying WITH and
 * server round trips). Jobs that need controls, or that fit one chunk, go to enqueueJobs
 * instead, all of them, as an enqueue would.
 */
export async function enqueueStreamed(
  ctx: SqlContext,
  jobs: Iterable<NewJob>,
  now: number,
  limits: QueueLimits | undefined,
): Promise<EnqueuedIds> {
  const chunks = new MadeChunks(jobs);
  if (hasQueueLimits(limits) || chunks.single()) {
    return enqueueJobs(ctx, chunks.all(), now, { limits });
  }
  let ids: number[];
  try {
    ids = await ctx.driver.transaction(async (tx) => {
      const sent: Promise<number[]>[] = [];
      try {
        for (const chunk of chunks) {
          if (needsControls(chunk, limits)) throw new ControlsFound();
          sent.push(insertPlainChunk(ctx, tx, chunk, now));
        }
      } catch (error) {
        await Promise.allSettled(sent); // none left unobserved; the transaction rolls back
        throw error;
      }
      return (await Promise.all(sent)).flat();
    });
  } catch (error) {
    if (!(error instanceof ControlsFound)) throw error;
    return enqueueJobs(ctx, chunks.all(), now, { limits });
  }
  ctx.jobsStored?.(ids.length);
  return ids.map(String);
}

/**
 * The jobs of an iterable in chunks of a statement's size, each made when first read and kept:
 * reading again (a transaction run again after a deadlock, or the fallback) replays them.
 */
class MadeChunks implements Iterable<NewJob[]> {
  readonly #made: NewJob[][] = [];
  readonly #source: Iterator<NewJob>;
  #ended = false;

  constructor(jobs: Iterable<NewJob>) {
    this.#source = jobs[Symbol.iterator]();
  }

  *[Symbol.iterator](): Iterator<NewJob[]> {
    for (let i = 0; i < this.#made.length || this.#makeChunk(); i++) yield this.#made[i]!;
  }

  /** Whether the jobs fit one chunk (makes the first). */
  single(): boolean {
    if (this.#made.length === 0) this.#makeChunk();
    return this.#ended && this.#made.length <= 1;
  }

  /** Every job, made to the end. */
  all(): NewJob[] {
    while (this.#makeChunk());
    return this.#made.flat();
  }

  #makeChunk(): boolean {
    const chunk: NewJob[] = [];
    while (!this.#ended && chunk.length < MAX_SOURCE_ROWS) {
      const next = this.#source.next();
      if (next.done) this.#ended = true;
      else chunk.push(next.value);
    }
    if (chunk.length > 0) this.#made.push(chunk);
    return chunk.length > 0;
  }
}
