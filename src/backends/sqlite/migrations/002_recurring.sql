-- One row per enqueued run of a recurring task. The primary key is the unique (task_key,
-- run_at) that lets several schedulers race on a run and store it once; the row is written in
-- the same transaction as the run's job. Rows outlive their jobs (see docs/recurring.md).
CREATE TABLE {{recurringExecutions}} (
  task_key TEXT NOT NULL,
  run_at INTEGER NOT NULL,
  -- Set in the same transaction, right after the job is inserted.
  job_id INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (task_key, run_at)
) WITHOUT ROWID;
CREATE INDEX {{recurringExecutions}}_by_run_at ON {{recurringExecutions}} (run_at);
