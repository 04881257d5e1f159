import type { Backend, NewJob, RecurringRun } from '../backend/types.ts';
import { latestRunBetween, nextRun, runsBetween } from '../recurring/runs.ts';
import type { RecurringTask } from '../recurring/task-schema.ts';
import type { Logger } from '../util/logger.ts';
import { Poller } from './poller.ts';

export interface SchedulerDeps {
  readonly backend: Backend;
  readonly now: () => number;
  readonly logger: Logger;
  readonly onError: (error: unknown) => void;
  /** The job one run of a task enqueues (RecurringPlan.buildJob). */
  readonly buildJob: (task: RecurringTask, runAt: number) => NewJob;
  /** Called with the queues that got ready jobs (wakes in-process workers). */
  readonly onEnqueued?: (queues: ReadonlySet<string>) => void;
}

export interface SchedulerOptions {
  /**
   * A scheduler that finds itself further behind than this (its process was paused, the
   * machine slept, the database was out of reach) treats the gap as a restart: it enqueues
   * only the latest run each task missed, not every one.
   */
  readonly catchUpMs: number;
  /** The longest sleep, so a wall clock that jumps is noticed within it. */
  readonly maxSleepMs: number;
  /** Recorded runs are kept this long (each task's latest always); see docs/recurring.md. */
  readonly keepRunsMs: number;
  /** How often old recorded runs are cleared. */
  readonly clearIntervalMs: number;
}

export const SCHEDULER_DEFAULTS: SchedulerOptions = {
  catchUpMs: 60_000,
  maxSleepMs: 30_000,
  keepRunsMs: 86_400_000,
  clearIntervalMs: 3_600_000,
};

const CLEAR_BATCH = 1000;

/**
 * How long recorded runs are kept: as long as finished jobs, and at least a day. Every
 * scheduler looks back at most catchUpMs, so a run's record outlives any attempt to enqueue it
 * again even when finished jobs are deleted at once.
 */
export function keepRunsFor(clearFinishedJobsAfterMs: number): number {
  return Math.max(SCHEDULER_DEFAULTS.keepRunsMs, clearFinishedJobsAfterMs);
}

interface Due {
  readonly task: RecurringTask;
  readonly runAt: number;
}

/**
 * Enqueues the runs of recurring tasks as they fall due, sleeping until the next one. Every
 * scheduler offers every run; the backend stores each (task, run time) once, so several
 * schedulers on one database never enqueue a run twice and keep going while one is down.
 *
 * At start it enqueues, per task that ran before, at most the latest run missed since the last
 * recorded one (a week down does not become a week of runs); a new task starts with its next run.
 */
export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #tasks: readonly RecurringTask[];
  readonly #options: SchedulerOptions;
  readonly #poller: Poller;
  /** Per task key, the time up to which its runs are done; null until the first pass. */
  #doneUpTo: Map<string, number> | null = null;
  #nextClearAt = 0;

  constructor(deps: SchedulerDeps, tasks: readonly RecurringTask[], options: Partial<SchedulerOptions> = {}) {
    this.#deps = deps;
    this.#tasks = tasks;
    this.#options = { ...SCHEDULER_DEFAULTS, ...options };
    this.#poller = new Poller(() => this.#poll(), deps.onError);
  }

  start(): void {
    this.#poller.start();
  }

  /** Looks again now (after the clock moved, in tests). */
  wake(): void {
    this.#poller.wake();
  }

  /** Stops after the current pass; resolves when the loop has ended. */
  stop(): Promise<void> {
    return this.#poller.stop();
  }

  async #poll(): Promise<number> {
    const now = this.#deps.now();
    const due = this.#doneUpTo ? this.#dueRuns(this.#doneUpTo, now) : await this.#missedAtStart(now);
    await this.#enqueue(due, now);
    // Only once the runs are stored: after a failed pass the next one offers them again.
    this.#doneUpTo = new Map(this.#tasks.map((task) => [task.key, now]));
    if (now >= this.#nextClearAt) {
      this.#nextClearAt = now + this.#options.clearIntervalMs;
      await this.#clearOldRuns(now);
    }
    return this.#sleepMs(now);
  }

  /** Per task with a recorded run, the latest run since then that is already due. */
  async #missedAtStart(now: number): Promise<Due[]> {
    const taskKeys = this.#tasks.map((task) => task.key);
    const last = new Map(
      (await this.#deps.backend.lastRecurringExecutions({ taskKeys })).map((run) => [run.taskKey, run.runAt]),
    );
    return this.#tasks.flatMap((task) => {
      const lastRun = last.get(task.key);
      const missed = lastRun === undefined ? null : latestRunBetween(task.schedule, lastRun, now);
      return missed === null ? [] : [{ task, runAt: missed }];
    });
  }

  /** Every run due since the last pass; only the latest per task when the gap is over catchUpMs. */
  #dueRuns(doneUpTo: ReadonlyMap<string, number>, now: number): Due[] {
    return this.#tasks.flatMap((task) => {
      const since = doneUpTo.get(task.key) ?? now;
      if (now - since <= this.#options.catchUpMs) {
        return runsBetween(task.schedule, since, now).map((runAt) => ({ task, runAt }));
      }
      const latest = latestRunBetween(task.schedule, since, now);
      if (latest === null) return [];
      this.#deps.logger.warn('The scheduler fell behind; enqueuing only the latest missed run', {
        task: task.key,
        behindMs: now - since,
        runAt: new Date(latest).toISOString(),
      });
      return [{ task, runAt: latest }];
    });
  }

  async #enqueue(due: readonly Due[], now: number): Promise<void> {
    const runs: RecurringRun[] = [];
    for (const { task, runAt } of due) {
      try {
        runs.push({ taskKey: task.key, runAt, job: this.#deps.buildJob(task, runAt) });
      } catch (error) {
        // Checked at start; should it fail later (a schema that changed its mind), the other
        // tasks still run and this run is reported, not retried forever.
        this.#deps.logger.error('A recurring run could not be built; skipped', { task: task.key, error });
      }
    }
    if (runs.length === 0) return;
    const ids = await this.#deps.backend.enqueueRecurring({ runs, now });
    const ready = new Set<string>();
    runs.forEach((run, i) => {
      const fields = { task: run.taskKey, runAt: new Date(run.runAt).toISOString() };
      if (ids[i] === null) {
        this.#deps.logger.debug('Recurring run already enqueued', fields);
        return;
      }
      this.#deps.logger.debug('Enqueued recurring run', { ...fields, job: ids[i] });
      if (run.job.runAt === null || run.job.runAt <= now) ready.add(run.job.queue);
    });
    if (ready.size > 0) this.#deps.onEnqueued?.(ready);
  }

  async #clearOldRuns(now: number): Promise<void> {
    const before = now - this.#options.keepRunsMs;
    let cleared = 0;
    for (let batch = CLEAR_BATCH; batch === CLEAR_BATCH; cleared += batch) {
      batch = await this.#deps.backend.clearRecurringExecutions({ before, limit: CLEAR_BATCH });
    }
    if (cleared > 0) this.#deps.logger.info('Cleared old recurring runs', { cleared });
  }

  /** Until the next run of any task, measured again after the pass's own work. */
  #sleepMs(doneUpTo: number): number {
    const next = Math.min(
      ...this.#tasks.map((task) => nextRun(task.schedule, doneUpTo) ?? Number.POSITIVE_INFINITY),
    );
    return Math.max(0, Math.min(this.#options.maxSleepMs, next - this.#deps.now()));
  }
}
