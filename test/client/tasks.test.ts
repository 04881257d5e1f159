import { describe, expect, it } from 'vitest';
import {
  defineJob,
  InvalidInputError,
  type JobContext,
  NoSubscribersError,
  PayloadTooLargeError,
  TaskNotFoundError,
  WaitTimeoutError,
} from '../../src/index.ts';
import { type BackendKind, clientBackends, useBackendHarness } from '../support/backend-harness.ts';
import { waitFor } from '../support/shigoto-harness.ts';

type Greeting = { name: string };

/** The seed's tutorial job, and a second subscriber of `hello` that fails. */
function tutorialJobs(seen: Array<{ name: string; topic?: string; args: unknown }> = []) {
  const note = (args: unknown, ctx: JobContext) =>
    seen.push({ name: ctx.name, ...(ctx.task && { topic: ctx.task.topic }), args });
  const example = defineJob({
    name: 'example',
    topics: ['hello', 'world'],
    perform: (args: Greeting, ctx) => {
      note(args, ctx);
      return ctx.task?.topic === 'hello' ? `Hello, ${args.name}` : `Bye, ${args.name}`;
    },
  });
  const audit = defineJob({
    name: 'audit',
    topics: ['hello'],
    perform: (args: Greeting, ctx) => {
      note(args, ctx);
      throw new Error(`no audit for ${args.name}`);
    },
  });
  return { example, audit };
}

const TASK_ID = /^[0-9a-f]{32}$/;

for (const kind of await clientBackends()) {
  describe(`tasks on ${kind}`, () => {
    const harness = useBackendHarness(kind);

    it('fans a task out to every subscriber and waitFor returns each outcome', async () => {
      const seen: Array<{ name: string; topic?: string; args: unknown }> = [];
      const { example, audit } = tutorialJobs(seen);
      const h = await harness({ jobs: [example, audit] });
      const before = Date.now();
      const id = await h.shigoto.task('hello', { name: 'amuro' });
      expect(id).toMatch(TASK_ID);
      // Returned at once: nothing has run yet.
      expect(seen).toEqual([]);
      await h.work();
      const outcome = await h.shigoto.waitFor(id, { timeout: '10s' });
      expect(outcome).toMatchObject({ taskId: id, topic: 'hello' });
      expect(outcome.executions.map((e) => [e.name, e.status, e.result, e.error?.message])).toEqual([
        ['example', 'finished', 'Hello, amuro', undefined],
        ['audit', 'failed', undefined, 'no audit for amuro'],
      ]);
      for (const e of outcome.executions) {
        expect(e.completedAt!.getTime()).toBeGreaterThanOrEqual(before);
        expect(e.completedAt!.getTime()).toBeLessThanOrEqual(outcome.completedAt.getTime());
      }
      expect(outcome.expiresAt.getTime() - outcome.publishedAt.getTime()).toBe(10_000);
      expect(seen.map((s) => [s.name, s.topic, s.args]).sort()).toEqual([
        ['audit', 'hello', { name: 'amuro' }],
        ['example', 'hello', { name: 'amuro' }],
      ]);
      // Each topic reaches only its own subscribers.
      const bye = await h.shigoto.waitFor(await h.shigoto.task('world', { name: 'amuro' }));
      expect(bye.executions.map((e) => [e.name, e.result])).toEqual([['example', 'Bye, amuro']]);
    });

    it('returns results through the codecs (a Date stays a Date)', async () => {
      const stamp = defineJob({
        name: 'stamp',
        topics: ['clock'],
        perform: (args: { at: string }) => ({ at: new Date(args.at) }),
      });
      const h = await harness({ jobs: [stamp] });
      await h.work();
      const outcome = await h.shigoto.waitFor(await h.shigoto.task('clock', { at: '2030-01-02T03:04:05Z' }));
      const result = outcome.executions[0]!.result as { at: Date };
      expect(result.at).toBeInstanceOf(Date);
      expect(result.at.toISOString()).toBe('2030-01-02T03:04:05.000Z');
    });

    it('refuses a topic nobody subscribes to, and a bad topic name, storing nothing', async () => {
      const { example } = tutorialJobs();
      const h = await harness({ jobs: [example] });
      const error = await h.shigoto.task('goodbye', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoSubscribersError);
      expect((error as NoSubscribersError).topic).toBe('goodbye');
      expect((error as Error).message).toContain('hello, world');
      await expect(h.shigoto.task('no spaces', {})).rejects.toBeInstanceOf(InvalidInputError);
      expect(await h.shigoto.jobs.list()).toEqual([]);
    });

    it('stores nothing when one subscriber refuses the content, the payload is too big or a callback throws', async () => {
      const strict = defineJob({
        name: 'strict',
        topics: ['order'],
        schema: {
          parse: (input: unknown) => {
            if (typeof (input as { id?: unknown }).id !== 'number') throw new Error('id must be a number');
            return input as { id: number };
          },
        },
        perform: () => {},
      });
      const lenient = defineJob({ name: 'lenient', topics: ['order', 'guarded'], perform: () => {} });
      const guarded = defineJob({
        name: 'guarded',
        topics: ['guarded'],
        perform: () => {},
        beforeEnqueue: () => {
          throw new Error('not now');
        },
      });
      const h = await harness({ jobs: [lenient, strict, guarded], maxPayloadBytes: 200 });
      await expect(h.shigoto.task('order', { id: 'x' })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(h.shigoto.task('order', { id: 1, pad: 'x'.repeat(300) })).rejects.toBeInstanceOf(
        PayloadTooLargeError,
      );
      await expect(h.shigoto.task('guarded', {})).rejects.toThrow('not now');
      expect(await h.shigoto.jobs.list()).toEqual([]);
      // The same content that is valid goes to both.
      const id = await h.shigoto.task('order', { id: 1 });
      const jobs = await h.shigoto.jobs.list();
      expect(jobs.map((j) => j.name).sort()).toEqual(['lenient', 'strict']);
      expect(jobs.every((j) => JSON.parse(j.metadata)['shigoto.task'] === id)).toBe(true);
    });

    it('runs enqueue middleware once per subscriber, with the task in the metadata', async () => {
      const { example, audit } = tutorialJobs();
      const drafts: Array<[string, unknown]> = [];
      const h = await harness({
        jobs: [example, audit],
        middleware: [
          {
            beforeEnqueue: (draft) => {
              drafts.push([draft.name, draft.metadata['shigoto.topic']]);
              draft.queue = 'greetings';
            },
          },
        ],
      });
      await h.shigoto.task('hello', { name: 'amuro' });
      expect(drafts).toEqual([
        ['example', 'hello'],
        ['audit', 'hello'],
      ]);
      expect((await h.shigoto.jobs.list()).map((j) => j.queue)).toEqual(['greetings', 'greetings']);
    });

    it('times out with a typed error and leaves the task running; an unknown id is not found', async () => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = defineJob({
        name: 'slow',
        topics: ['slow'],
        perform: async () => {
          await gate;
          return 'done';
        },
      });
      const h = await harness({ jobs: [slow] });
      await h.work();
      const id = await h.shigoto.task('slow', null, { expire: '1m' });
      const error = await h.shigoto.waitFor(id, { timeout: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect(error).toMatchObject({ taskId: id, timeoutMs: 100 });
      release();
      const outcome = await h.shigoto.waitFor(id, { timeout: '10s' });
      expect(outcome.executions.map((e) => [e.status, e.result])).toEqual([['finished', 'done']]);
      await expect(h.shigoto.waitFor('f'.repeat(32))).rejects.toBeInstanceOf(TaskNotFoundError);
    });

    it('stops waiting when the signal aborts', async () => {
      const idle = defineJob({ name: 'idle', topics: ['idle'], perform: () => {} });
      const h = await harness({ jobs: [idle] });
      const id = await h.shigoto.task('idle', null);
      const controller = new AbortController();
      const waiting = h.shigoto.waitFor(id, { signal: controller.signal });
      controller.abort(new Error('user gave up'));
      await expect(waiting).rejects.toThrow('user gave up');
    });

    it('expires executions not started before the task expires (client default and per call)', async () => {
      const { example } = tutorialJobs();
      const h = await harness({ jobs: [example], taskExpire: '30s' });
      const byDefault = await h.shigoto.task('hello', { name: 'a' });
      const short = await h.shigoto.task('hello', { name: 'b' }, { expire: '5s' });
      const [shortJob, defaultJob] = await h.shigoto.jobs.list();
      expect(defaultJob!.expiresAt! - defaultJob!.enqueuedAt).toBe(30_000);
      expect(shortJob!.expiresAt! - shortJob!.enqueuedAt).toBe(5_000);
      // No worker took them; 10 s later only the short one has expired.
      h.advance(10_000);
      await h.work({ workers: [{ queues: ['nothing-here'], pollingIntervalMs: 10 }] });
      const expired = await h.shigoto.waitFor(short, { timeout: '10s' });
      expect(expired.executions.map((e) => [e.name, e.status])).toEqual([['example', 'expired']]);
      await expect(h.shigoto.waitFor(byDefault, { timeout: 200 })).rejects.toBeInstanceOf(WaitTimeoutError);
      await expect(h.shigoto.task('hello', {}, { expire: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it.skipIf(kind === 'inline')(
      'wakes a waiter in another process when that one runs the jobs',
      async () => {
        const { example } = tutorialJobs();
        const h = await harness({ jobs: [example] });
        const publisher = await h.sibling({ jobs: [example] });
        const id = await publisher.task('hello', { name: 'char' });
        const looks = countTaskLookups(publisher);
        const waiting = publisher.waitFor(id, { timeout: '10s' });
        await h.work();
        const outcome = await waiting;
        expect(outcome.executions.map((e) => e.result)).toEqual(['Hello, char']);
        expect(looks.count).toBeGreaterThanOrEqual(1);
      },
    );

    it.runIf(kind === 'postgres')('waits on notices, not by polling', async () => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = defineJob({ name: 'slow', topics: ['slow'], perform: () => gate });
      const h = await harness({ jobs: [slow] });
      const waiter = await h.sibling({ jobs: [slow] });
      await h.work();
      const id = await h.shigoto.task('slow', null, { expire: '1m' });
      await waitFor(async () => (await h.shigoto.jobs.list({ state: 'claimed' })).length === 1);
      const looks = countTaskLookups(waiter);
      const waiting = waiter.waitFor(id, { timeout: '10s' });
      // A poll would look several times in a second; notices make it look only at the start.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(looks.count).toBe(1);
      release();
      expect((await waiting).executions.map((e) => e.status)).toEqual(['finished']);
      expect(looks.count).toBe(2);
    });
  });
}

/** Counts the client's task lookups (every look at the database a waiter makes). */
function countTaskLookups(shigoto: { backend: { getTasks: (...args: never[]) => unknown } }) {
  const looks = { count: 0 };
  const original = shigoto.backend.getTasks.bind(shigoto.backend);
  shigoto.backend.getTasks = ((...args: never[]) => {
    looks.count++;
    return original(...args);
  }) as never;
  return looks;
}

export type { BackendKind };
