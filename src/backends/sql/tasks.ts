import {
  ACTIVE_JOB_STATES,
  type EnqueuedIds,
  type NewJob,
  type NewTask,
  type QueueLimits,
  type TaskRecord,
} from '../../backend/types.ts';
import type { SqlContext } from './context.ts';
import type { SqlExecutor } from './driver.ts';
import { enqueueJobs } from './enqueue.ts';
import { jobColumns, num, toJobRecord } from './rows.ts';

/** Most tasks read by one statement (their jobs are read by one more). */
const CHUNK = 1000;

/** [job id, job name] of each execution, as the tasks row lists them. */
type Executions = [jobId: string, name: string][];

interface TaskRow {
  readonly id: string;
  readonly topic: string;
  readonly executions: string;
  readonly created_at: unknown;
  readonly expires_at: unknown;
}

/**
 * Stores the jobs as enqueue does, each with the task's id, and writes the task row,
 * all in one transaction (the caller's, with `into`): every subscriber gets its execution, or
 * nothing is stored.
 */
export async function publishTask(
  ctx: SqlContext,
  task: NewTask,
  jobs: readonly NewJob[],
  now: number,
  { into, limits }: { into?: SqlExecutor | undefined; limits?: QueueLimits | undefined },
): Promise<EnqueuedIds> {
  const { t } = ctx;
  const run = async (tx: SqlExecutor): Promise<EnqueuedIds> => {
    const ids = await enqueueJobs(ctx, jobs, now, { into: tx, limits, taskId: task.id });
    const duplicates = new Set(ids.duplicates);
    const executions: Executions = ids.flatMap((id, i) => (duplicates.has(i) ? [] : [[id, jobs[i]!.name]]));
    await tx.run(
      `INSERT INTO ${t.tasks} (id, topic, executions, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
      [task.id, task.topic, JSON.stringify(executions), now, task.expiresAt],
    );
    return ids;
  };
  return into ? run(into) : ctx.driver.transaction(run);
}

/** The tasks with these ids and their executions (only the ended ones with `ended`). */
export async function getTasks(
  ctx: SqlContext,
  ids: readonly string[],
  ended: boolean,
): Promise<TaskRecord[]> {
  const unique = [...new Set(ids)];
  const records: TaskRecord[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    records.push(...(await readTasks(ctx, unique.slice(i, i + CHUNK), ended)));
  }
  return records;
}

async function readTasks(ctx: SqlContext, ids: readonly string[], ended: boolean): Promise<TaskRecord[]> {
  const { driver, d, t } = ctx;
  const rows = await driver.all<TaskRow>(
    `SELECT id, topic, executions, created_at, expires_at FROM ${t.tasks} WHERE ${d.inList('id', 'text')}`,
    [d.listParam(ids, 'text')],
  );
  let tasks = rows.map((row) => ({ row, executions: JSON.parse(row.executions) as Executions }));
  if (ended && tasks.length > 0) {
    // A job still waiting or running keeps its task open; a job that is gone has ended.
    const active = new Set(
      (
        await driver.all<{ id: unknown }>(
          `SELECT id FROM ${t.jobs} WHERE ${d.inList('id', 'bigint')} AND ${d.inList('state', 'text')}`,
          [d.listParam(jobIdsOf(tasks), 'bigint'), d.listParam(ACTIVE_JOB_STATES, 'text')],
        )
      ).map((row) => String(row.id)),
    );
    tasks = tasks.filter((task) => !task.executions.some(([id]) => active.has(id)));
  }
  const jobIds = jobIdsOf(tasks);
  const jobs =
    jobIds.length === 0
      ? []
      : await driver.all<Record<string, unknown>>(
          `SELECT ${jobColumns(t)} FROM ${t.jobs} WHERE ${d.inList('id', 'bigint')}`,
          [d.listParam(jobIds, 'bigint')],
        );
  const byId = new Map(jobs.map((row) => [String(row.id), toJobRecord(row)]));
  return tasks.map(({ row, executions }) => ({
    id: row.id,
    topic: row.topic,
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    executions: executions.map(([jobId, name]) => ({ jobId, name, job: byId.get(jobId) ?? null })),
  }));
}

function jobIdsOf(tasks: readonly { executions: Executions }[]): number[] {
  return tasks.flatMap((task) => task.executions.map(([id]) => Number(id)));
}

/** Deletes the tasks published before `before`, `limit` per statement. */
export async function clearTasks({ driver, t }: SqlContext, before: number, limit: number): Promise<void> {
  if (limit <= 0) return;
  for (;;) {
    const deleted = await driver.run(
      `DELETE FROM ${t.tasks} WHERE id IN (SELECT id FROM ${t.tasks} WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
      [before, limit],
    );
    if (deleted < limit) return;
  }
}
