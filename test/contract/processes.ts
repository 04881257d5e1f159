import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '../../src/backend/types.ts';
import {
  claim,
  claimAll,
  enqueue,
  idsOf,
  mustGetJob,
  newJobs,
  processInfo,
  refOf,
  SECOND,
  statesOf,
  storedError,
  T0,
} from './helpers.ts';
import type { ContractContext } from './types.ts';

const ALIVE_SINCE = T0 + 30 * SECOND;
const NOW = T0 + 60 * SECOND;

export function processesContract(ctx: ContractContext): void {
  const register = (overrides: Partial<ProcessInfo>) =>
    ctx.backend.registerProcess({ process: processInfo(overrides) });
  /** Enqueues `count` jobs in a queue of the process's own and claims them for it. */
  const claimFor = async (processId: string, count: number) => {
    await enqueue(
      ctx.backend,
      newJobs(count, () => ({ queue: `q-${processId}` })),
    );
    return claim(ctx.backend, [`q-${processId}`], count, { processId });
  };

  describe('processes', () => {
    it('are listed with every registered field', async () => {
      const supervisor = processInfo({ id: 'sup', kind: 'supervisor', name: 'supervisor', pid: 1 });
      const worker = processInfo({
        id: 'w1',
        supervisorId: 'sup',
        createdAt: T0 + 1,
        lastHeartbeatAt: T0 + 1,
      });
      await ctx.backend.registerProcess({ process: supervisor });
      await ctx.backend.registerProcess({ process: worker });
      const listed = await ctx.backend.listProcesses();
      expect([...listed].sort((a, b) => a.id.localeCompare(b.id))).toEqual([supervisor, worker]);
    });

    it('heartbeat moves lastHeartbeatAt of the named processes only', async () => {
      await register({ id: 'a' });
      await register({ id: 'b' });
      await ctx.backend.heartbeat({ processIds: ['a', 'unknown'], now: T0 + 5 * SECOND });
      await ctx.backend.heartbeat({ processIds: [], now: T0 + 9 * SECOND });
      const beats = Object.fromEntries(
        (await ctx.backend.listProcesses()).map((p) => [p.id, p.lastHeartbeatAt]),
      );
      expect(beats).toEqual({ a: T0 + 5 * SECOND, b: T0 });
    });

    it('deregistering returns its claims to ready, keeping the attempt', async () => {
      await register({ id: 'leaving' });
      await register({ id: 'staying' });
      const leaving = await claimFor('leaving', 2);
      const staying = await claimFor('staying', 1);
      expect(await ctx.backend.deregisterProcess({ processId: 'leaving', now: NOW })).toBe(2);
      expect((await ctx.backend.listProcesses()).map((p) => p.id)).toEqual(['staying']);
      const released = await Promise.all(leaving.map((job) => mustGetJob(ctx.backend, job.id)));
      expect(released.map((job) => [job.state, job.attempts, job.processId])).toEqual([
        ['ready', 1, null],
        ['ready', 1, null],
      ]);
      expect(await statesOf(ctx.backend, idsOf(staying))).toEqual(['claimed']);
      expect(idsOf(await claimAll(ctx.backend, ['q-leaving']))).toEqual(idsOf(leaving));
    });

    it('deregistering a process without claims releases nothing', async () => {
      await register({ id: 'idle' });
      expect(await ctx.backend.deregisterProcess({ processId: 'idle', now: NOW })).toBe(0);
      expect(await ctx.backend.deregisterProcess({ processId: 'never-registered', now: NOW })).toBe(0);
      expect(await ctx.backend.listProcesses()).toEqual([]);
    });

    it('pruning removes only processes whose heartbeat is older than aliveSince', async () => {
      await register({ id: 'dead', lastHeartbeatAt: ALIVE_SINCE - 1 });
      await register({ id: 'edge', lastHeartbeatAt: ALIVE_SINCE });
      await register({ id: 'alive', lastHeartbeatAt: T0 });
      await ctx.backend.heartbeat({ processIds: ['alive'], now: NOW });
      const { pruned, released } = await ctx.backend.pruneProcesses({ aliveSince: ALIVE_SINCE, now: NOW });
      expect(pruned).toEqual([processInfo({ id: 'dead', lastHeartbeatAt: ALIVE_SINCE - 1 })]);
      expect(released).toBe(0);
      expect((await ctx.backend.listProcesses()).map((p) => p.id).sort()).toEqual(['alive', 'edge']);
    });

    it('pruning releases the claims of pruned processes, keeping the attempt', async () => {
      await register({ id: 'dead', lastHeartbeatAt: T0 });
      await register({ id: 'alive', lastHeartbeatAt: NOW });
      const dead = await claimFor('dead', 2);
      const alive = await claimFor('alive', 1);
      const { released } = await ctx.backend.pruneProcesses({ aliveSince: ALIVE_SINCE, now: NOW });
      expect(released).toBe(2);
      const jobs = await Promise.all(dead.map((job) => mustGetJob(ctx.backend, job.id)));
      expect(jobs.map((job) => [job.state, job.attempts, job.processId])).toEqual([
        ['ready', 1, null],
        ['ready', 1, null],
      ]);
      expect(await statesOf(ctx.backend, idsOf(alive))).toEqual(['claimed']);
    });

    it('pruning releases orphan claims whose process row is gone', async () => {
      await register({ id: 'alive', lastHeartbeatAt: NOW });
      const orphans = await claimFor('vanished', 2);
      const alive = await claimFor('alive', 1);
      const { pruned, released } = await ctx.backend.pruneProcesses({ aliveSince: ALIVE_SINCE, now: NOW });
      expect(pruned).toEqual([]);
      expect(released).toBe(2);
      expect(await statesOf(ctx.backend, idsOf(orphans))).toEqual(['ready', 'ready']);
      expect(await statesOf(ctx.backend, idsOf(alive))).toEqual(['claimed']);
    });

    it('fences a pruned worker: its later completion is rejected', async () => {
      await register({ id: 'stalled', lastHeartbeatAt: T0 });
      await register({ id: 'rescuer', lastHeartbeatAt: NOW });
      const [stalled] = await claimFor('stalled', 1);
      await ctx.backend.pruneProcesses({ aliveSince: ALIVE_SINCE, now: NOW });
      const [rescued] = await claim(ctx.backend, ['q-stalled'], 1, { processId: 'rescuer', now: NOW });
      expect(rescued).toMatchObject({ id: stalled!.id, attempts: 2 });

      const late = await ctx.backend.complete({
        items: [{ ...refOf(stalled!), outcome: 'finished', result: '"late"' }],
        now: NOW,
      });
      expect(late.rejected).toEqual([stalled!.id]);
      expect(await mustGetJob(ctx.backend, stalled!.id)).toMatchObject({
        state: 'claimed',
        processId: 'rescuer',
      });
    });

    it('fences a pruned worker even before anyone claims the job again', async () => {
      await register({ id: 'stalled', lastHeartbeatAt: T0 });
      const [stalled] = await claimFor('stalled', 1);
      await ctx.backend.pruneProcesses({ aliveSince: ALIVE_SINCE, now: NOW });
      const late = await ctx.backend.complete({
        items: [{ ...refOf(stalled!), outcome: 'failed', error: storedError({ at: NOW }) }],
        now: NOW,
      });
      expect(late.rejected).toEqual([stalled!.id]);
      expect(await statesOf(ctx.backend, [stalled!.id])).toEqual(['ready']);
    });
  });
}
