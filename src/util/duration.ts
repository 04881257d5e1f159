import { InvalidInputError } from '../errors.ts';

/** A duration: milliseconds as a number, or text such as "500ms", "30s", "5m", "2h", "1d", "1h30m". */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;

/** Parses a Duration to milliseconds; throws InvalidInputError naming `what` for anything else. */
export function toMs(value: Duration, what = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidInputError(`${what} must be a non-negative number of milliseconds, got ${value}`);
    }
    return value;
  }
  const text = value.trim().toLowerCase();
  let total = 0;
  let matched = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = PART.lastIndex;
    while (text[matched] === ' ') matched++;
    PART.lastIndex = matched;
  }
  if (text.length === 0 || matched !== text.length) {
    throw new InvalidInputError(
      `${what} ${JSON.stringify(value)} is not a duration; use milliseconds or text like "500ms", "30s", "5m", "2h", "1d"`,
    );
  }
  return total;
}

/** Seconds in YAML (as Solid Queue), or a duration string: returns milliseconds. */
export function secondsOrDurationToMs(value: number | string, what: string): number {
  return typeof value === 'number' ? toMs(value * 1000, what) : toMs(value, what);
}
