-- 0002: disposal (issue 16). A DSL's signed tombstone empties the envelopes
-- of a record disposed of at the end of its retention: their ciphertext is
-- overwritten (the hub runs with secure_delete, and checkpoints the WAL
-- after), their recipients rows go so that no pull serves them again, and
-- the row stays as a stub holding only its seq, id and hash, so that no
-- sequence number is ever given out twice (a cursor past it stays right)
-- and the same bytes pushed again are recognised as disposed of.

-- tombstones: the signed statements, served to every device by seq.
CREATE TABLE tombstones (
	seq       INTEGER PRIMARY KEY,
	record_id TEXT    NOT NULL UNIQUE,
	signed    BLOB    NOT NULL CHECK (length(signed) > 0),
	received  INTEGER NOT NULL
) STRICT;

-- disposed: every envelope a tombstone names, held or not (one not yet
-- pushed is refused when it comes).
CREATE TABLE disposed (
	envelope_id   TEXT    PRIMARY KEY,
	tombstone_seq INTEGER NOT NULL REFERENCES tombstones (seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER tombstones_append_only BEFORE UPDATE ON tombstones
BEGIN SELECT RAISE(ABORT, 'tombstones are append-only'); END;
CREATE TRIGGER tombstones_never_deleted BEFORE DELETE ON tombstones
BEGIN SELECT RAISE(ABORT, 'tombstones are never deleted'); END;

-- Envelopes stay append-only, except that a tombstone empties one and
-- changes nothing else.
DROP TRIGGER IF EXISTS envelopes_append_only;
CREATE TRIGGER envelopes_append_only BEFORE UPDATE ON envelopes
WHEN NOT (length(NEW.data) = 0 AND NEW.seq = OLD.seq AND NEW.id = OLD.id AND NEW.hash = OLD.hash
	AND NEW.author = OLD.author AND NEW.device = OLD.device AND NEW.received = OLD.received
	AND EXISTS (SELECT 1 FROM disposed WHERE envelope_id = OLD.id))
BEGIN SELECT RAISE(ABORT, 'envelopes are append-only, except that a tombstone empties one'); END;
