import type { AppDefinition } from '../client/shigoto.ts';
import { Shigoto } from '../client/shigoto.ts';
import { backendFromConfig } from '../config/backend.ts';
import { clientSettings } from '../config/client.ts';
import { loadConfig, type ShigotoConfig } from '../config/load.ts';
import { loadServiceApp } from '../jobs-file/app.ts';
import { createConsoleLogger, type Logger } from '../util/logger.ts';
import { createOutput, type Output } from './output.ts';

export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
  /** A command's -j/--jobs-file: the job definitions file (else jobs_file, else config/jobs.yml). */
  readonly jobsFile?: string;
}

export interface CommandContext {
  readonly config: ShigotoConfig;
  readonly shigoto: Shigoto;
  readonly out: Output;
}

/** A client on the configured backend with the app's jobs, migrated so it works on a fresh database. */
export async function createClient(
  config: ShigotoConfig,
  app: AppDefinition,
  logger: Logger,
): Promise<Shigoto> {
  const shigoto = new Shigoto({
    ...app,
    backend: backendFromConfig(config),
    logger,
    ...clientSettings(config),
  });
  try {
    await shigoto.migrate();
  } catch (error) {
    await shigoto.close();
    throw error;
  }
  return shigoto;
}

/**
 * Opens the configured backend for one command. `withApp` also loads the app module and the
 * job definitions file, for commands that need job definitions. Commands log only warnings, on stderr.
 */
export async function openContext(options: GlobalOptions, withApp = false): Promise<CommandContext> {
  const config = loadConfig({ path: options.config });
  const app = withApp ? (await loadServiceApp(config, options.jobsFile)).app : {};
  const logger = createConsoleLogger({ level: 'warn', format: config.logFormat });
  const shigoto = await createClient(config, app, logger);
  return { config, shigoto, out: createOutput(options.json ?? false) };
}

/** Runs `fn` with an open context and always closes the backend. */
export async function withContext<T>(
  options: GlobalOptions,
  fn: (ctx: CommandContext) => Promise<T>,
  withApp = false,
): Promise<T> {
  const ctx = await openContext(options, withApp);
  try {
    return await fn(ctx);
  } finally {
    await ctx.shigoto.close();
  }
}
