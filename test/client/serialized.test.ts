import { describe, expect, it } from 'vitest';
import {
  createShigoto,
  defineJob,
  InvalidInputError,
  inlineBackend,
  type QueueSettings,
} from '../../src/index.ts';
import { useHarness, waitFor } from '../support/shigoto-harness.ts';

const harness = useHarness();

type Entry = { account: string; n: number };
const perform = (_args: Entry) => {};
const queues = { ledger: { serialized: true }, keyed: { serialized: true, onError: 'continue' as const } };

describe('serialized queue settings and ordering keys are checked with a typed error', () => {
  it('refuses an orderingKey that is not a function at defineJob', () => {
    expect(() => defineJob({ name: 'Bad', perform, orderingKey: 'account' as never })).toThrow(
      InvalidInputError,
    );
  });

  it.each<[string, QueueSettings]>([
    ['an unknown onError', { serialized: true, onError: 'pause' as never }],
    ['onError on a parallel queue', { onError: 'continue' }],
    ['serialized that is not a boolean', { serialized: 'yes' as never }],
  ])('refuses %s when the client is made', (_label, settings) => {
    expect(() => createShigoto({ backend: inlineBackend(), queues: { ledger: settings } })).toThrow(
      InvalidInputError,
    );
  });

  it('refuses an orderingKey per call to a parallel queue, concurrency options in a serialized queue and an empty key, storing nothing', async () => {
    const post = defineJob({ name: 'Post', queue: 'ledger', perform, orderingKey: (a: Entry) => a.account });
    const limited = defineJob({ name: 'Limited', queue: 'ledger', perform, concurrency: { key: 'k' } });
    const h = await harness({ jobs: [post, limited], queues });
    const args = { account: 'a', n: 1 };
    await expect(h.shigoto.enqueue(post, args, { queue: 'mail', orderingKey: 'a' })).rejects.toThrow(
      /orderingKey needs a serialized queue/,
    );
    await expect(h.shigoto.enqueue(limited, args)).rejects.toThrow(InvalidInputError);
    await expect(h.shigoto.enqueue(post, { account: '', n: 1 })).rejects.toThrow(InvalidInputError);
    await expect(h.shigoto.enqueue(post, args, { orderingKey: '' })).rejects.toThrow(InvalidInputError);
    expect(await h.allJobs()).toEqual([]);
  });
});

describe('serialized queues', () => {
  it('store each job in its line: the queue, "<queue>/<key>" with an ordering key, none in a parallel queue', async () => {
    const post = defineJob({ name: 'Post', queue: 'ledger', perform });
    const keyed = defineJob({ name: 'Keyed', queue: 'keyed', perform, orderingKey: (a: Entry) => a.account });
    const h = await harness({ jobs: [post, keyed], queues });
    const args = { account: 'acme', n: 1 };
    const jobs = await h.shigoto.enqueueMany([
      { job: post, args },
      { job: keyed, args },
      { job: keyed, args, options: { orderingKey: 7 } },
      { job: keyed, args, options: { queue: 'mail' } },
    ]);
    const records = await Promise.all(jobs.map((job) => h.shigoto.jobs.get(job.id)));
    expect(records.map((r) => r.serialKey)).toEqual(['ledger', 'keyed/acme', 'keyed/7', null]);
  });

  it('run a bulk enqueue strictly one at a time per line in input order, lines in parallel', async () => {
    const log: Array<{ account: string; n: number; event: 'start' | 'end' }> = [];
    const post = defineJob({
      name: 'Post',
      queue: 'keyed',
      orderingKey: (a: Entry) => a.account,
      perform: async (args: Entry) => {
        log.push({ ...args, event: 'start' });
        await new Promise((resolve) => setTimeout(resolve, 2));
        log.push({ ...args, event: 'end' });
      },
    });
    const h = await harness({ jobs: [post], queues });
    const requests = Array.from({ length: 60 }, (_, n) => ({ job: post, args: { account: `a${n % 3}`, n } }));
    await h.shigoto.enqueueMany(requests);
    await h.work({ workers: [{ queues: ['*'], threads: 5, pollingIntervalMs: 10 }] });
    await waitFor(
      () => log.length === 120,
      () => `120 events, got ${log.length}`,
    );
    for (const account of ['a0', 'a1', 'a2']) {
      const events = log.filter((e) => e.account === account);
      const expected = requests.filter((r) => r.args.account === account).map((r) => r.args.n);
      // start n, end n, start next, ...: never two of a line at once, never out of order.
      expect(events.map((e) => `${e.event} ${e.n}`)).toEqual(
        expected.flatMap((n) => [`start ${n}`, `end ${n}`]),
      );
    }
    // Lines ran side by side: some job started while one of another line was running.
    const overlaps = log.some((e, i) => e.event === 'start' && log[i - 1]?.event === 'start');
    expect(overlaps).toBe(true);
  });

  it('stop after the retries: the errored job holds the queue until re-entered, then runs before the rest', async () => {
    let failing = true;
    const ran: number[] = [];
    const post = defineJob({
      name: 'Post',
      queue: 'ledger',
      retry: { attempts: 2, wait: 10, jitter: 0 },
      perform: (args: Entry) => {
        if (args.n === 1 && failing) throw new Error('ledger closed');
        ran.push(args.n);
      },
    });
    const h = await harness({ jobs: [post], queues });
    const [first, second, third] = await h.shigoto.enqueueMany(
      [0, 1, 2].map((n) => ({ job: post, args: { account: 'a', n } })),
    );
    await h.work();
    const errored = await h.waitForState(second!.id, 'errored');
    expect(errored.attempts).toBe(2);
    expect(errored.lastError?.message).toBe('ledger closed');
    expect((await h.shigoto.jobs.get(third!.id)).state).toBe('blocked');
    expect(await h.shigoto.queues.list()).toEqual([
      expect.objectContaining({ name: 'ledger', errored: 1, stopped: true, blocked: 1 }),
    ]);
    expect((await h.shigoto.jobs.list({ state: 'errored' })).map((j) => j.id)).toEqual([second!.id]);
    await expect(h.shigoto.jobs.reenter({})).rejects.toThrow(/Say which errored jobs/);
    failing = false;
    expect(await h.shigoto.jobs.reenter({ ids: [second!.id] })).toBe(1);
    await h.waitForState(third!.id, 'finished');
    expect(ran).toEqual([0, 1, 2]);
    expect((await h.shigoto.jobs.get(first!.id)).state).toBe('finished');
  });

  it('continue: the errored job is set aside, the next runs; removed, it is discarded', async () => {
    const post = defineJob({
      name: 'Post',
      queue: 'keyed',
      retry: { attempts: 1 },
      perform: (args: Entry) => {
        if (args.n === 0) throw new Error('bad entry');
      },
    });
    const h = await harness({ jobs: [post], queues });
    const [first, second] = await h.shigoto.enqueueMany(
      [0, 1].map((n) => ({ job: post, args: { account: 'a', n } })),
    );
    await h.work();
    await h.waitForState(second!.id, 'finished');
    expect((await h.shigoto.jobs.get(first!.id)).state).toBe('errored');
    expect(await h.shigoto.queues.list()).toEqual([
      expect.objectContaining({ name: 'keyed', errored: 1, stopped: false }),
    ]);
    expect(await h.shigoto.jobs.remove({ queue: 'keyed' })).toBe(1);
    expect((await h.shigoto.jobs.get(first!.id)).state).toBe('discarded');
  });
});
