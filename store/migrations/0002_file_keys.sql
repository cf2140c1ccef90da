-- 0002: remembered file keys, and two fewer pages written per save.

-- file_keys: each row is one record's age file key, sealed by the crypto
-- layer under a key only the person's identity derives (crypto.KeyCache),
-- so that opening a record again costs no post-quantum key decapsulation.
-- It is a cache: a row may be replaced, and losing one costs only time. It
-- holds nothing readable without the identity.
CREATE TABLE file_keys (
    envelope_id TEXT PRIMARY KEY REFERENCES envelopes (id),
    sealed      BLOB NOT NULL CHECK (length(sealed) > 0)
) STRICT, WITHOUT ROWID;

-- Nothing lists envelopes by author, and the index cost a page write in
-- every save.
DROP INDEX envelopes_author;

-- The outbox keyed by envelope id alone (WITHOUT ROWID): the table and its
-- primary key were two b-trees, each a page written in every save. Ties in
-- enqueue time are now broken by the envelope's local order (its seq).
CREATE TABLE outbox_keyed (
    envelope_id  TEXT    PRIMARY KEY REFERENCES envelopes (id),
    priority     INTEGER NOT NULL,
    enqueued     INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

INSERT INTO outbox_keyed (envelope_id, priority, enqueued, attempts, next_attempt)
    SELECT envelope_id, priority, enqueued, attempts, next_attempt FROM outbox;

-- Dropping a table fires none of its triggers, and drops them with it.
DROP TABLE outbox;
ALTER TABLE outbox_keyed RENAME TO outbox;

CREATE INDEX outbox_order ON outbox (priority, enqueued);

-- A record leaves the outbox only with its receipt (DESIGN, Trust model).
CREATE TRIGGER outbox_leaves_with_receipt BEFORE DELETE ON outbox
WHEN NOT EXISTS (SELECT 1 FROM receipts WHERE envelope_id = OLD.envelope_id)
BEGIN
    SELECT RAISE(ABORT, 'an outbox entry leaves only with its receipt');
END;
