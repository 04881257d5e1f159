import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

/** A fresh directory under the OS temp folder; `remove` deletes it with everything inside. */
export async function tempDir(prefix = 'shigoto-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Runs `fn` with a temp directory that is removed afterwards, whatever happens. */
export async function withTempDir<T>(fn: (path: string) => Promise<T>, prefix?: string): Promise<T> {
  const dir = await tempDir(prefix);
  try {
    return await fn(dir.path);
  } finally {
    await dir.remove();
  }
}
