import { join } from 'node:path';
import { sqliteBackend } from '../../src/backends/sqlite/index.ts';
import { describeBackendContract } from '../contract/index.ts';
import { tempDir, withTempDir } from '../support/temp-dir.ts';

/** Capabilities as the backend declares them for a database file (not ":memory:"). */
const capabilities = await withTempDir(async (dir) => {
  const probe = sqliteBackend({ path: join(dir, 'probe.db') });
  try {
    return probe.capabilities;
  } finally {
    await probe.close();
  }
}, 'shigoto-sqlite-probe-');

describeBackendContract(
  'sqlite',
  async () => {
    const dir = await tempDir('shigoto-sqlite-');
    const path = join(dir.path, 'shigoto.db');
    const backend = sqliteBackend({ path });
    return {
      backend,
      sibling: () => sqliteBackend({ path }),
      cleanup: async () => {
        await backend.close();
        await dir.remove();
      },
    };
  },
  capabilities,
);
