import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { AppDefinition } from '../client/shigoto.ts';
import { ConfigError } from '../errors.ts';
import { isJobDefinition } from '../job/define.ts';

/**
 * Imports the app module named by `app:` and checks its default export
 * (defineApp({ jobs, hooks, middleware, codecs })).
 */
export async function loadApp(path: string | null): Promise<AppDefinition> {
  if (path === null) return {};
  if (!existsSync(path)) throw new ConfigError('app', [`the app module ${path} does not exist`]);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError('app', [`the app module ${path} failed to load: ${(error as Error).message}`]);
  }
  const app = (module.default ?? module.app) as AppDefinition | undefined;
  if (!app || typeof app !== 'object') {
    throw new ConfigError('app', [`${path} must export default defineApp({ jobs: [...] })`]);
  }
  const problems = (app.jobs ?? [])
    .map((job, i) => (isJobDefinition(job) ? null : `jobs[${i}] in ${path} is not made by defineJob()`))
    .filter((p): p is string => p !== null);
  if (problems.length > 0) throw new ConfigError('app', problems);
  return app;
}
