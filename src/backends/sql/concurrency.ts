import type { ConcurrencyControl } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';
import { insertReady, type JobPlace, toPlace } from './transitions.ts';
import { insertValues } from './values.ts';

/**
 * Concurrency limits (docs/architecture.md). A job holding a slot of its key has a row in the
 * slots table; the key's slots in use are its rows that have not expired. Every transaction
 * that counts or changes a key's slots first locks the key's semaphore row (KeyLocks), so two
 * of them never both see the same free slot.
 */

/** The semaphore rows one transaction holds. New keys are locked in sorted order, each once. */
export class KeyLocks {
  readonly #ctx: SqlContext;
  readonly #tx: SqlExecutor;
  readonly #now: number;
  readonly #held = new Set<string>();

  constructor(ctx: SqlContext, tx: SqlExecutor, now: number) {
    this.#ctx = ctx;
    this.#tx = tx;
    this.#now = now;
  }

  async lock(keys: Iterable<string>): Promise<void> {
    const fresh = [...new Set(keys)].filter((key) => !this.#held.has(key)).sort();
    if (fresh.length === 0) return;
    const { d, t } = this.#ctx;
    const src = d.rowSource(['text', 'bigint']);
    // An upsert takes the row lock whether the row was there, is new, or was just deleted.
    await this.#tx.run(
      `INSERT INTO ${t.semaphores} (key, locked_at) SELECT c0, c1 FROM ${src.sql} AS src WHERE true
        ON CONFLICT (key) DO UPDATE SET locked_at = excluded.locked_at`,
      src.params(fresh.map((key) => [key, this.#now])),
    );
    for (const key of fresh) this.#held.add(key);
  }
}

/** Live slots per key (those not past their expiry). */
async function slotsInUse(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  keys: readonly string[],
  now: number,
): Promise<Map<string, number>> {
  const rows = await tx.all<{ key: string; n: unknown }>(
    `SELECT key, COUNT(*) AS n FROM ${t.slots} WHERE ${d.inList('key', 'text')} AND expires_at > ? GROUP BY key`,
    [d.listParam(keys, 'text'), now],
  );
  return new Map(rows.map((row) => [row.key, num(row.n)]));
}

/**
 * Which candidates get a slot: in order, each while its key has fewer slots in use than its
 * limit. Locks the keys first; the caller then stores the granted slots in this transaction.
 */
export async function grantSlots(
  ctx: SqlContext,
  tx: SqlExecutor,
  locks: KeyLocks,
  candidates: readonly ConcurrencyControl[],
  now: number,
): Promise<boolean[]> {
  if (candidates.length === 0) return [];
  const keys = [...new Set(candidates.map((c) => c.key))];
  await locks.lock(keys);
  const used = await slotsInUse(ctx, tx, keys, now);
  return candidates.map((c) => {
    const inUse = used.get(c.key) ?? 0;
    if (inUse >= c.limit) return false;
    used.set(c.key, inUse + 1);
    return true;
  });
}

/** Slot rows for jobs that were granted one; a row a job still had (expired) is replaced. */
export async function insertSlots(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  holders: readonly { readonly id: number; readonly concurrency: ConcurrencyControl }[],
  now: number,
): Promise<void> {
  if (holders.length === 0) return;
  const src = d.rowSource(['bigint', 'text', 'bigint']);
  await tx.run(
    `INSERT INTO ${t.slots} (job_id, key, expires_at) SELECT c0, c1, c2 FROM ${src.sql} AS src WHERE true
      ON CONFLICT (job_id) DO UPDATE SET key = excluded.key, expires_at = excluded.expires_at`,
    src.params(holders.map((h) => [h.id, h.concurrency.key, now + h.concurrency.durationMs])),
  );
}

/** Blocked rows for jobs whose jobs row already says 'blocked'. */
export function insertBlocked(
  ctx: SqlContext,
  tx: SqlExecutor,
  jobs: readonly (JobPlace & { readonly concurrency: ConcurrencyControl })[],
  now: number,
): Promise<void> {
  return insertValues(
    ctx,
    tx,
    ctx.t.blocked,
    [
      ['job_id', 'bigint'],
      ['queue', 'text'],
      ['priority', 'bigint'],
      ['concurrency_key', 'text'],
      ['recheck_at', 'bigint'],
    ],
    jobs.map((j) => [j.id, j.queue, j.priority, j.concurrency.key, now + j.concurrency.durationMs]),
  );
}

/** The jobs among `ids` that hold a live slot. */
export async function liveSlotHolders(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  ids: readonly number[],
  now: number,
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await tx.all<{ job_id: unknown }>(
    `SELECT job_id FROM ${t.slots} WHERE ${d.inList('job_id', 'bigint')} AND expires_at > ?`,
    [d.listParam(ids, 'bigint'), now],
  );
  return new Set(rows.map((row) => num(row.job_id)));
}

/**
 * Frees the slots these jobs hold (only their own rows: a slot released twice, or taken over
 * after it expired, frees nothing), then unblocks waiting jobs of their keys as far as the
 * limits allow. Call it only for jobs whose transition passed its lease check.
 */
export async function releaseSlots(
  ctx: SqlContext,
  tx: SqlExecutor,
  locks: KeyLocks,
  places: readonly JobPlace[],
  now: number,
): Promise<void> {
  const keyed = places.filter((p) => p.concurrency);
  if (keyed.length === 0) return;
  const { d, t } = ctx;
  const keys = [...new Set(keyed.map((p) => p.concurrency!.key))];
  const ids = d.listParam(
    keyed.map((p) => p.id),
    'bigint',
  );
  // Sent together (one round trip where statements are round trips), run in this order: the
  // lock, the release, then the reads that decide who moves up.
  const [, , line] = await Promise.all([
    locks.lock(keys),
    tx.run(`DELETE FROM ${t.slots} WHERE ${d.inList('job_id', 'bigint')}`, [ids]),
    readLine(ctx, tx, keys, now),
  ]);
  await moveUp(ctx, tx, line, now);
}

/**
 * Moves blocked jobs of `keys` to ready, by priority then FIFO, each taking a slot, while its
 * key has fewer slots in use than its limit. Returns how many moved.
 */
export async function unblock(
  ctx: SqlContext,
  tx: SqlExecutor,
  locks: KeyLocks,
  keys: readonly string[],
  now: number,
): Promise<number> {
  if (keys.length === 0) return 0;
  const [, line] = await Promise.all([locks.lock(keys), readLine(ctx, tx, keys, now)]);
  return moveUp(ctx, tx, line, now);
}

/** Each key's slots in use and the first job blocked on it. */
interface Line {
  readonly keys: readonly string[];
  readonly used: ReadonlyMap<string, number>;
  readonly firsts: readonly (readonly JobPlace[])[];
}

/** Read with the keys locked (issued right after the lock, in the same batch of statements). */
async function readLine(
  ctx: SqlContext,
  tx: SqlExecutor,
  keys: readonly string[],
  now: number,
): Promise<Line> {
  const [used, firsts] = await Promise.all([
    slotsInUse(ctx, tx, keys, now),
    Promise.all(keys.map((key) => blockedOn(ctx, tx, key, 1))),
  ]);
  return { keys, used, firsts };
}

/** Up to `limit` jobs blocked on `key`, by priority then FIFO, with their controls. */
function blockedOn(ctx: SqlContext, tx: SqlExecutor, key: string, limit: number): Promise<JobPlace[]> {
  const { t } = ctx;
  return tx
    .all<{ job_id: unknown; queue: string; priority: unknown }>(
      `SELECT b.job_id, b.queue, b.priority, j.concurrency_key, j.concurrency_limit, j.concurrency_duration,
         j.unique_states
       FROM ${t.blocked} b JOIN ${t.jobs} j ON j.id = b.job_id
       WHERE b.concurrency_key = ? ORDER BY b.priority, b.job_id LIMIT ?`,
      [key, limit],
    )
    .then((rows) => rows.map(toPlace));
}

/** Moves up the jobs first in line while their keys have room; the keys are locked. */
async function moveUp(ctx: SqlContext, tx: SqlExecutor, line: Line, now: number): Promise<number> {
  const picked: JobPlace[] = [];
  await Promise.all(
    line.keys.map(async (key, k) => {
      let inUse = line.used.get(key) ?? 0;
      // The first in line says how many slots the key has; usually one, so nothing more to read.
      const [first] = line.firsts[k]!;
      if (!first || inUse >= first.concurrency!.limit) return;
      const room = first.concurrency!.limit - inUse;
      for (const job of room === 1 ? [first] : await blockedOn(ctx, tx, key, room)) {
        if (inUse >= job.concurrency!.limit) break;
        picked.push(job);
        inUse++;
      }
    }),
  );
  if (picked.length === 0) return 0;
  const { d, t } = ctx;
  const ids = d.listParam(
    picked.map((p) => p.id),
    'bigint',
  );
  // Sent together. Blocked rows leave only under their key's lock (here, or expiring), so
  // these are still there.
  const [taken] = await Promise.all([
    tx.run(`DELETE FROM ${t.blocked} WHERE ${d.inList('job_id', 'bigint')}`, [ids]),
    tx.run(`UPDATE ${t.jobs} SET state = 'ready' WHERE ${d.inList('id', 'bigint')}`, [ids]),
    insertSlots(
      ctx,
      tx,
      picked.map((p) => ({ id: p.id, concurrency: p.concurrency! })),
      now,
    ),
    insertReady(ctx, tx, picked),
  ]);
  if (taken !== picked.length)
    throw new Error(`Blocked jobs left their line while it was locked (${taken} of ${picked.length})`);
  return picked.length;
}
