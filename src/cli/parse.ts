import { InvalidArgumentError } from 'commander';
import { InvalidInputError } from '../errors.ts';
import { toMs } from '../util/duration.ts';

export function parseJsonArgument(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(
      `${what} must be JSON (got ${JSON.stringify(text)}): ${(error as Error).message}`,
    );
  }
}

/** A commander option parser for whole numbers, optionally from `range.min` to `range.max`. */
export function parseInteger(flag: string, range?: { min: number; max: number }) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || (range && (n < range.min || n > range.max))) {
      const allowed = range ? ` from ${range.min} to ${range.max}` : '';
      throw new InvalidArgumentError(`${flag} must be a whole number${allowed}`);
    }
    return n;
  };
}

/** `--wait 30s`: a duration with a unit, in milliseconds. */
export function parseDuration(flag: string) {
  return (value: string): number => {
    try {
      return toMs(value, flag);
    } catch {
      throw new InvalidArgumentError(`${flag} must be a duration like 30s, 5m, 2h or 1h30m`);
    }
  };
}

/** `--wait-until 2030-01-01T09:00:00Z`. */
export function parseTime(flag: string) {
  return (value: string): Date => {
    const time = new Date(value);
    if (Number.isNaN(time.getTime())) {
      throw new InvalidArgumentError(`${flag} must be a time like 2030-01-01T09:00:00Z (ISO 8601)`);
    }
    return time;
  };
}
