import { Shigoto } from '../client/shigoto.ts';
import { loadApp } from '../config/app.ts';
import { backendFromConfig } from '../config/backend.ts';
import { loadConfig, type ShigotoConfig } from '../config/load.ts';
import { createConsoleLogger } from '../util/logger.ts';
import { createOutput, type Output } from './output.ts';

export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
}

export interface CommandContext {
  readonly config: ShigotoConfig;
  readonly shigoto: Shigoto;
  readonly out: Output;
}

/**
 * Opens the configured backend (migrated, so commands work on a fresh database) for one
 * command. `withApp` also loads the app module, for commands that need job definitions.
 */
export async function openContext(options: GlobalOptions, withApp = false): Promise<CommandContext> {
  const config = loadConfig({ path: options.config });
  const app = withApp ? await loadApp(config.appPath) : {};
  const logger = createConsoleLogger({ level: 'warn', format: config.logFormat });
  const shigoto = new Shigoto({
    ...app,
    backend: backendFromConfig(config),
    logger,
    maxPayloadBytes: config.maxPayloadBytes,
  });
  await shigoto.migrate();
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
