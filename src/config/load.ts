import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../job/envelope.ts';
import { RUNTIME_DEFAULTS } from '../runtime/defaults.ts';
import type { LogFormat, LogLevel } from '../util/logger.ts';
import { describeIssues } from './errors.ts';
import { configSchema, type ParsedConfig } from './schema.ts';

export const DEFAULT_CONFIG_PATH = 'config/shigoto.yml';
export const DEFAULT_SQLITE_PATH = 'storage/shigoto.db';

export interface WorkerConfig {
  readonly queues: readonly string[];
  readonly threads: number;
  readonly processes: number;
  readonly pollingIntervalMs: number;
  readonly bulkReadSize: number;
}

export interface DispatcherConfig {
  readonly pollingIntervalMs: number;
  readonly batchSize: number;
  readonly concurrencyMaintenanceIntervalMs: number;
}

export interface SqliteConfig {
  readonly adapter: 'sqlite';
  readonly path: string;
  readonly synchronous: 'normal' | 'full';
  readonly tablePrefix: string;
}

/** The configuration after defaults, env overrides and path resolution. */
export interface ShigotoConfig {
  /** The file it came from, or null when only defaults and env were used. */
  readonly source: string | null;
  readonly appPath: string | null;
  readonly backend: SqliteConfig;
  readonly workers: readonly WorkerConfig[];
  readonly dispatchers: readonly DispatcherConfig[];
  readonly processHeartbeatIntervalMs: number;
  readonly processAliveThresholdMs: number;
  readonly shutdownTimeoutMs: number;
  readonly preserveFinishedJobs: boolean;
  readonly clearFinishedJobsAfterMs: number;
  readonly maxPayloadBytes: number;
  readonly pidfile: string | null;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

export interface LoadOptions {
  /** Explicit path (-c): must exist. Without it, config/shigoto.yml is used if present. */
  readonly path?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Top-level keys that an environment variable SHIGOTO_<KEY> may override. */
const ENV_KEYS = [
  'app',
  'process_heartbeat_interval',
  'process_alive_threshold',
  'shutdown_timeout',
  'preserve_finished_jobs',
  'clear_finished_jobs_after',
  'max_payload_bytes',
  'pidfile',
  'log_level',
  'log_format',
] as const;

export function loadConfig(options: LoadOptions = {}): ShigotoConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env.SHIGOTO_CONFIG;
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_PATH);
  let raw: unknown = {};
  let source: string | null = null;
  if (existsSync(path)) {
    source = path;
    raw = readYaml(path);
  } else if (explicit) {
    throw new ConfigError(path, ['the file does not exist']);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source ?? 'configuration', [
      'expected a mapping of keys (like "workers:") at the top level',
    ]);
  }
  const { merged, envSources } = applyEnv(raw as Record<string, unknown>, env);
  const result = configSchema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(source ?? 'environment', describeIssues(result.error.issues, envSources));
  }
  // Relative paths are from the directory shigoto runs in (the project root), as in Rails.
  return resolveConfig(result.data, source, (p) => (isAbsolute(p) ? p : resolve(cwd, p)));
}

function readYaml(path: string): unknown {
  try {
    // The core schema: plain data only, no custom tags.
    return parseYaml(readFileSync(path, 'utf8'), { schema: 'core', prettyErrors: true });
  } catch (error) {
    throw new ConfigError(path, [`not valid YAML: ${(error as Error).message}`]);
  }
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const merged: Record<string, unknown> = { ...raw };
  const envSources = new Map<string, string>();
  for (const key of ENV_KEYS) {
    const name = `SHIGOTO_${key.toUpperCase()}`;
    const value = env[name];
    if (value === undefined || value === '') continue;
    merged[key] = envValue(value);
    envSources.set(key, name);
  }
  const url = env.SHIGOTO_DATABASE_URL;
  if (url) {
    merged.backend = backendFromUrl(url);
    envSources.set('backend', 'SHIGOTO_DATABASE_URL');
  }
  return { merged, envSources };
}

function envValue(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/** `sqlite:path/to/file.db` or `sqlite:///absolute/path.db`. */
function backendFromUrl(url: string): unknown {
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(url);
  if (sqlite) return { adapter: 'sqlite', path: sqlite[1] };
  throw new ConfigError('SHIGOTO_DATABASE_URL', [
    `unsupported URL ${JSON.stringify(url)}; expected sqlite:<path>`,
  ]);
}

function resolveConfig(c: ParsedConfig, source: string | null, path: (p: string) => string): ShigotoConfig {
  const d = RUNTIME_DEFAULTS;
  const workers = c.workers ?? [{}];
  const dispatchers = c.dispatchers ?? [{}];
  return {
    source,
    appPath: c.app ? path(c.app) : null,
    backend: {
      adapter: 'sqlite',
      path: c.backend?.path === ':memory:' ? ':memory:' : path(c.backend?.path ?? DEFAULT_SQLITE_PATH),
      synchronous: c.backend?.synchronous ?? 'normal',
      tablePrefix: c.backend?.table_prefix ?? 'shigoto_',
    },
    workers: workers.map((w) => ({
      queues: w.queues ?? d.worker.queues,
      threads: w.threads ?? d.worker.threads,
      processes: w.processes ?? d.worker.processes,
      pollingIntervalMs: w.polling_interval ?? d.worker.pollingIntervalMs,
      bulkReadSize: w.bulk_read_size ?? d.worker.bulkReadSize,
    })),
    dispatchers: dispatchers.map((x) => ({
      pollingIntervalMs: x.polling_interval ?? d.dispatcher.pollingIntervalMs,
      batchSize: x.batch_size ?? d.dispatcher.batchSize,
      concurrencyMaintenanceIntervalMs:
        x.concurrency_maintenance_interval ?? d.dispatcher.concurrencyMaintenanceIntervalMs,
    })),
    processHeartbeatIntervalMs: c.process_heartbeat_interval ?? d.processHeartbeatIntervalMs,
    processAliveThresholdMs: c.process_alive_threshold ?? d.processAliveThresholdMs,
    shutdownTimeoutMs: c.shutdown_timeout ?? d.shutdownTimeoutMs,
    preserveFinishedJobs: c.preserve_finished_jobs ?? true,
    clearFinishedJobsAfterMs: c.clear_finished_jobs_after ?? d.clearFinishedJobsAfterMs,
    maxPayloadBytes: c.max_payload_bytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    pidfile: c.pidfile === false ? null : path(c.pidfile ?? 'tmp/pids/shigoto.pid'),
    logLevel: c.log_level ?? 'info',
    logFormat: c.log_format ?? 'text',
  };
}
