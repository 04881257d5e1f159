import type { NewJob } from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import { num } from './rows.ts';

/** Inserts every job, its ready or scheduled row and its queue in one transaction. */
export async function enqueueJobs(
  { driver, d, t }: SqlContext,
  jobs: readonly NewJob[],
  now: number,
): Promise<string[]> {
  if (jobs.length === 0) return [];
  const jobSource = d.rowSource(['text', 'text', 'bigint', 'text', 'text', 'text', 'bigint', 'bigint']);
  const jobRows = jobs.map((job) => {
    const due = job.runAt === null || job.runAt <= now;
    return [
      job.name,
      job.queue,
      job.priority,
      job.args,
      job.metadata,
      due ? 'ready' : 'scheduled',
      now,
      due ? null : job.runAt,
    ];
  });
  const queueSource = d.rowSource(['text', 'bigint']);
  const queueRows = [...new Set(jobs.map((job) => job.queue))].map((queue) => [queue, now]);

  return driver.transaction(async (tx) => {
    const inserted = await tx.all<{ id: unknown }>(
      `INSERT INTO ${t.jobs} (name, queue, priority, args, metadata, state, attempts, enqueued_at, run_at)
       SELECT c0, c1, c2, c3, c4, c5, 0, c6, c7 FROM ${jobSource.sql} AS src RETURNING id`,
      jobSource.params(jobRows),
    );
    // Ids come from one statement in input order, so ascending ids match the input.
    const ids = inserted.map((row) => num(row.id)).sort((a, b) => a - b);
    const ready: unknown[][] = [];
    const scheduled: unknown[][] = [];
    jobs.forEach((job, i) => {
      const row = jobRows[i]!;
      if (row[5] === 'ready') ready.push([ids[i], job.queue, job.priority]);
      else scheduled.push([ids[i], job.queue, job.priority, job.runAt]);
    });
    if (ready.length > 0) {
      const src = d.rowSource(['bigint', 'text', 'bigint']);
      await tx.run(
        `INSERT INTO ${t.ready} (job_id, queue, priority) SELECT c0, c1, c2 FROM ${src.sql} AS src`,
        src.params(ready),
      );
    }
    if (scheduled.length > 0) {
      const src = d.rowSource(['bigint', 'text', 'bigint', 'bigint']);
      await tx.run(
        `INSERT INTO ${t.scheduled} (job_id, queue, priority, run_at) SELECT c0, c1, c2, c3 FROM ${src.sql} AS src`,
        src.params(scheduled),
      );
    }
    await tx.run(
      d.insertIgnore(t.queues, 'name, created_at', `SELECT c0, c1 FROM ${queueSource.sql} AS src WHERE true`),
      queueSource.params(queueRows),
    );
    return ids.map(String);
  });
}
