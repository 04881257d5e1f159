import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, sqliteBackend } from '../../src/index.ts';
import { withTempDir } from '../support/temp-dir.ts';

describe('opening a SQLite database', () => {
  it('a file that is not a database gets a typed error and is the file keeps its content', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'notes.txt');
      const text = 'these are not the tables you are looking for\n'.repeat(200);
      writeFileSync(path, text);
      expect(() => sqliteBackend({ path })).toThrow(BackendUnavailableError);
      expect(() => sqliteBackend({ path })).toThrow(/not a SQLite database/);
      expect(readFileSync(path, 'utf8')).toBe(text);
    }, 'shigoto-open-');
  });

  it('a folder that cannot be created gets a typed error', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'plain-file');
      writeFileSync(file, '');
      expect(() => sqliteBackend({ path: join(file, 'sub', 'jobs.db') })).toThrow(BackendUnavailableError);
    }, 'shigoto-open-');
  });
});
