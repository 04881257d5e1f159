/** Shigoto on PostgreSQL through the shared scenarios, each run in a fresh schema dropped afterwards. */
import { postgresBackend } from 'shigoto';
import { closeAdmin, databaseUrl, dropSchema, freshSchema, serverSettings, settleSchema } from './pg.ts';
import { runSuite, scenarioOptions } from './scenarios.ts';
import { shigotoSystems } from './shigoto.ts';

/** `deleteFinished`: finished jobs are deleted as they finish (`preserve_finished_jobs: false`), as graphile-worker does. */
export async function runPostgresSuite(name: string, deleteFinished: boolean): Promise<void> {
  try {
    const describe = `${await serverSettings()}; finished jobs ${deleteFinished ? 'deleted as they finish' : 'kept (the default)'}`;
    const systems = shigotoSystems(name, describe, () => {
      const schema = freshSchema('shigoto');
      return {
        backend: postgresBackend({ connectionString: databaseUrl, schema, deleteFinished }),
        remove: () => dropSchema(schema),
        settle: () => settleSchema(schema),
      };
    });
    await runSuite(systems, scenarioOptions());
  } finally {
    await closeAdmin();
  }
}
