import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  defineJob,
  type EnqueuedJob,
  InvalidInputError,
  InvalidQueueNameError,
  type JobContext,
  type JobDefinition,
  retryJob,
  snoozeJob,
} from '../../src/index.ts';
import { useHarness } from '../support/shigoto-harness.ts';

const harness = useHarness();

interface Invoice {
  readonly id: number;
  readonly issuedAt: Date;
  readonly lines: Map<string, bigint>;
}

const invoice = defineJob({
  name: 'invoice.total',
  queue: (args: Invoice) => (args.lines.size > 100 ? 'bulk' : 'billing'),
  beforeEnqueue: (draft) => {
    expectTypeOf(draft.args).toEqualTypeOf<Invoice>();
  },
  perform: async (args: Invoice, ctx: JobContext) => {
    if (ctx.signal.aborted) return retryJob();
    let total = 0n;
    for (const cents of args.lines.values()) total += cents;
    return { id: args.id, total, at: args.issuedAt };
  },
});

describe('typed jobs', () => {
  it('infers arguments and result types from perform (compile-time checks)', async () => {
    type Result = { id: number; total: bigint; at: Date };
    expectTypeOf(invoice).toEqualTypeOf<JobDefinition<Invoice, Result>>();

    const h = await harness({ jobs: [invoice] });
    const args: Invoice = { id: 1, issuedAt: new Date(0), lines: new Map([['a', 5n]]) };
    // Functions, not calls: only their types are checked here.
    expectTypeOf(() => h.shigoto.enqueue(invoice, args)).returns.resolves.toEqualTypeOf<EnqueuedJob>();
    expectTypeOf(() => h.shigoto.performNow(invoice, args)).returns.resolves.toEqualTypeOf<Result>();
    expectTypeOf(() => h.shigoto.jobs.result(invoice, '1')).returns.resolves.toEqualTypeOf<
      Result | undefined
    >();

    // Wrong arguments do not compile (and are still refused or encoded at run time).
    // @ts-expect-error id must be a number
    await h.shigoto.enqueue(invoice, { ...args, id: 'one' }).catch(() => undefined);
    // @ts-expect-error lines is missing
    const missing = () => h.shigoto.performNow(invoice, { id: 1, issuedAt: new Date() });
    void missing;
    void h.shigoto
      .enqueueMany([
        { job: invoice, args },
        // @ts-expect-error each item is checked against its own job
        { job: invoice, args: { id: 2 } },
      ])
      .catch(() => undefined);
  });

  it('types arguments from a schema and validates them at enqueue', async () => {
    const resize = defineJob({
      name: 'resize',
      schema: z.object({ url: z.string().url(), width: z.number().int().positive() }),
      perform: (args) => `${args.url}@${args.width}`,
    });
    expectTypeOf(resize).toEqualTypeOf<JobDefinition<{ url: string; width: number }, string>>();
    const h = await harness({ jobs: [resize] });
    await expect(h.shigoto.enqueue(resize, { url: 'not a url', width: 10 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      h.shigoto.performNow(resize, { url: 'https://x.test/a.png', width: -1 }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(await h.shigoto.performNow(resize, { url: 'https://x.test/a.png', width: 3 })).toBe(
      'https://x.test/a.png@3',
    );
    expect(await h.allJobs()).toEqual([]);
  });

  it('says which arguments a schema refused, one issue per field, or the validator’s own message', async () => {
    const signup = defineJob({
      name: 'signup',
      schema: z.object({ user: z.object({ id: z.number() }), email: z.email() }),
      perform: () => {},
    });
    const plain = defineJob({
      name: 'plain',
      schema: {
        parse(input: unknown): { n: number } {
          throw new Error(`no thanks: ${JSON.stringify(input)}`);
        },
      },
      perform: () => {},
    });
    const h = await harness({ jobs: [signup, plain] });
    await expect(
      h.shigoto.enqueue(signup, { user: {}, email: 'nope' } as unknown as {
        user: { id: number };
        email: string;
      }),
    ).rejects.toThrow(
      'Arguments for job "signup" are invalid: user.id: Invalid input: expected number, received undefined; email: Invalid email address',
    );
    await expect(h.shigoto.enqueue(plain, { n: 1 })).rejects.toThrow(
      'Arguments for job "plain" are invalid: no thanks: {"n":1}',
    );
    expect(await h.allJobs()).toEqual([]);
  });

  it('round-trips rich arguments and stores the decoded result', async () => {
    const h = await harness({ jobs: [invoice] });
    const lines = new Map([
      ['widget', 12_345_678_901_234_567n],
      ['gadget', 5n],
    ]);
    const enqueued = await h.shigoto.enqueue(invoice, {
      id: 9,
      issuedAt: new Date('2026-01-02T03:04:05Z'),
      lines,
    });
    expect(enqueued.queue).toBe('billing');
    await h.work();
    await h.waitForState(enqueued.id, 'finished');
    const result = await h.shigoto.jobs.result(invoice, enqueued.id);
    expect(result).toEqual({ id: 9, total: 12_345_678_901_234_572n, at: new Date('2026-01-02T03:04:05Z') });
    expect(result?.at).toBeInstanceOf(Date);
  });

  it('gives no result before a job finishes, and refuses to read it as another kind of job', async () => {
    const other = defineJob({ name: 'other', perform: (_args: null) => 1 });
    const h = await harness({ jobs: [invoice, other] });
    const enqueued = await h.shigoto.enqueue(invoice, { id: 1, issuedAt: new Date(), lines: new Map() });
    expect(await h.shigoto.jobs.result(invoice, enqueued.id)).toBeUndefined();
    await expect(h.shigoto.jobs.result(other, enqueued.id)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(h.shigoto.jobs.result(other, '424242')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });
});

describe('defineJob checks its options', () => {
  const perform = (_args: null) => {};
  it.each([
    ['an empty name', () => defineJob({ name: '', perform })],
    ['a name with spaces', () => defineJob({ name: 'send email', perform })],
    ['a missing perform', () => defineJob({ name: 'x' } as never)],
    ['a fractional priority', () => defineJob({ name: 'x', priority: 0.5, perform })],
    ['zero attempts', () => defineJob({ name: 'x', retryOn: [{ on: Error, attempts: 0 }], perform })],
    ['jitter above 1', () => defineJob({ name: 'x', retry: { attempts: 2, jitter: 2 }, perform })],
    [
      'an unreadable retry wait',
      () => defineJob({ name: 'x', retryOn: [{ on: Error, wait: 'later' }], perform }),
    ],
    ['a negative timeout', () => defineJob({ name: 'x', timeout: -1, perform })],
    ['an unreadable timeout', () => defineJob({ name: 'x', timeout: 'forever', perform })],
  ])('refuses %s', (_name, define) => {
    expect(define).toThrow(InvalidInputError);
  });

  it('refuses an invalid static queue name', () => {
    expect(() => defineJob({ name: 'x', queue: 'a b', perform })).toThrow(InvalidQueueNameError);
  });

  it('refuses unreadable waits in outcomes when they are made', () => {
    expect(() => retryJob({ wait: 'whenever' })).toThrow(InvalidInputError);
    expect(() => snoozeJob(-5)).toThrow(InvalidInputError);
    expect(retryJob({ wait: 'exponential' }).kind).toBe('retry');
  });
});
