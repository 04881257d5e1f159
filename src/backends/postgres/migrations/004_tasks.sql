-- Tasks published to topics (docs/topics.md). A task's executions are the jobs of its
-- subscribers, stored in the same transaction; the row lists them (so an execution deleted as
-- it finished is still known) and each job points back with task_id.
CREATE TABLE {{tasks}} (
  id TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  -- JSON list of [job id, job name], in publish order.
  executions TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
-- Tasks are cleared with finished jobs, by their age.
CREATE INDEX tasks_created ON {{tasks}} (created_at);
ALTER TABLE {{jobs}} ADD COLUMN task_id TEXT;

-- A job of a task that ends (leaves the waiting and running states, whatever state it enters)
-- wakes whoever waits for its task: NOTIFY on the schema's task channel, "shigoto_t_" and the
-- md5 of the schema name (taskChannel in dialect.ts), with the task id as a JSON list. Delivered
-- at commit, once per task per transaction. Jobs of no task never call the function.
CREATE FUNCTION {{jobs}}_task_ended() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('shigoto_t_' || md5(TG_TABLE_SCHEMA), '["' || NEW.task_id || '"]'); RETURN NULL; END $$;
CREATE TRIGGER task_job_ended AFTER UPDATE OF state ON {{jobs}} FOR EACH ROW
  WHEN (NEW.task_id IS NOT NULL AND NEW.state NOT IN ('scheduled', 'ready', 'blocked', 'claimed'))
  EXECUTE FUNCTION {{jobs}}_task_ended();
