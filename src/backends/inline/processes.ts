import type { ProcessInfo } from '../../backend/types.ts';
import { moveToReady } from './controls.ts';
import type { InlineState } from './state.ts';

export function registerProcess(state: InlineState, process: ProcessInfo): void {
  state.processes.set(process.id, { ...process });
}

export function heartbeat(state: InlineState, processIds: readonly string[], now: number): void {
  for (const id of processIds) {
    const process = state.processes.get(id);
    if (process) state.processes.set(id, { ...process, lastHeartbeatAt: now });
  }
}

/** Removes a process; whatever it still held goes back to ready (the attempt stays counted). */
export function deregisterProcess(state: InlineState, processId: string, now: number): number {
  state.processes.delete(processId);
  return releaseHeldBy(state, (owner) => owner === processId, now);
}

/**
 * Prunes processes whose heartbeat stopped, and releases their claims together with any
 * claim whose process row is gone (a process deregistered while it was still claiming).
 */
export function pruneProcesses(
  state: InlineState,
  aliveSince: number,
  now: number,
): { pruned: ProcessInfo[]; released: number } {
  const pruned = listProcesses(state).filter((p) => p.lastHeartbeatAt < aliveSince);
  for (const p of pruned) state.processes.delete(p.id);
  const released = releaseHeldBy(state, (owner) => !state.processes.has(owner), now);
  return { pruned, released };
}

export function listProcesses(state: InlineState): ProcessInfo[] {
  return [...state.processes.values()]
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p) => ({ ...p }));
}

/** Claims of the given owners back to ready, each keeping a live slot or taking one again. */
function releaseHeldBy(state: InlineState, owned: (processId: string) => boolean, now: number): number {
  const held = [...state.claimed.values()].filter((job) => job.processId !== null && owned(job.processId));
  for (const job of held) moveToReady(state, job, 0, now);
  return held.length;
}
