import { randomUUID } from 'node:crypto';
import { type ClaimStep, planClaimSteps } from '../../backend/queue-selection.ts';
import type { ClaimedJob } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { CLAIM_COLUMNS, num, toClaimedJob } from './rows.ts';
import { takeRows } from './transitions.ts';

interface Picked {
  job_id: unknown;
  priority: unknown;
}

/** Takes up to `limit` ready jobs for a process, in queue-list order, then priority, then FIFO. */
export async function claimJobs(
  ctx: SqlContext,
  params: { queues: readonly string[]; limit: number; processId: string },
): Promise<ClaimedJob[]> {
  const { driver, d, t } = ctx;
  if (params.limit <= 0) return [];
  // An idle poll must not take the write lock: look first.
  const any = await driver.all(`SELECT job_id FROM ${t.ready} LIMIT 1`);
  if (any.length === 0) return [];

  return driver.transaction(async (tx) => {
    const known = await tx.all<{ name: string; paused_at: unknown }>(
      `SELECT name, paused_at FROM ${t.queues}`,
    );
    const steps = planClaimSteps(
      params.queues,
      known.map((q) => ({ name: q.name, paused: q.paused_at !== null })),
    );
    const ids: number[] = [];
    for (const step of steps) {
      const remaining = params.limit - ids.length;
      if (remaining <= 0) break;
      const picked = await takeStep(ctx, tx, step, remaining);
      ids.push(...picked.sort(byPriorityThenId).map((row) => num(row.job_id)));
    }
    if (ids.length === 0) return [];

    const lease = randomUUID();
    const list = d.listParam(ids, 'bigint');
    const update = `UPDATE ${t.jobs} SET state = 'claimed', attempts = attempts + 1, process_id = ?, lease = ?
      WHERE id IN ${d.idList('bigint')}`;
    let rows: Record<string, unknown>[];
    if (d.returning) {
      rows = await tx.all(`${update} RETURNING ${CLAIM_COLUMNS}`, [params.processId, lease, list]);
    } else {
      await tx.run(update, [params.processId, lease, list]);
      rows = await tx.all(`SELECT ${CLAIM_COLUMNS} FROM ${t.jobs} WHERE id IN ${d.idList('bigint')}`, [list]);
    }
    const order = new Map(ids.map((id, i) => [id, i]));
    return rows
      .map((row) => toClaimedJob(row, lease))
      .sort((a, b) => order.get(Number(a.id))! - order.get(Number(b.id))!);
  });
}

function byPriorityThenId(a: Picked, b: Picked): number {
  return num(a.priority) - num(b.priority) || num(a.job_id) - num(b.job_id);
}

/** Takes one step's ready rows (queue order is the caller's; priority and FIFO order is restored by sorting). */
function takeStep(ctx: SqlContext, tx: SqlExecutor, step: ClaimStep, limit: number): Promise<Picked[]> {
  const { d, t } = ctx;
  const take = { table: t.ready, columns: 'job_id, priority', order: 'priority, job_id', limit };
  if (step.kind === 'all') {
    if (step.exclude.length === 0) return takeRows(ctx, tx, { ...take, where: '', params: [] });
    return takeRows(ctx, tx, {
      ...take,
      where: `queue NOT IN ${d.idList('text')}`,
      params: [d.listParam(step.exclude, 'text')],
    });
  }
  if (step.names.length === 1) {
    return takeRows(ctx, tx, { ...take, where: 'queue = ?', params: [step.names[0]] });
  }
  return takeRows(ctx, tx, {
    ...take,
    where: `queue IN ${d.idList('text')}`,
    params: [d.listParam(step.names, 'text')],
  });
}
