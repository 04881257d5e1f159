import type { JobRecord, ProcessInfo, QueueInfo, StoredError } from '../backend/types.ts';
import type { ArgumentFilter } from '../util/filter.ts';
import { time } from './output.ts';

/**
 * What `--json` prints for stored records: JSON text fields parsed (and secrets in them
 * filtered), times as ISO 8601 strings (the backend keeps milliseconds), so scripts read one
 * shape everywhere.
 */
export function publicJob(job: JobRecord, filter: ArgumentFilter) {
  return {
    ...job,
    args: filter(JSON.parse(job.args) as unknown),
    metadata: filter(JSON.parse(job.metadata) as unknown),
    result: job.result === null ? null : filter(JSON.parse(job.result) as unknown),
    enqueuedAt: time(job.enqueuedAt),
    runAt: isoOrNull(job.runAt),
    finishedAt: isoOrNull(job.finishedAt),
    expiresAt: isoOrNull(job.expiresAt),
    lastError: job.lastError === null ? null : publicError(job.lastError),
  };
}

function publicError(error: StoredError) {
  return { ...error, at: time(error.at) };
}

/** Paused by an operator, and/or stopped at an errored job of its serialized line. */
export function queueState(q: QueueInfo): string {
  const states = [q.paused && 'paused', q.stopped && 'stopped'].filter(Boolean);
  return states.length > 0 ? states.join(', ') : 'active';
}

export function publicQueue(queue: QueueInfo) {
  return { ...queue, oldestReadyAt: isoOrNull(queue.oldestReadyAt) };
}

export function publicProcess(process: ProcessInfo) {
  return {
    ...process,
    metadata: JSON.parse(process.metadata) as unknown,
    lastHeartbeatAt: time(process.lastHeartbeatAt),
    createdAt: time(process.createdAt),
  };
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : time(ms);
}
