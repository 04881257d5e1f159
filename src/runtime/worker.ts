import type { Backend, ClaimedJob, Completion, ExpiredJob } from '../backend/types.ts';
import type { Logger } from '../util/logger.ts';
import { type ExecutorDeps, executeJob } from './executor.ts';
import type { EndedJob } from './observer.ts';
import { Poller } from './poller.ts';
import { Prefetch } from './prefetch.ts';

export interface WorkerOptions {
  /** Exact names, "*" or "prefix*", in priority order. */
  readonly queues: readonly string[];
  /** Jobs run at once (async slots). */
  readonly threads: number;
  /** Sleep between polls when there was nothing to do. */
  readonly pollingIntervalMs: number;
  /** Most jobs fetched by one claim, and most jobs held claimed ahead of the free threads. */
  readonly bulkReadSize: number;
}

export interface WorkerDeps extends ExecutorDeps {
  readonly backend: Backend;
  readonly processId: string;
  /** Errors of the worker itself (not of jobs): the onThreadError hook. */
  readonly onError: (error: unknown) => void;
  readonly logger: Logger;
}

/** How long aborted runs get to end before their claims are given back. */
const ABORT_GRACE_MS = 500;

interface Running {
  readonly job: ClaimedJob;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/** Claims pause while this many claim batches' worth of completions wait to be written. */
const MAX_UNWRITTEN_BATCHES = 2;

/**
 * Claims jobs into free slots and runs them; completions are written in batches. While jobs
 * finish quickly it claims ahead (see Prefetch), so a freed slot starts the next job without
 * waiting for the database, and claims come in batches worth their round trip.
 * Stopping: stop claiming, give back what was claimed ahead, let running jobs finish (up to a
 * timeout), then give the rest back.
 */
export class Worker {
  readonly #deps: WorkerDeps;
  readonly #options: WorkerOptions;
  readonly #poller: Poller;
  /**
   * Keyed by claim: the claimed job object, new for every claim. A job taken from this (paused,
   * pruned) worker may come back to it while the stale run still goes, and the two must not be
   * mixed up.
   */
  readonly #running = new Map<ClaimedJob, Running>();
  readonly #prefetch: Prefetch;
  #stopping = false;
  /** The last claim came back short: the queues looked empty, so a finishing job need not poll. */
  #drained = false;
  /** Completions to write, each with its claimed job (for the observer once it is written). */
  #pending: EndedJob[] = [];
  #flushing: Promise<void> | undefined;
  /** How many completions the write in flight carries. */
  #writing = 0;
  /** Claims wait for completion writes to catch up (see #claimLimit); a written batch wakes us. */
  #heldBack = false;
  #flushScheduled = false;
  readonly #quit = Promise.withResolvers<void>();

  constructor(deps: WorkerDeps, options: WorkerOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#prefetch = new Prefetch(options.bulkReadSize);
    this.#poller = new Poller(() => this.#poll(), deps.onError);
  }

  get queues(): readonly string[] {
    return this.#options.queues;
  }

  get busy(): number {
    return this.#running.size;
  }

  start(): void {
    this.#poller.start();
  }

  /** Something may be ready: poll now instead of after the interval. */
  wake(): void {
    this.#drained = false;
    this.#poller.wake();
  }

  /**
   * Graceful stop: no new claims, and jobs claimed ahead go back at once (never started, so
   * their attempt is given back); running jobs get `timeoutMs` to finish (or until quit());
   * what is still running then is aborted and released back to ready. Resolves with the number
   * of runs that ignored the abort: they keep their claims (see #releaseRunning).
   */
  async stop(timeoutMs: number): Promise<number> {
    this.#stopping = true;
    await this.#poller.stop();
    // On failure they stay claimed by this process, and go back when it deregisters or is pruned.
    await this.#release(this.#prefetch.takeAll(), 'Released jobs claimed ahead back to their queues').catch(
      this.#deps.onError,
    );
    await settleWithin([...this.#running.values()], timeoutMs, this.#quit.promise);
    const stillRunning = await this.#releaseRunning();
    await this.#flushUntilEmpty();
    await this.#deps.observer?.drain();
    return stillRunning;
  }

  /** Cuts a graceful stop short: running jobs are released now (QUIT after TERM). */
  quit(): void {
    this.#quit.resolve();
  }

  async #poll(): Promise<number> {
    const stale = this.#prefetch.takeStale();
    try {
      await this.#release(stale, 'Gave back jobs claimed ahead that waited too long');
    } catch (error) {
      this.#prefetch.add(stale); // still ours: they run here after all
      throw error;
    }
    const limit = this.#claimLimit();
    if (limit === 0) return this.#prefetch.msUntilStale(); // a finishing job wakes us
    const jobs = await this.#deps.backend.claim({
      queues: this.#options.queues,
      limit,
      processId: this.#deps.processId,
      now: this.#deps.now(),
    });
    if (jobs.expired) this.#observeExpired(jobs.expired);
    this.#prefetch.add(jobs);
    if (!this.#stopping) this.#startFromPrefetch(); // else stop() gives them back
    this.#drained = jobs.length < limit;
    return this.#drained ? this.#options.pollingIntervalMs : 0;
  }

  /**
   * How many jobs to claim now: room up to the threads plus the prefetch target, once that room
   * is a batch worth a round trip (half the target) or a thread has nothing to run; else 0.
   */
  #claimLimit(): number {
    // Jobs run, but their ends are not yet written: while the database is slow to take them,
    // claim no more, so unwritten completions (and the memory they hold) stay bounded.
    const unwritten = this.#pending.length + this.#writing;
    if (unwritten >= MAX_UNWRITTEN_BATCHES * Math.max(this.#options.threads, this.#options.bulkReadSize)) {
      this.#heldBack = true;
      return 0;
    }
    const held = this.#running.size + this.#prefetch.size;
    const target = this.#prefetch.target;
    const room = this.#options.threads + target - held;
    const idleThread = held < this.#options.threads;
    if (room <= 0 || (!idleThread && room < target / 2)) return 0;
    return Math.min(room, this.#options.bulkReadSize);
  }

  #startFromPrefetch(): void {
    while (this.#running.size < this.#options.threads) {
      const job = this.#prefetch.next();
      if (!job) return;
      this.#run(job);
    }
  }

  #run(job: ClaimedJob): void {
    const controller = new AbortController();
    const startedAt = performance.now();
    const done = executeJob(this.#deps, job, controller).then(
      (completion) => {
        if (!this.#running.delete(job)) return;
        this.#queueCompletion({ job, completion });
        logCompletion(this.#deps.logger, job, completion, performance.now() - startedAt);
        this.#finished();
      },
      (error) => {
        // executeJob never throws; if it does, the claim stays and is released on stop or prune.
        this.#running.delete(job);
        this.#deps.onError(error);
        this.#finished();
      },
    );
    this.#running.set(job, { job, controller, done });
  }

  /** A slot freed: start the next job claimed ahead, and claim more if there is room for a batch. */
  #finished(): void {
    this.#prefetch.finished();
    if (this.#stopping) return;
    this.#startFromPrefetch();
    if (!this.#drained && this.#claimLimit() > 0) this.#poller.wake();
  }

  #queueCompletion(ended: EndedJob): void {
    this.#pending.push(ended);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#flush();
    });
  }

  /** Writes buffered completions in one call; on failure they stay buffered and are retried. */
  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#pending.length === 0) return Promise.resolve();
    const batch = this.#pending;
    this.#pending = [];
    this.#writing = batch.length;
    this.#flushing = this.#deps.backend
      .complete({ items: batch.map((ended) => ended.completion), now: this.#deps.now() })
      .then(
        (result) => {
          if (result.rejected.length > 0) {
            this.#deps.logger.warn(
              'Completions refused: these jobs were taken over after this worker lost its claim',
              {
                jobIds: result.rejected,
              },
            );
          }
          this.#observeEnded(batch, result.rejected);
          return true;
        },
        (error) => {
          this.#pending = [...batch, ...this.#pending];
          this.#deps.onError(error);
          setTimeout(() => void this.#flush(), 500).unref();
          return false;
        },
      )
      .then((written) => {
        this.#flushing = undefined;
        this.#writing = 0;
        // After a failure only the timer retries, so a database outage is not hammered.
        if (!written) return;
        if (this.#heldBack) {
          this.#heldBack = false;
          this.#poller.wake();
        }
        // Retries due now, and jobs a finished one unblocked, became ready with this write;
        // a backend with cross-process wake-ups announces them to every worker (us too).
        if (!this.#deps.backend.capabilities.crossProcessWakeups) this.#poller.wake();
        if (this.#pending.length > 0) void this.#flush();
      });
    return this.#flushing;
  }

  /** The claim ended these as expired instead of claiming them: they never run here. */
  #observeExpired(expired: readonly ExpiredJob[]): void {
    this.#deps.logger.info('Jobs expired before they started', { expired: expired.length });
    this.#deps.observer?.expired(expired);
  }

  /** Tells the observer of the completions written (not those refused for a lost claim). */
  #observeEnded(batch: readonly EndedJob[], rejected: readonly string[]): void {
    const observer = this.#deps.observer;
    if (!observer) return;
    const refused = new Set(rejected);
    observer.ended(batch.filter((ended) => !refused.has(ended.completion.jobId)));
  }

  async #flushUntilEmpty(): Promise<void> {
    for (let tries = 0; (this.#pending.length > 0 || this.#flushing) && tries < 50; tries++) {
      await this.#flush();
      if (this.#pending.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Aborts what still runs and gives back (attempt and all) the runs that end within
   * ABORT_GRACE_MS. A run that ignores its signal keeps its claim: given back now, another
   * worker could start it while it still runs here. It is released once this process is gone
   * (by the supervisor, or a pruner). Returns how many runs that is.
   */
  async #releaseRunning(): Promise<number> {
    if (this.#running.size === 0) return 0;
    const running = [...this.#running.values()];
    this.#running.clear(); // what they return now is dropped: the claim goes back instead
    for (const r of running) r.controller.abort(new Error('Worker is shutting down'));
    const ended = await settleWithin(running, ABORT_GRACE_MS);
    await this.#release(
      ended.map((r) => r.job),
      'Released running jobs back to their queues',
    );
    return running.length - ended.length;
  }

  /** Gives claims back to ready with their attempt (they did not run, or were cut short). */
  async #release(jobs: readonly ClaimedJob[], message: string): Promise<void> {
    if (jobs.length === 0) return;
    const released = await this.#deps.backend.release({
      items: jobs.map((job) => ({ jobId: job.id, lease: job.lease })),
      now: this.#deps.now(),
    });
    this.#deps.logger.info(message, { released });
  }
}

/** Waits until every run has ended, `ms` passed or `cut` resolved; returns the runs that ended. */
async function settleWithin(
  runs: readonly Running[],
  ms: number,
  cut: Promise<void> = new Promise(() => {}),
): Promise<Running[]> {
  const ended = new Set<Running>();
  const all = Promise.all(runs.map((r) => r.done.then(() => void ended.add(r))));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([all, timedOut, cut]);
  clearTimeout(timer);
  return runs.filter((r) => ended.has(r));
}

const COMPLETION_LOG = {
  snooze: 'Snoozed',
  discarded: 'Discarded',
  expired: 'Expired before it started',
} as const;

function logCompletion(logger: Logger, job: ClaimedJob, completion: Completion, ms: number): void {
  const fields = {
    job: job.name,
    id: job.id,
    queue: job.queue,
    attempt: job.attempts,
    ms: Math.round(ms * 10) / 10,
  };
  if (completion.outcome === 'finished') logger.info('Performed', fields);
  else if (completion.outcome === 'failed')
    logger.error('Failed', { ...fields, error: completion.error.message });
  else if (completion.outcome === 'retry') {
    logger.warn('Retrying', {
      ...fields,
      error: completion.error?.message,
      at: new Date(completion.runAt).toISOString(),
    });
  } else logger.info(COMPLETION_LOG[completion.outcome], fields);
}
