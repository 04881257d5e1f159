import { describe, expect, it } from 'vitest';
import {
  defineJob,
  type EnqueuedJob,
  InvalidInputError,
  type JobContext,
  type Middleware,
  retryJob,
} from '../../src/index.ts';
import { useHarness } from '../support/shigoto-harness.ts';

const harness = useHarness();

/** A middleware and a job that write every callback they run into `log`. */
function tracedPair(log: string[]) {
  const middleware: Middleware = {
    beforeEnqueue: () => void log.push('mw.beforeEnqueue'),
    afterEnqueue: (job) => void log.push(`mw.afterEnqueue(${job.queue})`),
    aroundEnqueue: async (_draft, next) => {
      log.push('mw.aroundEnqueue:in');
      const job = await next();
      log.push('mw.aroundEnqueue:out');
      return job;
    },
    beforePerform: () => void log.push('mw.beforePerform'),
    afterPerform: (_args, _ctx, result) => void log.push(`mw.afterPerform(${String(result)})`),
    aroundPerform: async (_args, _ctx, next) => {
      log.push('mw.aroundPerform:in');
      const result = await next();
      log.push('mw.aroundPerform:out');
      return result;
    },
  };
  const job = defineJob({
    name: 'traced',
    beforeEnqueue: [() => void log.push('job.beforeEnqueue#1'), () => void log.push('job.beforeEnqueue#2')],
    afterEnqueue: () => void log.push('job.afterEnqueue'),
    aroundEnqueue: async (_draft, next) => {
      log.push('job.aroundEnqueue:in');
      const enqueued = await next();
      log.push(`job.aroundEnqueue:out(${enqueued.id === '' ? 'no id' : 'id'})`);
      return enqueued;
    },
    beforePerform: () => void log.push('job.beforePerform'),
    afterPerform: (_args, _ctx, result) => void log.push(`job.afterPerform(${String(result)})`),
    aroundPerform: async (_args, _ctx, next) => {
      log.push('job.aroundPerform:in');
      const result = await next();
      log.push('job.aroundPerform:out');
      return result;
    },
    perform: (args: { n: number }) => {
      log.push('perform');
      return args.n * 2;
    },
  });
  return { middleware, job };
}

describe('enqueue and perform callbacks', () => {
  it('nest middleware around the job callbacks, for enqueue and for perform', async () => {
    const log: string[] = [];
    const { middleware, job } = tracedPair(log);
    const h = await harness({ jobs: [job], middleware: [middleware] });

    const enqueued = await h.shigoto.enqueue(job, { n: 21 });
    expect(log.splice(0)).toEqual([
      'mw.aroundEnqueue:in',
      'job.aroundEnqueue:in',
      'mw.beforeEnqueue',
      'job.beforeEnqueue#1',
      'job.beforeEnqueue#2',
      'job.afterEnqueue',
      'mw.afterEnqueue(default)',
      'job.aroundEnqueue:out(id)',
      'mw.aroundEnqueue:out',
    ]);

    await h.work();
    await h.waitForState(enqueued.id, 'finished');
    expect(log).toEqual([
      'mw.aroundPerform:in',
      'job.aroundPerform:in',
      'mw.beforePerform',
      'job.beforePerform',
      'perform',
      'job.afterPerform(42)',
      'mw.afterPerform(42)',
      'job.aroundPerform:out',
      'mw.aroundPerform:out',
    ]);
    expect(await h.shigoto.jobs.result(job, enqueued.id)).toBe(42);
  });

  it('runs the perform callbacks in performNow too, and returns the result', async () => {
    const log: string[] = [];
    const { middleware, job } = tracedPair(log);
    const h = await harness({ jobs: [job], middleware: [middleware] });
    expect(await h.shigoto.performNow(job, { n: 5 })).toBe(10);
    expect(log[0]).toBe('mw.aroundPerform:in');
    expect(log).toContain('job.afterPerform(10)');
    expect(log.some((entry) => entry.includes('Enqueue'))).toBe(false);
    expect(await h.allJobs()).toEqual([]);
  });

  it('does not run after-perform callbacks when perform throws or returns an outcome', async () => {
    const afters: string[] = [];
    const flaky = defineJob({
      name: 'flaky',
      afterPerform: (args) => void afters.push(args),
      perform: (args: string) => {
        if (args === 'throw') throw new Error('boom');
        if (args === 'outcome') return retryJob({ wait: '1h' });
        return 'ok';
      },
    });
    const h = await harness({ jobs: [flaky] });
    const jobs = await h.shigoto.enqueueMany([
      { job: flaky, args: 'throw' },
      { job: flaky, args: 'outcome' },
      { job: flaky, args: 'fine' },
    ]);
    await h.work();
    await h.waitForState(jobs[0]!.id, 'failed');
    await h.waitForState(jobs[1]!.id, 'scheduled');
    await h.waitForState(jobs[2]!.id, 'finished');
    expect(afters).toEqual(['fine']);
  });
});

describe('changing the queue before enqueue', () => {
  it('lets beforeEnqueue pick the queue once; a retry neither calls it again nor moves the job', async () => {
    const vip = new Set(['acme']);
    let beforeCalls = 0;
    const queues: string[] = [];
    const report = defineJob({
      name: 'report',
      queue: 'default',
      beforeEnqueue: (draft) => {
        beforeCalls++;
        if (vip.has(draft.args.customer)) draft.queue = 'another_queue';
      },
      perform: (_args: { customer: string }, ctx: JobContext) => {
        queues.push(ctx.queue);
        if (ctx.executions === 1) throw new Error('database blip');
      },
      retryOn: [{ on: Error, attempts: 3, wait: 0 }],
    });
    const h = await harness({ jobs: [report] });
    const [acme, other] = await h.shigoto.enqueueMany([
      { job: report, args: { customer: 'acme' } },
      { job: report, args: { customer: 'other' } },
    ]);
    expect([acme!.queue, other!.queue]).toEqual(['another_queue', 'default']);
    await h.work({ workers: [{ queues: ['another_queue'], pollingIntervalMs: 10 }] });
    await h.waitForState(acme!.id, 'finished');
    expect(queues).toEqual(['another_queue', 'another_queue']);
    expect(beforeCalls).toBe(2);
    expect((await h.shigoto.jobs.get(other!.id)).state).toBe('ready');
  });

  it('lets aroundEnqueue change the queue and priority before calling next()', async () => {
    const job = defineJob({
      name: 'rerouted',
      aroundEnqueue: (draft, next) => {
        draft.queue = 'rerouted';
        draft.priority = 7;
        return next();
      },
      perform: (_args: number) => {},
    });
    const h = await harness({ jobs: [job] });
    const enqueued = await h.shigoto.enqueue(job, 1);
    const stored = await h.shigoto.jobs.get(enqueued.id);
    expect([stored.queue, stored.priority]).toEqual(['rerouted', 7]);
  });

  it('still validates a queue set by a callback', async () => {
    const job = defineJob({
      name: 'badly-rerouted',
      beforeEnqueue: (draft) => {
        draft.queue = 'has space';
      },
      perform: (_args: number) => {},
    });
    const h = await harness({ jobs: [job] });
    await expect(h.shigoto.enqueue(job, 1)).rejects.toMatchObject({ code: 'INVALID_QUEUE_NAME' });
    expect(await h.allJobs()).toEqual([]);
  });
});

describe('aroundEnqueue misuse', () => {
  const fake: EnqueuedJob = { id: 'fake', name: 'x', queue: 'x', priority: 0, runAt: null, duplicate: false };

  it('an around that returns without calling next() is an error and writes nothing', async () => {
    const job = defineJob({
      name: 'skipped',
      aroundEnqueue: async () => fake,
      perform: (_args: number) => {},
    });
    const h = await harness({ jobs: [job] });
    const error = await h.shigoto.enqueue(job, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/without calling next/);
    expect(await h.allJobs()).toEqual([]);
  });

  it('a middleware around that skips next() for one job of a bulk enqueue writes nothing', async () => {
    const job = defineJob({ name: 'bulk', perform: (_args: number) => {} });
    const middleware: Middleware = {
      aroundEnqueue: (draft, next) => (draft.args === 2 ? Promise.resolve(fake) : next()),
    };
    const h = await harness({ jobs: [job], middleware: [middleware] });
    await expect(h.shigoto.enqueueMany([1, 2, 3].map((args) => ({ job, args })))).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(await h.allJobs()).toEqual([]);
  });

  it('an around that throws before next() stops the enqueue', async () => {
    const job = defineJob({
      name: 'refused',
      aroundEnqueue: async () => {
        throw new Error('rate limited');
      },
      perform: (_args: number) => {},
    });
    const h = await harness({ jobs: [job] });
    await expect(h.shigoto.enqueue(job, 1)).rejects.toThrow('rate limited');
    expect(await h.allJobs()).toEqual([]);
  });

  it('an around that swallows a failing beforeEnqueue cannot sneak the job through', async () => {
    const job = defineJob({
      name: 'swallowed',
      aroundEnqueue: async (_draft, next) => next().catch(() => fake),
      beforeEnqueue: () => {
        throw new Error('not allowed');
      },
      perform: (_args: number) => {},
    });
    const h = await harness({ jobs: [job] });
    await expect(h.shigoto.enqueue(job, 1)).rejects.toThrow('not allowed');
    expect(await h.allJobs()).toEqual([]);
  });
});
