import type { SqlExecutor } from '../sql/driver.ts';

/** Jobs stored before the first look, and the least growth between two. */
const MIN_GROWTH = 1000;
/** Growth, as a share of the rows at the last look, that makes the next one. */
const GROWTH_SHARE = 0.1;

/**
 * PostgreSQL keeps the plans it cached for a prepared statement until ANALYZE (or DDL) replaces
 * them, and autovacuum is what analyzes tables as they grow. Where autovacuum is off, a plan made
 * while the jobs table was nearly empty would scan the whole table for as long as the
 * connection lives. There this process analyzes the tables whose size steers the plans once
 * it has stored a tenth more jobs than they held at its last look (as autovacuum's own
 * analyze threshold does); the plans cached on every connection are then made again.
 * Where autovacuum is on, it does nothing after one look at the setting.
 */
export class GrowthAnalyzer {
  readonly #exec: SqlExecutor;
  readonly #tables: readonly string[];
  readonly #jobsTable: string;
  #autovacuumOff: boolean | undefined;
  #stored = 0;
  #nextAt = MIN_GROWTH;
  #running: Promise<void> | undefined;

  /** `tables` are analyzed together; the first is the jobs table whose size sets the next look. */
  constructor(exec: SqlExecutor, tables: readonly [string, ...string[]]) {
    this.#exec = exec;
    this.#tables = tables;
    this.#jobsTable = tables[0];
  }

  /** Counts jobs this process stored; starts an ANALYZE in the background when they are enough. */
  stored(count: number): void {
    if (this.#autovacuumOff === false) return;
    this.#stored += count;
    if (this.#stored < this.#nextAt || this.#running) return;
    this.#running = this.#analyze()
      // The look is only for speed: should it fail (a role that may not analyze), plans stay
      // as they were and the next growth tries again.
      .catch(() => {})
      .finally(() => {
        this.#running = undefined;
      });
  }

  /** Waits for an ANALYZE under way (before the connections close). */
  async idle(): Promise<void> {
    await this.#running;
  }

  async #analyze(): Promise<void> {
    this.#autovacuumOff ??=
      (await this.#exec.all<{ autovacuum: string }>('SHOW autovacuum'))[0]?.autovacuum === 'off';
    if (!this.#autovacuumOff) return;
    this.#stored = 0;
    await this.#exec.run(`ANALYZE ${this.#tables.join(', ')}`);
    const [row] = await this.#exec.all<{ rows: number }>(
      `SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = ?::regclass`,
      [this.#jobsTable],
    );
    this.#nextAt = Math.max(MIN_GROWTH, Math.ceil(GROWTH_SHARE * Math.max(0, row?.rows ?? 0)));
  }
}
