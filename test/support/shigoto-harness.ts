import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  createConsoleLogger,
  createShigoto,
  type EmbeddedOptions,
  type JobRecord,
  type JobState,
  type RunningRuntime,
  type Shigoto,
  type ShigotoOptions,
  sqliteBackend,
} from '../../src/index.ts';
import { tempDir } from './temp-dir.ts';

/** A Shigoto on its own SQLite file, with a clock tests can move forward. */
export interface Harness {
  readonly shigoto: Shigoto;
  /** Moves the clock (and so every scheduled time) forward by `ms`. */
  advance(ms: number): void;
  now(): number;
  /** Starts an embedded runtime polling every 10 ms; stopped when the test ends. */
  work(options?: EmbeddedOptions): Promise<RunningRuntime>;
  /** Waits until the job is in `state` and returns it. */
  waitForState(id: string, state: JobState): Promise<JobRecord>;
  /** Every stored job, oldest first. */
  allJobs(): Promise<JobRecord[]>;
}

type HarnessOptions = Omit<ShigotoOptions, 'backend'>;

/**
 * Registers an afterEach that stops runtimes, closes backends and removes temp files, and
 * returns a factory for harnesses. Call it once inside a describe (or at the top of a file).
 */
export function useHarness(): (options?: HarnessOptions) => Promise<Harness> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return async (options = {}) => {
    const dir = await tempDir('shigoto-job-');
    cleanups.push(() => dir.remove());
    let offset = 0;
    const now = () => Date.now() + offset;
    const shigoto = createShigoto({
      logger: createConsoleLogger({ level: 'silent' }),
      now,
      ...options,
      backend: sqliteBackend({ path: join(dir.path, 'jobs.db') }),
    });
    await shigoto.migrate();
    cleanups.push(() => shigoto.close());
    return {
      shigoto,
      now,
      advance: (ms) => {
        offset += ms;
      },
      work: async (workOptions = {}) => {
        const runtime = await workFast(shigoto, workOptions);
        cleanups.push(() => runtime.stop());
        return runtime;
      },
      waitForState: async (id, state) => {
        let job: JobRecord | undefined;
        await waitFor(
          async () => {
            job = await shigoto.jobs.get(id);
            return job.state === state;
          },
          () => `job ${id} to be ${state} (it is ${job?.state}, last error ${job?.lastError?.message})`,
        );
        return job!;
      },
      allJobs: async () => (await shigoto.jobs.list({ limit: 1000 })).reverse(),
    };
  };
}

/** An embedded runtime on every queue polling every 10 ms (what harnesses' work() starts). */
export function workFast(shigoto: Shigoto, options: EmbeddedOptions = {}): Promise<RunningRuntime> {
  return shigoto.work({
    workers: [{ queues: ['*'], pollingIntervalMs: 10 }],
    dispatcher: { pollingIntervalMs: 10 },
    shutdownTimeoutMs: 2000,
    ...options,
  });
}

/** Polls `condition` until it holds; fails with `describe()` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  describe: () => string = () => 'condition',
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
