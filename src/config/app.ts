import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { AppDefinition } from '../client/shigoto.ts';
import { ConfigError } from '../errors.ts';
import { isJobDefinition } from '../job/define.ts';

const APP_KEYS = ['jobs', 'middleware', 'codecs', 'hooks'];
const EXPECTED = 'export default defineApp({ jobs: [...] }) (or export const app = defineApp(...))';

/** An imported app module. */
export interface LoadedApp {
  readonly app: AppDefinition;
  /** Everything the module exports: what recurring tasks' `command:` names. */
  readonly exports: Readonly<Record<string, unknown>>;
}

/**
 * Imports the app module named by `app:` and checks its default export
 * (defineApp({ jobs, hooks, middleware, codecs })).
 */
export async function loadApp(path: string | null): Promise<AppDefinition> {
  return (await loadAppModule(path)).app;
}

/** As loadApp, also returning the module's exports. */
export async function loadAppModule(path: string | null): Promise<LoadedApp> {
  if (path === null) return { app: {}, exports: {} };
  const fail = (problem: string): never => {
    throw new ConfigError(`the app module ${path}`, [problem]);
  };
  if (!existsSync(path)) fail('the file does not exist (app: is relative to the directory shigoto runs in)');
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    return fail(`importing it failed with ${describeError(error)}`);
  }
  const app = module.default ?? module.app;
  if (typeof app !== 'object' || app === null || Array.isArray(app) || isJobDefinition(app)) {
    return fail(`it must ${EXPECTED}; its default export is ${describe(app)}`);
  }
  const unknown = Object.keys(app).filter((key) => !APP_KEYS.includes(key));
  if (unknown.length > 0) {
    fail(
      `defineApp got unknown key ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: ${APP_KEYS.join(', ')}`,
    );
  }
  const { jobs = [] } = app as AppDefinition;
  if (!Array.isArray(jobs)) fail(`jobs must be a list of jobs made by defineJob(); got ${describe(jobs)}`);
  const problems = jobs
    .map((job, i) =>
      isJobDefinition(job) ? null : `jobs[${i}] is not made by defineJob(); got ${describe(job)}`,
    )
    .filter((p): p is string => p !== null);
  if (problems.length > 0) throw new ConfigError(`the app module ${path}`, problems);
  return { app: app as AppDefinition, exports: module };
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (isJobDefinition(value)) return `the job "${value.name}" (list it in defineApp({ jobs: [...] }))`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return JSON.stringify(value) ?? String(value);
}

/** "SyntaxError: Expression expected (at /app/jobs.ts:3)": where in the user's code it failed. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const at = /^\s*(?:at (?:.* \()?)?(?:file:\/\/)?(\/[^\s():]+:\d+(?::\d+)?)/m.exec(error.stack ?? '')?.[1];
  return `${error.name}: ${error.message}${at ? ` (at ${at})` : ''}`;
}
