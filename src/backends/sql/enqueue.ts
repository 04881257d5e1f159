import type { NewJob } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import { insertReturningIds, insertValues } from './values.ts';

const JOB_COLUMNS = [
  'name',
  'queue',
  'priority',
  'args',
  'metadata',
  'state',
  'attempts',
  'enqueued_at',
  'run_at',
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
    const ready: unknown[][] = [];
    const scheduled: unknown[][] = [];
    jobs.forEach((job, i) => {
      if (due[i]) ready.push([ids[i], job.queue, job.priority]);
      else scheduled.push([ids[i], job.queue, job.priority, job.runAt]);
    });
    await insertValues(tx, t.ready, ['job_id', 'queue', 'priority'], ready);
    await insertValues(tx, t.scheduled, ['job_id', 'queue', 'priority', 'run_at'], scheduled);
    await tx.run(
      d.insertIgnore(t.queues, 'name, created_at', `SELECT c0, c1 FROM ${queueSource.sql} AS src WHERE true`),
      queueSource.params(queueRows),
    );
    return ids.map(String);
  });
}
