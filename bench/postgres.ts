/**
 * Shigoto on PostgreSQL with its defaults (finished jobs kept).
 * Run: npm run bench -- postgres [--jobs 100000] [--threads 10] [--bulk-read 500] [--backlog 1000000] [--url postgres://...]
 */
import { runPostgresSuite } from './postgres-suite.ts';

await runPostgresSuite('Shigoto PostgreSQL', false);
