-- One row per enqueued run of a recurring task. The primary key is the unique (task_key,
-- run_at) that lets several schedulers race on a run and store it once; the row is written in
-- the same transaction as the run's job. Rows outlive their jobs (see docs/recurring.md).
CREATE TABLE {{recurringExecutions}} (
  task_key TEXT NOT NULL,
  run_at BIGINT NOT NULL,
  -- Set in the same transaction, right after the job is inserted.
  job_id BIGINT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (task_key, run_at)
);
CREATE INDEX recurring_executions_by_run_at ON {{recurringExecutions}} (run_at);
