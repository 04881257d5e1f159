import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readYamlFile } from '../config/yaml.ts';
import { ConfigError } from '../errors.ts';
import { ACCEPTED_SCHEDULES } from './schedule.ts';
import { checkTask, type RecurringTask } from './task-schema.ts';

export type { RecurringAction, RecurringTask } from './task-schema.ts';

/** Read when it exists; the option or the environment variable name another file, which must exist. */
export const DEFAULT_RECURRING_PATH = 'config/recurring.yml';
export const RECURRING_ENV = 'SHIGOTO_RECURRING_SCHEDULE';
const CONFIGURED_KEY = 'scheduler.recurring_schedule_file';

export interface RecurringFileOptions {
  /** An explicit file (the CLI's -r/--recurring-schedule-file): it must exist. */
  readonly path?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** scheduler.recurring_schedule_file of the configuration: after the option and the variable. */
  readonly configured?: string | null;
  /** Relative paths start here (default: the directory shigoto runs in). */
  readonly cwd?: string;
}

export interface RecurringFile {
  /** The absolute path of the file that is (or would be) read. */
  readonly path: string;
  /** What named it ("the -r option", "SHIGOTO_RECURRING_SCHEDULE"), or null for the default path. */
  readonly namedBy: string | null;
}

/**
 * Which file holds the recurring tasks: the option, then $SHIGOTO_RECURRING_SCHEDULE, then the
 * configuration's scheduler.recurring_schedule_file, then the default.
 */
export function recurringFile(options: RecurringFileOptions = {}): RecurringFile {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = env[RECURRING_ENV] || undefined;
  const configured = options.configured ?? undefined;
  const namedBy =
    options.path !== undefined
      ? 'the -r option'
      : fromEnv
        ? RECURRING_ENV
        : configured !== undefined
          ? CONFIGURED_KEY
          : null;
  return { path: resolve(cwd, options.path ?? fromEnv ?? configured ?? DEFAULT_RECURRING_PATH), namedBy };
}

/**
 * Loads and validates the recurring tasks. A missing default file means no tasks; a missing
 * named file is an error. Every mistake in the file is collected into one ConfigError naming
 * the file, the task key and the offending key or text.
 */
export function loadRecurringTasks(options: RecurringFileOptions = {}): RecurringTask[] {
  const { path, namedBy } = recurringFile(options);
  if (!existsSync(path)) {
    if (namedBy === null) return [];
    throw new ConfigError(path, [
      `the file does not exist (named by ${namedBy}; relative to ${options.cwd ?? process.cwd()})`,
    ]);
  }
  return parseRecurringTasks(readYamlFile(path), path);
}

/** Validates tasks already read (a mapping of task key → settings); `source` names them in errors. */
export function parseRecurringTasks(raw: unknown, source: string): RecurringTask[] {
  if (raw === null || raw === undefined) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source, [
      `the file holds ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}; expected a mapping of task keys to tasks, like "nightly_report:" with job: and schedule: below it`,
    ]);
  }
  const tasks: RecurringTask[] = [];
  const problems: string[] = [];
  let badSchedule = false;
  for (const [key, entry] of Object.entries(raw)) {
    const check = checkTask(key, entry);
    if (check.task) tasks.push(check.task);
    problems.push(...check.problems);
    badSchedule ||= check.badSchedule;
  }
  if (badSchedule) problems.push(`a schedule may be ${ACCEPTED_SCHEDULES}`);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return tasks;
}
