import { z } from 'zod';
import { isValidSchemaName, SCHEMA_NAME_RULE } from '../backends/postgres/index.ts';
import { secondsOrDurationToMs } from '../util/duration.ts';
import { compileFilterPattern } from '../util/filter.ts';
import { assertQueuePattern, NAME_PATTERN } from '../util/names.ts';

/**
 * The YAML configuration (snake_case keys, as Solid Queue's). Durations are seconds as a
 * number, or text such as "500ms", "5m", "1d"; they come out in milliseconds. Each schema's
 * `error` says what is allowed: errors.ts prints it after the key and the value found.
 * Defaults are applied later (defaults.ts), so every key here is optional.
 */
const DURATION_EXAMPLES = 'or a duration like "500ms", "30s", "5m", "1h"';

/** `min` 0 allows zero (a shutdown timeout may be 0); intervals must be above zero. */
const duration = (min: 0 | 'above zero') => {
  const allowed =
    min === 0
      ? `seconds (a number >= 0) ${DURATION_EXAMPLES}`
      : `seconds (a number > 0) ${DURATION_EXAMPLES}`;
  return z.union([z.number(), z.string()], { error: allowed }).transform((value, ctx) => {
    try {
      const ms = secondsOrDurationToMs(value, 'duration');
      if (min === 0 || ms > 0) return ms;
    } catch {
      // reported below with what is allowed
    }
    ctx.addIssue({ code: 'custom', message: allowed });
    return z.NEVER;
  });
};

const positiveInt = () => {
  const error = 'a whole number >= 1';
  return z.number({ error }).int({ error }).positive({ error });
};

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });

const QUEUE_PATTERN = 'a queue name (1-128 characters from A-Z a-z 0-9 _ . : -), "*" or "prefix*"';

const queuePattern = z.string({ error: QUEUE_PATTERN }).refine(
  (value) => {
    try {
      assertQueuePattern(value);
      return true;
    } catch {
      return false;
    }
  },
  { error: QUEUE_PATTERN },
);

/** `queues: [critical, default]` or `queues: "critical, default"`. */
const queueList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((q) => q.trim())
          .filter(Boolean)
      : value,
  z
    .array(queuePattern, { error: 'a list of queue names, "*" or "prefix*" (or one comma-separated string)' })
    .min(1, { error: 'at least one queue name, or "*" for every queue' }),
);

const mapping = (what: string) => ({ error: `a mapping of ${what} (key: value lines)` });

export const workerSchema = z.strictObject(
  {
    queues: queueList.optional(),
    threads: positiveInt().optional(),
    processes: positiveInt().optional(),
    polling_interval: duration('above zero').optional(),
    bulk_read_size: positiveInt().optional(),
  },
  mapping('worker settings'),
);

export const dispatcherSchema = z.strictObject(
  {
    polling_interval: duration('above zero').optional(),
    batch_size: positiveInt().optional(),
    concurrency_maintenance_interval: duration('above zero').optional(),
    concurrency_maintenance: z.boolean({ error: 'true or false' }).optional(),
  },
  mapping('dispatcher settings'),
);

export const queueSettingsSchema = z
  .strictObject(
    {
      max_size: positiveInt().optional(),
      serialized: z.boolean({ error: 'true or false' }).optional(),
      on_error: oneOf(['stop', 'continue']).optional(),
    },
    mapping('queue settings (max_size, serialized, on_error)'),
  )
  .refine((q) => q.on_error === undefined || q.serialized === true, {
    error: 'serialized: true next to it (on_error applies only to serialized queues)',
    path: ['on_error'],
  });

const QUEUE_NAME = 'a queue name (1-128 characters from A-Z a-z 0-9 _ . : -)';

/** `queues: { mail: { max_size: 1000 }, ledger: { serialized: true, on_error: stop } }`: settings per queue name. */
const queueSettings = z.record(
  z.string().refine((name) => NAME_PATTERN.test(name), { error: QUEUE_NAME }),
  queueSettingsSchema,
  mapping('queue names to their settings'),
);

export const schedulerSchema = z.strictObject(
  {
    enabled: z.boolean({ error: 'true or false' }).optional(),
    recurring_schedule_file: z
      .string({ error: 'the path of the recurring tasks file' })
      .min(1, { error: 'the path of the recurring tasks file' })
      .optional(),
  },
  mapping('scheduler settings'),
);

export const sqliteSchema = z.strictObject(
  {
    adapter: z.literal('sqlite'),
    path: z
      .string({ error: 'a file path, or ":memory:"' })
      .min(1, { error: 'a file path, or ":memory:"' })
      .optional(),
    synchronous: oneOf(['normal', 'full']).optional(),
    table_prefix: z
      .string({ error: 'a table name prefix' })
      .regex(/^[a-z][a-z0-9_]{0,30}$/, {
        error: 'a lowercase letter, then up to 30 lowercase letters, digits and _ (like "shigoto_")',
      })
      .optional(),
  },
  mapping('backend settings'),
);

const POSTGRES_URL = 'a postgres:// URL (like postgres://user:password@db.example.com:5432/app)';

export const postgresSchema = z.strictObject(
  {
    adapter: z.literal('postgres'),
    url: z
      .string({ error: POSTGRES_URL })
      .regex(/^postgres(ql)?:\/\/./, { error: POSTGRES_URL })
      .optional(),
    schema: z
      .string({ error: SCHEMA_NAME_RULE })
      .refine(isValidSchemaName, { error: SCHEMA_NAME_RULE })
      .optional(),
    pool_size: positiveInt().optional(),
    query_timeout: duration('above zero').optional(),
  },
  mapping('backend settings'),
);

export const backendSchema = z.discriminatedUnion('adapter', [sqliteSchema, postgresSchema], {
  // A bad or missing adapter is a union issue at backend.adapter; a non-mapping is a type issue.
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'one of "sqlite", "postgres"'
      : 'a mapping with adapter: sqlite or postgres and its settings',
});

const listOf = (what: string) => ({ error: `a list of ${what}, each starting with "- "` });

export const configSchema = z.strictObject(
  {
    /** Module whose default export is defineApp({ jobs, hooks, ... }). */
    app: z
      .string({ error: 'the path of the app module' })
      .min(1, { error: 'the path of the app module' })
      .optional(),
    backend: backendSchema.optional(),
    workers: z.array(workerSchema, listOf('worker settings')).optional(),
    dispatchers: z.array(dispatcherSchema, listOf('dispatcher settings')).optional(),
    scheduler: schedulerSchema.optional(),
    process_heartbeat_interval: duration('above zero').optional(),
    process_alive_threshold: duration('above zero').optional(),
    shutdown_timeout: duration(0).optional(),
    preserve_finished_jobs: z.boolean({ error: 'true or false' }).optional(),
    clear_finished_jobs_after: duration(0).optional(),
    max_payload_bytes: positiveInt().optional(),
    max_queue_size: positiveInt().optional(),
    queues: queueSettings.optional(),
    default_concurrency_control_period: duration('above zero').optional(),
    pidfile: z
      .union([z.string().min(1), z.literal(false)], { error: 'a file path, or false for no pidfile' })
      .optional(),
    /** config/jobs.yml by default (docs/topics.md). */
    jobs_file: z
      .string({ error: 'the path of the job definitions file' })
      .min(1, { error: 'the path of the job definitions file' })
      .optional(),
    allow_job_scripts: z.boolean({ error: 'true or false' }).optional(),
    task_expire: duration('above zero').optional(),
    lifecycle_events: z.boolean({ error: 'true or false' }).optional(),
    log_level: oneOf(['debug', 'info', 'warn', 'error', 'silent']).optional(),
    log_format: oneOf(['text', 'json']).optional(),
    filter_arguments: z
      .array(
        z.string().min(1).refine(isPattern, { error: 'a key fragment or a valid /regular expression/' }),
        {
          error: 'a list of key fragments or /regular expressions/',
        },
      )
      .optional(),
  },
  mapping('settings'),
);

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

function isPattern(text: string): boolean {
  try {
    compileFilterPattern(text);
    return true;
  } catch {
    return false;
  }
}
