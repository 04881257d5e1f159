/** The logging surface Shigoto uses; pino, winston and console-like loggers can be adapted in one line. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'text' | 'json';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Writes one line per entry to stderr (so `--json` output on stdout stays clean). */
export function createConsoleLogger(
  options: { level?: LogLevel; format?: LogFormat; context?: Record<string, unknown> } = {},
): Logger {
  const min = RANK[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const context = options.context ?? {};
  const write = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < min) return;
    const all = { ...context, ...fields };
    if (format === 'json') {
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...all }, errorReplacer)}\n`,
      );
      return;
    }
    const extras = Object.entries(all)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    process.stderr.write(
      `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${extras ? ` ${extras}` : ''}\n`,
    );
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value, errorReplacer) ?? String(value);
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Adds fixed fields to every entry. */
export function childLogger(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (m, f) => logger.debug(m, { ...fields, ...f }),
    info: (m, f) => logger.info(m, { ...fields, ...f }),
    warn: (m, f) => logger.warn(m, { ...fields, ...f }),
    error: (m, f) => logger.error(m, { ...fields, ...f }),
  };
}
