/**
 * Shigoto on SQLite through the shared scenarios. Prints a table; `--json` prints the numbers.
 * Run: npm run bench -- sqlite [--jobs 100000] [--threads 10] [--bulk-read 500] [--synchronous normal|full] [--backlog 1000000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteBackend } from 'shigoto';
import { argValue } from './common.ts';
import { runSuite, scenarioOptions } from './scenarios.ts';
import { shigotoSystems } from './shigoto.ts';

const synchronous = argValue('--synchronous', 'normal') as 'normal' | 'full';

const systems = shigotoSystems(
  synchronous === 'normal' ? 'Shigoto SQLite' : `Shigoto SQLite (synchronous=${synchronous})`,
  `SQLite (WAL, synchronous=${synchronous}), a file in the temp folder`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'shigoto-bench-'));
    return {
      backend: sqliteBackend({ path: join(dir, 'bench.db'), synchronous }),
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
);
await runSuite(systems, scenarioOptions());
