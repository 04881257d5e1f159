import type { JobState, NewJob } from '../../backend/types.ts';
import { DuplicateJobError } from '../../errors.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';
import type { JobPlace } from './transitions.ts';

/**
 * Unique jobs (docs/architecture.md): a held key is a row of the uniques table, taken by an
 * INSERT that the key's primary key arbitrates (never check-then-insert), released by deleting
 * the holder's row when it leaves its covered states, or taken over once its period ended.
 */

/** Per input index of a job that is a duplicate: the holder's id, or the index of an earlier job of the same call. */
export type Duplicates = Map<number, { readonly id: string } | { readonly index: number }>;

/**
 * Takes the unique keys of `jobs` for jobs about to be inserted (their ids are linked later
 * with linkUniqueKeys). Returns the duplicates; with onConflict 'error' a duplicate raises
 * DuplicateJobError, so the caller's transaction stores nothing.
 */
export async function takeUniqueKeys(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  jobs: readonly NewJob[],
  now: number,
): Promise<Duplicates> {
  const duplicates: Duplicates = new Map();
  const firstWith = new Map<string, number>();
  jobs.forEach((job, i) => {
    if (!job.unique) return;
    const first = firstWith.get(job.unique.key);
    if (first === undefined) firstWith.set(job.unique.key, i);
    else duplicates.set(i, { index: first });
  });
  if (firstWith.size === 0) return duplicates;
  const src = d.rowSource(['text', 'bigint']);
  // Key order: transactions racing on the same keys wait for each other in one order.
  let pending = [...firstWith.keys()].sort();
  while (pending.length > 0) {
    const taken = await tx.all<{ key: string }>(
      `INSERT INTO ${t.uniques} (key, job_id, expires_at) SELECT c0, NULL, c1 FROM ${src.sql} AS src WHERE true
        ON CONFLICT (key) DO UPDATE SET job_id = NULL, expires_at = excluded.expires_at
        WHERE ${t.uniques}.expires_at IS NOT NULL AND ${t.uniques}.expires_at <= ?
        RETURNING key`,
      [...src.params(pending.map((key) => [key, jobs[firstWith.get(key)!]!.unique!.expiresAt])), now],
    );
    const won = new Set(taken.map((row) => row.key));
    const lost = pending.filter((key) => !won.has(key));
    if (lost.length === 0) break;
    const holders = await tx.all<{ key: string; job_id: unknown }>(
      `SELECT key, job_id FROM ${t.uniques} WHERE ${d.inList('key', 'text')}`,
      [d.listParam(lost, 'text')],
    );
    for (const row of holders) duplicates.set(firstWith.get(row.key)!, { id: String(num(row.job_id)) });
    // A holder that released its key between the two statements: try those keys again.
    const held = new Set(holders.map((row) => row.key));
    pending = lost.filter((key) => !held.has(key));
  }
  // A later job of the call whose first was a duplicate is a duplicate of the same holder.
  for (const [i, holder] of duplicates) {
    if ('index' in holder) duplicates.set(i, duplicates.get(holder.index) ?? holder);
  }
  for (const [i, holder] of duplicates) {
    const job = jobs[i]!;
    if (job.unique!.onConflict === 'error') {
      throw new DuplicateJobError(job.name, job.unique!.key, 'id' in holder ? holder.id : null);
    }
  }
  return duplicates;
}

/** Points the keys taken by takeUniqueKeys at the ids their jobs got. */
export async function linkUniqueKeys(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  links: readonly (readonly [key: string, id: number])[],
): Promise<void> {
  if (links.length === 0) return;
  const src = d.rowSource(['text', 'bigint']);
  await tx.run(
    `UPDATE ${t.uniques} SET job_id = src.c1 FROM ${src.sql} AS src WHERE key = src.c0`,
    src.params(links),
  );
}

/** Releases the keys of jobs that just entered `state`, where it is not one they cover. */
export async function releaseUniqueKeys(
  { d, t }: SqlContext,
  tx: SqlExecutor,
  places: readonly JobPlace[],
  state: JobState,
): Promise<void> {
  const leaving = places.filter((p) => p.uniqueStates && !p.uniqueStates.includes(state)).map((p) => p.id);
  if (leaving.length === 0) return;
  // By holder: a key taken over by a newer job after its period stays with that job.
  await tx.run(`DELETE FROM ${t.uniques} WHERE ${d.inList('job_id', 'bigint')}`, [
    d.listParam(leaving, 'bigint'),
  ]);
}
