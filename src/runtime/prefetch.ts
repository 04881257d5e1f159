import type { ClaimedJob } from '../backend/types.ts';

/** How long, at the current pace, the jobs held beyond the free threads may take to start. */
const HORIZON_MS = 100;
/** Memory of the pace: finishes older than a few of these hardly count. */
const PACE_MS = 100;
/** A prefetched job that waited this long (the pace dropped: slow jobs came) goes back. */
export const PREFETCH_TTL_MS = 2000;

interface Held {
  readonly job: ClaimedJob;
  readonly at: number;
}

/**
 * Jobs a worker claimed ahead of its free threads, so a thread that frees up starts the next
 * job at once instead of waiting for a claim's round trip. How many it holds follows the pace
 * at which jobs finish: a busy worker of fast jobs holds up to `max`, a worker of slow jobs
 * (or one just started) none, so a prefetched job never waits long while another worker idles.
 */
export class Prefetch {
  readonly #max: number;
  #held: Held[] = [];
  #head = 0;
  /** Finishes, each decaying with PACE_MS: about the finishes of the last PACE_MS. */
  #recent = 0;
  #recentAt = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#held.length - this.#head;
  }

  /** How many jobs to hold beyond the threads: what the current pace starts within HORIZON_MS. */
  get target(): number {
    return Math.min(this.#max, Math.floor((this.#decayed(performance.now()) * HORIZON_MS) / PACE_MS));
  }

  add(jobs: readonly ClaimedJob[]): void {
    const at = performance.now();
    for (const job of jobs) this.#held.push({ job, at });
  }

  /** The next job in claim order, if any. */
  next(): ClaimedJob | undefined {
    if (this.#head === this.#held.length) return undefined;
    const { job } = this.#held[this.#head++]!;
    if (this.#head === this.#held.length) this.#reset();
    return job;
  }

  /** Counts a finished job towards the pace. */
  finished(): void {
    const now = performance.now();
    this.#recent = this.#decayed(now) + 1;
    this.#recentAt = now;
  }

  /** Milliseconds until the oldest held job goes stale (Infinity when none is held). */
  msUntilStale(): number {
    return this.size === 0
      ? Number.POSITIVE_INFINITY
      : this.#held[this.#head]!.at + PREFETCH_TTL_MS - performance.now();
  }

  /** Takes out the jobs that waited PREFETCH_TTL_MS or longer. */
  takeStale(): ClaimedJob[] {
    const cutoff = performance.now() - PREFETCH_TTL_MS;
    const stale: ClaimedJob[] = [];
    while (this.size > 0 && this.#held[this.#head]!.at <= cutoff) stale.push(this.next()!);
    return stale;
  }

  /** Takes out every held job (a stop gives them back). */
  takeAll(): ClaimedJob[] {
    const all = this.#held.slice(this.#head).map((h) => h.job);
    this.#reset();
    return all;
  }

  #decayed(now: number): number {
    return this.#recent * Math.exp((this.#recentAt - now) / PACE_MS);
  }

  #reset(): void {
    this.#held = [];
    this.#head = 0;
  }
}
