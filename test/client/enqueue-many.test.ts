import { describe, expect, it, vi } from 'vitest';
import { defineJob, InvalidInputError, InvalidQueueNameError, PayloadEncodeError } from '../../src/index.ts';
import { useHarness } from '../support/shigoto-harness.ts';

const harness = useHarness();

const email = defineJob({
  name: 'email',
  queue: 'mailers',
  perform: (args: { to: string }) => `sent to ${args.to}`,
});
const resize = defineJob({
  name: 'resize',
  queue: (args: { width: number }) => (args.width > 1000 ? 'heavy' : 'light'),
  perform: (args) => args.width / 2,
});

describe('enqueueMany', () => {
  it('stores jobs of several kinds in one backend call, in order, and runs them', async () => {
    const h = await harness({ jobs: [email, resize] });
    const spy = vi.spyOn(h.shigoto.backend, 'enqueue');

    const enqueued = await h.shigoto.enqueueMany([
      { job: email, args: { to: 'a@example.com' } },
      { job: resize, args: { width: 2000 } },
      { job: resize, args: { width: 10 }, options: { priority: -1 } },
      { job: email, args: { to: 'b@example.com' }, options: { wait: '1h' } },
    ]);

    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0].jobs).toHaveLength(4);
    expect(enqueued.map((j) => [j.name, j.queue, j.priority])).toEqual([
      ['email', 'mailers', 0],
      ['resize', 'heavy', 0],
      ['resize', 'light', -1],
      ['email', 'mailers', 0],
    ]);
    expect(new Set(enqueued.map((j) => j.id)).size).toBe(4);

    await h.work();
    const [first, second, third, scheduled] = enqueued;
    await h.waitForState(first!.id, 'finished');
    expect(await h.shigoto.jobs.result(email, first!.id)).toBe('sent to a@example.com');
    expect(await h.shigoto.jobs.result(resize, (await h.waitForState(second!.id, 'finished')).id)).toBe(1000);
    expect(await h.shigoto.jobs.result(resize, (await h.waitForState(third!.id, 'finished')).id)).toBe(5);
    expect((await h.shigoto.jobs.get(scheduled!.id)).state).toBe('scheduled');
  });

  it('writes nothing when a beforeEnqueue callback fails for one item', async () => {
    const picky = defineJob({
      name: 'picky',
      beforeEnqueue: (draft) => {
        if (draft.args === 3) throw new Error('no threes');
      },
      perform: (_args: number) => {},
    });
    const h = await harness({ jobs: [picky, email] });
    const spy = vi.spyOn(h.shigoto.backend, 'enqueue');
    await expect(
      h.shigoto.enqueueMany([
        { job: email, args: { to: 'a@example.com' } },
        { job: picky, args: 1 },
        { job: picky, args: 3 },
        { job: picky, args: 4 },
      ]),
    ).rejects.toThrow('no threes');
    expect(spy).not.toHaveBeenCalled();
    expect(await h.allJobs()).toEqual([]);
  });

  it('writes nothing when one item has bad input (queue, args) found after callbacks ran', async () => {
    const h = await harness({ jobs: [email, resize] });
    await expect(
      h.shigoto.enqueueMany([
        { job: email, args: { to: 'a@example.com' } },
        { job: email, args: { to: 'b@example.com' }, options: { queue: 'no spaces allowed' } },
      ]),
    ).rejects.toBeInstanceOf(InvalidQueueNameError);
    await expect(
      h.shigoto.enqueueMany([
        { job: resize, args: { width: 1 } },
        { job: email, args: { to: new WeakMap() as never } },
      ]),
    ).rejects.toBeInstanceOf(PayloadEncodeError);
    expect(await h.allJobs()).toEqual([]);
  });

  it('refuses more jobs than maxBulkSize without writing', async () => {
    const h = await harness({ jobs: [email], maxBulkSize: 2 });
    const three = [1, 2, 3].map((i) => ({ job: email, args: { to: `${i}@example.com` } }));
    await expect(h.shigoto.enqueueMany(three)).rejects.toBeInstanceOf(InvalidInputError);
    expect(await h.allJobs()).toEqual([]);
  });

  it('returns [] for an empty list without calling the backend', async () => {
    const h = await harness({ jobs: [email] });
    const spy = vi.spyOn(h.shigoto.backend, 'enqueue');
    expect(await h.shigoto.enqueueMany([])).toEqual([]);
    expect(spy).not.toHaveBeenCalled();
  });
});
