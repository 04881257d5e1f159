import { defineJob, JobNotFoundError } from 'shigoto';
import {
  assertEnqueued,
  assertNotEnqueued,
  createTestClock,
  createTestShigoto,
  enqueuedJobs,
  JobAssertionError,
  performEnqueued,
} from 'shigoto/testing';
import { describe, expect, it, vi } from 'vitest';

interface Email {
  readonly to: string;
  readonly subject: string;
  readonly cc?: string;
}

const sendEmail = defineJob({ name: 'email.send', queue: 'mail', perform: (_args: Email) => {} });
const resize = defineJob({ name: 'image.resize', perform: (_args: { readonly path: string }) => {} });
const withDefaults = defineJob({
  name: 'report.build',
  schema: {
    parse: (input: unknown) => ({
      format: 'pdf',
      ...(input as { readonly format?: string; readonly id: number }),
    }),
  },
  perform: (_args: { readonly id: number; readonly format: string }) => {},
});
const jobs = [sendEmail, resize, withDefaults];

/** The message of the JobAssertionError `promise` rejects with. */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JobAssertionError);
  return (error as JobAssertionError).message;
}

describe('createTestShigoto', () => {
  it('gives every test its own store and a frozen clock it can move', async () => {
    const clock = createTestClock(new Date('2030-01-01T00:00:00Z'));
    const first = await createTestShigoto({ jobs, clock });
    const second = await createTestShigoto({ jobs });
    await first.enqueue(resize, { path: 'a.png' });
    expect(await enqueuedJobs(second)).toEqual([]);
    const [waiting] = await enqueuedJobs(first);
    expect(waiting?.enqueuedAt).toEqual(new Date('2030-01-01T00:00:00Z'));
    expect(first.clock).toBe(clock);
    expect(clock.advance('1h')).toBe(Date.parse('2030-01-01T01:00:00Z'));
    expect(first.now()).toBe(Date.parse('2030-01-01T01:00:00Z'));
  });

  it('is silent unless given a logger, and passes inline backend options on', async () => {
    const written = vi.spyOn(process.stderr, 'write');
    try {
      const quiet = await createTestShigoto({ jobs });
      quiet.logger.error('not shown');
      expect(written).not.toHaveBeenCalled();
    } finally {
      written.mockRestore();
    }
    const lines: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (message: string) => void lines.push(message) };
    const loud = await createTestShigoto({ jobs, logger, inline: { deleteFinished: true } });
    loud.logger.error('shown');
    expect(lines).toEqual(['shown']);
    const done = await loud.enqueue(resize, { path: 'p.png' });
    await performEnqueued(loud);
    await expect(loud.jobs.get(done.id)).rejects.toThrow(JobNotFoundError);
  });
});

describe('enqueuedJobs', () => {
  it('lists ready and scheduled jobs oldest first with decoded arguments', async () => {
    const shigoto = await createTestShigoto({ jobs });
    const start = shigoto.clock.now();
    const when = new Date(start + 60_000);
    const a = await shigoto.enqueue(
      sendEmail,
      { to: 'a@x.io', subject: 'hi' },
      { metadata: { trace: 't1' } },
    );
    const b = await shigoto.enqueue(resize, { path: 'p.png' }, { waitUntil: when, priority: 3 });
    expect(await enqueuedJobs(shigoto)).toEqual([
      {
        id: a.id,
        name: 'email.send',
        queue: 'mail',
        priority: 0,
        args: { to: 'a@x.io', subject: 'hi' },
        metadata: { trace: 't1' },
        state: 'ready',
        attempts: 0,
        enqueuedAt: new Date(start),
        runAt: null,
      },
      {
        id: b.id,
        name: 'image.resize',
        queue: 'default',
        priority: 3,
        args: { path: 'p.png' },
        metadata: {},
        state: 'scheduled',
        attempts: 0,
        enqueuedAt: new Date(start),
        runAt: when,
      },
    ]);
  });

  it('decodes values JSON cannot hold', async () => {
    const remind = defineJob({ name: 'remind', perform: (_args: { at: Date; tags: Set<string> }) => {} });
    const shigoto = await createTestShigoto({ jobs: [remind] });
    const args = { at: new Date('2031-05-01T10:00:00Z'), tags: new Set(['x', 'y']) };
    await shigoto.enqueue(remind, args);
    const [waiting] = await enqueuedJobs(shigoto, remind);
    expect(waiting?.args).toEqual(args);
    expect(waiting?.args.at).toBeInstanceOf(Date);
  });

  it('filters by job definition and queue', async () => {
    const shigoto = await createTestShigoto({ jobs });
    await shigoto.enqueue(sendEmail, { to: 'a@x.io', subject: '1' });
    await shigoto.enqueue(sendEmail, { to: 'b@x.io', subject: '2' }, { queue: 'urgent' });
    await shigoto.enqueue(resize, { path: 'p.png' }, { queue: 'urgent' });
    expect((await enqueuedJobs(shigoto, sendEmail)).map((j) => j.args.to)).toEqual(['a@x.io', 'b@x.io']);
    expect((await enqueuedJobs(shigoto, undefined, { queue: 'urgent' })).map((j) => j.name)).toEqual([
      'email.send',
      'image.resize',
    ]);
    expect((await enqueuedJobs(shigoto, sendEmail, { queue: 'urgent' })).map((j) => j.args.to)).toEqual([
      'b@x.io',
    ]);
  });
});

describe('assertEnqueued', () => {
  it('passes for deep-equal arguments and returns the matching jobs', async () => {
    const shigoto = await createTestShigoto({ jobs });
    const enqueued = await shigoto.enqueue(sendEmail, { to: 'a@x.io', subject: 'hi' });
    await shigoto.enqueue(sendEmail, { to: 'b@x.io', subject: 'hi' });
    const matches = await assertEnqueued(shigoto, sendEmail, { subject: 'hi', to: 'a@x.io' });
    expect(matches.map((job) => job.id)).toEqual([enqueued.id]);
    expect(await assertEnqueued(shigoto, sendEmail)).toHaveLength(2);
  });

  it('matches with a predicate, a queue, a priority and an exact count', async () => {
    const shigoto = await createTestShigoto({ jobs });
    await shigoto.enqueue(sendEmail, { to: 'a@x.io', subject: 'one' }, { priority: 5 });
    await shigoto.enqueue(sendEmail, { to: 'a@x.io', subject: 'two' }, { queue: 'bulk' });
    const toA = (args: Email) => args.to === 'a@x.io';
    expect(await assertEnqueued(shigoto, sendEmail, toA, { count: 2 })).toHaveLength(2);
    expect(await assertEnqueued(shigoto, sendEmail, toA, { queue: 'bulk' })).toHaveLength(1);
    expect(await assertEnqueued(shigoto, sendEmail, undefined, { priority: 5, count: 1 })).toHaveLength(1);
    await expect(assertEnqueued(shigoto, sendEmail, toA, { queue: 'bulk', priority: 5 })).rejects.toThrow(
      JobAssertionError,
    );
  });

  it('compares arguments as enqueue stores them (schema, then codec)', async () => {
    const shigoto = await createTestShigoto({ jobs });
    await shigoto.enqueue(sendEmail, { to: 'a@x.io', subject: 'hi', cc: undefined });
    await shigoto.enqueue(withDefaults, { id: 7 } as { id: number; format: string });
    await assertEnqueued(shigoto, sendEmail, { to: 'a@x.io', subject: 'hi', cc: undefined });
    await assertEnqueued(shigoto, sendEmail, { to: 'a@x.io', subject: 'hi' });
    await assertEnqueued(shigoto, withDefaults, { id: 7, format: 'pdf' });
    await assertEnqueued(shigoto, withDefaults, { id: 7 } as { id: number; format: string });
  });

  it('fails with what was expected and what is enqueued of that job', async () => {
    const shigoto = await createTestShigoto({ jobs });
    const enqueued = await shigoto.enqueue(sendEmail, { to: 'b@x.io', subject: 'hi' });
    const message = await failureOf(
      assertEnqueued(shigoto, sendEmail, { to: 'a@x.io', subject: 'hi' }, { queue: 'mail' }),
    );
    expect(message).toContain(
      `Expected a "email.send" job with args { subject: 'hi', to: 'a@x.io' } in queue "mail" to be enqueued, but none matches.`,
    );
    expect(message).toContain('Enqueued "email.send" jobs (1):');
    expect(message).toContain(
      `#${enqueued.id} "email.send" ready, queue "mail", priority 0, args { subject: 'hi', to: 'b@x.io' }`,
    );
  });

  it('lists the other waiting jobs when none of the expected kind is enqueued', async () => {
    const shigoto = await createTestShigoto({ jobs });
    expect(await failureOf(assertEnqueued(shigoto, sendEmail))).toBe(
      'Expected a "email.send" job to be enqueued, but none matches.\nNothing is enqueued.',
    );
    await shigoto.enqueue(resize, { path: 'p.png' }, { wait: '5m' });
    const message = await failureOf(assertEnqueued(shigoto, sendEmail));
    expect(message).toContain('No "email.send" job is enqueued. Enqueued jobs (1):');
    expect(message).toContain(
      `"image.resize" scheduled for ${new Date(shigoto.now() + 300_000).toISOString()}, queue "default"`,
    );
  });

  it('fails on a count mismatch, naming both counts', async () => {
    const shigoto = await createTestShigoto({ jobs });
    await shigoto.enqueue(resize, { path: 'p.png' });
    const message = await failureOf(assertEnqueued(shigoto, resize, { path: 'p.png' }, { count: 2 }));
    expect(message).toContain(
      `Expected 2 × "image.resize" job with args { path: 'p.png' } to be enqueued, but 1 matches.`,
    );
  });

  it('names the predicate in its message', async () => {
    const shigoto = await createTestShigoto({ jobs });
    await shigoto.enqueue(resize, { path: 'p.png' });
    const isJpeg = (args: { readonly path: string }) => args.path.endsWith('.jpg');
    expect(await failureOf(assertEnqueued(shigoto, resize, isJpeg))).toContain(
      'Expected a "image.resize" job with args matching isJpeg to be enqueued',
    );
  });

  it('stops matching a job once it has run', async () => {
    const shigoto = await createTestShigoto({ jobs });
    await shigoto.enqueue(resize, { path: 'p.png' });
    const runtime = await shigoto.work({ workers: [{ pollingIntervalMs: 10 }], dispatcher: null });
    try {
      await expect.poll(async () => (await shigoto.jobs.counts()).finished, { timeout: 10_000 }).toBe(1);
    } finally {
      await runtime.stop();
    }
    await expect(assertEnqueued(shigoto, resize)).rejects.toThrow(JobAssertionError);
  });
});

describe('assertNotEnqueued', () => {
  it('passes when nothing matches and fails listing what matches', async () => {
    const shigoto = await createTestShigoto({ jobs });
    await assertNotEnqueued(shigoto, sendEmail);
    const enqueued = await shigoto.enqueue(sendEmail, { to: 'a@x.io', subject: 'hi' });
    await assertNotEnqueued(shigoto, sendEmail, { to: 'b@x.io', subject: 'hi' });
    await assertNotEnqueued(shigoto, sendEmail, undefined, { queue: 'other' });
    await assertNotEnqueued(shigoto, resize);
    const message = await failureOf(assertNotEnqueued(shigoto, sendEmail, (args) => args.to.startsWith('a')));
    expect(message).toContain(
      'Expected no "email.send" job with args matching the predicate to be enqueued, but found 1:',
    );
    expect(message).toContain(`#${enqueued.id} "email.send" ready`);
  });
});
