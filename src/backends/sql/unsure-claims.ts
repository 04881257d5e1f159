import { randomBytes } from 'node:crypto';
import type { ClaimedJobs } from '../../backend/types.ts';
import { BackendUnavailableError } from '../../errors.ts';
import { claimJobs } from './claim.ts';
import { dropEmptyClaimRows, heldUnder } from './claim-rows.ts';
import { releaseClaims } from './complete.ts';
import type { SqlContext } from './context.ts';

type ClaimParams = Omit<Parameters<typeof claimJobs>[1], 'lease'>;

/**
 * A claim whose connection was lost may have committed with its answer lost on the way: its
 * jobs would stay claimed by this live process, run by nobody, until the process exits. So the
 * lease is chosen before each claim, and the leases of claims that failed that way are given
 * back (attempt and all, they never ran) before the next claim of this backend.
 */
export class UnsureClaims {
  readonly #ctx: SqlContext;
  readonly #unsure = new Set<string>();

  constructor(ctx: SqlContext) {
    this.#ctx = ctx;
  }

  async claim(params: ClaimParams): Promise<ClaimedJobs> {
    await this.#releaseUnsure(params.now);
    // 128 random bits in 22 characters (a UUID spends 36 on 122): every claimed jobs row
    // carries its lease, and the shorter it is the likelier the row's new version fits its page.
    const lease = randomBytes(16).toString('base64url');
    try {
      return await claimJobs(this.#ctx, { ...params, lease });
    } catch (error) {
      if (error instanceof BackendUnavailableError) this.#unsure.add(lease);
      throw error;
    }
  }

  async #releaseUnsure(now: number): Promise<void> {
    if (this.#unsure.size === 0) return;
    const ctx = this.#ctx;
    const unsure = [...this.#unsure];
    const byLease = { sql: ctx.d.inList('lease', 'text'), params: [ctx.d.listParam(unsure, 'text')] };
    const held = await heldUnder<{ id: unknown; lease: string }>(
      ctx,
      ctx.driver,
      byLease,
      'id, lease',
      false,
    );
    await releaseClaims(
      ctx,
      held.rows.map((row) => ({ jobId: String(row.id), lease: row.lease })),
      now,
    );
    await ctx.driver.transaction((tx) => dropEmptyClaimRows(ctx, tx, held.leases));
    for (const lease of unsure) this.#unsure.delete(lease);
  }
}
