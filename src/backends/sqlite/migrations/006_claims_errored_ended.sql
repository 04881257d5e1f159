-- The same tables as PostgreSQL's migration 006: a claim writes one row per lease (its process
-- and the ids it took) instead of an index entry per claimed job, errored jobs are listed from
-- their own table, and each statement that ends jobs writes one `ended` row for retention
-- instead of an index entry per job. Fewer indexes to change with every claim and completion.
CREATE TABLE {{claims}} (
  lease TEXT PRIMARY KEY,
  process_id TEXT NOT NULL,
  -- JSON list of the ids taken under the lease.
  job_ids TEXT NOT NULL
);
CREATE INDEX {{claims}}_by_process ON {{claims}} (process_id);
INSERT INTO {{claims}} (lease, process_id, job_ids)
  SELECT lease, MIN(process_id), json_group_array(id) FROM {{jobs}} WHERE lease IS NOT NULL GROUP BY lease;

CREATE TABLE {{errored}} (
  job_id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL
);
INSERT INTO {{errored}} (job_id, queue) SELECT id, queue FROM {{jobs}} WHERE state = 'errored';

CREATE TABLE {{ended}} (
  id INTEGER PRIMARY KEY,
  ended_at INTEGER NOT NULL,
  -- JSON list of the ids of the jobs that ended then.
  job_ids TEXT NOT NULL
);
CREATE INDEX {{ended}}_by_time ON {{ended}} (ended_at);
-- Rows of at most 1 000 ids, each due once its latest job is (none is ever cleared early).
INSERT INTO {{ended}} (ended_at, job_ids)
  SELECT MAX(finished_at), json_group_array(id) FROM {{jobs}}
    WHERE finished_at IS NOT NULL AND state IN ('finished', 'discarded', 'expired') GROUP BY id / 1000;

DROP INDEX {{jobs}}_claimed;
DROP INDEX {{jobs}}_errored;
DROP INDEX {{jobs}}_finished;
