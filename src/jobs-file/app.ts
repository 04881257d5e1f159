import { type LoadedApp, loadAppModule } from '../config/app.ts';
import type { ShigotoConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { jobsFilePath, loadJobsFile } from './load.ts';

/** The app module with the jobs of the job definitions file added. */
export interface ServiceApp extends LoadedApp {
  /** The job definitions file read, or null when there is none. */
  readonly jobsFile: string | null;
}

/**
 * Loads the app module (`app:`) and the job definitions file: the -j option's (`path`), else
 * jobs_file / $SHIGOTO_JOBS_FILE, else config/jobs.yml when it exists. A job of the file named
 * like one of the app's is a ConfigError.
 */
export async function loadServiceApp(
  config: Pick<ShigotoConfig, 'appPath' | 'jobsFile' | 'allowJobScripts'>,
  path?: string,
): Promise<ServiceApp> {
  const loaded = await loadAppModule(config.appPath);
  const file = jobsFilePath({
    path: path ?? config.jobsFile,
    namedBy: path !== undefined ? 'the -j option' : 'jobs_file or $SHIGOTO_JOBS_FILE',
  });
  if (file === null) return { ...loaded, jobsFile: null };
  const fileJobs = await loadJobsFile(file, {
    allowScripts: config.allowJobScripts,
    exports: loaded.exports,
  });
  const appJobs = loaded.app.jobs ?? [];
  const taken = new Set(appJobs.map((job) => job.name));
  const clashes = fileJobs.filter((job) => taken.has(job.name));
  if (clashes.length > 0) {
    throw new ConfigError(
      file,
      clashes.map((job) => `${job.name}: the app module defines a job with this name too; rename one`),
    );
  }
  return { ...loaded, app: { ...loaded.app, jobs: [...appJobs, ...fileJobs] }, jobsFile: file };
}
