import { randomUUID } from 'node:crypto';
import { type ClaimStep, planClaimSteps } from '../../backend/queue-selection.ts';
import type { ClaimedJob, ClaimedJobs, ExpiredJob } from '../../backend/types.ts';
import { expireJob, releaseUniqueKey } from './controls.ts';
import type { MinHeap } from './heap.ts';
import { byPriorityThenId, type InlineState, type StoredJob } from './state.ts';

/** Takes up to `limit` ready jobs in queue-list order, then priority, then FIFO; one lease per claim. */
export function claimJobs(
  state: InlineState,
  params: { queues: readonly string[]; limit: number; processId: string; now: number },
): ClaimedJobs {
  if (params.limit <= 0) return [];
  const known = [...state.queues.values()].map((q) => ({ name: q.name, paused: q.pausedAt !== null }));
  const picked: StoredJob[] = [];
  for (const step of planClaimSteps(params.queues, known)) {
    if (picked.length >= params.limit) break;
    takeFrom(heapsOf(state, step), params.limit - picked.length, picked);
  }
  // An expired job is never run: it ends as expired instead (as the SQL claim does).
  const expired: ExpiredJob[] = [];
  const running = picked.filter((job) => {
    if (job.expiresAt === null || job.expiresAt > params.now) return true;
    expired.push(expireJob(state, job, params.now));
    return false;
  });
  const claimed = claimRunning(state, running, params);
  return expired.length === 0 ? claimed : Object.assign(claimed, { expired });
}

function claimRunning(
  state: InlineState,
  running: readonly StoredJob[],
  params: { processId: string },
): ClaimedJob[] {
  if (running.length === 0) return [];
  const lease = randomUUID();
  return running.map((job) => {
    job.attempts += 1;
    job.processId = params.processId;
    job.lease = lease;
    state.enter(job, 'claimed');
    releaseUniqueKey(state, job, 'claimed');
    return {
      id: String(job.id),
      name: job.name,
      queue: job.queue,
      priority: job.priority,
      args: job.args,
      metadata: job.metadata,
      attempts: job.attempts,
      enqueuedAt: job.enqueuedAt,
      lease,
      expiresAt: job.expiresAt,
    };
  });
}

function heapsOf(state: InlineState, step: ClaimStep): MinHeap<StoredJob>[] {
  if (step.kind === 'names') {
    return step.names.flatMap((name) => {
      const queue = state.queues.get(name);
      return queue ? [queue.ready] : [];
    });
  }
  const excluded = new Set(step.exclude);
  return [...state.queues.values()].filter((q) => !excluded.has(q.name)).map((q) => q.ready);
}

/** Pops the `limit` first jobs across several queues' heaps (one step: priority, then FIFO). */
function takeFrom(heaps: readonly MinHeap<StoredJob>[], limit: number, into: StoredJob[]): void {
  for (let taken = 0; taken < limit; taken++) {
    let best: MinHeap<StoredJob> | undefined;
    for (const heap of heaps) {
      const top = heap.peek();
      if (top === undefined) continue;
      const bestTop = best?.peek();
      if (!bestTop || byPriorityThenId(top, bestTop)) best = heap;
    }
    const job = best?.pop();
    if (!job) return;
    into.push(job);
  }
}
