import type { ClaimRef, Completion, CompletionResult } from '../../backend/types.ts';
import {
  type ChangeRows,
  type ChangeShape,
  type ClaimChange,
  changeClaims,
  changedIds,
  deleteClaimed,
  updateClaimed,
} from './claim-changes.ts';
import { KeyLocks, releaseSlots } from './concurrency.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { expireClaims } from './expiry.ts';
import { readyOrBlocked } from './make-ready.ts';
import { leaveLines } from './serial.ts';
import { insertScheduled, type JobPlace, PLACE_COLUMNS } from './transitions.ts';
import { releaseUniqueKeys } from './unique.ts';
import { insertValues } from './values.ts';

/** A claim going back to ready (runAt null) or scheduled, as retry, snooze and release do. */
interface Requeue extends ClaimRef {
  readonly runAt: number | null;
  readonly attemptsDelta: number;
  readonly error: string | null;
}

/**
 * Applies finished / failed / discarded / retry / snooze transitions all at once (one
 * transaction, or one statement), with one statement per outcome rather than per job. Each is
 * guarded by its lease: a worker whose claim was taken over changes nothing, and is told so in
 * `rejected`. A job that ends frees its concurrency slot (unblocking the next of its key), its
 * unique key and its serialized line (starting the next of the line) in the same transaction.
 * A job of a line that fails becomes errored instead (see serial.ts).
 */
export async function completeJobs(
  ctx: SqlContext,
  items: readonly Completion[],
  now: number,
  deleteFinished: boolean,
): Promise<CompletionResult> {
  if (items.length === 0) return { rejected: [] };
  const batches = rounds(items);
  const inTransaction = (list: readonly Completion[]) =>
    ctx.driver.transaction((tx) => applyRounds(ctx, tx, list, now, deleteFinished));
  // The usual batch (every job finished, or every one discarded) is one statement, atomic on
  // its own (with its `ended` row): no transaction round trips. It leaves jobs with controls,
  // whose slots and keys change with them, to a transaction; and so any job it did not change.
  const outcome = items[0]!.outcome;
  const oneStatement =
    batches.length === 1 &&
    (outcome === 'finished' || outcome === 'discarded') &&
    items.every((item) => item.outcome === outcome);
  if (!oneStatement) return { rejected: await inTransaction(items) };
  // Where the `ended` row cannot ride in the same statement (no data-modifying WITH), the two
  // statements share a transaction (a local one: SQLite).
  const plain = (exec: SqlExecutor) => endPlainClaims(ctx, exec, items, now, deleteFinished);
  const ended = new Set(
    ctx.d.dataModifyingCte ? await plain(ctx.driver) : await ctx.driver.transaction((tx) => plain(tx)),
  );
  if (ended.size === items.length) return { rejected: [] };
  return { rejected: await inTransaction(items.filter((item) => !ended.has(canonicalId(item.jobId)))) };
}

/** The one-statement path's guard: jobs without controls (no slot, key or line to release). */
const PLAIN = ' AND concurrency_key IS NULL AND unique_key IS NULL AND serial_key IS NULL';

const errorText = (item: Completion) => ('error' in item && item.error ? JSON.stringify(item.error) : null);

/** A change that ends claims: the statement, its shape (all but what it reads back) and its rows. */
interface Ending {
  readonly change: ClaimChange;
  readonly shape: Omit<ChangeShape, 'returning'>;
  readonly rows: ChangeRows;
}

/**
 * How claims end as finished (deleted, or kept with their result) or discarded (kept with the
 * error, if any), for the one-statement path and the full one alike. `guard` (" AND ...")
 * narrows which jobs rows it may change.
 */
function ending(
  ctx: SqlContext,
  outcome: 'finished' | 'discarded',
  items: readonly Completion[],
  now: number,
  deleteFinished: boolean,
  guard = '',
): Ending {
  if (outcome === 'finished' && deleteFinished) {
    return {
      change: deleteClaimed(ctx, guard),
      shape: { params: [], extra: [], endedAt: null },
      rows: items.map((item) => [item.jobId, item.lease]),
    };
  }
  const assignments =
    outcome === 'finished'
      ? `state = 'finished', finished_at = ?, result = src.c2, expires_at = NULL`
      : `state = 'discarded', finished_at = ?, last_error = COALESCE(src.c2, last_error), expires_at = NULL`;
  return {
    change: updateClaimed(ctx, assignments, guard),
    shape: { params: [now], extra: ['text'], endedAt: now },
    rows: items.map((item) => [
      item.jobId,
      item.lease,
      item.outcome === 'finished' ? item.result : errorText(item),
    ]),
  };
}

/**
 * The usual batch, in one statement: every item finished, or every one discarded (one item per
 * job). Ends those whose jobs have no controls and whose lease holds; returns their ids (as
 * canonical strings). The caller gives the rest to the full path.
 */
async function endPlainClaims(
  ctx: SqlContext,
  exec: SqlExecutor,
  items: readonly Completion[],
  now: number,
  deleteFinished: boolean,
): Promise<string[]> {
  const outcome = items[0]!.outcome === 'finished' ? 'finished' : 'discarded';
  const { change, shape, rows } = ending(ctx, outcome, items, now, deleteFinished, PLAIN);
  return (await changedIds(ctx, exec, change, shape, rows)).map(String);
}

/** Applies the items round by round; returns the ids of those it did not apply. */
async function applyRounds(
  ctx: SqlContext,
  exec: SqlExecutor,
  items: readonly Completion[],
  now: number,
  deleteFinished: boolean,
): Promise<string[]> {
  const locks = new KeyLocks(ctx, exec, now);
  const rejected = new Set<number>();
  for (const round of rounds(items)) {
    const applied = await applyRound(
      ctx,
      exec,
      locks,
      round.map((i) => items[i]!),
      now,
      deleteFinished,
    );
    for (const i of round) if (!applied.has(canonicalId(items[i]!.jobId))) rejected.add(i);
  }
  return items.filter((_, i) => rejected.has(i)).map((item) => item.jobId);
}

/**
 * Graceful release: claims back to ready with the attempt given back; a job keeps its slot
 * while that is live (it was not its fault it stopped). Returns how many.
 */
export async function releaseClaims(
  ctx: SqlContext,
  items: readonly ClaimRef[],
  now: number,
): Promise<number> {
  if (items.length === 0) return 0;
  return ctx.driver.transaction(async (tx) => {
    const locks = new KeyLocks(ctx, tx, now);
    let released = 0;
    for (const round of rounds(items)) {
      const requeues = round.map((i) => ({ ...items[i]!, runAt: null, attemptsDelta: -1, error: null }));
      released += (await requeue(ctx, tx, locks, requeues, now, false)).length;
    }
    return released;
  });
}

/**
 * Splits a batch so that no job appears twice in one round: round k holds the indexes of the
 * k-th item of each job, in input order. Applying rounds in turn gives what applying items
 * one by one gives (a later item of a job sees the lease the earlier one spent), while every
 * round can be one statement per outcome.
 */
function rounds(items: readonly ClaimRef[]): number[][] {
  const seen = new Map<string, number>();
  const result: number[][] = [];
  items.forEach((item, i) => {
    const id = canonicalId(item.jobId);
    const k = seen.get(id) ?? 0;
    seen.set(id, k + 1);
    if (k === result.length) result.push([]);
    result[k]!.push(i);
  });
  return result;
}

/** "007" and "7" name the same job. */
function canonicalId(id: string): string {
  return id.length > 1 && id.startsWith('0') ? id.replace(/^0+(?=\d)/, '') : id;
}

/** Applies one round (each job at most once); returns the ids of the jobs it changed. */
async function applyRound(
  ctx: SqlContext,
  tx: SqlExecutor,
  locks: KeyLocks,
  items: readonly Completion[],
  now: number,
  deleteFinished: boolean,
): Promise<Set<string>> {
  const { t } = ctx;
  const of = <K extends Completion['outcome']>(outcome: K) =>
    items.filter((item): item is Extract<Completion, { outcome: K }> => item.outcome === outcome);
  const returning = PLACE_COLUMNS;
  const end = ({ change, shape, rows }: Ending) =>
    changeClaims(ctx, tx, change, { ...shape, returning }, rows);
  const finished = await end(ending(ctx, 'finished', of('finished'), now, deleteFinished));
  const discarded = await end(ending(ctx, 'discarded', of('discarded'), now, deleteFinished));
  const ended = await endClaims(
    ctx,
    tx,
    `state = CASE WHEN serial_key IS NULL THEN 'failed' ELSE 'errored' END, last_error = src.c2, expires_at = NULL`,
    { params: [], extra: ['text'], returning, endedAt: null },
    of('failed').map((item) => [item.jobId, item.lease, errorText(item)]),
  );
  const failed = ended.filter((place) => !place.serial);
  const errored = ended.filter((place) => place.serial);
  await insertValues(
    ctx,
    tx,
    t.failed,
    [
      ['job_id', 'bigint'],
      ['queue', 'text'],
      ['failed_at', 'bigint'],
    ],
    failed.map((place) => [place.id, place.queue, now]),
  );
  await insertValues(
    ctx,
    tx,
    t.errored,
    [
      ['job_id', 'bigint'],
      ['queue', 'text'],
    ],
    errored.map((place) => [place.id, place.queue]),
  );
  await releaseSlots(ctx, tx, locks, [...finished, ...discarded, ...ended], now);
  await releaseUniqueKeys(ctx, tx, finished, 'finished');
  await releaseUniqueKeys(ctx, tx, discarded, 'discarded');
  await releaseUniqueKeys(ctx, tx, failed, 'failed');
  await releaseUniqueKeys(ctx, tx, errored, 'errored');
  const expired = await expireClaims(ctx, tx, locks, of('expired'), now);
  // An errored job of a 'stop' line stays its head: the jobs behind it wait.
  const setAside = errored.filter((place) => place.serial!.onError === 'continue');
  await leaveLines(ctx, tx, [...finished, ...discarded, ...setAside, ...expired], now);
  const requeued = await requeue(
    ctx,
    tx,
    locks,
    [...of('retry'), ...of('snooze')].map((item) => ({
      jobId: item.jobId,
      lease: item.lease,
      runAt: item.runAt <= now ? null : item.runAt,
      attemptsDelta: item.outcome === 'snooze' ? -1 : 0,
      error: errorText(item),
    })),
    now,
    true,
  );
  return new Set(
    [...finished, ...discarded, ...ended, ...expired, ...requeued].map((place) => String(place.id)),
  );
}

/**
 * Ends claims into ready or scheduled in one guarded UPDATE, then adds their state rows. With
 * `releaseSlot` (a retry or snooze: the run ended) a job gives its slot up and takes a slot
 * again like a new job; without (a claim given back), it keeps a live one.
 */
async function requeue(
  ctx: SqlContext,
  tx: SqlExecutor,
  locks: KeyLocks,
  items: readonly Requeue[],
  now: number,
  releaseSlot: boolean,
): Promise<JobPlace[]> {
  const places = await endClaims(
    ctx,
    tx,
    `state = CASE WHEN src.c3 IS NULL THEN 'ready' ELSE 'scheduled' END, run_at = src.c3,
       finished_at = NULL, attempts = attempts + src.c4, last_error = COALESCE(src.c2, last_error)`,
    { params: [], extra: ['text', 'bigint', 'bigint'], returning: PLACE_COLUMNS, endedAt: null },
    items.map((item) => [item.jobId, item.lease, item.error, item.runAt, item.attemptsDelta]),
  );
  if (releaseSlot) await releaseSlots(ctx, tx, locks, places, now);
  const runAt = new Map(items.map((item) => [canonicalId(item.jobId), item.runAt]));
  const at = (place: JobPlace) => runAt.get(String(place.id)) ?? null;
  await readyOrBlocked(
    ctx,
    tx,
    locks,
    places.filter((place) => at(place) === null),
    now,
  );
  await insertScheduled(
    ctx,
    tx,
    places.flatMap((place) => {
      const later = at(place);
      return later === null ? [] : [{ ...place, runAt: later }];
    }),
  );
  return places;
}

/** Ends the claims whose lease still holds with one UPDATE of their jobs rows. */
function endClaims(
  ctx: SqlContext,
  tx: SqlExecutor,
  assignments: string,
  shape: ChangeShape,
  rows: ChangeRows,
): Promise<JobPlace[]> {
  return changeClaims(ctx, tx, updateClaimed(ctx, assignments), shape, rows);
}
