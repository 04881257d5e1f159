-- The same tables as PostgreSQL's migration 006: a claim writes one row per lease (its process
-- and the ids it took) instead of an index entry per claimed job, and errored jobs are listed
-- from their own table. Fewer indexes to change with every claim and completion.
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

DROP INDEX {{jobs}}_claimed;
DROP INDEX {{jobs}}_errored;
