/**
 * SQLite benchmarks (scenarios.ts). Prints a table; `--json` prints the numbers.
 * Run: npm run bench -- sqlite [--jobs 100000] [--threads 64] [--synchronous normal|full]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createShigoto, sqliteBackend } from 'shigoto';
import { silentLogger } from '../src/util/logger.ts';
import { argValue } from './common.ts';
import { noop, runScenarios } from './scenarios.ts';

const jobs = Number(argValue('--jobs', '100000'));
const synchronous = argValue('--synchronous', 'normal') as 'normal' | 'full';

const dir = mkdtempSync(join(tmpdir(), 'shigoto-bench-'));
try {
  const shigoto = createShigoto({
    backend: sqliteBackend({ path: join(dir, 'bench.db'), synchronous }),
    jobs: [noop],
    logger: silentLogger,
  });
  await runScenarios(`SQLite (WAL, synchronous=${synchronous}), Node ${process.version}`, shigoto, jobs);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
