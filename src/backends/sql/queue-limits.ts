import type { QueueLimits } from '../../backend/types.ts';
import { QueueFullError } from '../../errors.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';

/** Semaphore keys serializing enqueues under a size limit ("*" never starts a concurrency key). */
const TOTAL_KEY = '*queues';
const queueKey = (queue: string) => `*queue:${queue}`;

export function hasQueueLimits(limits: QueueLimits | undefined): boolean {
  return limits?.total !== undefined || Object.keys(limits?.perQueue ?? {}).length > 0;
}

/** The semaphore keys to lock before counting the queues these jobs go to. */
export function queueLimitKeys(queues: readonly string[], limits: QueueLimits | undefined): string[] {
  const keys = [...new Set(queues)].filter((q) => limits?.perQueue?.[q] !== undefined).map(queueKey);
  return limits?.total === undefined ? keys : [...keys, TOTAL_KEY];
}

/**
 * Raises QueueFullError if adding jobs to `queues` (one entry per job) would take a queue, or all
 * queues together, past its limit. Run it with queueLimitKeys locked, so that enqueues racing on
 * a queue count one after the other.
 */
export async function checkQueueLimits(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  queues: readonly string[],
  limits: QueueLimits | undefined,
): Promise<void> {
  if (queues.length === 0) return;
  const adding = new Map<string, number>();
  for (const queue of queues) {
    if (limits?.perQueue?.[queue] !== undefined) adding.set(queue, (adding.get(queue) ?? 0) + 1);
  }
  if (adding.size > 0) {
    const list = d.listParam([...adding.keys()], 'text');
    const waiting = `SELECT queue FROM ${t.ready} WHERE ${d.inList('queue', 'text')}
      UNION ALL SELECT queue FROM ${t.scheduled} WHERE ${d.inList('queue', 'text')}
      UNION ALL SELECT queue FROM ${t.blocked} WHERE ${d.inList('queue', 'text')}
      UNION ALL SELECT queue FROM ${t.serialWaiting} WHERE ${d.inList('queue', 'text')}`;
    const rows = await tx.all<{ queue: string; n: unknown }>(
      `SELECT queue, COUNT(*) AS n FROM (${waiting}) AS w GROUP BY queue`,
      [list, list, list, list],
    );
    const sizes = new Map(rows.map((row) => [row.queue, num(row.n)]));
    for (const [queue, n] of adding) {
      const size = sizes.get(queue) ?? 0;
      const limit = limits!.perQueue![queue]!;
      if (size + n > limit) throw new QueueFullError(queue, size, n, limit);
    }
  }
  if (limits?.total !== undefined) {
    const [row] = await tx.all<{ n: unknown }>(
      `SELECT (SELECT COUNT(*) FROM ${t.ready}) + (SELECT COUNT(*) FROM ${t.scheduled})
         + (SELECT COUNT(*) FROM ${t.blocked}) + (SELECT COUNT(*) FROM ${t.serialWaiting}) AS n`,
    );
    const size = num(row!.n);
    if (size + queues.length > limits.total) {
      throw new QueueFullError(null, size, queues.length, limits.total);
    }
  }
}
