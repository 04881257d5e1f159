-- Jobs keep their envelope; small per-state tables keep the hot paths (claim, promote) small.
CREATE TABLE {{jobs}} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  args TEXT NOT NULL,
  metadata TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  enqueued_at INTEGER NOT NULL,
  run_at INTEGER,
  finished_at INTEGER,
  process_id TEXT,
  lease TEXT,
  last_error TEXT,
  result TEXT
);
CREATE INDEX {{jobs}}_claimed ON {{jobs}} (process_id) WHERE process_id IS NOT NULL;
CREATE INDEX {{jobs}}_finished ON {{jobs}} (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE {{ready}} (
  job_id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL
);
CREATE INDEX {{ready}}_by_queue ON {{ready}} (queue, priority, job_id);
CREATE INDEX {{ready}}_by_priority ON {{ready}} (priority, job_id);

CREATE TABLE {{scheduled}} (
  job_id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL,
  run_at INTEGER NOT NULL
);
CREATE INDEX {{scheduled}}_due ON {{scheduled}} (run_at, priority, job_id);

CREATE TABLE {{failed}} (
  job_id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  failed_at INTEGER NOT NULL
);
CREATE INDEX {{failed}}_by_queue ON {{failed}} (queue, job_id);

CREATE TABLE {{queues}} (
  name TEXT PRIMARY KEY,
  paused_at INTEGER,
  created_at INTEGER NOT NULL
);

CREATE TABLE {{processes}} (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  pid INTEGER NOT NULL,
  hostname TEXT NOT NULL,
  supervisor_id TEXT,
  metadata TEXT NOT NULL,
  last_heartbeat_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX {{processes}}_heartbeat ON {{processes}} (last_heartbeat_at);
