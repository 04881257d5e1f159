-- Serialized lines (docs/serialized-queues.md). The new jobs columns stay NULL for jobs of
-- parallel queues, so their hot paths never touch the new tables.
ALTER TABLE {{jobs}} ADD COLUMN serial_key TEXT;
-- 'stop' or 'continue': what a failure past the retries does to the line.
ALTER TABLE {{jobs}} ADD COLUMN serial_on_error TEXT;
-- Errored jobs are few: listing, counting and re-entering them reads this index only.
CREATE INDEX {{jobs}}_errored ON {{jobs}} (queue, id) WHERE state = 'errored';

-- One row per line with jobs: written first by every transaction that changes the line (its
-- head or its waiting jobs), so they take turns. head_id is the one job of the line that may
-- be ready, scheduled, running or stopped errored; NULL only inside such a transaction.
CREATE TABLE {{serialLines}} (
  key TEXT PRIMARY KEY,
  head_id INTEGER,
  locked_at INTEGER NOT NULL
);

-- Jobs waiting behind their line's head (state 'blocked'); the next to run is the lowest id.
CREATE TABLE {{serialWaiting}} (
  job_id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  serial_key TEXT NOT NULL
);
CREATE INDEX {{serialWaiting}}_by_key ON {{serialWaiting}} (serial_key, job_id);
CREATE INDEX {{serialWaiting}}_by_queue ON {{serialWaiting}} (queue);
