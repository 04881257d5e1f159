import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { greet } from '../fixtures/cli-app.ts';
import { useCli } from './cli-harness.ts';

const cli = useCli();

describe('shigoto migrate --print', () => {
  it('prints the SQLite migrations without creating the database', async () => {
    const result = await cli.run(['migrate', '--print']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('CREATE TABLE shigoto_jobs (');
    expect(result.stdout).toContain('INSERT INTO shigoto_migrations (version, name, applied_at) VALUES (1,');
    expect(existsSync(cli.dbPath)).toBe(false);
  });

  it('prints a SQLite script that leaves the database as migrate would', async () => {
    const { stdout } = await cli.run(['migrate', '--print']);
    await mkdir(dirname(cli.dbPath), { recursive: true });
    const db = new Database(cli.dbPath);
    try {
      db.exec(stdout);
    } finally {
      db.close();
    }
    expect((await cli.run(['migrate'])).code).toBe(0);
    const client = await cli.client();
    await client.enqueue(greet, { name: 'a' });
    expect(await cli.jobCount()).toBe(1);
    const check = new Database(cli.dbPath, { readonly: true });
    try {
      // migrate found nothing left to apply: every version it knows came from the script.
      const printed = [
        ...stdout.matchAll(/INSERT INTO shigoto_migrations \(version, name, applied_at\) VALUES \((\d+),/g),
      ];
      expect(printed.length).toBeGreaterThan(0);
      expect(check.prepare('SELECT version FROM shigoto_migrations ORDER BY version').all()).toEqual(
        printed.map((m) => ({ version: Number(m[1]) })),
      );
      expect(check.prepare('SELECT count(*) AS n FROM shigoto_recurring_executions').get()).toEqual({ n: 0 });
    } finally {
      check.close();
    }
  });

  it('prints the PostgreSQL migrations without connecting, and hides the password', async () => {
    // Port 1: nothing listens there, so any connection attempt would fail the command.
    await writeFile(
      join(cli.dir, 'pg.yml'),
      'backend: {adapter: postgres, url: "postgres://app:s3cret@127.0.0.1:1/jobs", schema: app_jobs}\n',
    );
    const text = await cli.run(['-c', 'pg.yml', 'migrate', '--print']);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toContain('CREATE SCHEMA IF NOT EXISTS "app_jobs";');
    expect(text.stdout).toContain('CREATE TABLE "app_jobs".ready (');
    const json = await cli.run(['-c', 'pg.yml', 'migrate', '--print', '--json']);
    const document = JSON.parse(json.stdout) as { backend: { url: string }; sql: string };
    expect(document.backend.url).toBe('postgres://app:***@127.0.0.1:1/jobs');
    expect(document.sql).toBe(`${text.stdout.trimEnd()}\n`);
    expect(json.stdout).not.toContain('s3cret');
  });
});
