/** Shigoto as a QueueSystem: the scenarios drive it through its public API only. */
import { type Backend, createShigoto, defineJob } from 'shigoto';
import { silentLogger } from '../src/util/logger.ts';
import { argValue } from './common.ts';
import type { QueueSystem, SystemFactory } from './system.ts';

/** A fresh backend (its own file or schema) and how to remove what it made. */
export interface BenchBackend {
  readonly backend: Backend;
  readonly remove: () => Promise<void>;
  readonly settle?: () => Promise<void>;
}

/**
 * `--threads N` (default 10) and `--bulk-read N` (default 500): the worker's async slots and
 * claim batch, as graphile-worker's concurrency 10 and local queue of 500 in the comparison.
 */
export function workerSettings(): { threads: number; bulkReadSize: number } {
  const threads = Number(argValue('--threads', '10'));
  return { threads, bulkReadSize: Number(argValue('--bulk-read', '500')) };
}

export function shigotoSystems(
  name: string,
  describe: string,
  makeBackend: () => BenchBackend,
): SystemFactory {
  const worker = workerSettings();
  const settings = `${describe}; worker: threads ${worker.threads}, bulk read ${worker.bulkReadSize}, other settings default`;
  return { name, settings, make };

  async function make(): Promise<QueueSystem> {
    const { backend, remove, settle } = makeBackend();
    let ran: (n: number) => void = () => {};
    const noop = defineJob({ name: 'Noop', perform: (args: { n: number }) => ran(args.n) });
    const shigoto = createShigoto({ backend, jobs: [noop], logger: silentLogger });
    await shigoto.migrate();
    return {
      async enqueueBulk(first, count) {
        await shigoto.enqueueMany(
          Array.from({ length: count }, (_, i) => ({ job: noop, args: { n: first + i } })),
        );
      },
      async enqueueOne(n) {
        await shigoto.enqueue(noop, { n });
      },
      async startWorker(onRun) {
        ran = onRun;
        const runtime = await shigoto.work({ workers: [{ queues: ['*'], ...worker }], dispatcher: null });
        return () => runtime.stop();
      },
      async unfinished() {
        const counts = await shigoto.jobs.counts();
        return Object.values(counts).reduce((sum, n) => sum + n, 0) - counts.finished;
      },
      ...(settle ? { settle } : {}),
      async close() {
        await shigoto.close();
        await remove();
      },
    };
  }
}
