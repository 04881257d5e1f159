import { z } from 'zod';
import { describeIssues, fallbackMessages } from '../config/errors.ts';
import { InvalidScheduleError } from '../errors.ts';
import { assertQueueName, NAME_PATTERN } from '../util/names.ts';
import { parseSchedule, type Schedule } from './schedule.ts';
import { resolveTimeZone } from './timezone.ts';

/** What a run does: enqueue a job by name with its arguments, or call a function of the app module. */
export type RecurringAction =
  | { readonly kind: 'job'; readonly job: string; readonly args: unknown }
  | { readonly kind: 'command'; readonly command: string };

/** One validated entry of config/recurring.yml. */
export interface RecurringTask {
  /** The entry's key: with the run time, what makes each run unique across schedulers. */
  readonly key: string;
  readonly action: RecurringAction;
  readonly schedule: Schedule;
  /** null: the job's own queue. */
  readonly queue: string | null;
  /** null: the job's own priority. */
  readonly priority: number | null;
  readonly description: string | null;
}

const NAME_RULE = '1-128 characters from A-Z a-z 0-9 _ . : -';

/** "clearDeletedStuff" or "maintenance.clearAll": a path of exports, never code to evaluate. */
const COMMAND_NAME = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;
const UNSAFE_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const COMMAND_RULE =
  'the name of a function exported by the app module, like "clearDeletedStuff" or "maintenance.clearAll"';

/** A dotted path of exports that reaches nothing but what the module exports. */
export const isCommandName = (value: string) =>
  COMMAND_NAME.test(value) && !value.split('.').some((segment) => UNSAFE_SEGMENTS.has(segment));

const isQueueName = (value: string) => {
  try {
    assertQueueName(value);
    return true;
  } catch {
    return false;
  }
};

const text = (error: string) => z.string({ error }).min(1, { error });
/** Text that `isValid` accepts; `rule` says what is allowed, after "expected". */
const checked = (rule: string, isValid: (value: string) => boolean) =>
  text(rule).refine(isValid, { error: rule });
const WHOLE_NUMBER = 'a whole number (lower runs first)';

const taskSchema = z.strictObject(
  {
    job: checked(`the name of a job (${NAME_RULE})`, (name) => NAME_PATTERN.test(name)).optional(),
    args: z.unknown().optional(),
    command: checked(COMMAND_RULE, isCommandName).optional(),
    schedule: text('a schedule such as "every day at 9am" or "0 9 * * *"'),
    timezone: checked(
      'an IANA time zone such as "Asia/Tokyo" or "UTC"',
      (zone) => resolveTimeZone(zone) !== null,
    ).optional(),
    queue: checked(`a queue name (${NAME_RULE})`, isQueueName).optional(),
    priority: z.number({ error: WHOLE_NUMBER }).int({ error: WHOLE_NUMBER }).optional(),
    description: z.string({ error: 'text' }).optional(),
  },
  { error: 'a mapping of task settings (job: or command:, schedule:, ...)' },
);

const ALLOWED_KEYS = Object.keys(taskSchema.shape);

/** Hints for keys people bring from Solid Queue's recurring.yml. */
const KEY_HINTS: Record<string, string> = {
  class: "Solid Queue's class: is job: here, with the job's name",
  time_zone: 'write timezone:',
};

export interface TaskCheck {
  readonly task: RecurringTask | null;
  /** One line per mistake, each starting with the task key. */
  readonly problems: readonly string[];
  /** True when a problem is the schedule's text, so the caller can list the accepted forms once. */
  readonly badSchedule: boolean;
}

/** Validates one entry; every mistake in it is reported, not only the first. */
export function checkTask(key: string, raw: unknown): TaskCheck {
  // Problems start with the key; a key that breaks the rule is quoted so its odd characters show.
  const where = NAME_PATTERN.test(key) ? key : JSON.stringify(key);
  const problems: string[] = [];
  const rejected = (badSchedule = false): TaskCheck => ({ task: null, problems, badSchedule });
  if (where !== key) problems.push(`${where}: the task key must use ${NAME_RULE}`);
  if (isSection(raw)) {
    problems.push(
      `${where}: holds tasks of its own; write every task at the top level of the file (there are no sections per environment)`,
    );
    return rejected();
  }
  const result = taskSchema.safeParse(raw, { reportInput: true, error: fallbackMessages });
  if (!result.success) problems.push(...describeTaskIssues(where, result.error.issues, raw));
  if (!isMapping(raw)) return rejected();

  const action = actionOf(where, raw, problems);
  const schedule = checkSchedule(where, raw);
  if (typeof schedule === 'string') {
    problems.push(schedule);
    return rejected(true);
  }
  if (!result.success || !action || !schedule || problems.length > 0) return rejected();
  const { queue, priority, description } = result.data;
  return {
    task: {
      key,
      action,
      schedule,
      queue: queue ?? null,
      priority: priority ?? null,
      description: description ?? null,
    },
    problems,
    badSchedule: false,
  };
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A Rails-style environment section ("production:") whose values are tasks, not a task. */
function isSection(raw: unknown): boolean {
  if (!isMapping(raw)) return false;
  const keys = Object.keys(raw);
  return (
    keys.length > 0 &&
    keys.every((k) => !ALLOWED_KEYS.includes(k)) &&
    Object.values(raw).every((value) => isMapping(value) && 'schedule' in value)
  );
}

/** Exactly one of job: and command:; args: only with job:. */
function actionOf(where: string, entry: Record<string, unknown>, problems: string[]): RecurringAction | null {
  const hasJob = entry.job !== undefined;
  const hasCommand = entry.command !== undefined;
  if (hasJob === hasCommand) {
    problems.push(
      hasJob
        ? `${where}: has both job: and command:; keep one`
        : `${where}: needs job: (the name of a job to enqueue) or command: (a function exported by the app module)`,
    );
    return null;
  }
  if (hasCommand && 'args' in entry) {
    problems.push(`${where}.args: only a job: takes args; a command: is called without arguments`);
    return null;
  }
  return hasJob
    ? { kind: 'job', job: entry.job as string, args: entry.args }
    : { kind: 'command', command: entry.command as string };
}

/**
 * The parsed schedule, or a problem line quoting its text. Null when schedule: or timezone: is
 * missing or not text: the schema has reported that already.
 */
function checkSchedule(where: string, entry: Record<string, unknown>): Schedule | string | null {
  const { schedule, timezone } = entry;
  if (typeof schedule !== 'string' || schedule === '') return null;
  if (timezone !== undefined && (typeof timezone !== 'string' || resolveTimeZone(timezone) === null))
    return null;
  try {
    return parseSchedule(schedule, { timezone });
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    return `${where}.schedule: ${JSON.stringify(schedule)} is not a schedule: ${error.reason}`;
  }
}

/** "key.field: got ...; expected ..." as in config errors, with unknown keys named and hinted. */
function describeTaskIssues(where: string, issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  const lines: string[] = [];
  const unknown = issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : []));
  if (unknown.length > 0) {
    const listed = unknown.map((k) => `"${k}"${KEY_HINTS[k] ? ` (${KEY_HINTS[k]})` : ''}`).join(', ');
    const plural = unknown.length === 1 ? 'key' : 'keys';
    lines.push(`${where}: unknown ${plural} ${listed}; allowed keys: ${ALLOWED_KEYS.join(', ')}`);
  }
  const others = issues
    .filter((issue) => issue.code !== 'unrecognized_keys')
    .map((issue) => ({ ...issue, path: [where, ...issue.path] }));
  return [...lines, ...describeIssues(others, { [where]: raw }, new Map())];
}
