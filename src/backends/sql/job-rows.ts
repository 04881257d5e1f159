import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import type { Column } from './values.ts';

/** The jobs columns every enqueue writes. */
export const JOB_COLUMNS: readonly Column[] = [
  ['name', 'text'],
  ['queue', 'text'],
  ['priority', 'bigint'],
  ['args', 'text'],
  ['metadata', 'text'],
  ['state', 'text'],
  ['attempts', 'bigint'],
  ['enqueued_at', 'bigint'],
  ['run_at', 'bigint'],
];

/** The jobs columns of a job with controls, after JOB_COLUMNS (NULL for a plain job). */
export const CONTROL_COLUMNS: readonly Column[] = [
  ['expires_at', 'bigint'],
  ['concurrency_key', 'text'],
  ['concurrency_limit', 'bigint'],
  ['concurrency_duration', 'bigint'],
  ['unique_key', 'text'],
  ['unique_states', 'text'],
  ['serial_key', 'text'],
  ['serial_on_error', 'text'],
  ['task_id', 'text'],
];

/** Adds the queues jobs went to, where they are new. */
export async function registerQueues(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  queues: readonly string[],
  now: number,
): Promise<void> {
  const source = d.rowSource(['text', 'bigint']);
  await tx.run(
    d.insertIgnore(t.queues, 'name, created_at', `SELECT c0, c1 FROM ${source.sql} AS src WHERE true`),
    source.params([...new Set(queues)].map((queue) => [queue, now])),
  );
}
