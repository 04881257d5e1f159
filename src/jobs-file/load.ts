import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readYamlFile } from '../config/yaml.ts';
import { ConfigError } from '../errors.ts';
import { type AnyJob, defineJob, type JobContext } from '../job/define.ts';
import type { Logger } from '../util/logger.ts';
import { checkEntry, type JobEntry } from './entry-schema.ts';

/** Read when it exists; -j, $SHIGOTO_JOBS_FILE or jobs_file name another file, which must exist. */
export const DEFAULT_JOBS_FILE = 'config/jobs.yml';

export interface JobsFileOptions {
  /** The file named by -j, $SHIGOTO_JOBS_FILE or jobs_file (resolved); undefined: the default. */
  readonly path?: string | null | undefined;
  /** What named it, for the error when it does not exist. */
  readonly namedBy?: string;
  /** allow_job_scripts: inline `script:` entries run (trusted code, not a sandbox). */
  readonly allowScripts: boolean;
  /** The app module's exports: `app` in scripts (the shared context). */
  readonly exports: Readonly<Record<string, unknown>>;
  readonly cwd?: string;
}

/** What a script sees as `task`: the seed's task variable. */
export interface ScriptTask {
  /** null when the job was enqueued directly rather than published to a topic. */
  readonly id: string | null;
  readonly topic: string | null;
  readonly content: unknown;
}

type Script = (task: ScriptTask, logger: Logger, ctx: JobContext, app: unknown) => Promise<unknown>;
const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => Script;

/**
 * The absolute path of the job definitions file to read, or null: no file named and no
 * config/jobs.yml. A named file that does not exist is a ConfigError.
 */
export function jobsFilePath(options: Pick<JobsFileOptions, 'path' | 'namedBy' | 'cwd'>): string | null {
  const cwd = options.cwd ?? process.cwd();
  const path = resolve(cwd, options.path ?? DEFAULT_JOBS_FILE);
  if (existsSync(path)) return path;
  if (options.path === undefined || options.path === null) return null;
  throw new ConfigError(path, [
    `the file does not exist (named by ${options.namedBy ?? 'jobs_file'}; relative to ${cwd})`,
  ]);
}

/**
 * Loads the jobs of a job definitions file (the seed's YAML: a list of `name`, `topics` and
 * the code, a module export or, when allowed, an inline script). Every mistake in the file is
 * one ConfigError naming the file, the entry and the key.
 */
export async function loadJobsFile(path: string, options: JobsFileOptions): Promise<AnyJob[]> {
  const raw = readYamlFile(path);
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) {
    throw new ConfigError(path, [
      `the file holds ${JSON.stringify(raw)?.slice(0, 60)}; expected a list of jobs, each starting with "- name:"`,
    ]);
  }
  const problems: string[] = [];
  const entries: JobEntry[] = [];
  const seen = new Set<string>();
  raw.forEach((item, index) => {
    const check = checkEntry(item, index, options.allowScripts);
    problems.push(...check.problems);
    if (!check.entry) return;
    if (seen.has(check.entry.name)) problems.push(`${check.entry.where}.name: another entry has this name`);
    seen.add(check.entry.name);
    entries.push(check.entry);
  });
  const jobs: AnyJob[] = [];
  for (const entry of entries) {
    try {
      jobs.push(toJob(entry, await performOf(entry, options)));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new ConfigError(path, problems);
  return jobs;
}

type Perform = (content: unknown, ctx: JobContext) => unknown;

/** The entry's code: the module's export, or the script compiled once (syntax errors now). */
async function performOf(entry: JobEntry, options: JobsFileOptions): Promise<Perform> {
  const { code, where } = entry;
  if (code.kind === 'script') {
    let script: Script;
    try {
      script = new AsyncFunction('task', 'logger', 'ctx', 'app', code.script);
    } catch (error) {
      throw new Error(`${where}.script: ${(error as Error).name}: ${(error as Error).message}`);
    }
    return (content, ctx) => {
      const task = { id: ctx.task?.id ?? null, topic: ctx.task?.topic ?? null, content };
      return script(task, ctx.logger, ctx, options.exports);
    };
  }
  const file = resolve(options.cwd ?? process.cwd(), code.module);
  if (!existsSync(file)) {
    throw new Error(`${where}.module: ${code.module} does not exist (relative to where shigoto runs)`);
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${where}.module: importing ${code.module} failed with ${(error as Error).message}`);
  }
  const fn = Object.hasOwn(module, code.export) ? module[code.export] : undefined;
  if (typeof fn !== 'function') {
    const functions = Object.keys(module).filter((key) => typeof module[key] === 'function');
    throw new Error(
      `${where}.export: ${code.module} exports no function "${code.export}" (its functions: ${functions.join(', ') || 'none'})`,
    );
  }
  return fn as Perform;
}

function toJob(entry: JobEntry, perform: Perform): AnyJob {
  return defineJob<unknown, unknown>({
    name: entry.name,
    topics: entry.topics,
    perform,
    ...(entry.queue !== null && { queue: entry.queue }),
    ...(entry.priority !== null && { priority: entry.priority }),
    ...(entry.timeoutMs !== null && { timeout: entry.timeoutMs }),
    ...(entry.lifecycleEvents !== null && { lifecycleEvents: entry.lifecycleEvents }),
  }) as AnyJob;
}
