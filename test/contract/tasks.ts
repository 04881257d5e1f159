import { describe, expect, it } from 'vitest';
import type { Backend, NewJob, NewTask, TaskRecord } from '../../src/backend/types.ts';
import { DuplicateJobError, QueueFullError } from '../../src/errors.ts';
import {
  claimAll,
  enqueue,
  newJob,
  refOf,
  SECOND,
  statesOf,
  storedError,
  T0,
  withSiblings,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

const at = (seconds: number) => T0 + seconds * SECOND;
let taskCount = 0;

/** A task expiring 10 s after T0, with an id no other test uses. */
function newTask(overrides: Partial<NewTask> = {}): NewTask {
  const id = (++taskCount).toString(16).padStart(32, '0');
  return { id, topic: 'hello', expiresAt: at(10), ...overrides };
}

/** The jobs of `names` subscribed to the task's topic, as the client builds them. */
function subscribers(names: readonly string[], overrides: Partial<NewJob> = {}): NewJob[] {
  return names.map((name) =>
    newJob({ name, queue: 't', args: '{"name":"amuro"}', expiresAt: at(10), ...overrides }),
  );
}

export function tasksContract(ctx: ContractContext): void {
  const publish = (task: NewTask, jobs: readonly NewJob[], backend: Backend = ctx.backend) =>
    backend.publishTask({ task, jobs, now: T0 });
  const getOne = async (id: string, ended = false): Promise<TaskRecord | undefined> =>
    (await ctx.backend.getTasks({ ids: [id], ended }))[0];
  const stateNames = (task: TaskRecord | undefined) =>
    task?.executions.map((e) => [e.name, e.job?.state ?? null]);

  describe('tasks', () => {
    it('stores a task with one job per subscriber, in publish order', async () => {
      const task = newTask();
      const ids = await publish(task, subscribers(['example', 'audit']));
      expect(ids).toHaveLength(2);
      const stored = await getOne(task.id);
      expect(stored).toMatchObject({ id: task.id, topic: 'hello', createdAt: T0, expiresAt: at(10) });
      expect(stored!.executions.map((e) => [e.jobId, e.name])).toEqual([
        [ids[0], 'example'],
        [ids[1], 'audit'],
      ]);
      expect(stored!.executions.map((e) => e.job)).toMatchObject([
        {
          id: ids[0],
          name: 'example',
          queue: 't',
          state: 'ready',
          args: '{"name":"amuro"}',
          expiresAt: at(10),
        },
        { id: ids[1], name: 'audit', state: 'ready' },
      ]);
      // They are ordinary jobs: claimed and run as any other.
      expect((await claimAll(ctx.backend, ['t'])).map((job) => job.id)).toEqual([...ids]);
    });

    it('leaves out unknown ids and reads many tasks at once', async () => {
      const first = newTask();
      const second = newTask({ topic: 'world' });
      await publish(first, subscribers(['a']));
      await publish(second, subscribers(['b', 'c']));
      const found = await ctx.backend.getTasks({ ids: [second.id, 'f'.repeat(32), first.id, second.id, ''] });
      expect(found.map((task) => [task.id, task.topic, task.executions.length]).sort()).toEqual(
        [
          [first.id, 'hello', 1],
          [second.id, 'world', 2],
        ].sort(),
      );
      expect(await ctx.backend.getTasks({ ids: [] })).toEqual([]);
    });

    it('a task has ended once every execution has: finished, failed, discarded or expired', async () => {
      const task = newTask();
      await publish(task, subscribers(['done', 'broken', 'dropped', 'late']));
      const [done, broken, dropped, late] = await claimAll(ctx.backend, ['t'], { now: at(1) });
      expect(await getOne(task.id, true)).toBeUndefined();
      await ctx.backend.complete({
        items: [
          { ...refOf(done!), outcome: 'finished', result: '"Hello, amuro"' },
          { ...refOf(broken!), outcome: 'failed', error: storedError() },
          { ...refOf(dropped!), outcome: 'discarded', error: null },
        ],
        now: at(2),
      });
      // The fourth was claimed too, and is still running.
      expect(await getOne(task.id, true)).toBeUndefined();
      expect(stateNames(await getOne(task.id))).toEqual([
        ['done', 'finished'],
        ['broken', 'failed'],
        ['dropped', 'discarded'],
        ['late', 'claimed'],
      ]);
      // Held past its expiry before it started: it ends expired, and so does the task.
      await ctx.backend.complete({ items: [{ ...refOf(late!), outcome: 'expired' }], now: at(10) });
      expect(stateNames(await getOne(task.id, true))).toEqual([
        ['done', 'finished'],
        ['broken', 'failed'],
        ['dropped', 'discarded'],
        ['late', 'expired'],
      ]);
    });

    it('executions not started before the task expires end expired, and the task ends', async () => {
      const task = newTask();
      const [running, waiting] = await publish(task, subscribers(['fast', 'slow']));
      // Claimed, then given back before they started: they wait again.
      const claimed = await claimAll(ctx.backend, ['t'], { now: at(1) });
      await ctx.backend.release({ items: claimed.map(refOf), now: at(1) });
      expect(await ctx.backend.expireJobs({ now: at(9), limit: 10 })).toHaveLength(0);
      expect(await getOne(task.id, true)).toBeUndefined();
      expect(await ctx.backend.expireJobs({ now: at(10), limit: 10 })).toHaveLength(2);
      expect(await statesOf(ctx.backend, [running!, waiting!])).toEqual(['expired', 'expired']);
      const ended = await getOne(task.id, true);
      expect(stateNames(ended)).toEqual([
        ['fast', 'expired'],
        ['slow', 'expired'],
      ]);
      expect(ended!.executions.map((e) => e.job?.finishedAt)).toEqual([at(10), at(10)]);
    });

    it('a finished execution carries its result', async () => {
      const task = newTask();
      await publish(task, subscribers(['example']));
      const [job] = await claimAll(ctx.backend, ['t']);
      await ctx.backend.complete({
        items: [{ ...refOf(job!), outcome: 'finished', result: '"Hello, amuro"' }],
        now: at(1),
      });
      const [execution] = (await getOne(task.id, true))!.executions;
      expect(execution!.job).toMatchObject({
        state: 'finished',
        result: '"Hello, amuro"',
        finishedAt: at(1),
      });
    });

    it('a retried execution keeps the task open until it ends', async () => {
      const task = newTask({ expiresAt: at(100) });
      await publish(task, subscribers(['flaky'], { expiresAt: at(100) }));
      const [job] = await claimAll(ctx.backend, ['t']);
      await ctx.backend.complete({
        items: [{ ...refOf(job!), outcome: 'retry', runAt: at(5), error: storedError() }],
        now: at(1),
      });
      expect(stateNames(await getOne(task.id))).toEqual([['flaky', 'scheduled']]);
      expect(await getOne(task.id, true)).toBeUndefined();
    });

    it('refuses a whole task when a subscriber is a duplicate with onConflict error, storing nothing', async () => {
      const unique = (onConflict: 'error' | 'return') => ({
        unique: {
          key: 'u',
          states: ['scheduled', 'ready', 'blocked', 'claimed'] as const,
          expiresAt: null,
          onConflict,
        },
      });
      await enqueue(ctx.backend, [newJob({ queue: 't', ...unique('return') })]);
      const task = newTask();
      await expect(
        publish(task, [...subscribers(['plain']), ...subscribers(['once'], unique('error'))]),
      ).rejects.toThrow(DuplicateJobError);
      expect(await ctx.backend.getTasks({ ids: [task.id] })).toEqual([]);
      expect((await ctx.backend.countJobs()).ready).toBe(1);
    });

    it('a duplicate that gets the holder’s id is not an execution of the task', async () => {
      const unique = {
        unique: {
          key: 'u',
          states: ['scheduled', 'ready', 'blocked', 'claimed'] as const,
          expiresAt: null,
          onConflict: 'return' as const,
        },
      };
      const [holder] = await enqueue(ctx.backend, [newJob({ queue: 't', ...unique })]);
      const task = newTask();
      const ids = await publish(task, [...subscribers(['plain']), ...subscribers(['once'], unique)]);
      expect(ids[1]).toBe(holder);
      expect(ids.duplicates).toEqual([1]);
      expect((await getOne(task.id))!.executions.map((e) => [e.jobId, e.name])).toEqual([[ids[0], 'plain']]);
    });

    it('refuses a task that would pass a queue size limit, storing nothing', async () => {
      const task = newTask();
      const over = ctx.backend.publishTask({
        task,
        jobs: subscribers(['a', 'b']),
        now: T0,
        limits: { perQueue: { t: 1 } },
      });
      await expect(over).rejects.toThrow(QueueFullError);
      expect(await ctx.backend.getTasks({ ids: [task.id] })).toEqual([]);
      expect((await ctx.backend.countJobs()).ready).toBe(0);
    });

    it('tasks are cleared with finished jobs, by the time they were published', async () => {
      const old = newTask();
      const recent = newTask();
      await publish(old, subscribers(['a']));
      await ctx.backend.publishTask({ task: recent, jobs: subscribers(['b']), now: at(5) });
      await ctx.backend.clearFinished({ before: at(5), limit: 10 });
      expect((await ctx.backend.getTasks({ ids: [old.id, recent.id] })).map((task) => task.id)).toEqual([
        recent.id,
      ]);
    });

    it.runIf(ctx.capabilities.crossProcessWakeups)(
      'announces to every instance that a job of a task ended, and nothing for other jobs',
      async () => {
        await withSiblings(ctx, async ([backend, sibling]) => {
          const heard: string[][] = [];
          const stop = await sibling!.listenTasks!((ids) => heard.push([...ids]));
          try {
            const task = newTask();
            await publish(task, subscribers(['a', 'b']), backend);
            await enqueue(backend!, [newJob({ queue: 't' })]);
            const jobs = await claimAll(backend!, ['t']);
            await backend!.complete({
              items: jobs.map((job) => ({ ...refOf(job), outcome: 'finished' as const, result: null })),
              now: at(1),
            });
            await expect.poll(() => heard, { timeout: 5000 }).toEqual([[task.id]]);
          } finally {
            await stop();
          }
        });
      },
    );
  });
}
