import type { Shigoto } from '../client/shigoto.ts';
import { InvalidInputError, ShigotoError } from '../errors.ts';
import {
  type PerformedJob,
  type PerformOptions,
  type PerformSummary,
  performEnqueued,
  summarize,
} from './perform.ts';
import { TestShigoto } from './test-shigoto.ts';
import { listAll } from './waiting.ts';

export interface DrainOptions extends PerformOptions {
  /**
   * When nothing is ready, move the test clock to the next scheduled job (delays, retries,
   * snoozes) and keep going. Needs a Shigoto from createTestShigoto.
   */
  readonly advanceTime?: boolean;
  /** Most rounds of performEnqueued before drain gives up with DrainLimitError. Default 100. */
  readonly maxIterations?: number;
}

export interface DrainSummary extends PerformSummary {
  /** Rounds of performEnqueued that ran at least one job. */
  readonly iterations: number;
}

/** drain() still had jobs to run after maxIterations rounds: most likely a job that never stops coming back. */
export class DrainLimitError extends ShigotoError {
  readonly iterations: number;
  constructor(iterations: number, lastRound: readonly PerformedJob[]) {
    const names = [...new Set(lastRound.map((job) => `"${job.name}"`))].join(', ');
    super(
      'DRAIN_LIMIT',
      `drain() ran ${iterations} rounds and jobs keep coming (the last round ran ${names}). ` +
        'A job that always enqueues another, or retries or snoozes forever, never drains; ' +
        'raise maxIterations if this many rounds are expected.',
    );
    this.iterations = iterations;
  }
}

export const DRAIN_DEFAULTS = { maxIterations: 100 };

/**
 * Performs ready jobs round after round (what a job enqueues runs in the next round) until
 * none is left; with `advanceTime`, scheduled jobs and retries are run too by moving the
 * test clock to each one's time.
 */
export async function drain(shigoto: Shigoto, options: DrainOptions = {}): Promise<DrainSummary> {
  const { advanceTime = false, maxIterations = DRAIN_DEFAULTS.maxIterations, ...filter } = options;
  if (advanceTime && !(shigoto instanceof TestShigoto)) {
    throw new InvalidInputError(
      'drain({ advanceTime: true }) needs a Shigoto made by createTestShigoto (its clock is moved)',
    );
  }
  const performed: PerformedJob[] = [];
  let iterations = 0;
  for (;;) {
    const round = await performEnqueued(shigoto, filter);
    if (round.performed === 0) {
      if (advanceTime && (await advanceToNextScheduled(shigoto as TestShigoto, filter))) continue;
      return { ...summarize(performed), iterations };
    }
    if (iterations >= maxIterations) throw new DrainLimitError(maxIterations, round.jobs);
    iterations++;
    performed.push(...round.jobs);
  }
}

/** Moves the clock to the earliest scheduled job (never back); false when none is scheduled. */
async function advanceToNextScheduled(shigoto: TestShigoto, filter: PerformOptions): Promise<boolean> {
  const scheduled = await listAll(shigoto, {
    state: 'scheduled',
    queue: filter.queue,
    name: filter.job?.name,
  });
  if (scheduled.length === 0) return false;
  const next = scheduled.reduce((earliest, job) => Math.min(earliest, job.runAt!), Number.POSITIVE_INFINITY);
  shigoto.clock.set(Math.max(next, shigoto.clock.now()));
  return true;
}
