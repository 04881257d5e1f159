import {
  type FailedSelector,
  type JobFilter,
  type JobRecord,
  type JobState,
  MAX_PAGE,
  type QueueInfo,
} from '../../backend/types.ts';
import { moveToReady, releaseUniqueKey } from './controls.ts';
import { type InlineState, parseId, type StoredJob, toJobRecord } from './state.ts';

export function pauseQueue(state: InlineState, queue: string, now: number): void {
  const entry = state.queue(queue);
  entry.pausedAt ??= now;
}

export function resumeQueue(state: InlineState, queue: string): void {
  const entry = state.queues.get(queue);
  if (entry) entry.pausedAt = null;
}

export function listQueues(state: InlineState): QueueInfo[] {
  const scheduled = countByQueue(state.scheduled.values());
  const claimed = countByQueue(state.claimed.values());
  const failed = countByQueue(state.failed.values());
  const blocked = countByQueue(state.blocked.values());
  const errored = countByQueue(state.errored.values());
  // A queue's own line is keyed by its name: errored there under 'stop', the queue is stopped.
  const stopped = new Set(
    [...state.errored.values()]
      .filter((job) => job.serial?.key === job.queue && job.serial.onError === 'stop')
      .map((job) => job.queue),
  );
  return [...state.queues.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((q) => {
      let oldestReadyAt: number | null = null;
      for (const job of q.ready.values()) {
        const readyAt = job.runAt ?? job.enqueuedAt;
        if (oldestReadyAt === null || readyAt < oldestReadyAt) oldestReadyAt = readyAt;
      }
      return {
        name: q.name,
        paused: q.pausedAt !== null,
        ready: q.ready.size,
        scheduled: scheduled.get(q.name) ?? 0,
        blocked: blocked.get(q.name) ?? 0,
        claimed: claimed.get(q.name) ?? 0,
        failed: failed.get(q.name) ?? 0,
        errored: errored.get(q.name) ?? 0,
        stopped: stopped.has(q.name),
        oldestReadyAt,
      };
    });
}

function countByQueue(jobs: Iterable<StoredJob>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.queue, (counts.get(job.queue) ?? 0) + 1);
  return counts;
}

export function getJob(state: InlineState, id: string): JobRecord | null {
  const key = parseId(id);
  const job = key === null ? undefined : state.jobs.get(key);
  return job ? toJobRecord(job) : null;
}

/** Newest first, at most MAX_PAGE; malformed ids match nothing. */
export function listJobs(state: InlineState, filter: JobFilter): JobRecord[] {
  let beforeId: number | undefined;
  if (filter.beforeId !== undefined) {
    const parsed = parseId(filter.beforeId);
    if (parsed === null) return [];
    beforeId = parsed;
  }
  const limit = Math.max(1, Math.min(filter.limit ?? 100, MAX_PAGE));
  const matches = (job: StoredJob) =>
    (!filter.state || job.state === filter.state) &&
    (!filter.queue || job.queue === filter.queue) &&
    (!filter.name || job.name === filter.name);
  const page: JobRecord[] = [];
  for (const id of candidateIds(state, filter.ids, beforeId)) {
    const job = state.jobs.get(id)!;
    if (!matches(job)) continue;
    page.push(toJobRecord(job));
    if (page.length >= limit) break;
  }
  return page;
}

/** Ids to look at, newest first: the listed ones when given, else every stored id. */
function candidateIds(
  state: InlineState,
  ids: readonly string[] | undefined,
  beforeId: number | undefined,
): Iterable<number> {
  if (!ids) return state.idsNewestFirst(beforeId);
  const listed = new Set<number>();
  for (const id of ids) {
    const key = parseId(id);
    if (key !== null && state.jobs.has(key) && (beforeId === undefined || key < beforeId)) listed.add(key);
  }
  return [...listed].sort((a, b) => b - a);
}

export function countJobs(state: InlineState): Record<JobState, number> {
  return { ...state.counts };
}

/** Failed jobs back to ready or blocked (attempt count kept); returns how many. */
export function retryFailed(state: InlineState, select: FailedSelector, now: number): number {
  const jobs = selectFrom(state.failed, select);
  for (const job of jobs) moveToReady(state, job, 0, now);
  return jobs.length;
}

/** Failed jobs to discarded (kept for the retention time); returns how many. */
export function discardFailed(state: InlineState, select: FailedSelector, now: number): number {
  const jobs = selectFrom(state.failed, select);
  for (const job of jobs) {
    job.finishedAt = now;
    state.enter(job, 'discarded');
    releaseUniqueKey(state, job, 'discarded');
  }
  return jobs.length;
}

/** Selected jobs of a state's map (failed, errored), oldest first; nothing unless ids, a queue or `all` is given. */
export function selectFrom(jobs: ReadonlyMap<number, StoredJob>, select: FailedSelector): StoredJob[] {
  if (!select.ids && !select.queue && !select.all) return [];
  const ids = select.ids ? new Set(select.ids.map(parseId)) : undefined;
  return [...jobs.values()]
    .filter((job) => (!ids || ids.has(job.id)) && (!select.queue || job.queue === select.queue))
    .sort((a, b) => a.id - b.id);
}
