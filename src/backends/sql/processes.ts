import type { ProcessInfo } from '../../backend/types.ts';
import { dropEmptyClaimRows, heldUnder } from './claim-rows.ts';
import { KeyLocks } from './concurrency.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { moveToReady } from './make-ready.ts';
import { PROCESS_COLUMNS, toProcessInfo } from './rows.ts';
import { PLACE_COLUMNS, type PlaceRow, toPlace } from './transitions.ts';

export async function registerProcess({ driver, t }: SqlContext, p: ProcessInfo): Promise<void> {
  await driver.transaction(async (tx) => {
    await tx.run(`DELETE FROM ${t.processes} WHERE id = ?`, [p.id]);
    await tx.run(`INSERT INTO ${t.processes} (${PROCESS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      p.id,
      p.kind,
      p.name,
      p.pid,
      p.hostname,
      p.supervisorId,
      p.metadata,
      p.lastHeartbeatAt,
      p.createdAt,
    ]);
  });
}

export async function heartbeat(
  { driver, d, t }: SqlContext,
  processIds: readonly string[],
  now: number,
): Promise<void> {
  if (processIds.length === 0) return;
  await driver.transaction((tx) =>
    tx.run(`UPDATE ${t.processes} SET last_heartbeat_at = ? WHERE ${d.inList('id', 'text')}`, [
      now,
      d.listParam(processIds, 'text'),
    ]),
  );
}

/**
 * Removes a process; whatever it still held goes back to ready (the attempt stays counted),
 * keeping a live concurrency slot or taking one again.
 */
export async function deregisterProcess(ctx: SqlContext, processId: string, now: number): Promise<number> {
  return ctx.driver.transaction(async (tx) => {
    await tx.run(`DELETE FROM ${ctx.t.processes} WHERE id = ?`, [processId]);
    return requeueClaimsOf(ctx, tx, [processId], now);
  });
}

/**
 * Moves the jobs the processes still hold back to ready (the attempt stays counted), keeping a
 * live concurrency slot or taking one again, and deletes their claim rows that hold nothing
 * more. A job another transaction holds (its completion being written) is left to it; should
 * that fail, the job is still found here next time. Returns how many were moved.
 */
async function requeueClaimsOf(
  ctx: SqlContext,
  tx: SqlExecutor,
  processIds: readonly string[],
  now: number,
): Promise<number> {
  if (processIds.length === 0) return 0;
  const { d } = ctx;
  const byProcess = { sql: d.inList('process_id', 'text'), params: [d.listParam(processIds, 'text')] };
  const held = await heldUnder<PlaceRow>(ctx, tx, byProcess, PLACE_COLUMNS, true);
  await moveToReady(ctx, tx, new KeyLocks(ctx, tx, now), held.rows.map(toPlace), 0, now);
  await dropEmptyClaimRows(ctx, tx, held.leases);
  return held.rows.length;
}

/**
 * Prunes processes whose heartbeat stopped, and releases their claims together with any
 * claim whose process row is gone (a process deregistered while it was still claiming).
 */
export async function pruneProcesses(
  ctx: SqlContext,
  aliveSince: number,
  now: number,
): Promise<{ pruned: ProcessInfo[]; released: number }> {
  const { driver, d, t } = ctx;
  return driver.transaction(async (tx) => {
    const dead = (
      await tx.all<Record<string, unknown>>(
        `SELECT ${PROCESS_COLUMNS} FROM ${t.processes} WHERE last_heartbeat_at < ?`,
        [aliveSince],
      )
    ).map(toProcessInfo);
    const deadIds = dead.map((p) => p.id);
    if (deadIds.length > 0) {
      await tx.run(`DELETE FROM ${t.processes} WHERE ${d.inList('id', 'text')}`, [
        d.listParam(deadIds, 'text'),
      ]);
    }
    const orphans = await tx.all<{ process_id: string }>(
      `SELECT DISTINCT process_id FROM ${t.claims} c
         WHERE NOT EXISTS (SELECT 1 FROM ${t.processes} p WHERE p.id = c.process_id)`,
    );
    const released = await requeueClaimsOf(
      ctx,
      tx,
      [...new Set([...deadIds, ...orphans.map((o) => o.process_id)])],
      now,
    );
    return { pruned: dead, released };
  });
}

export async function listProcesses({ driver, t }: SqlContext): Promise<ProcessInfo[]> {
  const rows = await driver.all<Record<string, unknown>>(
    `SELECT ${PROCESS_COLUMNS} FROM ${t.processes} ORDER BY created_at, id`,
  );
  return rows.map(toProcessInfo);
}
