import type { Dialect, Tables } from './dialect.ts';
import type { SqlDriver } from './driver.ts';

/** What every shared SQL operation works with. */
export interface SqlContext {
  readonly driver: SqlDriver;
  readonly d: Dialect;
  readonly t: Tables;
  /** Told how many jobs each enqueue stored (PostgreSQL analyzes grown tables where autovacuum is off). */
  readonly jobsStored?: (count: number) => void;
}
