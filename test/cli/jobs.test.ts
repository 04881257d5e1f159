import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { greet } from '../fixtures/cli-app.ts';
import { useCli } from './cli-harness.ts';

const cli = useCli();

interface JsonJob {
  id: string;
  name: string;
  queue: string;
  state: string;
  args: unknown;
  enqueuedAt: string;
  runAt: string | null;
  lastError: { name: string; message: string; at: string; execution: number } | null;
}

/** Jobs 1-2 Greet on greetings, 3 Greet on vip (scheduled), 4 failed Crash on default. */
async function seed(): Promise<void> {
  const client = await cli.client();
  await client.enqueue(greet, { name: 'a' });
  await client.enqueue(greet, { name: 'b' });
  await client.enqueue(greet, { name: 'c' }, { queue: 'vip', wait: '1h' });
  await cli.failedJobs(1);
}

describe('shigoto jobs list', () => {
  it('prints a table, newest first', async () => {
    await seed();
    const { code, stdout, stderr } = await cli.run(['jobs', 'list']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+QUEUE\s+STATE\s+PRIORITY\s+ATTEMPTS\s+ENQUEUED\s+ERROR$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['4', 'Crash', 'default', 'failed'],
      ['3', 'Greet', 'vip', 'scheduled'],
      ['2', 'Greet', 'greetings', 'ready'],
      ['1', 'Greet', 'greetings', 'ready'],
    ]);
    expect(lines[1]).toMatch(/Error: boom 0$/);
  });

  it('--json parses as JSON with arguments decoded and ISO times', async () => {
    await seed();
    const jobs = await cli.json<JsonJob[]>(['jobs', 'list']);
    expect(jobs.map((j) => j.id)).toEqual(['4', '3', '2', '1']);
    expect(jobs[3]).toMatchObject({ name: 'Greet', args: { name: 'a' }, runAt: null, lastError: null });
    expect(jobs[3]!.enqueuedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(jobs[1]!.runAt).toMatch(/Z$/);
    expect(jobs[0]!.lastError).toMatchObject({ name: 'Error', message: 'boom 0', execution: 1 });
    expect(jobs[0]!.lastError!.at).toMatch(/Z$/);
  });

  it.each([
    [
      ['--state', 'ready'],
      ['2', '1'],
    ],
    [['--queue', 'vip'], ['3']],
    [['--name', 'Crash'], ['4']],
    [
      ['--limit', '2'],
      ['4', '3'],
    ],
    [
      ['--before', '3'],
      ['2', '1'],
    ],
    [['--state', 'ready', '--limit', '1', '--before', '2'], ['1']],
    [['--queue', 'nowhere'], []],
  ])('filters with %j', async (filters, ids) => {
    await seed();
    const jobs = await cli.json<JsonJob[]>(['jobs', 'list', ...filters]);
    expect(jobs.map((j) => j.id)).toEqual(ids);
  });

  it('says so when nothing matches', async () => {
    expect(await cli.run(['jobs', 'list'])).toEqual({ code: 0, stdout: 'No jobs match.\n', stderr: '' });
  });

  it.each([
    [
      ['--state', 'done'],
      'Allowed choices are scheduled, ready, blocked, claimed, finished, failed, discarded, expired, errored.',
    ],
    [['--limit', '0'], '--limit must be a whole number from 1 to 1000'],
    [['--limit', '1001'], '--limit must be a whole number from 1 to 1000'],
  ])('rejects %j with exit 2', async (filters, message) => {
    const result = await cli.run(['jobs', 'list', ...filters]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('rejects an invalid queue name with exit 2', async () => {
    const result = await cli.run(['jobs', 'list', '--queue', 'no such']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('Invalid queue name "no such"');
  });
});

describe('shigoto jobs show', () => {
  it('shows a job with its arguments', async () => {
    await seed();
    const { code, stdout } = await cli.run(['jobs', 'show', '1']);
    expect(code).toBe(0);
    expect(stdout).toContain('Job 1: Greet\n  state:     ready\n  queue:     greetings (priority 0)\n');
    expect(stdout).toContain('  args:      {"name":"a"}\n');
  });

  it('shows the last error of a failed job with its stack frames', async () => {
    await seed();
    const { stdout } = await cli.run(['jobs', 'show', '4']);
    expect(stdout).toMatch(/ {2}error: {5}Error: boom 0 \(execution 1, at \d{4}-[\d-]+T[\d:.]+Z\)\n/);
    expect(stdout).toMatch(/\n {4}at .*cli-app\.ts:\d+:\d+/);
  });

  it('--json prints the job', async () => {
    await seed();
    expect(await cli.json<JsonJob>(['jobs', 'show', '3'])).toMatchObject({
      id: '3',
      state: 'scheduled',
      queue: 'vip',
      args: { name: 'c' },
    });
  });

  it('exits 3 for a job that does not exist', async () => {
    expect(await cli.run(['jobs', 'show', '42'])).toEqual({
      code: 3,
      stdout: '',
      stderr: 'shigoto: No job with id 42.\n',
    });
    const json = await cli.run(['jobs', 'show', '42', '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'JOB_NOT_FOUND', message: 'No job with id 42.' },
    });
  });
});

describe('secrets in arguments', () => {
  const secretArgs = { name: 'a', password: 'hunter2', nested: { apiToken: 'tok-123', keep: 1 } };

  it('are hidden in jobs list and jobs show, in tables and in --json', async () => {
    const client = await cli.client();
    const { id } = await client.enqueueByName('Greet', secretArgs);
    const listed = await cli.json<JsonJob[]>(['jobs', 'list']);
    expect(listed[0]!.args).toEqual({
      name: 'a',
      password: '[FILTERED]',
      nested: { apiToken: '[FILTERED]', keep: 1 },
    });
    const shown = await cli.json<JsonJob>(['jobs', 'show', id]);
    expect(shown.args).toEqual(listed[0]!.args);
    const human = await cli.run(['jobs', 'show', id]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('[FILTERED]');
    for (const output of [JSON.stringify(listed), JSON.stringify(shown), human.stdout]) {
      expect(output).not.toContain('hunter2');
      expect(output).not.toContain('tok-123');
    }
  });

  it('follow filter_arguments from the configuration', async () => {
    await writeFile(
      join(cli.dir, 'config/shigoto.yml'),
      `${await readFile(join(cli.dir, 'config/shigoto.yml'), 'utf8')}filter_arguments: [name, "/^keep$/"]\n`,
    );
    const client = await cli.client();
    const { id } = await client.enqueueByName('Greet', secretArgs);
    const shown = await cli.json<JsonJob>(['jobs', 'show', id]);
    expect(shown.args).toEqual({
      name: '[FILTERED]',
      password: 'hunter2',
      nested: { apiToken: 'tok-123', keep: '[FILTERED]' },
    });
  });
});
