import type { ClaimedJobs, ClaimRef } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';

/**
 * Claim rows (migration 006): one per claim, keyed by its lease, naming the process and the
 * ids it took. They stand in for an index of claimed jobs by process, which every claim and
 * completion would have to change. A job is claimed under a lease while its lease column
 * equals it, so a row may list jobs that have ended since; a row goes once none is held.
 */

/** The claim row, as a WITH item after `taken` (the job_id of every row taken); parameters: lease, process id. */
export function claimRowItem({ d, t }: SqlContext): string {
  return `INSERT INTO ${t.claims} (lease, process_id, job_ids)
    SELECT CAST(? AS TEXT), CAST(? AS TEXT), ${d.jsonArrayAgg('job_id')} FROM taken HAVING COUNT(*) > 0`;
}

/** Writes the claim row of ids taken under `lease` (nothing when none were). */
export async function insertClaimRow(
  { t }: SqlContext,
  exec: SqlExecutor,
  lease: string,
  processId: string,
  ids: readonly number[],
): Promise<void> {
  if (ids.length === 0) return;
  await exec.run(`INSERT INTO ${t.claims} (lease, process_id, job_ids) VALUES (?, ?, ?)`, [
    lease,
    processId,
    JSON.stringify(ids),
  ]);
}

/** The jobs still held under some claim rows: what `columns` reads of them, and the leases of those rows. */
interface Held<T> {
  readonly leases: string[];
  readonly rows: T[];
}

/**
 * Reads the jobs held under the claim rows `where` selects (a condition on claims, or '' for
 * all). With `lock`, they are locked, skipping those another transaction holds.
 */
export async function heldUnder<T>(
  { d, t }: SqlContext,
  exec: SqlExecutor,
  where: { sql: string; params: readonly unknown[] },
  columns: string,
  lock: boolean,
): Promise<Held<T>> {
  const claims = await exec.all<{ lease: string; job_ids: string }>(
    `SELECT lease, job_ids FROM ${t.claims}${where.sql ? ` WHERE ${where.sql}` : ''}`,
    where.params,
  );
  const leases = claims.map((claim) => claim.lease);
  const pairs = claims.flatMap(({ lease, job_ids }) =>
    (JSON.parse(job_ids) as number[]).map((id) => [d.idParam(String(id)), lease]),
  );
  if (pairs.length === 0) return { leases, rows: [] };
  const source = d.rowSource(['bigint', 'text']);
  const rows = await exec.all<T>(
    `SELECT ${columns} FROM ${t.jobs} WHERE (id, lease) IN (SELECT c0, c1 FROM ${source.sql} AS src)${lock ? d.skipLocked : ''}`,
    source.params(pairs),
  );
  return { leases, rows };
}

/** Deletes the claim rows of `leases` under which no job is held any more. */
export async function dropEmptyClaimRows(
  ctx: SqlContext,
  tx: SqlExecutor,
  leases: readonly string[],
): Promise<void> {
  if (leases.length === 0) return;
  const { d } = ctx;
  const leaseList = { sql: d.inList('lease', 'text'), params: [d.listParam(leases, 'text')] };
  const { rows } = await heldUnder<{ lease: string }>(ctx, tx, leaseList, 'lease', false);
  const held = new Set(rows.map((row) => row.lease));
  await deleteClaimRows(
    ctx,
    tx,
    leases.filter((lease) => !held.has(lease)),
  );
}

async function deleteClaimRows(
  { d, t }: SqlContext,
  exec: SqlExecutor,
  leases: readonly string[],
): Promise<void> {
  if (leases.length === 0) return;
  await exec.run(`DELETE FROM ${t.claims} WHERE ${d.inList('lease', 'text')}`, [d.listParam(leases, 'text')]);
}

/**
 * The claims of this backend whose jobs have not all ended here (been completed or released):
 * once one's jobs all have, its row is deleted, so the claims table holds about the claims in
 * progress rather than one row per claim ever made.
 */
export class OpenClaims {
  readonly #ctx: SqlContext;
  /** lease → ids of its jobs not yet ended here. */
  readonly #open = new Map<string, Set<string>>();
  /** Leases whose jobs all ended, whose rows are still to delete. */
  #spent: string[] = [];

  constructor(ctx: SqlContext) {
    this.#ctx = ctx;
  }

  opened(jobs: ClaimedJobs): void {
    for (const job of jobs) {
      const ids = this.#open.get(job.lease) ?? new Set<string>();
      this.#open.set(job.lease, ids.add(job.id));
    }
  }

  /**
   * These claims ended (their completions or releases were written, or refused because the
   * claim was lost): the rows of leases with no job left go. A failed delete is tried again
   * next time; a row left over only costs a look when its process ends.
   */
  async ended(items: readonly ClaimRef[]): Promise<void> {
    for (const { jobId, lease } of items) {
      const ids = this.#open.get(lease);
      if (!ids?.delete(jobId) || ids.size > 0) continue;
      this.#open.delete(lease);
      this.#spent.push(lease);
    }
    if (this.#spent.length === 0) return;
    const spent = this.#spent;
    this.#spent = [];
    await deleteClaimRows(this.#ctx, this.#ctx.driver, spent).catch(() => this.#spent.push(...spent));
  }
}
