import { describe, expect, it } from 'vitest';
import type { ClaimedJob, Completion } from '../../src/backend/types.ts';
import { LifecycleEvents } from '../../src/client/lifecycle-events.ts';
import { JobRegistry } from '../../src/client/registry.ts';
import {
  createConsoleLogger,
  defineJob,
  type JobDefinition,
  type JobOptions,
  type LifecycleEvent,
  retryJob,
} from '../../src/index.ts';
import { CodecRegistry } from '../../src/job/codec.ts';
import { createArgumentFilter } from '../../src/util/filter.ts';
import { type BackendHarness, clientBackends, useBackendHarness } from '../support/backend-harness.ts';
import { waitFor } from '../support/shigoto-harness.ts';

type Signup = { user: string; password: string };

/** A job that records every lifecycle event it is given, subscribed to `topics`. */
function eventListener(topics: string[], extra: Partial<JobOptions<LifecycleEvent, void>> = {}) {
  const events: LifecycleEvent[] = [];
  const job = defineJob<LifecycleEvent, void>({
    name: 'listener',
    topics,
    perform: (event) => {
      events.push(event);
    },
    ...extra,
  });
  return { job, events };
}

const signup = (options: Partial<JobOptions<Signup, string>> = {}) =>
  defineJob<Signup, string>({
    name: 'signup',
    queue: 'accounts',
    perform: (args) => `hi ${args.user}`,
    ...options,
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Who ends a job past its expiry before it started: the dispatcher's sweep, or a worker's claim. */
type ExpiredBy = 'sweep' | 'claim';

/**
 * Enqueues one signup in "accounts" that expires after 1 s, moves the clock past it, and runs
 * the runtime so that only `by` can end it: for the sweep no worker takes "accounts"; for the
 * claim there is no dispatcher. Resolves once the job is expired, with the runtime still running.
 */
async function expireOne(h: BackendHarness, job: JobDefinition<Signup, string>, by: ExpiredBy) {
  const enqueued = await h.shigoto.enqueue(job, { user: 'amuro', password: 'gundam' }, { expiresIn: '1s' });
  h.advance(2000);
  const runtime = await h.work(
    by === 'sweep' ? { workers: [{ queues: ['default'], pollingIntervalMs: 10 }] } : { dispatcher: null },
  );
  await waitFor(
    async () => (await h.shigoto.jobs.get(enqueued.id)).state === 'expired',
    () => `job ${enqueued.id} expired by the ${by}`,
  );
  return { id: enqueued.id, runtime };
}

for (const kind of await clientBackends()) {
  describe(`lifecycle events on ${kind}`, () => {
    const harness = useBackendHarness(kind);

    it('publishes started and completed with the job, its queue and filtered arguments', async () => {
      const { job: listener, events } = eventListener(['Job.Started', 'Job.Completed']);
      const job = signup();
      const h = await harness({ jobs: [job, listener], lifecycleEvents: true });
      const enqueued = await h.shigoto.enqueue(job, { user: 'amuro', password: 'gundam' });
      await h.work();
      await waitFor(
        () => events.length === 2,
        () => `two events, got ${JSON.stringify(events)}`,
      );
      expect(events.map((e) => e.event).sort()).toEqual(['completed', 'started']);
      for (const event of events) {
        expect(event).toMatchObject({
          jobId: enqueued.id,
          name: 'signup',
          queue: 'accounts',
          arguments: { user: 'amuro', password: '[FILTERED]' },
          attempt: 1,
        });
        expect(Number.isNaN(Date.parse(event.at))).toBe(false);
      }
      // The listener's own runs published nothing: it ran exactly twice, once per event.
      await sleep(300);
      expect(events).toHaveLength(2);
      const names = (await h.shigoto.jobs.list()).map((j) => j.name).sort();
      expect(names).toEqual(['listener', 'listener', 'signup']);
    });

    it('publishes retried then failed, with the error, and the task of a task execution', async () => {
      const { job: listener, events } = eventListener(['Job.Retried', 'Job.Failed']);
      const flaky = defineJob({
        name: 'flaky',
        topics: ['signups'],
        retry: { attempts: 2, wait: 0 },
        perform: () => {
          throw new Error('mail server down');
        },
      });
      const h = await harness({ jobs: [flaky, listener], lifecycleEvents: true });
      const taskId = await h.shigoto.task('signups', { user: 'char' });
      await h.work();
      await waitFor(
        () => events.length === 2,
        () => `two events, got ${JSON.stringify(events)}`,
      );
      const byEvent = Object.fromEntries(events.map((e) => [e.event, e]));
      expect(byEvent.retried).toMatchObject({
        name: 'flaky',
        attempt: 1,
        error: { name: 'Error', message: 'mail server down' },
        task: { id: taskId, topic: 'signups' },
      });
      expect(byEvent.retried!.retryAt).toBeTypeOf('string');
      expect(byEvent.failed).toMatchObject({ attempt: 2, error: { message: 'mail server down' } });
    });

    it('publishes nothing unless enabled, by the client or per job, and never to a topic without subscribers', async () => {
      const { job: listener, events } = eventListener(['Job.Completed']);
      const quiet = defineJob({ name: 'quiet', perform: () => 'q' });
      const loud = defineJob({ name: 'loud', lifecycleEvents: true, perform: () => 'l' });
      const optedOut = defineJob({ name: 'opted_out', lifecycleEvents: false, perform: () => 'o' });
      const h = await harness({ jobs: [quiet, loud, optedOut, listener] });
      await h.shigoto.enqueueMany([
        { job: quiet, args: null },
        { job: loud, args: null },
        { job: optedOut, args: null },
      ]);
      await h.work();
      await waitFor(() => events.length === 1);
      await sleep(300);
      expect(events.map((e) => e.name)).toEqual(['loud']);
      // Nobody subscribes to Job.Started: no task, no error.
      const listed = await h.shigoto.jobs.list();
      expect(listed.filter((j) => j.name === 'listener')).toHaveLength(1);
      expect(listed.every((j) => j.state === 'finished')).toBe(true);
    });

    it('a job subscribed to a Job.* topic publishes no events of its own, even when it retries', async () => {
      let runs = 0;
      const { job: listener, events } = eventListener(['Job.Completed', 'Job.Retried'], {
        perform: (event) => {
          runs++;
          events.push(event);
          if (runs === 1) return retryJob();
        },
      });
      const job = signup();
      const h = await harness({ jobs: [job, listener], lifecycleEvents: true });
      await h.shigoto.enqueue(job, { user: 'amuro', password: 'x' });
      await h.work();
      await waitFor(() => runs === 2);
      await sleep(300);
      expect(runs).toBe(2);
      expect(events.map((e) => [e.name, e.event])).toEqual([
        ['signup', 'completed'],
        ['signup', 'completed'],
      ]);
    });

    for (const by of ['sweep', 'claim'] as const) {
      it(`publishes Job.Expired for a job expired by the ${by}, with its filtered arguments`, async () => {
        const { job: listener, events } = eventListener(['Job.Expired']);
        const job = signup();
        const h = await harness({ jobs: [job, listener], lifecycleEvents: true });
        const { id } = await expireOne(h, job, by);
        await waitFor(
          () => events.length === 1,
          () => `one event, got ${JSON.stringify(events)}`,
        );
        expect(events[0]).toMatchObject({
          event: 'expired',
          jobId: id,
          name: 'signup',
          queue: 'accounts',
          arguments: { user: 'amuro', password: '[FILTERED]' },
          attempt: 1,
        });
      });

      it(`publishes nothing for a job expired by the ${by} when events are off or nobody subscribes`, async () => {
        const { job: listener, events } = eventListener(['Job.Expired']);
        const job = signup();
        const off = await harness({ jobs: [job, listener] });
        const unheard = await harness({ jobs: [job], lifecycleEvents: true });
        for (const h of [off, unheard]) {
          const { id, runtime } = await expireOne(h, job, by);
          // Stopping waits for every event begun: whatever was published is stored by now.
          await runtime.stop();
          expect((await h.shigoto.jobs.list()).map((j) => [j.id, j.state])).toEqual([[id, 'expired']]);
        }
        expect(events).toEqual([]);
      });
    }
  });
}

describe('lifecycle events from completions', () => {
  it('maps each outcome to its topic; snoozes are not published', async () => {
    const published: Array<[string, LifecycleEvent]> = [];
    const listener = defineJob({
      name: 'all',
      topics: ['Job.Completed', 'Job.Failed', 'Job.Discarded', 'Job.Expired', 'Job.Retried'],
      perform: () => {},
    });
    const job = defineJob({ name: 'work', perform: () => {} });
    const events = new LifecycleEvents({
      registry: new JobRegistry([job, listener]),
      codecs: new CodecRegistry(),
      filter: createArgumentFilter(),
      logger: createConsoleLogger({ level: 'silent' }),
      now: () => Date.UTC(2030, 0, 1),
      enabled: true,
      publish: async (topic, content) => {
        published.push([topic, content]);
        return 'id';
      },
    });
    const claimed: ClaimedJob = {
      id: '7',
      name: 'work',
      queue: 'default',
      priority: 0,
      args: '{"token":"t","n":1}',
      metadata: '{}',
      attempts: 3,
      enqueuedAt: 0,
      lease: 'l',
      expiresAt: null,
    };
    const ref = { jobId: '7', lease: 'l' };
    const error = { name: 'Error', message: 'boom', execution: 3, at: 0 };
    const completions: Completion[] = [
      { ...ref, outcome: 'finished', result: null },
      { ...ref, outcome: 'failed', error },
      { ...ref, outcome: 'discarded', error: null },
      { ...ref, outcome: 'expired' },
      { ...ref, outcome: 'retry', runAt: Date.UTC(2030, 0, 2), error },
      { ...ref, outcome: 'snooze', runAt: 0 },
    ];
    events.ended(completions.map((completion) => ({ job: claimed, completion })));
    await events.drain();
    expect(published.map(([topic, e]) => [topic, e.event, e.error?.message ?? null])).toEqual([
      ['Job.Completed', 'completed', null],
      ['Job.Failed', 'failed', 'boom'],
      ['Job.Discarded', 'discarded', null],
      ['Job.Expired', 'expired', null],
      ['Job.Retried', 'retried', 'boom'],
    ]);
    expect(published[4]![1]).toMatchObject({
      retryAt: '2030-01-02T00:00:00.000Z',
      at: '2030-01-01T00:00:00.000Z',
      arguments: { token: '[FILTERED]', n: 1 },
      attempt: 3,
    });
  });
});
