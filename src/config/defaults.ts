import { POSTGRES_DEFAULTS } from '../backends/postgres/index.ts';
import { SQLITE_DEFAULTS } from '../backends/sqlite/index.ts';
import { CONTROL_DEFAULTS } from '../job/controls.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../job/envelope.ts';
import { DEFAULT_TASK_EXPIRE_MS } from '../job/topics.ts';
import { RUNTIME_DEFAULTS } from '../runtime/defaults.ts';
import { DEFAULT_FILTER_PATTERNS } from '../util/filter.ts';
import type { LogFormat, LogLevel } from '../util/logger.ts';

/**
 * The value of every configuration key that a file and the environment leave out
 * (docs/configuration.md lists them). Runtime timings come from RUNTIME_DEFAULTS and the
 * SQLite settings from SQLITE_DEFAULTS, so the library and the CLI agree.
 */
export const CONFIG_DEFAULTS = {
  /** Read when it exists; -c or SHIGOTO_CONFIG name another file, which must exist. */
  configPath: 'config/shigoto.yml',
  backend: {
    adapter: 'sqlite',
    path: 'storage/shigoto.db',
    synchronous: SQLITE_DEFAULTS.synchronous,
    tablePrefix: SQLITE_DEFAULTS.tablePrefix,
  },
  /** With adapter: postgres. Without a url, pg reads PGHOST, PGUSER, ... (libpq's variables). */
  postgres: {
    schema: POSTGRES_DEFAULTS.schema,
    poolSize: POSTGRES_DEFAULTS.poolSize,
    queryTimeoutMs: POSTGRES_DEFAULTS.queryTimeoutMs,
  },
  worker: RUNTIME_DEFAULTS.worker,
  dispatcher: RUNTIME_DEFAULTS.dispatcher,
  /** A scheduler runs when the recurring tasks file has tasks (config/recurring.yml by default). */
  scheduler: { enabled: true },
  processHeartbeatIntervalMs: RUNTIME_DEFAULTS.processHeartbeatIntervalMs,
  processAliveThresholdMs: RUNTIME_DEFAULTS.processAliveThresholdMs,
  shutdownTimeoutMs: RUNTIME_DEFAULTS.shutdownTimeoutMs,
  /** Solid Queue's default: finished jobs stay visible until clear_finished_jobs_after. */
  preserveFinishedJobs: true,
  clearFinishedJobsAfterMs: RUNTIME_DEFAULTS.clearFinishedJobsAfterMs,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  /** No cap on waiting jobs unless max_queue_size or queues.<name>.max_size says so. */
  maxQueueSize: null,
  defaultConcurrencyControlPeriodMs: CONTROL_DEFAULTS.concurrencyDurationMs,
  pidfile: 'tmp/pids/shigoto.pid',
  /** Inline scripts in the job definitions file are trusted code: off unless the operator says so. */
  allowJobScripts: false,
  /** The seed's 10 seconds. */
  taskExpireMs: DEFAULT_TASK_EXPIRE_MS,
  lifecycleEvents: false,
  logLevel: 'info' as LogLevel,
  logFormat: 'text' as LogFormat,
  filterArguments: DEFAULT_FILTER_PATTERNS,
} as const;
