import { type InlineBackendOptions, inlineBackend } from '../backends/inline/index.ts';
import { Shigoto, type ShigotoOptions } from '../client/shigoto.ts';
import { silentLogger } from '../util/logger.ts';
import { createTestClock, type TestClock } from './clock.ts';

export interface TestShigotoOptions extends Omit<ShigotoOptions, 'backend' | 'now'> {
  /** Options of the fresh inline backend. */
  readonly inline?: InlineBackendOptions;
  /** Default: a new test clock frozen at the current time. */
  readonly clock?: TestClock;
}

/** A Shigoto whose clock the test holds (drain's `advanceTime` moves it). */
export class TestShigoto extends Shigoto {
  readonly clock: TestClock;

  constructor(options: ShigotoOptions, clock: TestClock) {
    super(options);
    this.clock = clock;
  }
}

/**
 * A Shigoto on a fresh, migrated inline backend: nothing shared with other tests, silent
 * unless given a logger, and time that only moves when the test moves it.
 */
export async function createTestShigoto(options: TestShigotoOptions = {}): Promise<TestShigoto> {
  const { inline, clock = createTestClock(), ...rest } = options;
  const shigoto = new TestShigoto(
    {
      ...rest,
      logger: rest.logger ?? silentLogger,
      backend: inlineBackend(inline),
      now: () => clock.now(),
    },
    clock,
  );
  await shigoto.migrate();
  return shigoto;
}
