import type { NewJob } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import { insertReady, insertScheduled, type JobPlace } from './transitions.ts';
import { type Column, insertReturningIds } from './values.ts';

const JOB_COLUMNS: readonly Column[] = [
  ['name', 'text'],
  ['queue', 'text'],
  ['priority', 'bigint'],
  ['args', 'text'],
  ['metadata', 'text'],
  ['state', 'text'],
  ['attempts', 'bigint'],
  ['enqueued_at', 'bigint'],
  ['run_at', 'bigint'],
];

/** Inserts every job, its ready or scheduled row and its queue in one transaction. */
export async function enqueueJobs(ctx: SqlContext, jobs: readonly NewJob[], now: number): Promise<string[]> {
  if (jobs.length === 0) return [];
  const { driver, d, t } = ctx;
  const due = jobs.map((job) => job.runAt === null || job.runAt <= now);
  const jobRows = jobs.map((job, i) => [
    job.name,
    job.queue,
    job.priority,
    job.args,
    job.metadata,
    due[i] ? 'ready' : 'scheduled',
    0,
    now,
    due[i] ? null : job.runAt,
  ]);
  const queueSource = d.rowSource(['text', 'bigint']);
  const queueRows = [...new Set(jobs.map((job) => job.queue))].map((queue) => [queue, now]);

  return driver.transaction(async (tx) => {
    const ids = await insertReturningIds(ctx, tx, t.jobs, JOB_COLUMNS, jobRows);
    const ready: JobPlace[] = [];
    const scheduled: (JobPlace & { runAt: number })[] = [];
    jobs.forEach((job, i) => {
      const place = { id: ids[i]!, queue: job.queue, priority: job.priority };
      if (due[i]) ready.push(place);
      else scheduled.push({ ...place, runAt: job.runAt! });
    });
    await insertReady(ctx, tx, ready);
    await insertScheduled(ctx, tx, scheduled);
    await tx.run(
      d.insertIgnore(t.queues, 'name, created_at', `SELECT c0, c1 FROM ${queueSource.sql} AS src WHERE true`),
      queueSource.params(queueRows),
    );
    return ids.map(String);
  });
}
