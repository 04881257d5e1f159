import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';

export interface JobPlace {
  readonly id: number;
  readonly queue: string;
  readonly priority: number;
}

/**
 * Puts jobs (no longer claimed, failed or scheduled) back in the ready table.
 * `attemptsDelta` is -1 when the attempt is given back (graceful release, snooze).
 */
export async function moveToReady(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  jobs: readonly JobPlace[],
  attemptsDelta: number,
): Promise<void> {
  if (jobs.length === 0) return;
  await tx.run(
    `UPDATE ${t.jobs} SET state = 'ready', process_id = NULL, lease = NULL, run_at = NULL, finished_at = NULL,
       attempts = attempts + ? WHERE id IN ${d.idList('bigint')}`,
    [
      attemptsDelta,
      d.listParam(
        jobs.map((j) => j.id),
        'bigint',
      ),
    ],
  );
  const src = d.rowSource(['bigint', 'text', 'bigint']);
  await tx.run(
    `INSERT INTO ${t.ready} (job_id, queue, priority) SELECT c0, c1, c2 FROM ${src.sql} AS src`,
    src.params(jobs.map((j) => [j.id, j.queue, j.priority])),
  );
}

/** Reads where claimed jobs belong, for the given processes. */
export async function claimedBy(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  processIds: readonly string[],
): Promise<JobPlace[]> {
  if (processIds.length === 0) return [];
  const rows = await tx.all<{ id: unknown; queue: string; priority: unknown }>(
    `SELECT id, queue, priority FROM ${t.jobs} WHERE process_id IN ${d.idList('text')}${d.skipLocked}`,
    [d.listParam(processIds, 'text')],
  );
  return rows.map((r) => ({ id: num(r.id), queue: r.queue, priority: num(r.priority) }));
}
