import { type Duration, toMs } from '../util/duration.ts';
import { assertWaitStrategy, type WaitStrategy } from './retry.ts';

/**
 * What a job (or its onError handler) can return instead of a result, as values
 * (Oban's style): run again later, give up without failing, or come back later
 * without using an attempt.
 */
const OUTCOME = Symbol.for('shigoto.outcome');

export type Outcome = { readonly [OUTCOME]: true } & (
  | { readonly kind: 'retry'; readonly wait: WaitStrategy | undefined }
  | { readonly kind: 'discard'; readonly reason: string | undefined }
  | { readonly kind: 'snooze'; readonly wait: Duration }
);

/**
 * Run the job again after `wait` (default: now). The attempt counts, but retry rules' attempt
 * limits do not apply: the job asked for it (check `ctx.executions` to stop).
 */
export function retryJob(options: { wait?: WaitStrategy } = {}): Outcome {
  if (options.wait !== undefined) assertWaitStrategy(options.wait, 'retryJob wait');
  return { [OUTCOME]: true, kind: 'retry', wait: options.wait };
}

/** Stop here: the job ends as discarded (kept, visible), not failed. */
export function discardJob(reason?: string): Outcome {
  return { [OUTCOME]: true, kind: 'discard', reason };
}

/** Come back after `wait` without using an attempt (waiting on something outside). */
export function snoozeJob(wait: Duration): Outcome {
  toMs(wait, 'snoozeJob wait');
  return { [OUTCOME]: true, kind: 'snooze', wait };
}

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && OUTCOME in value;
}
