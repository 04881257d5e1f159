import type { Backend } from '../backend/types.ts';
import { sqliteBackend } from '../backends/sqlite/index.ts';
import type { ShigotoConfig } from './load.ts';

export function backendFromConfig(config: ShigotoConfig): Backend {
  const b = config.backend;
  return sqliteBackend({
    path: b.path,
    synchronous: b.synchronous,
    tablePrefix: b.tablePrefix,
    deleteFinished: !config.preserveFinishedJobs,
  });
}
