import { JobRegistry } from '../client/registry.ts';
import type { LoadedApp } from '../config/app.ts';
import { CodecRegistry } from '../job/codec.ts';
import { type PlanDeps, planRecurring, type RecurringPlan } from './plan.ts';
import { loadRecurringTasks, type RecurringFileOptions, recurringFile } from './tasks.ts';

/** The recurring tasks of a service, checked against its app. */
export interface RecurringSetup {
  /** The file they were read from (or would be: a missing default file holds no tasks). */
  readonly file: string;
  readonly plan: RecurringPlan;
}

/**
 * Reads the recurring tasks file (-r, $SHIGOTO_RECURRING_SCHEDULE, the configuration, else
 * config/recurring.yml) and checks every task against the app. Any mistake is one ConfigError
 * naming the file, the task key and the offending text.
 */
export function loadRecurringSetup(options: RecurringFileOptions, deps: PlanDeps): RecurringSetup {
  const { path } = recurringFile(options);
  return { file: path, plan: planRecurring(loadRecurringTasks(options), deps, path) };
}

/** What checking tasks against a loaded app module needs. */
export function planDepsOf(loaded: LoadedApp, maxPayloadBytes: number): PlanDeps {
  return {
    registry: new JobRegistry(loaded.app.jobs),
    codecs: new CodecRegistry(loaded.app.codecs),
    maxPayloadBytes,
    exports: loaded.exports,
  };
}
