import { firstOfEachRun } from '../../backend/recurring-runs.ts';
import type { RecurringExecution, RecurringRun } from '../../backend/types.ts';
import { enqueueJobs } from './enqueue.ts';
import type { InlineState } from './state.ts';

/** The recorded runs of recurring tasks: task key → run time → run, plus each task's latest. */
export class RecurringRuns {
  readonly #byTask = new Map<string, Map<number, RecurringExecution>>();
  readonly #latest = new Map<string, RecurringExecution>();

  /** Enqueues the jobs of runs not recorded yet and records them (atomic: nothing awaits in between). */
  enqueue(state: InlineState, runs: readonly RecurringRun[], now: number): (string | null)[] {
    const fresh = firstOfEachRun(runs).filter(
      (i) => !this.#byTask.get(runs[i]!.taskKey)?.has(runs[i]!.runAt),
    );
    const ids = enqueueJobs(
      state,
      fresh.map((i) => runs[i]!.job),
      now,
    );
    const idOf = new Map<number, string>();
    fresh.forEach((i, n) => {
      const { taskKey, runAt } = runs[i]!;
      this.#record({ taskKey, runAt, jobId: ids[n]!, enqueuedAt: now });
      idOf.set(i, ids[n]!);
    });
    return runs.map((_, i) => idOf.get(i) ?? null);
  }

  last(taskKeys: readonly string[]): RecurringExecution[] {
    return [...new Set(taskKeys)].sort().flatMap((key) => {
      const latest = this.#latest.get(key);
      return latest ? [{ ...latest }] : [];
    });
  }

  /** Deletes up to `limit` runs before `before`, never a task's latest. */
  clear(before: number, limit: number): number {
    let cleared = 0;
    for (const [key, runs] of this.#byTask) {
      const latest = this.#latest.get(key)!.runAt;
      for (const runAt of runs.keys()) {
        if (cleared >= limit) return cleared;
        if (runAt < before && runAt !== latest) {
          runs.delete(runAt);
          cleared++;
        }
      }
    }
    return cleared;
  }

  #record(run: RecurringExecution): void {
    let runs = this.#byTask.get(run.taskKey);
    if (!runs) {
      runs = new Map();
      this.#byTask.set(run.taskKey, runs);
    }
    runs.set(run.runAt, run);
    const latest = this.#latest.get(run.taskKey);
    if (!latest || run.runAt > latest.runAt) this.#latest.set(run.taskKey, run);
  }
}
