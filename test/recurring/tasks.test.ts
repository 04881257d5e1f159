import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { ACCEPTED_SCHEDULES } from '../../src/recurring/schedule.ts';
import {
  loadRecurringTasks,
  parseRecurringTasks,
  RECURRING_ENV,
  recurringFile,
} from '../../src/recurring/tasks.ts';
import { type TempDir, tempDir } from '../support/temp-dir.ts';

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir('shigoto-recurring-');
});
afterEach(() => dir.remove());

/** Writes `text` to `relative` inside the temp dir and returns its absolute path. */
function write(relative: string, text: string): string {
  const path = join(dir.path, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const load = (options: { path?: string; env?: NodeJS.ProcessEnv } = {}) =>
  loadRecurringTasks({ cwd: dir.path, env: {}, ...options });

/** The issues of the ConfigError that loading `yaml` as the -r file raises. */
function problemsOf(yaml: string): readonly string[] {
  const path = write('recurring.yml', yaml);
  try {
    load({ path });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message).toContain(`Invalid configuration in ${path}:`);
    return error.issues;
  }
  throw new Error('the file was accepted');
}

const SOLID_QUEUE_EXAMPLE = `
a_periodic_job:
  job: my_job
  args: [42, { status: custom_status }]
  schedule: every second
a_cleanup_task:
  command: DeletedStuff.clear_all
  schedule: every day at 9am
  timezone: Asia/Tokyo
  queue: maintenance
  priority: -5
  description: Clears soft-deleted rows
`;

describe('valid files', () => {
  it('loads job and command tasks in file order with their settings and parsed schedules', () => {
    write('config/recurring.yml', SOLID_QUEUE_EXAMPLE);
    const [job, command, ...rest] = load();
    expect(rest).toEqual([]);
    expect(job).toMatchObject({
      key: 'a_periodic_job',
      action: { kind: 'job', job: 'my_job', args: [42, { status: 'custom_status' }] },
      queue: null,
      priority: null,
      description: null,
    });
    expect(job!.schedule.next(new Date('2025-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2025-01-01T00:00:01.000Z',
    );
    expect(command).toMatchObject({
      key: 'a_cleanup_task',
      action: { kind: 'command', command: 'DeletedStuff.clear_all' },
      queue: 'maintenance',
      priority: -5,
      description: 'Clears soft-deleted rows',
    });
    expect(command!.schedule.describe()).toBe('every day at 09:00 (Asia/Tokyo)');
    expect(command!.schedule.next(new Date('2025-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2025-01-02T00:00:00.000Z',
    );
  });

  it('passes any YAML value as args and leaves args undefined when absent', () => {
    write(
      'config/recurring.yml',
      'one:\n  job: a\n  args: 22\n  schedule: "*/5 * * * *"\ntwo:\n  job: b\n  schedule: "@hourly"\n',
    );
    const tasks = load();
    expect(tasks.map((t) => t.action)).toEqual([
      { kind: 'job', job: 'a', args: 22 },
      { kind: 'job', job: 'b', args: undefined },
    ]);
  });

  it('treats a missing default file, an empty file and a comment-only file as no tasks', () => {
    expect(load()).toEqual([]);
    write('config/recurring.yml', '');
    expect(load()).toEqual([]);
    write('config/recurring.yml', '# nothing scheduled yet\n');
    expect(load()).toEqual([]);
  });

  it('keeps a task keyed __proto__ as data without touching prototypes', () => {
    write('config/recurring.yml', '__proto__:\n  job: polluted\n  schedule: every day\n');
    const tasks = load();
    expect(tasks.map((t) => [t.key, t.action])).toEqual([
      ['__proto__', { kind: 'job', job: 'polluted', args: undefined }],
    ]);
    expect(({} as Record<string, unknown>).job).toBeUndefined();
  });
});

describe('parseRecurringTasks', () => {
  it('validates tasks already read and names the given source in errors', () => {
    const tasks = parseRecurringTasks({ sweep: { job: 'sweep', schedule: '0 */2 * * *' } }, 'app settings');
    expect(tasks.map((t) => t.schedule.describe())).toEqual(['cron 0 */2 * * * (UTC)']);
    expect(() => parseRecurringTasks({ sweep: { job: 'sweep' } }, 'app settings')).toThrow(
      /^Invalid configuration in app settings:\n {2}- sweep\.schedule: got nothing/,
    );
    expect(parseRecurringTasks(null, 'app settings')).toEqual([]);
  });
});

describe('which file is read', () => {
  it('reads $SHIGOTO_RECURRING_SCHEDULE relative to the working directory', () => {
    write('config/schedule.yml', 'nightly:\n  job: report\n  schedule: every day at 2am\n');
    const tasks = load({ env: { [RECURRING_ENV]: 'config/schedule.yml' } });
    expect(tasks.map((t) => t.key)).toEqual(['nightly']);
  });

  it('prefers the explicit path to the environment, and the environment to the default', () => {
    write('config/recurring.yml', 'from_default:\n  job: a\n  schedule: every minute\n');
    write('env.yml', 'from_env:\n  job: a\n  schedule: every minute\n');
    write('explicit.yml', 'from_option:\n  job: a\n  schedule: every minute\n');
    const env = { [RECURRING_ENV]: 'env.yml' };
    expect(load({ env, path: 'explicit.yml' }).map((t) => t.key)).toEqual(['from_option']);
    expect(load({ env }).map((t) => t.key)).toEqual(['from_env']);
    expect(load({ env: { [RECURRING_ENV]: '' } }).map((t) => t.key)).toEqual(['from_default']);
  });

  it('says what named the file', () => {
    expect(recurringFile({ cwd: '/srv/app', env: {} })).toEqual({
      path: '/srv/app/config/recurring.yml',
      namedBy: null,
    });
    expect(recurringFile({ cwd: '/srv/app', env: { [RECURRING_ENV]: '/etc/tasks.yml' } })).toEqual({
      path: '/etc/tasks.yml',
      namedBy: RECURRING_ENV,
    });
    expect(recurringFile({ cwd: '/srv/app', env: {}, path: 'x.yml' }).namedBy).toBe('the -r option');
  });

  it("ranks the configuration's scheduler.recurring_schedule_file after -r and the variable", () => {
    const configured = '/srv/app/config/schedule.yml';
    expect(recurringFile({ cwd: '/srv/app', env: {}, configured })).toEqual({
      path: configured,
      namedBy: 'scheduler.recurring_schedule_file',
    });
    expect(
      recurringFile({ cwd: '/srv/app', env: { [RECURRING_ENV]: '/etc/tasks.yml' }, configured }).path,
    ).toBe('/etc/tasks.yml');
    expect(recurringFile({ cwd: '/srv/app', env: {}, configured, path: 'x.yml' }).path).toBe(
      '/srv/app/x.yml',
    );
    expect(recurringFile({ cwd: '/srv/app', env: {}, configured: null }).namedBy).toBeNull();
  });

  it('refuses a named file that does not exist', () => {
    expect(() => load({ path: 'missing.yml' })).toThrow(
      new ConfigError(join(dir.path, 'missing.yml'), [
        `the file does not exist (named by the -r option; relative to ${dir.path})`,
      ]),
    );
    expect(() => load({ env: { [RECURRING_ENV]: 'gone.yml' } })).toThrow(
      /gone\.yml:\n {2}- the file does not exist \(named by SHIGOTO_RECURRING_SCHEDULE/,
    );
  });
});

describe('mistakes in the file', () => {
  it('refuses text that is not YAML, and duplicate task keys, with the line', () => {
    expect(problemsOf('a:\n  job: [unclosed\n')[0]).toMatch(/^not valid YAML: .*line \d+, column \d+/);
    expect(problemsOf('a:\n  job: x\n  schedule: every day\na:\n  job: y\n')[0]).toMatch(
      /^not valid YAML: Map keys must be unique at line 4/,
    );
  });

  it.each([
    ['- job: a\n  schedule: every day\n', 'the file holds a list; expected a mapping of task keys to tasks'],
    ['just text\n', 'the file holds "just text"; expected a mapping of task keys to tasks'],
  ])('refuses a file that is not a mapping: %j', (yaml, problem) => {
    expect(problemsOf(yaml)[0]).toContain(problem);
  });

  it.each([
    [
      'class from Solid Queue',
      'nightly:\n  class: Report\n  job: report\n  schedule: every day\n',
      'nightly: unknown key "class" (Solid Queue\'s class: is job: here, with the job\'s name); allowed keys: job, args, command, schedule, timezone, queue, priority, description',
    ],
    [
      'misspelt key',
      'nightly:\n  job: report\n  schedule: every day\n  que: low\n',
      'nightly: unknown key "que"; allowed keys: job, args, command, schedule, timezone, queue, priority, description',
    ],
    [
      'neither job nor command',
      'nightly:\n  schedule: every day\n',
      'nightly: needs job: (the name of a job to enqueue) or command: (a function exported by the app module)',
    ],
    [
      'both job and command',
      'nightly:\n  job: report\n  command: runReport\n  schedule: every day\n',
      'nightly: has both job: and command:; keep one',
    ],
    [
      'args with a command',
      'nightly:\n  command: runReport\n  args: [1]\n  schedule: every day\n',
      'nightly.args: only a job: takes args; a command: is called without arguments',
    ],
    [
      'code as a command',
      'nightly:\n  command: "Report.run(); process.exit()"\n  schedule: every day\n',
      'nightly.command: got "Report.run(); process.exit()"; expected the name of a function exported by the app module, like "clearDeletedStuff" or "maintenance.clearAll"',
    ],
    [
      'a prototype path as a command',
      'nightly:\n  command: jobs.constructor\n  schedule: every day\n',
      'nightly.command: got "jobs.constructor"; expected the name of a function exported by the app module',
    ],
    [
      'a job name with spaces',
      'nightly:\n  job: nightly report\n  schedule: every day\n',
      'nightly.job: got "nightly report"; expected the name of a job (1-128 characters from A-Z a-z 0-9 _ . : -)',
    ],
    [
      'a missing schedule',
      'nightly:\n  job: report\n',
      'nightly.schedule: got nothing (the key is missing); expected a schedule',
    ],
    [
      'a schedule that is not text',
      'nightly:\n  job: report\n  schedule: 5\n',
      'nightly.schedule: got 5; expected a schedule such as "every day at 9am" or "0 9 * * *"',
    ],
    [
      'an unknown schedule',
      'nightly:\n  job: report\n  schedule: every fortnight\n',
      'nightly.schedule: "every fortnight" is not a schedule: "fortnight" is not a period',
    ],
    [
      'a bad cron field',
      'nightly:\n  job: report\n  schedule: "0 25 * * *"\n',
      'nightly.schedule: "0 25 * * *" is not a schedule: Invalid value for hour: 25',
    ],
    [
      'an unknown time zone',
      'nightly:\n  job: report\n  schedule: every day\n  timezone: Asia/Tokio\n',
      'nightly.timezone: got "Asia/Tokio"; expected an IANA time zone such as "Asia/Tokyo" or "UTC"',
    ],
    [
      'two time zones',
      'nightly:\n  job: report\n  schedule: every day Asia/Tokyo\n  timezone: UTC\n',
      'nightly.schedule: "every day Asia/Tokyo" is not a schedule: it ends with the time zone Asia/Tokyo, but UTC is also given; name one',
    ],
    [
      'a bad queue',
      'nightly:\n  job: report\n  schedule: every day\n  queue: "low priority"\n',
      'nightly.queue: got "low priority"; expected a queue name (1-128 characters from A-Z a-z 0-9 _ . : -)',
    ],
    [
      'a fractional priority',
      'nightly:\n  job: report\n  schedule: every day\n  priority: 1.5\n',
      'nightly.priority: got 1.5; expected a whole number (lower runs first)',
    ],
    [
      'a priority as text',
      'nightly:\n  job: report\n  schedule: every day\n  priority: high\n',
      'nightly.priority: got "high"; expected a whole number (lower runs first)',
    ],
    [
      'a description that is not text',
      'nightly:\n  job: report\n  schedule: every day\n  description: [a]\n',
      'nightly.description: got ["a"]; expected text',
    ],
    [
      'a task that is not a mapping',
      'nightly: every day\n',
      'nightly: got "every day"; expected a mapping of task settings (job: or command:, schedule:, ...)',
    ],
    [
      'a bad task key',
      '"nightly report!":\n  job: report\n  schedule: every day\n',
      '"nightly report!": the task key must use 1-128 characters from A-Z a-z 0-9 _ . : -',
    ],
    [
      'a Rails environment section',
      'production:\n  nightly:\n    job: report\n    schedule: every day\n',
      'production: holds tasks of its own; write every task at the top level of the file (there are no sections per environment)',
    ],
  ])('%s', (_name, yaml, problem) => {
    const problems = problemsOf(yaml);
    expect(
      problems.find((p) => p.startsWith(problem)),
      problems.join('\n'),
    ).toBeDefined();
  });

  it('collects every mistake of every task into one error, and lists the schedule forms once', () => {
    const problems = problemsOf(
      [
        'good:\n  job: report\n  schedule: every day\n',
        'first:\n  job: report\n  schedule: every blue moon\n  priority: 0.5\n',
        'second:\n  command: "x()"\n  schedule: every 7 minutes\n',
      ].join(''),
    );
    expect(problems).toEqual([
      'first.priority: got 0.5; expected a whole number (lower runs first)',
      expect.stringMatching(/^first\.schedule: "every blue moon" is not a schedule: "blue" is not a period/),
      expect.stringMatching(/^second\.command: got "x\(\)"; expected the name of a function/),
      expect.stringMatching(
        /^second\.schedule: "every 7 minutes" is not a schedule: every 7 minutes would not be evenly spaced/,
      ),
      `a schedule may be ${ACCEPTED_SCHEDULES}`,
    ]);
  });

  it('does not list the schedule forms when every schedule is fine', () => {
    expect(problemsOf('nightly:\n  job: report\n  schedule: every day\n  queue: "a b"\n')).toEqual([
      'nightly.queue: got "a b"; expected a queue name (1-128 characters from A-Z a-z 0-9 _ . : -)',
    ]);
  });
});
