import {
  type ConcurrencyControl,
  type ExpiredJob,
  JOB_STATES,
  type JobRecord,
  type JobState,
  type ProcessInfo,
  type SerialControl,
  type StoredError,
} from '../../backend/types.ts';
import { MinHeap } from './heap.ts';

/** One job as the inline backend holds it; only the backend's own transitions mutate it. */
export interface StoredJob {
  readonly id: number;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly args: string;
  readonly metadata: string;
  readonly enqueuedAt: number;
  state: JobState;
  attempts: number;
  runAt: number | null;
  finishedAt: number | null;
  processId: string | null;
  lease: string | null;
  /** JSON text, as the SQL backend stores it, so readers always get a fresh copy. */
  lastError: string | null;
  result: string | null;
  /** Cleared when the job ends, as in SQL. */
  expiresAt: number | null;
  readonly concurrency: ConcurrencyControl | null;
  readonly unique: { readonly key: string; readonly states: readonly JobState[] } | null;
  /** While blocked: when concurrency maintenance checks its key again. */
  recheckAt: number | null;
  /** Its serialized line, if it has one. */
  readonly serial: SerialControl | null;
}

/** A serialized line: the one job that may be ready, scheduled, running or stopped errored, and the jobs behind it. */
export interface Line {
  head: StoredJob | null;
  /** Jobs waiting behind the head (state 'blocked'), lowest id first. */
  readonly waiting: MinHeap<StoredJob>;
}

/** A slot held by a job, as a row of the SQL slots table. */
export interface Slot {
  readonly key: string;
  readonly expiresAt: number;
}

export interface QueueEntry {
  readonly name: string;
  pausedAt: number | null;
  /** Ready jobs of this queue by priority, then FIFO (the SQL ready table's index). */
  readonly ready: MinHeap<StoredJob>;
}

/** Claim order inside one step: lower priority number first, then FIFO. */
export const byPriorityThenId = (a: StoredJob, b: StoredJob): boolean =>
  a.priority !== b.priority ? a.priority < b.priority : a.id < b.id;

const byDue = (a: StoredJob, b: StoredJob) =>
  a.runAt !== b.runAt ? a.runAt! < b.runAt! : byPriorityThenId(a, b);

/**
 * Everything one inline backend knows, with the indexes the hot paths need.
 * Ready, scheduled and blocked jobs leave their heaps by being popped (claim, promote,
 * unblock) or removed (expiry), so callers do that first and then call `enter`; claimed,
 * failed and blocked jobs also sit in maps.
 */
export class InlineState {
  readonly jobs = new Map<number, StoredJob>();
  /** Ids in ascending order for newest-first paging; deleted ids are skipped and compacted away. */
  #order: number[] = [];
  #deletedInOrder = 0;
  readonly queues = new Map<string, QueueEntry>();
  readonly scheduled = new MinHeap<StoredJob>(byDue);
  readonly claimed = new Map<number, StoredJob>();
  readonly failed = new Map<number, StoredJob>();
  readonly blocked = new Map<number, StoredJob>();
  /** Blocked jobs of each concurrency key, by priority, then FIFO (the SQL blocked_by_key index). */
  readonly blockedByKey = new Map<string, MinHeap<StoredJob>>();
  /** Slots by job id, and the job ids holding each key's. */
  readonly slots = new Map<number, Slot>();
  readonly slotsByKey = new Map<string, Set<number>>();
  /** Serialized lines with jobs, by key. */
  readonly lines = new Map<string, Line>();
  readonly errored = new Map<number, StoredJob>();
  /** Held unique keys. */
  readonly uniques = new Map<string, { jobId: number; expiresAt: number | null }>();
  /** Jobs with an expiry that have not ended (the SQL jobs_expiring index). */
  readonly expiring = new Set<StoredJob>();
  readonly processes = new Map<string, ProcessInfo>();
  readonly counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  #nextId = 1;

  /** Gets a queue, creating it the first time it is named (enqueue, pause). */
  queue(name: string): QueueEntry {
    let entry = this.queues.get(name);
    if (!entry) {
      entry = { name, pausedAt: null, ready: new MinHeap(byPriorityThenId) };
      this.queues.set(name, entry);
    }
    return entry;
  }

  /** Stores a new job in `state` (ready or scheduled) under the next id. */
  insert(fields: Omit<StoredJob, 'id' | 'state'>, state: JobState): StoredJob {
    const job: StoredJob = { ...fields, id: this.#nextId++, state };
    this.jobs.set(job.id, job);
    this.#order.push(job.id);
    this.counts[state]++;
    this.#index(job);
    if (job.expiresAt !== null) this.expiring.add(job);
    return job;
  }

  /** The blocked jobs of a key, created on first use. */
  blockedOn(key: string): MinHeap<StoredJob> {
    let heap = this.blockedByKey.get(key);
    if (!heap) {
      heap = new MinHeap(byPriorityThenId);
      this.blockedByKey.set(key, heap);
    }
    return heap;
  }

  /** A serialized line, created (free) on first use. */
  line(key: string): Line {
    let line = this.lines.get(key);
    if (!line) {
      line = { head: null, waiting: new MinHeap((a, b) => a.id < b.id) };
      this.lines.set(key, line);
    }
    return line;
  }

  setSlot(jobId: number, slot: Slot): void {
    this.deleteSlot(jobId);
    this.slots.set(jobId, slot);
    let holders = this.slotsByKey.get(slot.key);
    if (!holders) {
      holders = new Set();
      this.slotsByKey.set(slot.key, holders);
    }
    holders.add(jobId);
  }

  /** Returns whether the job held a slot. */
  deleteSlot(jobId: number): boolean {
    const slot = this.slots.get(jobId);
    if (!slot) return false;
    this.slots.delete(jobId);
    const holders = this.slotsByKey.get(slot.key)!;
    holders.delete(jobId);
    if (holders.size === 0) this.slotsByKey.delete(slot.key);
    return true;
  }

  /** Moves a job to another state, keeping the counts and indexes in step. */
  enter(job: StoredJob, state: JobState): void {
    this.#unindex(job);
    this.counts[job.state]--;
    job.state = state;
    this.counts[state]++;
    this.#index(job);
  }

  delete(job: StoredJob): void {
    this.#unindex(job);
    this.expiring.delete(job);
    this.counts[job.state]--;
    this.jobs.delete(job.id);
    this.#deletedInOrder++;
    if (this.#deletedInOrder > 1024 && this.#deletedInOrder * 2 > this.#order.length) {
      this.#order = this.#order.filter((id) => this.jobs.has(id));
      this.#deletedInOrder = 0;
    }
  }

  /** Ids from the newest down, starting below `beforeId` when given. */
  *idsNewestFirst(beforeId?: number): Generator<number> {
    const order = this.#order;
    let i = order.length - 1;
    if (beforeId !== undefined) i = lowerBound(order, beforeId) - 1;
    for (; i >= 0; i--) {
      const id = order[i]!;
      if (this.jobs.has(id)) yield id;
    }
  }

  #index(job: StoredJob): void {
    if (job.state === 'ready') this.queue(job.queue).ready.push(job);
    else if (job.state === 'scheduled') this.scheduled.push(job);
    else if (job.state === 'claimed') this.claimed.set(job.id, job);
    else if (job.state === 'failed') this.failed.set(job.id, job);
    else if (job.state === 'errored') this.errored.set(job.id, job);
    else if (job.state === 'blocked') {
      this.blocked.set(job.id, job);
      if (job.serial) this.line(job.serial.key).waiting.push(job);
      else this.blockedOn(job.concurrency!.key).push(job);
    }
  }

  /** Heaps are left to the callers, who pop (or remove) a job before it changes state. */
  #unindex(job: StoredJob): void {
    if (job.state === 'claimed') this.claimed.delete(job.id);
    else if (job.state === 'failed') this.failed.delete(job.id);
    else if (job.state === 'errored') this.errored.delete(job.id);
    else if (job.state === 'blocked') this.blocked.delete(job.id);
  }
}

/** First index whose id is >= `id` in an ascending array. */
function lowerBound(ids: readonly number[], id: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function toExpiredJob(job: StoredJob): ExpiredJob {
  const { name, queue, args, metadata, attempts } = job;
  return { id: String(job.id), name, queue, args, metadata, attempts };
}

export function toJobRecord(job: StoredJob): JobRecord {
  return {
    id: String(job.id),
    name: job.name,
    queue: job.queue,
    priority: job.priority,
    args: job.args,
    metadata: job.metadata,
    state: job.state,
    attempts: job.attempts,
    enqueuedAt: job.enqueuedAt,
    runAt: job.runAt,
    finishedAt: job.finishedAt,
    processId: job.processId,
    lastError: job.lastError === null ? null : (JSON.parse(job.lastError) as StoredError),
    result: job.result,
    expiresAt: job.expiresAt,
    concurrencyKey: job.concurrency?.key ?? null,
    uniqueKey: job.unique?.key ?? null,
    serialKey: job.serial?.key ?? null,
  };
}

const NUMERIC_ID = /^\d{1,18}$/;

/** Job ids are numeric strings; anything else names no job (as in the SQL backend). */
export function parseId(id: string): number | null {
  return NUMERIC_ID.test(id) ? Number(id) : null;
}
