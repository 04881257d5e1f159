import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { loadConfig, type ShigotoConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { type TempDir, tempDir } from '../support/temp-dir.ts';

export interface ConfigDir {
  /** The temp directory: the working directory of every load. */
  readonly path: string;
  /** Writes `text` to `file` (relative to the directory), creating folders. */
  write(file: string, text: string): Promise<string>;
  /** Loads `yaml` as the -c file with only `env` as the environment. */
  load(yaml: string, env?: NodeJS.ProcessEnv): Promise<ShigotoConfig>;
  /** Like load, but expects a ConfigError and returns it. */
  loadError(yaml: string, env?: NodeJS.ProcessEnv): Promise<ConfigError>;
}

/** A fresh temp directory per test, removed afterwards. */
export function useConfigDir(): ConfigDir {
  let dir: TempDir | undefined;
  beforeEach(async () => {
    dir = await tempDir('shigoto-config-');
  });
  afterEach(async () => {
    await dir?.remove();
  });
  const path = () => dir!.path;
  const api: ConfigDir = {
    get path() {
      return path();
    },
    async write(file, text) {
      const full = join(path(), file);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, text);
      return full;
    },
    async load(yaml, env = {}) {
      await api.write('shigoto.yml', yaml);
      return loadConfig({ path: 'shigoto.yml', cwd: path(), env });
    },
    async loadError(yaml, env = {}) {
      await api.write('shigoto.yml', yaml);
      return catchConfigError(() => loadConfig({ path: 'shigoto.yml', cwd: path(), env }));
    },
  };
  return api;
}

export function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

/** Async version, for loadApp. */
export async function rejectsWithConfigError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
