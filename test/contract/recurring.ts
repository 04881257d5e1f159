import { describe, expect, it } from 'vitest';
import type { Backend, NewJob, RecurringRun } from '../../src/backend/types.ts';
import { claimAll, mustGetJob, newJob, refOf, SECOND, T0 } from './helpers.ts';
import type { ContractContext } from './types.ts';

/** A run of `taskKey` at T0 + `second` seconds; its job's args name both, to tell jobs apart. */
function run(taskKey: string, second: number, job: Partial<NewJob> = {}): RecurringRun {
  const runAt = T0 + second * SECOND;
  return {
    taskKey,
    runAt,
    job: newJob({ name: `task.${taskKey}`, args: `["${taskKey}",${runAt}]`, ...job }),
  };
}

function enqueueRuns(backend: Backend, runs: readonly RecurringRun[], now = T0): Promise<(string | null)[]> {
  return backend.enqueueRecurring({ runs, now });
}

async function totalJobs(backend: Backend): Promise<number> {
  return Object.values(await backend.countJobs()).reduce((a, b) => a + b, 0);
}

export function recurringContract(ctx: ContractContext): void {
  const last = (...taskKeys: string[]) => ctx.backend.lastRecurringExecutions({ taskKeys });

  describe('recurring runs', () => {
    it('enqueues the job of each new run and returns the ids in input order', async () => {
      const runs = [run('b', 0), run('a', 0), run('a', 1)];
      const ids = await enqueueRuns(ctx.backend, runs);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      expect(new Set(ids).size).toBe(3);
      const jobs = await Promise.all(ids.map((id) => mustGetJob(ctx.backend, id!)));
      expect(jobs.map((job) => [job.name, job.args, job.state, job.enqueuedAt])).toEqual(
        runs.map((r) => [r.job.name, r.job.args, 'ready', T0]),
      );
    });

    it('stores every field of the job as enqueue does, scheduled when it runs later', async () => {
      const job = newJob({ name: 'report', queue: 'reports', priority: -3, metadata: '{"k":"v"}' });
      const later = { ...job, runAt: T0 + 60 * SECOND };
      const [ready, scheduled] = await enqueueRuns(ctx.backend, [
        { taskKey: 'now', runAt: T0, job },
        { taskKey: 'later', runAt: T0, job: later },
      ]);
      expect(await mustGetJob(ctx.backend, ready!)).toMatchObject({
        name: 'report',
        queue: 'reports',
        priority: -3,
        metadata: '{"k":"v"}',
        state: 'ready',
        attempts: 0,
      });
      expect(await mustGetJob(ctx.backend, scheduled!)).toMatchObject({
        state: 'scheduled',
        runAt: T0 + 60 * SECOND,
      });
      expect(await claimAll(ctx.backend, ['reports'])).toHaveLength(1);
    });

    it('returns null for a run enqueued before and stores nothing for it', async () => {
      const [first] = await enqueueRuns(ctx.backend, [run('a', 0)]);
      const again = await enqueueRuns(ctx.backend, [run('a', 0, { name: 'another.job' })], T0 + SECOND);
      expect(again).toEqual([null]);
      expect(await totalJobs(ctx.backend)).toBe(1);
      expect((await mustGetJob(ctx.backend, first!)).name).toBe('task.a');
    });

    it('gives a run repeated within one call a job once, its repeats null', async () => {
      const ids = await enqueueRuns(ctx.backend, [run('a', 0), run('a', 0), run('b', 0), run('a', 0)]);
      expect(ids[0]).toEqual(expect.any(String));
      expect(ids[2]).toEqual(expect.any(String));
      expect([ids[1], ids[3]]).toEqual([null, null]);
      expect(await totalJobs(ctx.backend)).toBe(2);
    });

    it('mixes new and known runs in one call: ids for the new ones, in input order', async () => {
      const [known] = await enqueueRuns(ctx.backend, [run('a', 1)]);
      const ids = await enqueueRuns(ctx.backend, [run('a', 0), run('a', 1), run('a', 2)], T0 + 2 * SECOND);
      expect(ids[1]).toBeNull();
      expect(ids[0]).not.toBeNull();
      expect(ids[2]).not.toBeNull();
      expect(new Set([known, ids[0], ids[2]]).size).toBe(3);
      const args = await Promise.all(
        [ids[0]!, ids[2]!].map(async (id) => (await mustGetJob(ctx.backend, id)).args),
      );
      expect(args).toEqual([run('a', 0).job.args, run('a', 2).job.args]);
    });

    it('does nothing for no runs', async () => {
      expect(await enqueueRuns(ctx.backend, [])).toEqual([]);
      expect(await totalJobs(ctx.backend)).toBe(0);
    });

    it('keeps a run recorded after its job is cleared, so it is never enqueued again', async () => {
      const [id] = await enqueueRuns(ctx.backend, [run('a', 0)]);
      const [claimed] = await claimAll(ctx.backend);
      await ctx.backend.complete({
        items: [{ ...refOf(claimed!), outcome: 'finished', result: null }],
        now: T0,
      });
      expect(await ctx.backend.clearFinished({ before: T0 + SECOND, limit: 10 })).toBe(1);
      expect(await ctx.backend.getJob({ id: id! })).toBeNull();
      expect(await enqueueRuns(ctx.backend, [run('a', 0)], T0 + SECOND)).toEqual([null]);
      expect(await last('a')).toEqual([{ taskKey: 'a', runAt: T0, jobId: id, enqueuedAt: T0 }]);
    });

    it('lists the latest run of each task asked for, in task key order', async () => {
      const [b0] = await enqueueRuns(ctx.backend, [run('b', 0)]);
      const [, a2] = await enqueueRuns(ctx.backend, [run('a', 1), run('a', 2)], T0 + 2 * SECOND);
      // An older run recorded later does not become the latest.
      await enqueueRuns(ctx.backend, [run('a', 0)], T0 + 3 * SECOND);
      await enqueueRuns(ctx.backend, [run('c', 0)]);
      expect(await last('b', 'a', 'missing', 'a')).toEqual([
        { taskKey: 'a', runAt: T0 + 2 * SECOND, jobId: a2, enqueuedAt: T0 + 2 * SECOND },
        { taskKey: 'b', runAt: T0, jobId: b0, enqueuedAt: T0 },
      ]);
      expect(await last()).toEqual([]);
    });

    it('clears runs before the cut-off but keeps the latest of each task', async () => {
      await enqueueRuns(ctx.backend, [run('a', 0), run('a', 1), run('a', 2), run('b', 0), run('c', 5)]);
      expect(await ctx.backend.clearRecurringExecutions({ before: T0 + 10 * SECOND, limit: 100 })).toBe(2);
      expect((await last('a', 'b', 'c')).map((e) => [e.taskKey, e.runAt])).toEqual([
        ['a', T0 + 2 * SECOND],
        ['b', T0],
        ['c', T0 + 5 * SECOND],
      ]);
      // A cleared run is no longer known: the guarantee lasts as long as the record.
      expect(await enqueueRuns(ctx.backend, [run('a', 0), run('a', 2)])).toEqual([expect.any(String), null]);
    });

    it('clears at most limit runs per call, and none with a limit of 0 or less', async () => {
      await enqueueRuns(
        ctx.backend,
        [0, 1, 2, 3, 4].map((s) => run('a', s)),
      );
      const clear = (limit: number) =>
        ctx.backend.clearRecurringExecutions({ before: T0 + 10 * SECOND, limit });
      expect(await clear(0)).toBe(0);
      expect(await clear(-1)).toBe(0);
      expect(await clear(3)).toBe(3);
      expect(await clear(3)).toBe(1);
      expect(await clear(3)).toBe(0);
      expect(await enqueueRuns(ctx.backend, [run('a', 4)])).toEqual([null]);
    });

    it('keeps runs at or after the cut-off', async () => {
      await enqueueRuns(ctx.backend, [run('a', 0), run('a', 1), run('a', 2)]);
      expect(await ctx.backend.clearRecurringExecutions({ before: T0 + SECOND, limit: 100 })).toBe(1);
      expect(await enqueueRuns(ctx.backend, [run('a', 1)])).toEqual([null]);
    });

    it('enqueues each run exactly once when schedulers race on one database', async () => {
      const siblings = [ctx.sibling(), ctx.sibling()].filter((b): b is Backend => b !== null);
      const backends = [ctx.backend, ...siblings];
      try {
        const runs = Array.from({ length: 30 }, (_, i) => run(`task-${i % 3}`, Math.floor(i / 3)));
        // Three "schedulers" per instance, each offering every run in its own order, all at once.
        const calls = backends.flatMap((backend, b) =>
          [0, 1, 2].map((s) => {
            const offered = rotate(runs, (b * 3 + s) * 7);
            return enqueueRuns(backend, offered, T0 + 20 * SECOND).then((ids) =>
              ids.flatMap((id, i) => (id === null ? [] : [{ id, run: offered[i]! }])),
            );
          }),
        );
        const enqueued = (await Promise.all(calls)).flat();
        const keys = enqueued.map(({ run: r }) => `${r.taskKey}@${r.runAt}`).sort();
        expect(keys).toEqual(runs.map((r) => `${r.taskKey}@${r.runAt}`).sort());
        expect(new Set(enqueued.map((e) => e.id)).size).toBe(runs.length);
        expect(await totalJobs(ctx.backend)).toBe(runs.length);
        for (const { id, run: r } of enqueued)
          expect((await mustGetJob(ctx.backend, id)).args).toBe(r.job.args);
        expect((await last('task-0', 'task-1', 'task-2')).map((e) => e.runAt)).toEqual([
          T0 + 9 * SECOND,
          T0 + 9 * SECOND,
          T0 + 9 * SECOND,
        ]);
      } finally {
        await Promise.all(siblings.map((b) => b.close()));
      }
    });
  });
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
