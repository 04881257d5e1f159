import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_PATH, useCli } from './cli-harness.ts';

const cli = useCli();

describe('shigoto enqueue', () => {
  it('enqueues a job of the app on its own queue', async () => {
    const result = await cli.run(['enqueue', 'Greet', '{"name":"Amuro"}']);
    expect(result).toEqual({ code: 0, stdout: 'Enqueued Greet as job 1 on queue greetings\n', stderr: '' });
    const job = await (await cli.client()).jobs.get('1');
    expect(job).toMatchObject({
      name: 'Greet',
      queue: 'greetings',
      priority: 0,
      state: 'ready',
      runAt: null,
    });
    expect(JSON.parse(job.args)).toEqual({ name: 'Amuro' });
  });

  it('takes --queue and --priority, and prints JSON with --json', async () => {
    const enqueued = await cli.json<Record<string, unknown>>([
      'enqueue',
      'Greet',
      '{"name":"Char"}',
      '--queue',
      'urgent',
      '--priority',
      '-5',
    ]);
    expect(enqueued).toEqual({
      id: '1',
      name: 'Greet',
      queue: 'urgent',
      priority: -5,
      runAt: null,
      duplicate: false,
    });
    expect(await (await cli.client()).jobs.get('1')).toMatchObject({ queue: 'urgent', priority: -5 });
  });

  it('--wait schedules the job after a delay', async () => {
    const before = Date.now();
    const result = await cli.run(['enqueue', 'Greet', '{"name":"Sayla"}', '--wait', '5m']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Enqueued Greet as job 1 on queue greetings to run at \d{4}-\d\d-\d\dT[\d:.]+Z\n$/,
    );
    const job = await (await cli.client()).jobs.get('1');
    expect(job.state).toBe('scheduled');
    expect(job.runAt).toBeGreaterThanOrEqual(before + 300_000);
    expect(job.runAt).toBeLessThan(Date.now() + 300_000);
  });

  it('--wait-until schedules the job at a time', async () => {
    const result = await cli.run([
      'enqueue',
      'Greet',
      '{"name":"Bright"}',
      '--wait-until',
      '2099-01-02T03:04:05Z',
    ]);
    expect(result.stdout).toBe('Enqueued Greet as job 1 on queue greetings to run at 2099-01-02T03:04:05Z\n');
    const job = await (await cli.client()).jobs.get('1');
    expect(job).toMatchObject({ state: 'scheduled', runAt: Date.UTC(2099, 0, 2, 3, 4, 5) });
  });

  it('uses {} when no arguments are given', async () => {
    expect((await cli.run(['enqueue', 'Greet'])).code).toBe(0);
    expect(JSON.parse((await (await cli.client()).jobs.get('1')).args)).toEqual({});
  });
});

describe('shigoto enqueue with bad input: exit 2, nothing written', () => {
  it('arguments that are not JSON (the database is not even opened)', async () => {
    const result = await cli.run(['enqueue', 'Greet', '{name: Amuro}']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^shigoto: args must be JSON \(got "\{name: Amuro\}"\): .+\n$/);
    expect(existsSync(cli.dbPath)).toBe(false);
  });

  it('an unknown job name, listing the known ones', async () => {
    const result = await cli.run(['enqueue', 'Gret', '{}']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'shigoto: Unknown job "Gret". Known jobs: Crash, Greet.\n',
    });
    expect(await cli.jobCount()).toBe(0);
  });

  it('an unknown job name with --json: the error as JSON on stdout', async () => {
    const result = await cli.run(['enqueue', 'Gret', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: 'UNKNOWN_JOB', message: 'Unknown job "Gret". Known jobs: Crash, Greet.' },
    });
  });

  it.each(['bad queue', 'a*', 'x;drop table', ''])('an invalid queue name %j', async (queue) => {
    const result = await cli.run(['enqueue', 'Greet', '{}', '--queue', queue]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `shigoto: Invalid queue name ${JSON.stringify(queue)}: use 1-128 characters`,
    );
    expect(existsSync(cli.dbPath)).toBe(false);
  });

  it.each([
    [
      ['--priority', 'high'],
      "option '--priority <n>' argument 'high' is invalid. --priority must be a whole number",
    ],
    [['--wait', '5'], '--wait must be a duration like 30s, 5m, 2h or 1h30m'],
    [['--wait-until', 'tomorrow'], '--wait-until must be a time like 2030-01-01T09:00:00Z (ISO 8601)'],
    [
      ['--wait', '5m', '--wait-until', '2099-01-01'],
      "option '--wait <duration>' cannot be used with option '--wait-until <time>'",
    ],
  ])('bad options %j', async (options, message) => {
    const result = await cli.run(['enqueue', 'Greet', '{}', ...options]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: shigoto enqueue [options] <job> [args]');
    expect(existsSync(cli.dbPath)).toBe(false);
  });

  it('arguments over max_payload_bytes of the configuration', async () => {
    await writeFile(
      join(cli.dir, 'config/shigoto.yml'),
      `app: ${JSON.stringify(APP_PATH)}\nbackend: {adapter: sqlite, path: storage/jobs.db}\nmax_payload_bytes: 100\n`,
    );
    const result = await cli.run(['enqueue', 'Greet', JSON.stringify({ name: 'x'.repeat(200) })]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^shigoto: Job payload is \d+ bytes, over the limit of 100 bytes/);
    expect(await cli.jobCount()).toBe(0);
  });

  it('--ordering-key puts the job in its line of a serialized queue of the configuration; a parallel queue refuses it', async () => {
    await writeFile(
      join(cli.dir, 'config/shigoto.yml'),
      `app: ${JSON.stringify(APP_PATH)}\nbackend: {adapter: sqlite, path: storage/jobs.db}\nqueues: {greetings: {serialized: true}}\n`,
    );
    const enqueue = (key: string, queue = 'greetings') =>
      cli.run(['enqueue', 'Greet', '{"name":"x"}', '--ordering-key', key, '--queue', queue]);
    expect((await enqueue('a')).code).toBe(0);
    expect((await enqueue('a')).code).toBe(0);
    const refused = await enqueue('a', 'mail');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('orderingKey needs a serialized queue');
    const jobs = await (await cli.client()).jobs.list();
    expect(jobs.map((j) => [j.serialKey, j.state])).toEqual([
      ['greetings/a', 'blocked'],
      ['greetings/a', 'ready'],
    ]);
  });

  it('a missing job name', async () => {
    const result = await cli.run(['enqueue']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: missing required argument 'job'");
  });
});
