import type { Schedule } from './schedule.ts';

/** The first window `latestRunBetween` looks back over; it doubles until a run is found. */
const FIRST_LOOK_BACK_MS = 1000;

/**
 * The latest run of `schedule` after `after` and at or before `upTo` (ms), or null when there
 * is none. Schedules only step forward, so it looks back over doubling windows: a few steps
 * whether the gap is a second or a year, never every run in between.
 */
export function latestRunBetween(schedule: Schedule, after: number, upTo: number): number | null {
  for (let width = FIRST_LOOK_BACK_MS; ; width *= 2) {
    const from = Math.max(after, upTo - width);
    const first = nextRun(schedule, from);
    if (first !== null && first <= upTo) {
      let latest = first;
      for (let run = nextRun(schedule, latest); run !== null && run <= upTo; run = nextRun(schedule, run)) {
        latest = run;
      }
      return latest;
    }
    if (from === after) return null;
  }
}

/** Every run after `after` and at or before `upTo`, oldest first. */
export function runsBetween(schedule: Schedule, after: number, upTo: number): number[] {
  const runs: number[] = [];
  for (let run = nextRun(schedule, after); run !== null && run <= upTo; run = nextRun(schedule, run)) {
    runs.push(run);
  }
  return runs;
}

/** The first run strictly after `after` (ms), or null. */
export function nextRun(schedule: Schedule, after: number): number | null {
  return schedule.next(new Date(after))?.getTime() ?? null;
}
