import { afterAll, describe } from 'vitest';
import { postgresBackend } from '../../src/backends/postgres/index.ts';
import { describeBackendContract } from '../contract/index.ts';
import { closeAdminPool, isolatedPostgres, TEST_DATABASE_URL } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';

const available = await serviceAvailable(POSTGRES);

/** Capabilities as the backend declares them (creating it opens no connection). */
const probe = postgresBackend({ connectionString: TEST_DATABASE_URL });
const capabilities = probe.capabilities;
await probe.close();

describe.skipIf(!available)('postgres', () => {
  afterAll(closeAdminPool);

  // Each test gets a fresh schema, dropped afterwards.
  describeBackendContract('postgres', async () => isolatedPostgres(), capabilities);
});
