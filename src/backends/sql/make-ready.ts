import type { ConcurrencyControl } from '../../backend/types.ts';
import { grantSlots, insertBlocked, insertSlots, type KeyLocks, liveSlotHolders } from './concurrency.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { insertReady, type JobPlace } from './transitions.ts';

type Keyed = JobPlace & { readonly concurrency: ConcurrencyControl };

/**
 * Makes jobs whose jobs row says 'ready' claimable. A job without a concurrency key, or one
 * that still holds a live slot (a claim given back), gets its ready row; any other takes a
 * free slot of its key or is blocked. With no concurrency key among them this is one insert.
 */
export async function readyOrBlocked(
  ctx: SqlContext,
  tx: SqlExecutor,
  locks: KeyLocks,
  places: readonly JobPlace[],
  now: number,
): Promise<void> {
  const keyed = places.filter((p): p is Keyed => Boolean(p.concurrency));
  if (keyed.length === 0) return insertReady(ctx, tx, places);
  // Locked before reading who holds what, so maintenance cannot expire a slot in between.
  await locks.lock(keyed.map((p) => p.concurrency.key));
  const held = await liveSlotHolders(
    ctx,
    tx,
    keyed.map((p) => p.id),
    now,
  );
  const asking = keyed.filter((p) => !held.has(p.id));
  const granted = await grantSlots(
    ctx,
    tx,
    locks,
    asking.map((p) => p.concurrency),
    now,
  );
  await insertSlots(
    ctx,
    tx,
    asking.filter((_, i) => granted[i]),
    now,
  );
  const blocked = asking.filter((_, i) => !granted[i]);
  if (blocked.length > 0) {
    const { d, t } = ctx;
    await tx.run(`UPDATE ${t.jobs} SET state = 'blocked' WHERE ${d.inList('id', 'bigint')}`, [
      d.listParam(
        blocked.map((p) => p.id),
        'bigint',
      ),
    ]);
    await insertBlocked(ctx, tx, blocked, now);
  }
  const out = new Set(blocked.map((p) => p.id));
  await insertReady(
    ctx,
    tx,
    places.filter((p) => !out.has(p.id)),
  );
}

/**
 * Puts jobs (no longer claimed, failed or scheduled) back to ready, or blocked (see
 * readyOrBlocked). `attemptsDelta` is -1 when the attempt is given back. Read `places` with
 * PLACE_COLUMNS so their concurrency keys are known.
 */
export async function moveToReady(
  ctx: SqlContext,
  tx: SqlExecutor,
  locks: KeyLocks,
  places: readonly JobPlace[],
  attemptsDelta: number,
  now: number,
): Promise<void> {
  if (places.length === 0) return;
  const { d, t } = ctx;
  await tx.run(
    `UPDATE ${t.jobs} SET state = 'ready', lease = NULL, run_at = NULL, finished_at = NULL,
       attempts = attempts + ? WHERE ${d.inList('id', 'bigint')}`,
    [
      attemptsDelta,
      d.listParam(
        places.map((j) => j.id),
        'bigint',
      ),
    ],
  );
  await readyOrBlocked(ctx, tx, locks, places, now);
}
