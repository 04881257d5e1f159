import type {
  Backend,
  ClaimedJob,
  ClaimedJobs,
  ClaimRef,
  EnqueuedIds,
  JobRecord,
  JobState,
  NewJob,
  ProcessInfo,
  QueueInfo,
  StoredError,
} from '../../src/backend/types.ts';

/** A fixed clock: the suite passes every time explicitly, so nothing depends on the wall clock. */
export const T0 = 1_700_000_000_000;
export const SECOND = 1000;
export const WORKER = 'worker-1';
/** A numeric id no test ever reaches. */
export const UNKNOWN_ID = '987654321';
export const NON_NUMERIC_IDS = ['', 'abc', '-1', '1.5', '12abc', '99999999999999999999999'];

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    name: 'contract.job',
    queue: 'default',
    priority: 0,
    args: '[]',
    metadata: '{}',
    runAt: null,
    ...overrides,
  };
}

/** `count` jobs built by `overrides(i)`; args carry the index so jobs can be told apart. */
export function newJobs(count: number, overrides: (i: number) => Partial<NewJob> = () => ({})): NewJob[] {
  return Array.from({ length: count }, (_, i) => newJob({ args: `[${i}]`, ...overrides(i) }));
}

export function enqueue(backend: Backend, jobs: readonly NewJob[], now = T0): Promise<EnqueuedIds> {
  return backend.enqueue({ jobs, now });
}

export interface ClaimOptions {
  readonly processId?: string;
  readonly now?: number;
}

export function claim(
  backend: Backend,
  queues: readonly string[],
  limit: number,
  { processId = WORKER, now = T0 }: ClaimOptions = {},
): Promise<ClaimedJobs> {
  return backend.claim({ queues, limit, processId, now });
}

/** Claims every claimable job of `queues` in one call. */
export function claimAll(
  backend: Backend,
  queues: readonly string[] = ['*'],
  options: ClaimOptions = {},
): Promise<ClaimedJobs> {
  return claim(backend, queues, 10_000, options);
}

let soloQueues = 0;

/** Enqueues one ready job (in a queue of its own unless told) and claims it. */
export async function claimedJob(
  backend: Backend,
  overrides: Partial<NewJob> = {},
  options: ClaimOptions = {},
): Promise<ClaimedJob> {
  const queue = overrides.queue ?? `solo-${++soloQueues}`;
  const [id] = await enqueue(backend, [newJob({ ...overrides, queue })], options.now);
  const [job] = await claim(backend, [queue], 1, options);
  if (!job || job.id !== id) throw new Error(`expected to claim job ${id}`);
  return job;
}

export function idsOf(jobs: readonly { readonly id: string }[]): string[] {
  return jobs.map((job) => job.id);
}

export function refOf(job: ClaimedJob): ClaimRef {
  return { jobId: job.id, lease: job.lease };
}

export function storedError(overrides: Partial<StoredError> = {}): StoredError {
  return { name: 'Error', message: 'boom', execution: 1, at: T0, ...overrides };
}

/** Runs the given jobs to failure: claims them and completes each as failed. */
export async function failJobs(backend: Backend, queue: string, count: number, now = T0): Promise<string[]> {
  const ids = await enqueue(
    backend,
    newJobs(count, () => ({ queue })),
    now,
  );
  const claimed = await claim(backend, [queue], count, { now });
  const result = await backend.complete({
    items: claimed.map((job) => ({
      ...refOf(job),
      outcome: 'failed' as const,
      error: storedError({ at: now }),
    })),
    now,
  });
  if (result.rejected.length > 0) throw new Error(`could not fail ${result.rejected.join(', ')}`);
  return ids;
}

export async function mustGetJob(backend: Backend, id: string): Promise<JobRecord> {
  const job = await backend.getJob({ id });
  if (!job) throw new Error(`job ${id} is missing`);
  return job;
}

export async function stateOf(backend: Backend, id: string): Promise<JobState | undefined> {
  return (await backend.getJob({ id }))?.state;
}

export function statesOf(backend: Backend, ids: readonly string[]): Promise<(JobState | undefined)[]> {
  return Promise.all(ids.map((id) => stateOf(backend, id)));
}

export async function queueInfo(backend: Backend, name: string): Promise<QueueInfo | undefined> {
  return (await backend.listQueues()).find((queue) => queue.name === name);
}

export function processInfo(overrides: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    id: WORKER,
    kind: 'worker',
    name: 'worker',
    pid: 4242,
    hostname: 'contract-host',
    supervisorId: null,
    metadata: '{"queues":["*"]}',
    lastHeartbeatAt: T0,
    createdAt: T0,
    ...overrides,
  };
}

/**
 * Runs `race` with the current backend and, where instances can share storage, two more on it
 * (as other processes would be); closes the extra ones afterwards.
 */
export async function withSiblings<T>(
  ctx: { readonly backend: Backend; sibling(): Backend | null },
  race: (backends: readonly Backend[]) => Promise<T>,
): Promise<T> {
  const siblings = [ctx.sibling(), ctx.sibling()].filter((b): b is Backend => b !== null);
  try {
    return await race([ctx.backend, ...siblings]);
  } finally {
    await Promise.all(siblings.map((b) => b.close()));
  }
}
