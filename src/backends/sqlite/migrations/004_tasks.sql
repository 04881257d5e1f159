-- Tasks published to topics (docs/topics.md). A task's executions are the jobs of its
-- subscribers, stored in the same transaction; the row lists them (so an execution deleted as
-- it finished is still known) and each job points back with task_id.
CREATE TABLE {{tasks}} (
  id TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  -- JSON list of [job id, job name], in publish order.
  executions TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
-- Tasks are cleared with finished jobs, by their age.
CREATE INDEX {{tasks}}_created ON {{tasks}} (created_at);
ALTER TABLE {{jobs}} ADD COLUMN task_id TEXT;
