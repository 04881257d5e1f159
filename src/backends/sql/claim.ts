import { randomUUID } from 'node:crypto';
import { type ClaimStep, planClaimSteps } from '../../backend/queue-selection.ts';
import type { ClaimedJob } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { CLAIM_COLUMNS, num, toClaimedJob } from './rows.ts';
import { type TakeRows, takeRows, takeStatement } from './transitions.ts';

interface ClaimParams {
  readonly queues: readonly string[];
  readonly limit: number;
  readonly processId: string;
}

type Row = Record<string, unknown>;

/** Takes up to `limit` ready jobs for a process, in queue-list order, then priority, then FIFO. */
export async function claimJobs(ctx: SqlContext, params: ClaimParams): Promise<ClaimedJob[]> {
  const { driver, d, t } = ctx;
  if (params.limit <= 0) return [];
  // One look, outside any transaction: an idle poll takes no lock and writes nothing.
  const known = await driver.all<{ name: string; paused_at: unknown }>(
    `SELECT name, paused_at FROM ${t.queues} WHERE EXISTS (SELECT 1 FROM ${t.ready})`,
  );
  if (known.length === 0) return [];
  const steps = planClaimSteps(
    params.queues,
    known.map((q) => ({ name: q.name, paused: q.paused_at !== null })),
  );
  if (steps.length === 0) return [];

  const lease = randomUUID();
  let rows: Row[];
  if (d.dataModifyingCte) {
    const claim = (exec: SqlExecutor) => claimStepByStep(ctx, exec, steps, params, lease);
    // One step is one statement, atomic on its own: no transaction round trips.
    rows = steps.length === 1 ? await claim(driver) : await driver.transaction(claim);
  } else {
    rows = await driver.transaction((tx) => takeThenClaim(ctx, tx, steps, params, lease));
  }
  return rows.map((row) => toClaimedJob(row, lease));
}

/** Each step one statement: `WITH taken AS (DELETE FROM ready ...) UPDATE jobs ... FROM taken`. */
async function claimStepByStep(
  ctx: SqlContext,
  exec: SqlExecutor,
  steps: readonly ClaimStep[],
  params: ClaimParams,
  lease: string,
): Promise<Row[]> {
  const claimed: Row[] = [];
  for (const step of steps) {
    const remaining = params.limit - claimed.length;
    if (remaining <= 0) break;
    // taken carries job_id alone, so RETURNING's columns can only mean the jobs row's.
    const take = takeStatement(ctx, { ...stepTake(ctx, step, remaining), columns: 'job_id' });
    const rows = await exec.all<Row>(
      `WITH taken AS (${take.sql}) ${claimUpdate(ctx)} FROM taken WHERE id = taken.job_id RETURNING ${CLAIM_COLUMNS}`,
      [...take.params, params.processId, lease],
    );
    claimed.push(...rows.sort((a, b) => byPriorityThenId(a.priority, a.id, b.priority, b.id)));
  }
  return claimed;
}

/** All steps' ready rows first, then one UPDATE of their jobs rows. */
async function takeThenClaim(
  ctx: SqlContext,
  tx: SqlExecutor,
  steps: readonly ClaimStep[],
  params: ClaimParams,
  lease: string,
): Promise<Row[]> {
  const { d, t } = ctx;
  const ids: number[] = [];
  for (const step of steps) {
    const remaining = params.limit - ids.length;
    if (remaining <= 0) break;
    const picked = await takeRows<{ job_id: unknown; priority: unknown }>(
      ctx,
      tx,
      stepTake(ctx, step, remaining),
    );
    picked.sort((a, b) => byPriorityThenId(a.priority, a.job_id, b.priority, b.job_id));
    ids.push(...picked.map((row) => num(row.job_id)));
  }
  if (ids.length === 0) return [];
  const list = d.listParam(ids, 'bigint');
  const where = `WHERE ${d.inList('id', 'bigint')}`;
  let rows: Row[];
  if (d.returning) {
    rows = await tx.all(`${claimUpdate(ctx)} ${where} RETURNING ${CLAIM_COLUMNS}`, [
      params.processId,
      lease,
      list,
    ]);
  } else {
    await tx.run(`${claimUpdate(ctx)} ${where}`, [params.processId, lease, list]);
    rows = await tx.all(`SELECT ${CLAIM_COLUMNS} FROM ${t.jobs} ${where}`, [list]);
  }
  const order = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => order.get(num(a.id))! - order.get(num(b.id))!);
}

/** Marks jobs claimed by a process under a lease (parameters: process id, lease). */
function claimUpdate({ t }: SqlContext): string {
  return `UPDATE ${t.jobs} SET state = 'claimed', attempts = attempts + 1, process_id = ?, lease = ?`;
}

function byPriorityThenId(pa: unknown, ia: unknown, pb: unknown, ib: unknown): number {
  return num(pa) - num(pb) || num(ia) - num(ib);
}

/** Which ready rows one step takes (queue order is the caller's; priority and FIFO order is restored by sorting). */
function stepTake({ d, t }: SqlContext, step: ClaimStep, limit: number): TakeRows {
  const take = { table: t.ready, columns: 'job_id, priority', order: 'priority, job_id', limit };
  if (step.kind === 'all') {
    if (step.exclude.length === 0) return { ...take, where: '', params: [] };
    return {
      ...take,
      where: `NOT (${d.inList('queue', 'text')})`,
      params: [d.listParam(step.exclude, 'text')],
    };
  }
  if (step.names.length === 1) return { ...take, where: 'queue = ?', params: [step.names[0]] };
  return { ...take, where: d.inList('queue', 'text'), params: [d.listParam(step.names, 'text')] };
}
