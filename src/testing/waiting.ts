import { type JobFilter, type JobRecord, MAX_PAGE } from '../backend/types.ts';
import type { Shigoto } from '../client/shigoto.ts';
import type { JobDefinition } from '../job/define.ts';
import { type Metadata, parseMetadata } from '../job/envelope.ts';

/** A job waiting to run (ready, or scheduled for later), with its arguments decoded. */
export interface WaitingJob<Args = unknown> {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly priority: number;
  readonly args: Args;
  readonly metadata: Metadata;
  readonly state: 'ready' | 'scheduled';
  readonly attempts: number;
  readonly enqueuedAt: Date;
  /** When a scheduled job is (or a promoted one was) due; null for a job ready when it was stored. */
  readonly runAt: Date | null;
}

export interface WaitingFilter {
  readonly queue?: string;
}

/** The jobs waiting to run, oldest first, optionally only of one job definition and / or queue. */
export async function enqueuedJobs<Args, Result>(
  shigoto: Shigoto,
  job?: JobDefinition<Args, Result>,
  filter: WaitingFilter = {},
): Promise<WaitingJob<Args>[]> {
  const query = { name: job?.name, queue: filter.queue };
  const records = [
    ...(await listAll(shigoto, { ...query, state: 'ready' })),
    ...(await listAll(shigoto, { ...query, state: 'scheduled' })),
  ].sort((a, b) => Number(a.id) - Number(b.id));
  return records.map((record) => ({
    id: record.id,
    name: record.name,
    queue: record.queue,
    priority: record.priority,
    args: shigoto.codecs.parse(record.args) as Args,
    metadata: parseMetadata(record.metadata),
    state: record.state as 'ready' | 'scheduled',
    attempts: record.attempts,
    enqueuedAt: new Date(record.enqueuedAt),
    runAt: record.runAt === null ? null : new Date(record.runAt),
  }));
}

/** Every job matching `filter`, page by page (newest first). */
export async function listAll(shigoto: Shigoto, filter: JobFilter): Promise<JobRecord[]> {
  const all: JobRecord[] = [];
  for (let beforeId: string | undefined; ; ) {
    const page = await shigoto.backend.listJobs({ ...filter, limit: MAX_PAGE, beforeId });
    all.push(...page);
    if (page.length < MAX_PAGE) return all;
    beforeId = page.at(-1)!.id;
  }
}
