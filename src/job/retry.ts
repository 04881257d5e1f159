import { InvalidInputError } from '../errors.ts';
import { type Duration, toMs } from '../util/duration.ts';

/** A fixed wait, a named backoff, or a function of the execution number (1-based) and the error. */
export type WaitStrategy =
  | Duration
  | 'polynomial'
  | 'exponential'
  | ((execution: number, error: unknown) => Duration);

// biome-ignore lint/suspicious/noExplicitAny: error classes take any constructor arguments
export type ErrorClass = abstract new (...args: any[]) => Error;

/** An error class (instanceof), an error name, or a predicate. */
export type ErrorMatcher = ErrorClass | string | ((error: unknown) => boolean);

export interface RetryRule {
  readonly on: ErrorMatcher | readonly ErrorMatcher[];
  /** Total executions, counting the first. Default 5. */
  readonly attempts?: number;
  /** Default "3s". */
  readonly wait?: WaitStrategy;
  /** Extra random wait, as a fraction of the wait (0.15 adds up to 15 %). Default 0.15. */
  readonly jitter?: number;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly wait?: WaitStrategy;
  readonly jitter?: number;
}

export interface DiscardRule {
  readonly on: ErrorMatcher | readonly ErrorMatcher[];
}

export const RETRY_DEFAULTS = { attempts: 5, wait: '3s' as WaitStrategy, jitter: 0.15 };
const MAX_WAIT_MS = 30 * 86_400_000;

export function errorMatches(matchers: ErrorMatcher | readonly ErrorMatcher[], error: unknown): boolean {
  const list = (Array.isArray(matchers) ? matchers : [matchers]) as readonly ErrorMatcher[];
  return list.some((matcher) => {
    if (typeof matcher === 'string') return error instanceof Error && error.name === matcher;
    if (isErrorClass(matcher)) return error instanceof matcher;
    return matcher(error);
  });
}

function isErrorClass(fn: ErrorMatcher): fn is ErrorClass {
  return typeof fn === 'function' && (fn === Error || fn.prototype instanceof Error);
}

/** Milliseconds to wait before execution number `execution + 1`. */
export function computeWait(wait: WaitStrategy, execution: number, error: unknown, jitter: number): number {
  let base: number;
  if (wait === 'polynomial') base = (execution ** 4 + 2) * 1000;
  else if (wait === 'exponential') base = 2 ** Math.min(execution - 1, 40) * 1000;
  else if (typeof wait === 'function') base = toMs(wait(execution, error), 'retry wait');
  else base = toMs(wait, 'retry wait');
  const withJitter = base + base * jitter * Math.random();
  return Math.min(Math.round(withJitter), MAX_WAIT_MS);
}

export function validateRetryRule(rule: RetryRule | RetryPolicy, jobName: string): void {
  const attempts = rule.attempts ?? RETRY_DEFAULTS.attempts;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new InvalidInputError(
      `Job "${jobName}": retry attempts must be a positive integer, got ${attempts}`,
    );
  }
  const jitter = rule.jitter ?? RETRY_DEFAULTS.jitter;
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new InvalidInputError(`Job "${jobName}": retry jitter must be between 0 and 1, got ${jitter}`);
  }
  assertWaitStrategy(rule.wait ?? RETRY_DEFAULTS.wait, `Job "${jobName}" retry wait`);
}

/** Checks a fixed wait up front; a function is checked when it is called. */
export function assertWaitStrategy(wait: WaitStrategy, what: string): void {
  if (typeof wait === 'function' || wait === 'polynomial' || wait === 'exponential') return;
  toMs(wait, what);
}
