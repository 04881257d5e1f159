import type { SqlExecutor } from '../sql/driver.ts';

/** Jobs stored before the first look, and the least growth between two. */
const MIN_GROWTH = 1000;
/** Growth, as a share of the rows at the last look, that makes the next one. */
const GROWTH_SHARE = 0.1;
/**
 * The least time from one look to the next: a bulk load that grows the table by a tenth with
 * every call would otherwise analyze it after every call (20 times for 200 000 jobs stored
 * 10 000 at a time, doubling the server's work). Growth seen sooner is looked at then.
 */
const MIN_INTERVAL_MS = 2000;

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
  #autovacuumOff: boolean | undefined;
  readonly #minIntervalMs: number;
  #stored = 0;
  #nextAt = MIN_GROWTH;
  #lastLookAt = Number.NEGATIVE_INFINITY;
  #running: Promise<void> | undefined;
  #waiting: NodeJS.Timeout | undefined;
  #closed = false;

  /** `tables` are analyzed together; the first is the jobs table whose size sets the next look. */
  constructor(exec: SqlExecutor, tables: readonly [string, ...string[]], minIntervalMs = MIN_INTERVAL_MS) {
    this.#exec = exec;
    this.#tables = tables;
    this.#minIntervalMs = minIntervalMs;
  }

  /** Counts jobs this process stored; starts an ANALYZE in the background when they are enough. */
  stored(count: number): void {
    if (this.#autovacuumOff === false) return;
    this.#stored += count;
    this.#lookIfDue();
  }

  /** Waits for an ANALYZE under way. */
  async idle(): Promise<void> {
    await this.#running;
  }

  /** Starts no more ANALYZE and waits for one under way (the connections are about to close). */
  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#waiting);
    return this.idle();
  }

  #lookIfDue(): void {
    if (this.#closed || this.#stored < this.#nextAt || this.#running || this.#waiting) return;
    const wait = this.#lastLookAt + this.#minIntervalMs - Date.now();
    if (wait > 0) {
      this.#waiting = setTimeout(() => {
        this.#waiting = undefined;
        this.#lookIfDue();
      }, wait);
      this.#waiting.unref();
      return;
    }
    this.#lastLookAt = Date.now();
    this.#running = this.#analyze()
      // The look is only for speed: should it fail (a role that may not analyze), plans stay
      // as they were and the next growth tries again.
      .catch(() => {})
      .finally(() => {
        this.#running = undefined;
      });
  }

  async #analyze(): Promise<void> {
    this.#autovacuumOff ??=
      (await this.#exec.all<{ autovacuum: string }>('SHOW autovacuum'))[0]?.autovacuum === 'off';
    if (!this.#autovacuumOff) return;
    this.#stored = 0;
    await this.#exec.run(`ANALYZE ${this.#tables.join(', ')}`);
    const [row] = await this.#exec.all<{ rows: number }>(
      `SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = ?::regclass`,
      [this.#tables[0]],
    );
    this.#nextAt = Math.max(MIN_GROWTH, Math.ceil(GROWTH_SHARE * Math.max(0, row?.rows ?? 0)));
  }
}
