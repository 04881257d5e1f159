/** `npm run bench -- <suite> [options]`: runs one benchmark suite in this process. */
const suite = process.argv[2] ?? 'sqlite';
const suites: Record<string, string> = {
  sqlite: './sqlite.ts',
  postgres: './postgres.ts',
  'postgres-deleting': './postgres-deleting.ts',
  graphile: './peers/graphile.ts',
  pgboss: './peers/pgboss.ts',
  bullmq: './peers/bullmq.ts',
  compare: './compare.ts',
  concurrency: './concurrency.ts',
  serialized: './serialized.ts',
  topics: './topics.ts',
};
const path = suites[suite];
if (!path) {
  process.stderr.write(`Unknown suite "${suite}". Suites: ${Object.keys(suites).join(', ')}\n`);
  process.exit(2);
}
await import(path);
