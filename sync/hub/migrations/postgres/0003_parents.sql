-- 0003: a record's whole family goes on its tombstone (issue 16); see the
-- SQLite migration of the same number.
CREATE TABLE IF NOT EXISTS parents (envelope_id TEXT PRIMARY KEY, parent_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS parents_parent ON parents (parent_id);
