import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../src/recurring/schedule.ts';
import { useCli } from './cli-harness.ts';

const cli = useCli();
const APP = resolve(import.meta.dirname, '../fixtures/recurring-app.ts');

const TASKS = `
weekly_digest:
  job: Digest
  args: { audience: weekly, password: hunter2 }
  schedule: every monday at 9am
  timezone: Asia/Tokyo
  description: The weekly digest
sweep:
  command: sweep
  schedule: "*/5 * * * *"
  queue: ops
  priority: -1
vacuum:
  command: maintenance.vacuum
  schedule: every day at midnight
`;

/** Points config/shigoto.yml at the recurring app and writes `tasks` to config/recurring.yml. */
async function project(tasks = TASKS, extra = ''): Promise<void> {
  await writeFile(
    join(cli.dir, 'config/shigoto.yml'),
    `app: ${JSON.stringify(APP)}\nbackend:\n  adapter: sqlite\n  path: storage/jobs.db\n${extra}`,
  );
  await writeFile(join(cli.dir, 'config/recurring.yml'), tasks);
}

const iso = (date: Date | null) => date?.toISOString().replace('.000Z', 'Z') ?? null;

interface ListedTask {
  key: string;
  job?: string;
  command?: string;
  args?: unknown;
  queue: string;
  priority: number;
  nextRunAt: string;
  lastRun: { runAt: string; jobId: string; enqueuedAt: string } | null;
}

describe('shigoto recurring list', () => {
  it('says there are none when config/recurring.yml does not exist', async () => {
    const result = await cli.run(['recurring', 'list']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`No recurring tasks in ${join(cli.dir, 'config/recurring.yml')}.\n`);
    expect(await cli.json(['recurring', 'list'])).toEqual([]);
  });

  it('lists each task with its schedule, what it runs, queue, priority and next run', async () => {
    await project();
    const before = new Date();
    const listed = await cli.json<ListedTask[]>(['recurring', 'list']);
    const after = new Date();
    expect(listed.map((t) => [t.key, t.job ?? t.command, t.queue, t.priority, t.lastRun])).toEqual([
      ['weekly_digest', 'Digest', 'mail', 4, null],
      ['sweep', 'sweep', 'ops', -1, null],
      ['vacuum', 'maintenance.vacuum', 'default', 0, null],
    ]);
    expect(listed[0]).toMatchObject({
      schedule: 'every monday at 9am',
      timezone: 'Asia/Tokyo',
      describe: 'every monday at 09:00 (Asia/Tokyo)',
      description: 'The weekly digest',
      args: { audience: 'weekly', password: '[FILTERED]' },
    });
    const schedule = parseSchedule('every monday at 9am', { timezone: 'Asia/Tokyo' });
    // The next run after "now", which is somewhere between the two clock reads.
    expect([iso(schedule.next(before)), iso(schedule.next(after))]).toContain(listed[0]!.nextRunAt);

    const text = await cli.run(['recurring', 'list']);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+SCHEDULE\s+RUNS\s+QUEUE\s+PRIORITY\s+NEXT\s+LAST$/);
    expect(lines[1]).toMatch(
      /^weekly_digest\s+every monday at 09:00 \(Asia\/Tokyo\)\s+Digest\s+mail\s+4\s+\S+Z\s+-$/,
    );
    expect(lines[2]).toMatch(/^sweep\s+cron \*\/5 \* \* \* \* \(UTC\)\s+command sweep\s+ops\s+-1\s/);
  });

  it('reads the file named by -r, or by SHIGOTO_RECURRING_SCHEDULE', async () => {
    await project('');
    await writeFile(join(cli.dir, 'other.yml'), 'only: { command: sweep, schedule: every hour }\n');
    const keys = (tasks: ListedTask[]) => tasks.map((t) => t.key);
    expect(keys(await cli.json(['recurring', 'list', '-r', 'other.yml']))).toEqual(['only']);
    const viaEnv = await cli.run(['recurring', 'list', '--json'], {
      SHIGOTO_RECURRING_SCHEDULE: 'other.yml',
    });
    expect(keys(JSON.parse(viaEnv.stdout))).toEqual(['only']);
    const missing = await cli.run(['recurring', 'list', '-r', 'nope.yml']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain(`Invalid configuration in ${join(cli.dir, 'nope.yml')}:`);
  });

  it('reads scheduler.recurring_schedule_file from the configuration', async () => {
    await project('', 'scheduler:\n  recurring_schedule_file: config/schedule.yml\n');
    await writeFile(
      join(cli.dir, 'config/schedule.yml'),
      'configured: { command: sweep, schedule: every hour }\n',
    );
    expect((await cli.json<ListedTask[]>(['recurring', 'list'])).map((t) => t.key)).toEqual(['configured']);
  });
});

describe('shigoto recurring run', () => {
  it('enqueues one run of a job task now, shown afterwards as its last run', async () => {
    await project();
    const result = await cli.run(['recurring', 'run', 'weekly_digest']);
    expect(result).toEqual({
      code: 0,
      stdout: 'Enqueued a run of weekly_digest (Digest) as job 1 on queue mail\n',
      stderr: '',
    });
    const job = await (await cli.client()).jobs.get('1');
    expect(job).toMatchObject({ name: 'Digest', queue: 'mail', priority: 4, state: 'ready' });
    expect(JSON.parse(job.args)).toEqual({ audience: 'weekly', password: 'hunter2' });
    const metadata = JSON.parse(job.metadata) as { recurringTask: string; recurringRunAt: string };
    expect(metadata.recurringTask).toBe('weekly_digest');
    const [listed] = await cli.json<ListedTask[]>(['recurring', 'list']);
    expect(listed!.lastRun).toEqual({
      runAt: metadata.recurringRunAt.replace('.000Z', 'Z'),
      jobId: '1',
      enqueuedAt: expect.any(String),
    });
  });

  it('enqueues a command task as the command job', async () => {
    await project();
    const run = await cli.json<Record<string, unknown>>(['recurring', 'run', 'vacuum']);
    expect(run).toEqual({
      task: 'vacuum',
      jobId: '1',
      name: 'shigoto.recurring_command',
      queue: 'default',
      runAt: expect.stringMatching(/Z$/),
    });
    const job = await (await cli.client()).jobs.get('1');
    expect(JSON.parse(job.args)).toEqual({ command: 'maintenance.vacuum' });
  });

  it('refuses a key the file does not have, naming the ones it does', async () => {
    await project();
    const result = await cli.run(['recurring', 'run', 'weekly']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `shigoto: No recurring task "weekly" in ${join(cli.dir, 'config/recurring.yml')}; its tasks are: weekly_digest, sweep, vacuum\n`,
    );
    expect(await cli.jobCount()).toBe(0);
  });
});

describe('an invalid recurring tasks file', () => {
  const BROKEN = `
nightly:
  job: Digest
  args: { audience: all }
  schedule: every fortnight
typo:
  job: Digset
  schedule: every day
gone:
  command: maintenance.mop
  schedule: every hour
`;

  it('stops shigoto start with the config exit code, naming each task and its text', async () => {
    await project(BROKEN);
    const result = await cli.run(['start']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`Invalid configuration in ${join(cli.dir, 'config/recurring.yml')}:`);
    expect(result.stderr).toContain('nightly.schedule: "every fortnight" is not a schedule:');
    expect(await cli.jobCount()).toBe(0);
  });

  it('stops shigoto start when a job or command is missing from the app', async () => {
    await project(BROKEN.replace('every fortnight', 'every day'));
    const result = await cli.run(['start']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`typo.job: no job named "Digset"; the app's jobs are Digest`);
    expect(result.stderr).toContain('gone.command: the app module exports no function "maintenance.mop"');
    expect(result.stderr).not.toContain('nightly');
  });

  it('is refused by recurring list too, even with the scheduler disabled', async () => {
    await project(BROKEN, 'scheduler:\n  enabled: false\n');
    const result = await cli.run(['recurring', 'list']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('nightly.schedule: "every fortnight" is not a schedule:');
  });
});
