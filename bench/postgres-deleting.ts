/**
 * Shigoto on PostgreSQL deleting finished jobs as they finish (`preserve_finished_jobs: false`),
 * as graphile-worker does with its completed jobs. Options as for the postgres suite.
 */
import { runPostgresSuite } from './postgres-suite.ts';

await runPostgresSuite('Shigoto PostgreSQL, finished jobs deleted', true);
