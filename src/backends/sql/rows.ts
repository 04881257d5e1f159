import type {
  ClaimedJob,
  ExpiredJob,
  JobRecord,
  JobState,
  ProcessInfo,
  ProcessKind,
  StoredError,
} from '../../backend/types.ts';

/** Drivers return integers as numbers (SQLite) or strings (PostgreSQL bigint); normalise here. */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/**
 * What toJobRecord reads of a jobs row. The process holding a claimed job is named by its
 * claim row (a claim does not write it into the jobs row: see migration 007 of PostgreSQL).
 */
export function jobColumns(t: { readonly jobs: string; readonly claims: string }): string {
  return `id, name, queue, priority, args, metadata, state, attempts, enqueued_at, run_at, finished_at,
    (SELECT c.process_id FROM ${t.claims} c WHERE c.lease = ${t.jobs}.lease) AS process_id,
    last_error, result, expires_at, concurrency_key, unique_key, serial_key`;
}

export function toJobRecord(row: Record<string, unknown>): JobRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    queue: String(row.queue),
    priority: num(row.priority),
    args: String(row.args),
    metadata: String(row.metadata),
    state: String(row.state) as JobState,
    attempts: num(row.attempts),
    enqueuedAt: num(row.enqueued_at),
    runAt: numOrNull(row.run_at),
    finishedAt: numOrNull(row.finished_at),
    processId: strOrNull(row.process_id),
    lastError: row.last_error ? (JSON.parse(String(row.last_error)) as StoredError) : null,
    result: strOrNull(row.result),
    expiresAt: numOrNull(row.expires_at),
    concurrencyKey: strOrNull(row.concurrency_key),
    uniqueKey: strOrNull(row.unique_key),
    serialKey: strOrNull(row.serial_key),
  };
}

export const CLAIM_COLUMNS = 'id, name, queue, priority, args, metadata, attempts, enqueued_at, expires_at';

export function toClaimedJob(row: Record<string, unknown>, lease: string): ClaimedJob {
  return {
    id: String(row.id),
    name: String(row.name),
    queue: String(row.queue),
    priority: num(row.priority),
    args: String(row.args),
    metadata: String(row.metadata),
    attempts: num(row.attempts),
    enqueuedAt: num(row.enqueued_at),
    lease,
    expiresAt: numOrNull(row.expires_at),
  };
}

/** Reads the columns id, name, queue, args, metadata and attempts. */
export function toExpiredJob(row: Record<string, unknown>): ExpiredJob {
  return {
    id: String(row.id),
    name: String(row.name),
    queue: String(row.queue),
    args: String(row.args),
    metadata: String(row.metadata),
    attempts: num(row.attempts),
  };
}

export const PROCESS_COLUMNS =
  'id, kind, name, pid, hostname, supervisor_id, metadata, last_heartbeat_at, created_at';

export function toProcessInfo(row: Record<string, unknown>): ProcessInfo {
  return {
    id: String(row.id),
    kind: String(row.kind) as ProcessKind,
    name: String(row.name),
    pid: num(row.pid),
    hostname: String(row.hostname),
    supervisorId: strOrNull(row.supervisor_id),
    metadata: String(row.metadata),
    lastHeartbeatAt: num(row.last_heartbeat_at),
    createdAt: num(row.created_at),
  };
}
