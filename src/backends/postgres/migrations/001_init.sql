-- Jobs keep their envelope; small per-state tables keep the hot paths (claim, promote) small.
-- Times are milliseconds since the epoch (BIGINT), as in every Shigoto backend.
-- The hot tables churn (every job is inserted, claimed and removed), so autovacuum visits
-- them after a small share of dead rows and without throttling; see docs/backends.md.
CREATE TABLE {{jobs}} (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL,
  queue TEXT NOT NULL,
  priority BIGINT NOT NULL DEFAULT 0,
  args TEXT NOT NULL,
  metadata TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  enqueued_at BIGINT NOT NULL,
  run_at BIGINT,
  finished_at BIGINT,
  process_id TEXT,
  lease TEXT,
  last_error TEXT,
  result TEXT
) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 1);
CREATE INDEX jobs_claimed ON {{jobs}} (process_id) WHERE process_id IS NOT NULL;
CREATE INDEX jobs_finished ON {{jobs}} (finished_at) WHERE finished_at IS NOT NULL;

-- Claims read only this table: the covering index serves "queue = ? ORDER BY priority, job_id"
-- and the second one serves "*" (every queue by priority, then FIFO).
CREATE TABLE {{ready}} (
  job_id BIGINT PRIMARY KEY,
  queue TEXT NOT NULL,
  priority BIGINT NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
CREATE INDEX ready_by_queue ON {{ready}} (queue, priority, job_id);
CREATE INDEX ready_by_priority ON {{ready}} (priority, job_id);

CREATE TABLE {{scheduled}} (
  job_id BIGINT PRIMARY KEY,
  queue TEXT NOT NULL,
  priority BIGINT NOT NULL,
  run_at BIGINT NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
CREATE INDEX scheduled_due ON {{scheduled}} (run_at, priority, job_id);

CREATE TABLE {{failed}} (
  job_id BIGINT PRIMARY KEY,
  queue TEXT NOT NULL,
  failed_at BIGINT NOT NULL
);
CREATE INDEX failed_by_queue ON {{failed}} (queue, job_id);

CREATE TABLE {{queues}} (
  name TEXT PRIMARY KEY,
  paused_at BIGINT,
  created_at BIGINT NOT NULL
);

-- Heartbeats update every row every few seconds: no index on last_heartbeat_at (the table is
-- tiny) and room in each page, so those updates stay HOT and leave no index garbage.
CREATE TABLE {{processes}} (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  pid INTEGER NOT NULL,
  hostname TEXT NOT NULL,
  supervisor_id TEXT,
  metadata TEXT NOT NULL,
  last_heartbeat_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
