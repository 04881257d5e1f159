import type { ClaimedJobs, ExpiredJob, JobState } from '../../backend/types.ts';
import { claimRowItem, insertClaimRow } from './claim-rows.ts';
import { KeyLocks } from './concurrency.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { expireClaims } from './expiry.ts';
import { CLAIM_COLUMNS, num, toClaimedJob } from './rows.ts';
import { leaveLines } from './serial.ts';
import { type TakeRows, takeRows, takeStatement, takesInOrder } from './transitions.ts';
import { releaseUniqueKeys } from './unique.ts';

interface ClaimParams {
  readonly queues: readonly string[];
  readonly limit: number;
  readonly processId: string;
  readonly now: number;
  /** The lease the claims get, chosen by the caller (see unsure-claims.ts). */
  readonly lease: string;
}

/** What a claim reads back: the claimed job, and the unique states settleClaims checks. */
const CLAIM_RETURNING = `${CLAIM_COLUMNS}, unique_states`;

type Row = Record<string, unknown>;

/** The claimed rows to run, and the jobs the claim ended as expired instead. */
interface Settled {
  readonly running: readonly Row[];
  readonly expired: readonly ExpiredJob[];
}

/**
 * Takes up to `limit` ready jobs for a process: queue patterns in list order (each an exact
 * name, "prefix*" or "*", paused queues skipped), then priority, then FIFO. Each pattern is
 * one condition on the ready table, so no queue list is read first.
 */
export async function claimJobs(ctx: SqlContext, params: ClaimParams): Promise<ClaimedJobs> {
  const { driver, d } = ctx;
  if (params.limit <= 0 || params.queues.length === 0) return [];
  const { lease } = params;
  // With data-modifying WITH, one pattern is one statement, atomic on its own: no transaction,
  // and an idle poll finds nothing and writes nothing.
  if (d.dataModifyingCte && params.queues.length === 1) {
    const rows = await claimPatternByPattern(ctx, driver, params, lease, true);
    // Rare (expired, or a unique key not held while claimed): then a transaction of its own.
    const settled = needsSettling(rows, params.now)
      ? await driver.transaction((tx) => settleClaims(ctx, tx, rows, lease, params.now))
      : { running: rows, expired: [] };
    return claimedJobs(settled, lease);
  }
  // Otherwise look first, outside any transaction: an idle poll takes no lock.
  if (!(await anyReady(ctx))) return [];
  const settled = await driver.transaction(async (tx): Promise<Settled> => {
    const claimed = d.dataModifyingCte
      ? await claimPatternByPattern(ctx, tx, params, lease, false)
      : await takeThenClaim(ctx, tx, params, lease);
    // One row for the lease, however many patterns took jobs under it.
    await insertClaimRow(
      ctx,
      tx,
      lease,
      params.processId,
      claimed.map((row) => num(row.id)),
    );
    return needsSettling(claimed, params.now)
      ? settleClaims(ctx, tx, claimed, lease, params.now)
      : { running: claimed, expired: [] };
  });
  return claimedJobs(settled, lease);
}

function claimedJobs({ running, expired }: Settled, lease: string): ClaimedJobs {
  const jobs = running.map((row) => toClaimedJob(row, lease));
  return expired.length === 0 ? jobs : Object.assign(jobs, { expired });
}

const isExpired = (row: Row, now: number) => row.expires_at !== null && num(row.expires_at) <= now;
const uniqueStatesOf = (row: Row) =>
  row.unique_states === null ? null : (String(row.unique_states).split(',') as JobState[]);

function needsSettling(rows: readonly Row[], now: number): boolean {
  return rows.some((row) => isExpired(row, now) || uniqueStatesOf(row)?.includes('claimed') === false);
}

/**
 * Expired jobs are never run: their claims end as expired (and their lines go on). Jobs whose
 * unique key does not cover 'claimed' release it. Returns the claims to run, and the expired.
 */
async function settleClaims(
  ctx: SqlContext,
  tx: SqlExecutor,
  rows: readonly Row[],
  lease: string,
  now: number,
): Promise<Settled> {
  const expired = rows.filter((row) => isExpired(row, now));
  const ended = await expireClaims(
    ctx,
    tx,
    new KeyLocks(ctx, tx, now),
    expired.map((row) => ({ jobId: String(row.id), lease })),
    now,
  );
  await leaveLines(ctx, tx, ended, now);
  const running = rows.filter((row) => !isExpired(row, now));
  await releaseUniqueKeys(
    ctx,
    tx,
    running.map((row) => ({ id: num(row.id), queue: '', priority: 0, uniqueStates: uniqueStatesOf(row) })),
    'claimed',
  );
  return { running, expired: ended.map((place) => place.job) };
}

/** Walks the claim index (EXISTS would scan the table, over every row claimed since the last vacuum). */
async function anyReady({ driver, t }: SqlContext): Promise<boolean> {
  const rows = await driver.all(`SELECT job_id FROM ${t.ready} ORDER BY priority, job_id LIMIT 1`);
  return rows.length > 0;
}

/**
 * Each pattern one statement: `WITH taken AS (DELETE FROM ready ...) UPDATE jobs ... FROM taken`,
 * which also writes the claim row when `withClaimRow` (the claim is this one statement).
 */
async function claimPatternByPattern(
  ctx: SqlContext,
  exec: SqlExecutor,
  params: ClaimParams,
  lease: string,
  withClaimRow: boolean,
): Promise<Row[]> {
  const claimed: Row[] = [];
  for (const pattern of params.queues) {
    const remaining = params.limit - claimed.length;
    if (remaining <= 0) break;
    // taken carries job_id alone, so RETURNING's columns can only mean the jobs row's.
    const take = takeStatement(ctx, {
      ...patternTake(ctx, pattern, remaining, pausedBySubquery(ctx)),
      columns: 'job_id',
    });
    const claimRow = withClaimRow ? `, claim AS (${claimRowItem(ctx)})` : '';
    const rows = await exec.all<Row>(
      `WITH taken AS (${take.sql})${claimRow} ${claimUpdate(ctx)} FROM taken WHERE id = taken.job_id RETURNING ${CLAIM_RETURNING}`,
      [...take.params, ...(withClaimRow ? [lease, params.processId] : []), lease],
    );
    claimed.push(...rows.sort((a, b) => byPriorityThenId(a.priority, a.id, b.priority, b.id)));
  }
  return claimed;
}

/** Every pattern's ready rows first, then one UPDATE of their jobs rows. */
async function takeThenClaim(
  ctx: SqlContext,
  tx: SqlExecutor,
  params: ClaimParams,
  lease: string,
): Promise<Row[]> {
  const { d, t } = ctx;
  // Statements are local calls here: reading the paused queues once is cheaper than a
  // subquery in every pattern's statement.
  const pausedNames = await tx.all<{ name: string }>(
    `SELECT name FROM ${t.queues} WHERE paused_at IS NOT NULL`,
  );
  const paused = pausedByList(
    ctx,
    pausedNames.map((q) => q.name),
  );
  const ids: number[] = [];
  for (const pattern of params.queues) {
    const remaining = params.limit - ids.length;
    if (remaining <= 0) break;
    const picked = await takeRows<{ job_id: unknown; priority: unknown }>(
      ctx,
      tx,
      patternTake(ctx, pattern, remaining, paused),
    );
    if (!takesInOrder(d)) picked.sort((a, b) => byPriorityThenId(a.priority, a.job_id, b.priority, b.job_id));
    ids.push(...picked.map((row) => num(row.job_id)));
  }
  if (ids.length === 0) return [];
  const list = d.listParam(ids, 'bigint');
  const where = `WHERE ${d.inList('id', 'bigint')}`;
  let rows: Row[];
  if (d.returning) {
    rows = await tx.all(`${claimUpdate(ctx)} ${where} RETURNING ${CLAIM_RETURNING}`, [lease, list]);
  } else {
    await tx.run(`${claimUpdate(ctx)} ${where}`, [lease, list]);
    rows = await tx.all(`SELECT ${CLAIM_RETURNING} FROM ${t.jobs} ${where}`, [list]);
  }
  const order = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => order.get(num(a.id))! - order.get(num(b.id))!);
}

/**
 * Marks jobs claimed under a lease (parameter: the lease). The process is named once, in the
 * claim row: writing it into every jobs row too made the row's claimed version too big to stay
 * in its page (see migration 007 of PostgreSQL).
 */
function claimUpdate({ t }: SqlContext): string {
  return `UPDATE ${t.jobs} SET state = 'claimed', attempts = attempts + 1, lease = ?`;
}

function byPriorityThenId(pa: unknown, ia: unknown, pb: unknown, ib: unknown): number {
  return num(pa) - num(pb) || num(ia) - num(ib);
}

/** A condition that leaves out the ready rows of paused queues, with its parameters. */
interface PausedFilter {
  readonly where: string;
  readonly params: readonly unknown[];
}

/**
 * `queue || ''`, not `queue`: the planner judges `queue <> x` by the column's statistics, and
 * with one queue in the table (the common case) it expects no row to pass, so it sorts the
 * whole ready table on every claim instead of walking the claim index (50 ms per claim with
 * 100k jobs waiting). On an expression it has no statistics for it assumes most rows pass.
 */
function pausedBySubquery({ d, t }: SqlContext): PausedFilter {
  const paused = `SELECT name FROM ${t.queues} WHERE paused_at IS NOT NULL`;
  return { where: `NOT (${d.inSelect("(queue || '')", paused)})`, params: [] };
}

function pausedByList({ d }: SqlContext, names: readonly string[]): PausedFilter {
  if (names.length === 0) return { where: '', params: [] };
  return { where: `NOT (${d.inList('queue', 'text')})`, params: [d.listParam(names, 'text')] };
}

/**
 * The ready rows one pattern selects, first by priority then FIFO (the order is restored by
 * sorting what is taken): "*" every queue, "prefix*" every queue starting with prefix, else
 * one queue; paused queues never.
 */
function patternTake(ctx: SqlContext, pattern: string, limit: number, paused: PausedFilter): TakeRows {
  const take = { table: ctx.t.ready, columns: 'job_id, priority', order: 'priority, job_id', limit };
  const where = (condition: string, params: readonly unknown[]) => ({
    ...take,
    where: [condition, paused.where].filter(Boolean).join(' AND '),
    params: [...params, ...paused.params],
  });
  if (pattern === '*') return where('', []);
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return where('substr(queue, 1, ?) = ?', [prefix.length, prefix]);
  }
  return where('queue = ?', [pattern]);
}
