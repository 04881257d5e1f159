/**
 * Shigoto on PostgreSQL through the shared scenarios, each run in a fresh schema dropped afterwards.
 * Run: npm run bench -- postgres [--jobs 100000] [--threads 10] [--bulk-read 500] [--backlog 1000000] [--url postgres://...]
 */
import { postgresBackend } from 'shigoto';
import { closeAdmin, databaseUrl, dropSchema, freshSchema, serverSettings, settleSchema } from './pg.ts';
import { runSuite, scenarioOptions } from './scenarios.ts';
import { shigotoSystems } from './shigoto.ts';

try {
  const systems = shigotoSystems('Shigoto PostgreSQL', await serverSettings(), () => {
    const schema = freshSchema('shigoto');
    return {
      backend: postgresBackend({ connectionString: databaseUrl, schema }),
      remove: () => dropSchema(schema),
      settle: () => settleSchema(schema),
    };
  });
  await runSuite(systems, scenarioOptions());
} finally {
  await closeAdmin();
}
