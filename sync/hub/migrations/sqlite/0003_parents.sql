-- 0003: a record's whole family goes on its tombstone (issue 16). The hub
-- keeps which record each envelope belongs to, from the envelope's signed
-- routing header (parent_id: an addendum's or review's record, a retention
-- facts record's session record), so that a tombstone naming a record
-- empties every envelope under it, including reviews and addenda sealed
-- only to managers that the approving DSL's device never held, and so that
-- one pushed after disposal is refused. Envelopes pushed before this
-- migration are read once, when the hub first opens after it (backfillParents).
CREATE TABLE parents (
	envelope_id TEXT NOT NULL PRIMARY KEY,
	parent_id   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX parents_parent ON parents (parent_id);
