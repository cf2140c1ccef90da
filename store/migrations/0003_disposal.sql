-- 0003: disposal (issue 16). On a DSL's signed tombstone, verified by the
-- sync engine, a record's envelopes leave this computer with their
-- receipts, outbox entries, remembered file keys and any draft. The store
-- runs with secure_delete, so their pages are overwritten, and the WAL is
-- checkpointed and truncated after (Store.Dispose). Envelopes, receipts and
-- the audit chain stay append-only in every other case.

-- tombstones: the signed statements carried out here, kept as the
-- disposal's certificate (ids, kind, dates, who approved; no content).
-- sent is when the hub took it: NULL for one this computer's DSL made that
-- is still to go (the sync engine sends it), set for one from the hub.
CREATE TABLE tombstones (
    record_id TEXT    PRIMARY KEY,
    signed    BLOB    NOT NULL CHECK (length(signed) > 0),
    applied   INTEGER NOT NULL,
    sent      INTEGER
) STRICT, WITHOUT ROWID;

-- disposed: every envelope a tombstone names; none comes back.
CREATE TABLE disposed (
    envelope_id TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES tombstones (record_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER tombstones_no_update BEFORE UPDATE ON tombstones
WHEN NOT (OLD.sent IS NULL AND NEW.sent IS NOT NULL AND NEW.record_id = OLD.record_id
    AND NEW.signed = OLD.signed AND NEW.applied = OLD.applied)
BEGIN
    SELECT RAISE(ABORT, 'tombstones are append-only');
END;

CREATE TRIGGER tombstones_no_delete BEFORE DELETE ON tombstones
BEGIN
    SELECT RAISE(ABORT, 'tombstones are never deleted');
END;

DROP TRIGGER envelopes_no_delete;
CREATE TRIGGER envelopes_no_delete BEFORE DELETE ON envelopes
WHEN NOT EXISTS (SELECT 1 FROM disposed WHERE envelope_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'envelopes are never deleted, except on a tombstone');
END;

DROP TRIGGER receipts_no_delete;
CREATE TRIGGER receipts_no_delete BEFORE DELETE ON receipts
WHEN NOT EXISTS (SELECT 1 FROM disposed WHERE envelope_id = OLD.envelope_id)
BEGIN
    SELECT RAISE(ABORT, 'receipts are never deleted, except on a tombstone');
END;

DROP TRIGGER outbox_leaves_with_receipt;
CREATE TRIGGER outbox_leaves_with_receipt BEFORE DELETE ON outbox
WHEN NOT EXISTS (SELECT 1 FROM receipts WHERE envelope_id = OLD.envelope_id)
 AND NOT EXISTS (SELECT 1 FROM disposed WHERE envelope_id = OLD.envelope_id)
BEGIN
    SELECT RAISE(ABORT, 'an outbox entry leaves only with its receipt');
END;

-- A record disposed of is never stored again, from the hub or anywhere.
CREATE TRIGGER envelopes_not_after_disposal BEFORE INSERT ON envelopes
WHEN EXISTS (SELECT 1 FROM disposed WHERE envelope_id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'this record was disposed of');
END;
