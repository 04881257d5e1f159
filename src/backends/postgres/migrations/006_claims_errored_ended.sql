-- Claims and completions rewrite a jobs row without touching any of its indexed columns, so
-- PostgreSQL writes the new row version next to the old one (a HOT update) and no index entry
-- (docs/backends.md). Two indexes changed with every claim and stood in the way:
--   jobs_claimed (process_id): a claim now writes one row per lease instead, naming the process
--   and the ids it took; a job still holds the claim while its lease column equals that lease.
--   jobs_errored (WHERE state = 'errored'): errored jobs are listed from their own small table.
CREATE TABLE {{claims}} (
  lease TEXT PRIMARY KEY,
  process_id TEXT NOT NULL,
  -- JSON list of the ids taken under the lease.
  job_ids TEXT NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
CREATE INDEX claims_by_process ON {{claims}} (process_id);
INSERT INTO {{claims}} (lease, process_id, job_ids)
  SELECT lease, MIN(process_id), json_agg(id)::text FROM {{jobs}} WHERE lease IS NOT NULL GROUP BY lease;

CREATE TABLE {{errored}} (
  job_id BIGINT PRIMARY KEY,
  queue TEXT NOT NULL
);
INSERT INTO {{errored}} (job_id, queue) SELECT id, queue FROM {{jobs}} WHERE state = 'errored';

CREATE TABLE {{ended}} (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ended_at BIGINT NOT NULL,
  -- JSON list of the ids of the jobs that ended then.
  job_ids TEXT NOT NULL
);
CREATE INDEX ended_by_time ON {{ended}} (ended_at);
-- Rows of at most 1 000 ids, each due once its latest job is (none is ever cleared early).
INSERT INTO {{ended}} (ended_at, job_ids)
  SELECT MAX(finished_at), json_agg(id)::text FROM {{jobs}}
    WHERE finished_at IS NOT NULL AND state IN ('finished', 'discarded', 'expired') GROUP BY id / 1000;

DROP INDEX {{schema}}.jobs_claimed;
DROP INDEX {{schema}}.jobs_errored;
DROP INDEX {{schema}}.jobs_finished;
-- `*` claims walk ready by (priority, job_id): that is now its primary key, so an enqueue
-- writes one index entry fewer (ready rows are found by job id only with their priority).
ALTER TABLE {{ready}} DROP CONSTRAINT ready_pkey;
ALTER TABLE {{ready}} ADD PRIMARY KEY (priority, job_id);
DROP INDEX {{schema}}.ready_by_priority;

-- Room in every page for the versions a claim and a completion write (pages filled by enqueues
-- before this migration keep their old layout).
ALTER TABLE {{jobs}} SET (fillfactor = 50);
