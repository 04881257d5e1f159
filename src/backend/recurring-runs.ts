import type { RecurringRun } from './types.ts';

/** One text per (taskKey, runAt): what makes a run unique. */
export function runKey(taskKey: string, runAt: number): string {
  return `${runAt}\u0000${taskKey}`;
}

/** Indexes of the runs that come first with their (taskKey, runAt) in `runs`; repeats get no job. */
export function firstOfEachRun(runs: readonly RecurringRun[]): number[] {
  const seen = new Set<string>();
  const firsts: number[] = [];
  runs.forEach((run, i) => {
    const key = runKey(run.taskKey, run.runAt);
    if (seen.has(key)) return;
    seen.add(key);
    firsts.push(i);
  });
  return firsts;
}
