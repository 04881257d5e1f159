import { describe, expect, it } from 'vitest';
import { InvalidQueueNameError } from '../../src/errors.ts';
import { createShigoto, defineJob, type Shigoto } from '../../src/index.ts';
import { isolatedPostgres, useCleanups } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';

const available = await serviceAvailable(POSTGRES);

const plain = defineJob({ name: 'Plain', perform: (_args: { n: number }) => {} });
const unique = defineJob({ name: 'Unique', unique: {}, perform: (_args: { n: number }) => {} });

/**
 * enqueueMany on PostgreSQL sends each chunk of 1 000 jobs as soon as it is encoded (see
 * enqueue-streamed.ts and test/unit/enqueue-streamed.test.ts for the order of events); here the
 * outcome on a real server: everything or nothing, in order, controls honoured.
 */
describe.skipIf(!available)('postgres: bulk enqueue of several chunks', () => {
  const cleanups = useCleanups();

  async function open(): Promise<Shigoto> {
    const pg = isolatedPostgres();
    const shigoto = createShigoto({ backend: pg.backend, jobs: [plain, unique] });
    cleanups.push(pg.cleanup);
    await shigoto.migrate();
    return shigoto;
  }

  it('stores every job, each id matching its request', async () => {
    const shigoto = await open();
    const enqueued = await shigoto.enqueueMany(
      Array.from({ length: 2500 }, (_, n) => ({ job: plain, args: { n }, options: { queue: `q${n % 3}` } })),
    );
    expect(enqueued).toHaveLength(2500);
    expect(await shigoto.backend.countJobs()).toMatchObject({ ready: 2500 });
    for (const n of [0, 999, 1000, 2499]) {
      const job = await shigoto.backend.getJob({ id: enqueued[n]!.id });
      expect(job).toMatchObject({ queue: `q${n % 3}`, state: 'ready' });
      expect(JSON.parse(job!.args)).toMatchObject({ n });
    }
    expect((await shigoto.backend.listQueues()).map((q) => [q.name, q.ready])).toEqual([
      ['q0', 834],
      ['q1', 833],
      ['q2', 833],
    ]);
  });

  it('stores nothing when a job of a later chunk is refused', async () => {
    const shigoto = await open();
    const requests = Array.from({ length: 2500 }, (_, n) => ({
      job: plain,
      args: { n },
      options: { queue: n === 2200 ? 'not a queue!' : 'default' },
    }));
    await expect(shigoto.enqueueMany(requests)).rejects.toBeInstanceOf(InvalidQueueNameError);
    expect(await shigoto.backend.countJobs()).toMatchObject({ ready: 0 });
  });

  it('honours the controls of a job in a later chunk (the whole call takes the controlled path)', async () => {
    const shigoto = await open();
    const [held] = await shigoto.enqueueMany([{ job: unique, args: { n: 7 } }]);
    const enqueued = await shigoto.enqueueMany(
      Array.from({ length: 2500 }, (_, n) =>
        n === 1700 ? { job: unique, args: { n: 7 } } : { job: plain, args: { n } },
      ),
    );
    expect(enqueued[1700]).toMatchObject({ id: held!.id, duplicate: true });
    expect(enqueued.filter((job) => job.duplicate)).toHaveLength(1);
    expect(await shigoto.backend.countJobs()).toMatchObject({ ready: 2500 }); // 2 499 plain + the held one
  });
});
