import { describe, expect, it } from 'vitest';
import { postgresBackend } from '../../src/backends/postgres/index.ts';
import { BackendUnavailableError } from '../../src/errors.ts';
import { newJobs, T0 } from '../contract/helpers.ts';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema, useCleanups } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const available = await serviceAvailable(POSTGRES);

describe.skipIf(!available)('postgres: a claim committed whose answer was lost on the way', () => {
  const cleanups = useCleanups();

  it('fails with BackendUnavailableError, and its jobs go back to ready (attempt given back) before the next claim', async () => {
    const schema = uniqueSchema();
    const proxy = await TcpProxy.start({ host: POSTGRES.host, port: POSTGRES.port });
    const direct = postgresBackend({ connectionString: TEST_DATABASE_URL, schema, poolSize: 1 });
    const worker = postgresBackend({
      host: '127.0.0.1',
      port: proxy.port,
      user: 'postgres',
      database: 'test',
      schema,
      poolSize: 1,
    });
    cleanups.push(async () => {
      await worker.close();
      await direct.close();
      await proxy.close();
      await dropSchema(schema);
    });
    await direct.migrate();
    const ids = await direct.enqueue({ jobs: newJobs(3), now: T0 });
    // Opens the worker's one connection first, so the next answer through the proxy is the claim's.
    expect(await worker.countJobs()).toMatchObject({ ready: 3 });

    proxy.cutNextAnswer();
    await expect(worker.claim({ queues: ['*'], limit: 2, processId: 'p1', now: T0 })).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    // The server did claim them; the worker never heard so and runs nothing.
    const claimed = (await direct.listJobs({ state: 'claimed' })).map((j) => [j.id, j.processId, j.attempts]);
    expect(claimed.sort()).toEqual(ids.slice(0, 2).map((id) => [id, 'p1', 1]));

    const next = await worker.claim({ queues: ['*'], limit: 3, processId: 'p1', now: T0 });
    expect(next.map((j) => [j.id, j.attempts]).sort()).toEqual(ids.map((id) => [id, 1]));
  });
});
