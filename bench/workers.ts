/**
 * Worker processes for the benchmarks: forked from a suite's own file with `--child`, where
 * serveAsChild runs jobs until forkWorkers' parent stops them.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { type Backend, postgresBackend, type Shigoto, sqliteBackend } from 'shigoto';
import { closeAdmin, databaseUrl, dropSchema } from './pg.ts';

/** Where the queue lives: a SQLite file or a PostgreSQL schema ("pg:<schema>"), named the same way in every process. */
export function openBackend(where: string): Backend {
  return where.startsWith('pg:')
    ? postgresBackend({ connectionString: databaseUrl, schema: where.slice(3) })
    : sqliteBackend({ path: where });
}

/**
 * Forks `count` copies of `file` with `args` (the child sees `--child` in its argv) and resolves
 * once each has sent its first message (its runtime started).
 */
export function forkWorkers(file: string, count: number, args: readonly string[]): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: count }, () => {
      const child = fork(file, ['--child', ...args], { execArgv: ['--conditions=shigoto-source'] });
      return new Promise<ChildProcess>((resolve) => child.once('message', () => resolve(child)));
    }),
  );
}

/** Tells each worker to stop and resolves with what each reports back. */
export function stopWorkers<Report>(children: readonly ChildProcess[]): Promise<Report[]> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<Report>((resolve) => {
          child.once('message', (report) => resolve(report as Report));
          child.send('stop');
        }),
    ),
  );
}

/** Runs `shigoto`'s workers (no dispatcher) until the parent says stop; then replies with `report()`. */
export async function serveAsChild(
  shigoto: Shigoto,
  worker: { readonly threads: number; readonly bulkReadSize: number },
  report: () => unknown,
): Promise<void> {
  const runtime = await shigoto.work({
    workers: [{ queues: ['*'], ...worker, pollingIntervalMs: 5 }],
    dispatcher: null,
  });
  process.send?.('started');
  process.once('message', async () => {
    await runtime.stop();
    await shigoto.close();
    process.send?.(report(), () => process.exit(0));
  });
}

/** Resolves at the time every one of `total` jobs has finished (polled every 20 ms). */
export async function finishedAt(shigoto: Shigoto, total: number): Promise<number> {
  for (;;) {
    if ((await shigoto.jobs.counts()).finished >= total) return Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Removes what a run made: its PostgreSQL schemas ("pg:<schema>" places), the admin pool, the temp dir of its SQLite files. */
export async function removePlaces(places: readonly string[], dir: string): Promise<void> {
  for (const where of places) if (where.startsWith('pg:')) await dropSchema(where.slice(3));
  await closeAdmin();
  rmSync(dir, { recursive: true, force: true });
}
