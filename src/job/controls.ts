import { createHash } from 'node:crypto';
import {
  type ConcurrencyControl,
  JOB_STATES,
  type JobState,
  UNIQUE_WAITING_STATES,
  type UniqueControl,
} from '../backend/types.ts';
import { InvalidInputError } from '../errors.ts';
import { type Duration, toMs } from '../util/duration.ts';
import { NAME_PATTERN } from '../util/names.ts';

/** At most `limit` jobs per key hold a slot (ready or running) at once; the others wait, blocked. */
export interface ConcurrencyOptions<Args> {
  /** Jobs with the same key share the limit: a function of the arguments, or a constant. */
  readonly key: string | number | ((args: Args) => string | number);
  /** Default 1. */
  readonly limit?: number;
  /**
   * A slot is released this long after it was taken even if its job has not ended (a failsafe
   * for a worker that vanished). Default: the client's concurrencyDuration, 3 minutes.
   */
  readonly duration?: Duration;
  /** Job types with the same group share their keys' limits. Default: the job name. */
  readonly group?: string;
}

/** At most one job per key is stored while it is in `states` (and `period` lasts). */
export interface UniqueOptions<Args> {
  /** What makes two jobs of this name the same. Default: all of their arguments. */
  readonly key?: (args: Args) => string | number;
  /** The key is released this long after the enqueue whatever the state. Default: no period. */
  readonly period?: Duration;
  /**
   * The states in which a job holds its key. They must include scheduled, ready and blocked
   * (a waiting job always holds it). Default: those and claimed (running).
   */
  readonly states?: readonly JobState[];
  /** A duplicate gets the existing job (`duplicate: true`) or raises DuplicateJobError. Default 'return'. */
  readonly onConflict?: 'return' | 'error';
}

/** Per call: the job's unique options with some changed (the key given as a value), or false for none. */
export type UniqueCallOptions = Omit<UniqueOptions<unknown>, 'key'> & { readonly key?: string | number };

export const CONTROL_DEFAULTS = {
  concurrencyLimit: 1,
  /** Solid Queue's default_concurrency_control_period. */
  concurrencyDurationMs: 180_000,
  uniqueStates: [...UNIQUE_WAITING_STATES, 'claimed'] as readonly JobState[],
  onConflict: 'return' as const,
};

const MAX_KEY_LENGTH = 512;

function fail(what: string, problem: string): never {
  throw new InvalidInputError(`${what}: ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A duration above zero, in ms. */
export function positiveMs(value: Duration, what: string): number {
  const ms = toMs(value, what);
  if (ms <= 0) fail(what, `must be longer than zero, got ${JSON.stringify(value)}`);
  return ms;
}

/** Checks concurrency options at defineJob (a constant key is checked here too). */
export function validateConcurrency(options: unknown, what: string): void {
  if (!isObject(options)) fail(what, 'must be an object like { key: (args) => args.accountId, limit: 1 }');
  const { key, limit, duration, group } = options;
  if (typeof key !== 'function') keyText(key, `${what} key`);
  if (limit !== undefined && !(Number.isSafeInteger(limit) && (limit as number) >= 1)) {
    fail(what, `limit must be a whole number >= 1, got ${JSON.stringify(limit)}`);
  }
  if (duration !== undefined) positiveMs(duration as Duration, `${what} duration`);
  if (group !== undefined && !(typeof group === 'string' && NAME_PATTERN.test(group))) {
    fail(what, `group must be 1-128 characters from A-Z a-z 0-9 _ . : -, got ${JSON.stringify(group)}`);
  }
}

/** Checks unique options: a job's (key: a function) or a call's (key: a value). */
export function validateUnique(options: unknown, what: string, perCall = false): void {
  if (!isObject(options)) fail(what, "must be an object like { period: '1h' } (or {} for the defaults)");
  const { key, period, states, onConflict } = options;
  if (key !== undefined && perCall) keyText(key, `${what} key`);
  else if (key !== undefined && typeof key !== 'function')
    fail(what, 'key must be a function of the arguments');
  if (period !== undefined) positiveMs(period as Duration, `${what} period`);
  if (states !== undefined) {
    if (!Array.isArray(states) || states.some((s) => !JOB_STATES.includes(s as JobState))) {
      fail(what, `states must be a list of ${JOB_STATES.join(', ')}; got ${JSON.stringify(states)}`);
    }
    const missing = UNIQUE_WAITING_STATES.filter((s) => !states.includes(s));
    if (missing.length > 0) {
      fail(
        what,
        `states must include ${UNIQUE_WAITING_STATES.join(', ')} (a waiting job holds its key); missing ${missing.join(', ')}`,
      );
    }
  }
  if (onConflict !== undefined && onConflict !== 'return' && onConflict !== 'error') {
    fail(what, `onConflict must be "return" or "error", got ${JSON.stringify(onConflict)}`);
  }
}

/** A key value as text: a non-empty string or a finite number, not too long. */
export function keyText(value: unknown, what: string): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_KEY_LENGTH) {
    fail(
      what,
      `must be a non-empty string or a number of at most ${MAX_KEY_LENGTH} characters, got ${JSON.stringify(value)}`,
    );
  }
  return text;
}

/** The concurrency control of one job being enqueued; `keyOverride` is the call's concurrencyKey. */
export function concurrencyOf(
  jobName: string,
  options: ConcurrencyOptions<unknown> | undefined,
  args: unknown,
  keyOverride: string | number | undefined,
  defaultDurationMs: number,
): ConcurrencyControl | null {
  if (!options) {
    if (keyOverride !== undefined)
      fail(`Job "${jobName}"`, 'concurrencyKey needs a job with concurrency options');
    return null;
  }
  const raw = keyOverride ?? (typeof options.key === 'function' ? options.key(args) : options.key);
  return {
    key: `${options.group ?? jobName}/${keyText(raw, `Job "${jobName}" concurrency key`)}`,
    limit: options.limit ?? CONTROL_DEFAULTS.concurrencyLimit,
    durationMs: options.duration === undefined ? defaultDurationMs : toMs(options.duration),
  };
}

/**
 * A job's unique options with a call's over them: false turns them off, a key value replaces
 * the key function. Null when the job is not unique.
 */
export function mergeUnique(
  job: UniqueOptions<unknown> | undefined,
  call: UniqueCallOptions | false | undefined,
): (UniqueOptions<unknown> & { readonly keyValue?: string | number }) | null {
  if (call === false) return null;
  if (call === undefined) return job ?? null;
  const { key, ...rest } = call;
  return { ...job, ...rest, ...(key === undefined ? {} : { keyValue: key }) };
}

/** The unique control of one job being enqueued; `encodedArgs` keys it when the options give no key. */
export function uniqueOf(
  jobName: string,
  options: ReturnType<typeof mergeUnique>,
  args: unknown,
  encodedArgs: string,
  now: number,
): UniqueControl | null {
  if (!options) return null;
  const what = `Job "${jobName}" unique key`;
  const key =
    options.keyValue !== undefined
      ? keyText(options.keyValue, what)
      : options.key
        ? keyText(options.key(args), what)
        : createHash('sha256').update(encodedArgs).digest('hex');
  return {
    key: `${jobName}:${key}`,
    states: options.states ?? CONTROL_DEFAULTS.uniqueStates,
    expiresAt: options.period === undefined ? null : now + toMs(options.period),
    onConflict: options.onConflict ?? CONTROL_DEFAULTS.onConflict,
  };
}
