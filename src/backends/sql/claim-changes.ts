import type { SqlContext } from './context.ts';
import type { ColumnType } from './dialect.ts';
import type { SqlExecutor } from './driver.ts';
import { endedItem, recordEnded } from './ended.ts';
import { num } from './rows.ts';
import { type JobPlace, type PlaceRow, toPlace } from './transitions.ts';

/**
 * Changes of claimed jobs rows, each guarded by the claim's lease: a worker whose claim was
 * taken over changes nothing. Fed by a row source of [jobId, lease, ...extra] (`src`).
 */

/** A change of claims, given the row source as "(...) AS src": an UPDATE or DELETE of jobs rows. */
export type ClaimChange = (src: string) => string;

/** How a change of claims is made and read back. */
export interface ChangeShape {
  /** Parameters of the change's own placeholders, before the row source's. */
  readonly params: readonly unknown[];
  /** Types of the row source's columns after [jobId, lease] (src.c2, src.c3, ...). */
  readonly extra: readonly ColumnType[];
  /** The columns read back: PLACE_COLUMNS, or fewer where no controls can be involved. */
  readonly returning: string;
  /** The changed jobs ended at this time (retention finds them in `ended`), or null. */
  readonly endedAt: number | null;
}

/** Rows of the source: [jobId, lease, ...extra]. */
export type ChangeRows = readonly (readonly unknown[])[];

/** An UPDATE of the claimed jobs rows that also ends the claim; `guard` (" AND ...") narrows it. */
export function updateClaimed(ctx: SqlContext, assignments: string, guard = ''): ClaimChange {
  return (src) => `UPDATE ${ctx.t.jobs} SET ${assignments}, lease = NULL
      FROM ${src} WHERE id = src.c0 AND lease = src.c1${guard}`;
}

/** A DELETE of the claimed jobs rows (finished jobs not kept); `guard` (" AND ...") narrows it. */
export function deleteClaimed(ctx: SqlContext, guard = ''): ClaimChange {
  return (src) => `DELETE FROM ${ctx.t.jobs} WHERE (id, lease) IN (SELECT c0, c1 FROM ${src})${guard}`;
}

/**
 * Runs `change` and returns where the changed jobs belong: from RETURNING, or else read first
 * under a lock. Jobs that ended are recorded in `ended` in the same statement where the dialect
 * can (data-modifying WITH), else by a statement after it (the caller's transaction makes them one).
 */
export async function changeClaims(
  ctx: SqlContext,
  tx: SqlExecutor,
  change: ClaimChange,
  shape: ChangeShape,
  rows: ChangeRows,
): Promise<JobPlace[]> {
  if (rows.length === 0) return [];
  const { d, t } = ctx;
  const { params, returning, endedAt } = shape;
  const { src, sourceParams } = rowSource(ctx, shape.extra, rows);
  let places: JobPlace[];
  if (d.returning && endedAt !== null && d.dataModifyingCte) {
    const changed = await tx.all<PlaceRow>(
      `WITH changed AS (${change(src)} RETURNING ${returning}), ended AS (${endedItem(ctx)}) SELECT * FROM changed`,
      [...params, ...sourceParams, endedAt],
    );
    return changed.map(toPlace);
  }
  if (d.returning) {
    places = (
      await tx.all<PlaceRow>(`${change(src)} RETURNING ${returning}`, [...params, ...sourceParams])
    ).map(toPlace);
  } else {
    const held = await tx.all<PlaceRow>(
      `SELECT ${returning} FROM ${t.jobs} WHERE (id, lease) IN (SELECT c0, c1 FROM ${src}) FOR UPDATE`,
      sourceParams,
    );
    await tx.run(change(src), [...params, ...sourceParams]);
    places = held.map(toPlace);
  }
  if (endedAt !== null) {
    await recordEnded(
      ctx,
      tx,
      places.map((place) => place.id),
      endedAt,
    );
  }
  return places;
}

/**
 * Runs `change` and returns only the ids of the jobs it changed. With data-modifying WITH they
 * come back as one JSON array, not a row per job: reading 500 rows back cost the worker about
 * 2 µs a job, as much as the rest of writing the completion.
 */
export async function changedIds(
  ctx: SqlContext,
  exec: SqlExecutor,
  change: ClaimChange,
  shape: Omit<ChangeShape, 'returning'>,
  rows: ChangeRows,
): Promise<number[]> {
  const { d } = ctx;
  if (!(d.returning && d.dataModifyingCte)) {
    const places = await changeClaims(
      ctx,
      exec,
      change,
      { ...shape, returning: 'id, queue, priority' },
      rows,
    );
    return places.map((place) => place.id);
  }
  if (rows.length === 0) return [];
  const { src, sourceParams } = rowSource(ctx, shape.extra, rows);
  const read =
    shape.endedAt === null
      ? ` SELECT ${d.jsonArrayAgg('id')} AS job_ids FROM changed`
      : `, ended AS (${endedItem(ctx)} RETURNING job_ids) SELECT job_ids FROM ended`;
  const result = await exec.all<{ job_ids: string | null }>(
    `WITH changed AS (${change(src)} RETURNING id)${read}`,
    [...shape.params, ...sourceParams, ...(shape.endedAt === null ? [] : [shape.endedAt])],
  );
  const ids = result[0]?.job_ids;
  return ids ? (JSON.parse(ids) as unknown[]).map(num) : [];
}

function rowSource(
  { d }: SqlContext,
  extra: readonly ColumnType[],
  rows: ChangeRows,
): { src: string; sourceParams: unknown[] } {
  const source = d.rowSource(['bigint', 'text', ...extra]);
  return {
    src: `${source.sql} AS src`,
    sourceParams: source.params(rows.map(([id, ...rest]) => [d.idParam(String(id)), ...rest])),
  };
}
