/**
 * What every benchmarked job system (Shigoto on each backend, and its peers) offers the shared
 * scenarios: each adapter uses its own library's public API with its documented settings, and
 * keeps everything it makes (schema, Redis key prefix, files) to itself.
 */
export interface QueueSystem {
  /** Stores no-op jobs with arguments { n } for n in [first, first + count), in one bulk call. */
  enqueueBulk(first: number, count: number): Promise<void>;
  /** Stores one no-op job with argument { n }. */
  enqueueOne(n: number): Promise<void>;
  /**
   * Starts one worker whose no-op handler calls `ran(n)` as each job starts; resolves with a
   * function that stops the worker gracefully.
   */
  startWorker(ran: (n: number) => void): Promise<() => Promise<void>>;
  /** Jobs stored and not finished yet: a drain must end at 0. */
  unfinished(): Promise<number>;
  /** After a large fill: brings the tables where autovacuum and the checkpointer soon would (PostgreSQL). */
  settle?(): Promise<void>;
  /** Removes everything it made and closes its connections. */
  close(): Promise<void>;
}

/** One system under test: its name, its settings, and fresh empty instances of it. */
export interface SystemFactory {
  /** Column title in the comparison table. */
  readonly name: string;
  /** The settings measured, printed with the results so nobody has to guess them. */
  readonly settings: string;
  /** A fresh, empty instance (its own schema, key prefix or file); each call a new one. */
  make(): Promise<QueueSystem>;
}

/**
 * Counts job starts by argument: a drain ends when every job has started at least once, and
 * reports how many started twice (it should be none).
 */
export class RunTracker {
  #seen: Uint8Array;
  #distinct = 0;
  #starts = 0;
  #target: number;
  #reached = Promise.withResolvers<void>();

  constructor(jobs: number) {
    this.#seen = new Uint8Array(jobs);
    this.#target = jobs;
  }

  get starts(): number {
    return this.#starts;
  }

  get duplicates(): number {
    return this.#starts - this.#distinct;
  }

  /** Resolves once every job in [0, jobs) has started. */
  get allStarted(): Promise<void> {
    return this.#reached.promise;
  }

  readonly ran = (n: number): void => {
    this.#starts++;
    if (n < 0 || n >= this.#seen.length || this.#seen[n]) return;
    this.#seen[n] = 1;
    if (++this.#distinct === this.#target) this.#reached.resolve();
  };
}
