import { z } from 'zod';
import { toMs } from '../util/duration.ts';
import { assertQueuePattern } from '../util/names.ts';

/**
 * The YAML configuration (snake_case keys, as Solid Queue's). Durations are seconds as a
 * number, or text such as "500ms", "5m", "1d"; they come out in milliseconds.
 * Every option has a default (src/runtime/defaults.ts).
 */
const duration = (what: string) =>
  z
    .union([z.number(), z.string()], {
      error: `${what}: expected seconds (a number) or a duration like "500ms", "5m"`,
    })
    .transform((value, ctx) => {
      try {
        return typeof value === 'number' ? toMs(value * 1000, what) : toMs(value, what);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

const positiveInt = (what: string) =>
  z
    .number({ error: `${what}: expected a positive whole number` })
    .int(`${what}: expected a positive whole number`)
    .positive(`${what}: expected a positive whole number`);

const queuePattern = z
  .string({ error: 'expected a queue name, "*" or "prefix*"' })
  .superRefine((value, ctx) => {
    try {
      assertQueuePattern(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

/** `queues: "critical, default"` or a list. */
const queueList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((q) => q.trim())
          .filter(Boolean)
      : value,
  )
  .pipe(z.array(queuePattern).min(1, 'list at least one queue (or "*")'));

export const workerSchema = z.strictObject({
  queues: queueList.optional(),
  threads: positiveInt('threads').optional(),
  processes: positiveInt('processes').optional(),
  polling_interval: duration('polling_interval').optional(),
  bulk_read_size: positiveInt('bulk_read_size').optional(),
});

export const dispatcherSchema = z.strictObject({
  polling_interval: duration('polling_interval').optional(),
  batch_size: positiveInt('batch_size').optional(),
  concurrency_maintenance_interval: duration('concurrency_maintenance_interval').optional(),
});

export const sqliteSchema = z.strictObject({
  adapter: z.literal('sqlite'),
  path: z.string().min(1).optional(),
  synchronous: z.enum(['normal', 'full']).optional(),
  table_prefix: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,30}$/, 'lowercase letters, digits and _')
    .optional(),
});

export const backendSchema = z.discriminatedUnion('adapter', [sqliteSchema], {
  error: 'backend.adapter: expected one of "sqlite"',
});

export const configSchema = z.strictObject({
  /** Module whose default export is defineApp({ jobs, hooks, ... }). */
  app: z.string().min(1).optional(),
  backend: backendSchema.optional(),
  workers: z.array(workerSchema).optional(),
  dispatchers: z.array(dispatcherSchema).optional(),
  process_heartbeat_interval: duration('process_heartbeat_interval').optional(),
  process_alive_threshold: duration('process_alive_threshold').optional(),
  shutdown_timeout: duration('shutdown_timeout').optional(),
  preserve_finished_jobs: z.boolean().optional(),
  clear_finished_jobs_after: duration('clear_finished_jobs_after').optional(),
  max_payload_bytes: positiveInt('max_payload_bytes').optional(),
  pidfile: z.union([z.string().min(1), z.literal(false)]).optional(),
  log_level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
  log_format: z.enum(['text', 'json']).optional(),
});

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
