import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { createConsoleLogger, createShigoto, type Shigoto, sqliteBackend } from '../../src/index.ts';
import app, { crash } from '../fixtures/cli-app.ts';
import { type TempDir, tempDir } from '../support/temp-dir.ts';

const REPO = resolve(import.meta.dirname, '../..');
const MAIN = join(REPO, 'src/cli/main.ts');
export const APP_PATH = join(REPO, 'test/fixtures/cli-app.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Cli {
  /** The working directory of every run: config/shigoto.yml and storage/ live here. */
  readonly dir: string;
  readonly dbPath: string;
  /** Runs `shigoto <args>` as a user would, with no SHIGOTO_* variables unless given. */
  run(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** Runs with --json, expects exit 0 and returns the parsed document. */
  json<T = unknown>(args: readonly string[]): Promise<T>;
  /** The library on the same SQLite file (opened on first use, closed after the test). */
  client(): Promise<Shigoto>;
  /**
   * Enqueues `count` Crash jobs on `queue` and runs them until all have failed (errored in the
   * serialized queues `lines` and `halts`, where `halts` stops at the first); returns their ids.
   */
  failedJobs(count: number, queue?: string): Promise<string[]>;
  /** How many jobs the database holds (0 when there is no database file). */
  jobCount(): Promise<number>;
}

/** Serialized queues of the test client (`lines` goes on after an error, `halts` stops). */
export const SERIALIZED_QUEUES = {
  lines: { serialized: true, onError: 'continue' },
  halts: { serialized: true },
} as const;

/** A temp project per test: config/shigoto.yml naming the fixture app and a SQLite file in storage/. */
export function useCli(): Cli {
  let dir: TempDir | undefined;
  let shigoto: Shigoto | undefined;
  beforeEach(async () => {
    dir = await tempDir('shigoto-cli-');
    await mkdir(join(dir.path, 'config'));
    await writeFile(
      join(dir.path, 'config/shigoto.yml'),
      `app: ${JSON.stringify(APP_PATH)}\nbackend:\n  adapter: sqlite\n  path: storage/jobs.db\n`,
    );
  });
  afterEach(async () => {
    await shigoto?.close();
    shigoto = undefined;
    await dir?.remove();
  });
  const cli: Cli = {
    get dir() {
      return dir!.path;
    },
    get dbPath() {
      return join(dir!.path, 'storage/jobs.db');
    },
    run: (args, env = {}) => runCli(args, dir!.path, env),
    async json<T>(args: readonly string[]) {
      const result = await cli.run([...args, '--json']);
      expect(result, result.stderr).toMatchObject({ code: 0 });
      return JSON.parse(result.stdout) as T;
    },
    async client() {
      if (!shigoto) {
        shigoto = createShigoto({
          ...app,
          backend: sqliteBackend({ path: cli.dbPath }),
          logger: createConsoleLogger({ level: 'silent' }),
          // failedJobs in these queues make errored jobs: one line going on, one stopping.
          queues: SERIALIZED_QUEUES,
        });
        await shigoto.migrate();
      }
      return shigoto;
    },
    async failedJobs(count, queue = 'default') {
      const client = await cli.client();
      const jobs = await client.enqueueMany(
        Array.from({ length: count }, (_, i) => ({
          job: crash,
          args: { reason: `boom ${i}` },
          options: { queue },
        })),
      );
      // Fail them as a worker would, through the backend: claim, then complete as failed with
      // the error the job really throws.
      const { backend } = client;
      for (let left = count; left > 0; ) {
        const claimed = await backend.claim({
          queues: [queue],
          limit: left,
          processId: 'cli-test',
          now: Date.now(),
        });
        if (claimed.length === 0) throw new Error(`no ready Crash jobs left to claim on ${queue}`);
        const items = await Promise.all(
          claimed.map(async (job) => ({
            jobId: job.id,
            lease: job.lease,
            outcome: 'failed' as const,
            error: { ...(await thrownBy(client, JSON.parse(job.args))), execution: 1, at: Date.now() },
          })),
        );
        await backend.complete({ items, now: Date.now() });
        left -= claimed.length;
      }
      return jobs.map((j) => j.id);
    },
    async jobCount() {
      if (!existsSync(cli.dbPath)) return 0;
      const counts = await (await cli.client()).jobs.counts();
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
  };
  return cli;
}

export function runCli(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--conditions=shigoto-source', MAIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

async function thrownBy(client: Shigoto, args: { reason: string }) {
  try {
    await client.performNow(crash, args);
  } catch (error) {
    const { name, message, stack } = error as Error;
    return { name, message, stack };
  }
  throw new Error('the Crash job did not throw');
}
