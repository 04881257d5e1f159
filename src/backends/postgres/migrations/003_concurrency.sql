-- Concurrency controls, unique jobs, expiry (docs/architecture.md). The new jobs columns stay
-- NULL for jobs that use none of them, so the hot paths never touch the new tables for those.
ALTER TABLE {{jobs}} ADD COLUMN expires_at BIGINT;
ALTER TABLE {{jobs}} ADD COLUMN concurrency_key TEXT;
ALTER TABLE {{jobs}} ADD COLUMN concurrency_limit INTEGER;
ALTER TABLE {{jobs}} ADD COLUMN concurrency_duration BIGINT;
ALTER TABLE {{jobs}} ADD COLUMN unique_key TEXT;
-- Comma-separated states in which the job holds its unique key.
ALTER TABLE {{jobs}} ADD COLUMN unique_states TEXT;
-- Terminal jobs clear expires_at, so the sweep walks waiting and running jobs only.
CREATE INDEX jobs_expiring ON {{jobs}} (expires_at) WHERE expires_at IS NOT NULL;

-- Jobs waiting for a slot of their concurrency key; unblocked by priority, then FIFO.
CREATE TABLE {{blocked}} (
  job_id BIGINT PRIMARY KEY,
  queue TEXT NOT NULL,
  priority BIGINT NOT NULL,
  concurrency_key TEXT NOT NULL,
  -- Blocked time + duration: from then on concurrency maintenance checks its key again.
  recheck_at BIGINT NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
CREATE INDEX blocked_by_key ON {{blocked}} (concurrency_key, priority, job_id);
CREATE INDEX blocked_by_recheck ON {{blocked}} (recheck_at);
CREATE INDEX blocked_by_queue ON {{blocked}} (queue);

-- One row per job holding a slot (ready or running). A key's slots in use are its live rows;
-- a release deletes the job's own row, so releasing twice frees nothing twice.
CREATE TABLE {{slots}} (
  job_id BIGINT PRIMARY KEY,
  key TEXT NOT NULL,
  -- Taken time + duration: past it the slot no longer counts and maintenance deletes it.
  expires_at BIGINT NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
CREATE INDEX slots_by_key ON {{slots}} (key, expires_at);
CREATE INDEX slots_by_expiry ON {{slots}} (expires_at);

-- One row per concurrency key (and per queue with a size limit): written first by every
-- transaction that counts or changes that key's slots, so they take turns on its row lock.
CREATE TABLE {{semaphores}} (
  key TEXT PRIMARY KEY,
  locked_at BIGINT NOT NULL
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);

-- Held unique keys. job_id is NULL only inside the enqueue transaction that takes the key.
CREATE TABLE {{uniques}} (
  key TEXT PRIMARY KEY,
  job_id BIGINT,
  expires_at BIGINT
);
CREATE INDEX uniques_by_job ON {{uniques}} (job_id);
CREATE INDEX uniques_expiring ON {{uniques}} (expires_at) WHERE expires_at IS NOT NULL;
