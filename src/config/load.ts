import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { LogFormat, LogLevel } from '../util/logger.ts';
import { CONFIG_DEFAULTS } from './defaults.ts';
import { applyEnv } from './env.ts';
import { describeIssues, fallbackMessages } from './errors.ts';
import { configSchema, type ParsedConfig } from './schema.ts';
import { readYamlFile } from './yaml.ts';

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
  /** false: this dispatcher leaves concurrency maintenance to others. */
  readonly concurrencyMaintenance: boolean;
}

export interface SchedulerConfig {
  /** false: this service runs no scheduler, whatever the recurring tasks file holds. */
  readonly enabled: boolean;
  /** scheduler.recurring_schedule_file, resolved; null: $SHIGOTO_RECURRING_SCHEDULE, else config/recurring.yml. */
  readonly recurringScheduleFile: string | null;
}

export interface SqliteConfig {
  readonly adapter: 'sqlite';
  readonly path: string;
  readonly synchronous: 'normal' | 'full';
  readonly tablePrefix: string;
}

export interface PostgresConfig {
  readonly adapter: 'postgres';
  /** postgres://...; null: pg reads PGHOST, PGUSER, PGPASSWORD, ... */
  readonly url: string | null;
  readonly schema: string;
  readonly poolSize: number;
  /** How long a statement may go unanswered before its connection is given up for lost. */
  readonly queryTimeoutMs: number;
  /** Only SQLite has a file (so `backend.path` reads as undefined here). */
  readonly path?: undefined;
}

export type BackendConfig = SqliteConfig | PostgresConfig;

/** One queue's settings (queues.<name>). */
export interface QueueConfig {
  /** Most waiting jobs; null: no limit. */
  readonly maxSize: number | null;
  /** Its jobs run one at a time in enqueue order (docs/serialized-queues.md). */
  readonly serialized: boolean;
  /** A serialized queue's answer to a job failing past its retries. */
  readonly onError: 'stop' | 'continue';
}

/** The configuration after defaults, env overrides and path resolution. */
export interface ShigotoConfig {
  /** The file it came from, or null when only defaults and env were used. */
  readonly source: string | null;
  readonly appPath: string | null;
  readonly backend: BackendConfig;
  readonly workers: readonly WorkerConfig[];
  readonly dispatchers: readonly DispatcherConfig[];
  /** The scheduler of recurring tasks (docs/recurring.md). */
  readonly scheduler: SchedulerConfig;
  readonly processHeartbeatIntervalMs: number;
  readonly processAliveThresholdMs: number;
  readonly shutdownTimeoutMs: number;
  readonly preserveFinishedJobs: boolean;
  readonly clearFinishedJobsAfterMs: number;
  readonly maxPayloadBytes: number;
  /** Most waiting jobs in all queues together; null: no limit. */
  readonly maxQueueSize: number | null;
  /** Per-queue settings by queue name. */
  readonly queues: Readonly<Record<string, QueueConfig>>;
  /** How long a concurrency slot is held at most when a job sets no duration. */
  readonly defaultConcurrencyControlPeriodMs: number;
  readonly pidfile: string | null;
  /** jobs_file, resolved; null: config/jobs.yml when it exists (docs/topics.md). */
  readonly jobsFile: string | null;
  /** Inline `script:` entries of the job definitions file may run (trusted code, not a sandbox). */
  readonly allowJobScripts: boolean;
  /** How long a task's executions may wait to start before they expire. */
  readonly taskExpireMs: number;
  /** Job state changes are published on the Job.* topics. */
  readonly lifecycleEvents: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Argument keys whose values are hidden wherever arguments are shown. */
  readonly filterArguments: readonly string[];
}

export interface LoadOptions {
  /** Explicit path (-c): must exist, as must $SHIGOTO_CONFIG. Without both, config/shigoto.yml is read if present. */
  readonly path?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): ShigotoConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const named = options.path !== undefined ? '-c' : env.SHIGOTO_CONFIG ? 'SHIGOTO_CONFIG' : null;
  const path = resolve(cwd, options.path ?? env.SHIGOTO_CONFIG ?? CONFIG_DEFAULTS.configPath);
  let raw: unknown = {};
  let source: string | null = null;
  if (existsSync(path)) {
    source = path;
    raw = readYamlFile(path) ?? {};
  } else if (named) {
    throw new ConfigError(path, [`the file does not exist (named by ${named}; relative to ${cwd})`]);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(path, [
      `the file holds ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}; expected a mapping of keys (like "workers:") at the top level`,
    ]);
  }
  const { merged, envSources } = applyEnv(raw as Record<string, unknown>, env);
  const result = configSchema.safeParse(merged, { reportInput: true, error: fallbackMessages });
  const where = source ?? 'the environment (no configuration file)';
  if (!result.success) throw new ConfigError(where, describeIssues(result.error.issues, merged, envSources));
  // Relative paths are from the directory shigoto runs in (the project root), as in Rails.
  const config = resolveConfig(result.data, source, (p) => (isAbsolute(p) ? p : resolve(cwd, p)));
  checkTimings(config, where);
  return config;
}

/** A process whose heartbeat is not seen within the threshold is pruned and its jobs run again. */
function checkTimings(config: ShigotoConfig, where: string): void {
  if (config.processAliveThresholdMs > config.processHeartbeatIntervalMs) return;
  const seconds = (ms: number) => `${ms / 1000} s`;
  throw new ConfigError(where, [
    `process_alive_threshold (${seconds(config.processAliveThresholdMs)}) must be longer than ` +
      `process_heartbeat_interval (${seconds(config.processHeartbeatIntervalMs)}), or live processes are ` +
      'pruned and their running jobs run again; the defaults are 300 and 60 seconds',
  ]);
}

function resolveBackend(b: ParsedConfig['backend'], path: (p: string) => string): BackendConfig {
  const d = CONFIG_DEFAULTS;
  if (b?.adapter === 'postgres') {
    return {
      adapter: 'postgres',
      url: b.url ?? null,
      schema: b.schema ?? d.postgres.schema,
      poolSize: b.pool_size ?? d.postgres.poolSize,
      queryTimeoutMs: b.query_timeout ?? d.postgres.queryTimeoutMs,
    };
  }
  const dbPath = b?.path ?? d.backend.path;
  return {
    adapter: 'sqlite',
    path: dbPath === ':memory:' ? dbPath : path(dbPath),
    synchronous: b?.synchronous ?? d.backend.synchronous,
    tablePrefix: b?.table_prefix ?? d.backend.tablePrefix,
  };
}

function resolveConfig(c: ParsedConfig, source: string | null, path: (p: string) => string): ShigotoConfig {
  const d = CONFIG_DEFAULTS;
  const workers = c.workers ?? [{}];
  const dispatchers = c.dispatchers ?? [{}];
  return {
    source,
    appPath: c.app ? path(c.app) : null,
    backend: resolveBackend(c.backend, path),
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
      concurrencyMaintenance: x.concurrency_maintenance ?? d.dispatcher.concurrencyMaintenance,
    })),
    scheduler: {
      enabled: c.scheduler?.enabled ?? d.scheduler.enabled,
      recurringScheduleFile: c.scheduler?.recurring_schedule_file
        ? path(c.scheduler.recurring_schedule_file)
        : null,
    },
    processHeartbeatIntervalMs: c.process_heartbeat_interval ?? d.processHeartbeatIntervalMs,
    processAliveThresholdMs: c.process_alive_threshold ?? d.processAliveThresholdMs,
    shutdownTimeoutMs: c.shutdown_timeout ?? d.shutdownTimeoutMs,
    preserveFinishedJobs: c.preserve_finished_jobs ?? d.preserveFinishedJobs,
    clearFinishedJobsAfterMs: c.clear_finished_jobs_after ?? d.clearFinishedJobsAfterMs,
    maxPayloadBytes: c.max_payload_bytes ?? d.maxPayloadBytes,
    maxQueueSize: c.max_queue_size ?? d.maxQueueSize,
    queues: Object.fromEntries(
      Object.entries(c.queues ?? {}).map(([name, q]) => [
        name,
        { maxSize: q.max_size ?? null, serialized: q.serialized ?? false, onError: q.on_error ?? 'stop' },
      ]),
    ),
    defaultConcurrencyControlPeriodMs:
      c.default_concurrency_control_period ?? d.defaultConcurrencyControlPeriodMs,
    pidfile: c.pidfile === false ? null : path(c.pidfile ?? d.pidfile),
    jobsFile: c.jobs_file ? path(c.jobs_file) : null,
    allowJobScripts: c.allow_job_scripts ?? d.allowJobScripts,
    taskExpireMs: c.task_expire ?? d.taskExpireMs,
    lifecycleEvents: c.lifecycle_events ?? d.lifecycleEvents,
    logLevel: c.log_level ?? d.logLevel,
    logFormat: c.log_format ?? d.logFormat,
    filterArguments: c.filter_arguments ?? d.filterArguments,
  };
}
