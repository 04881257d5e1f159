import { InvalidInputError } from '../errors.ts';
import { type Duration, toMs } from '../util/duration.ts';

/** A clock tests move by hand, so delays and retry waits run when the test says. */
export interface TestClock {
  now(): number;
  /** Moves the time forward; returns the new time. */
  advance(by: Duration): number;
  /** Sets the time (a Date or ms since the epoch). */
  set(to: Date | number): void;
}

/** A clock frozen at `start` (default: the current time) until it is moved. */
export function createTestClock(start: Date | number = Date.now()): TestClock {
  let current = toTime(start);
  return {
    now: () => current,
    advance(by) {
      current += toMs(by, 'advance');
      return current;
    },
    set(to) {
      current = toTime(to);
    },
  };
}

function toTime(value: Date | number): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(ms))
    throw new InvalidInputError(`A test clock needs a valid time, got ${String(value)}`);
  return ms;
}
