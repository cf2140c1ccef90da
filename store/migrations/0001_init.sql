-- 0001: the first schema. Tables are STRICT so a wrong type is an error, not a
-- silent conversion. Append-only rules live in triggers as well as in the Go
-- code, so that a bug in the code cannot quietly break them.

-- envelopes: signed, encrypted records. header and body are opaque bytes that
-- the crypto layer produced; only non-identifying routing fields are columns.
-- seq is the local insertion order: a cheap, stable cursor for paging.
CREATE TABLE envelopes (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    author_key TEXT    NOT NULL,
    created    INTEGER NOT NULL,
    parent_id  TEXT,
    header     BLOB    NOT NULL,
    body       BLOB    NOT NULL,
    hash       BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE INDEX envelopes_kind ON envelopes (kind, seq);
CREATE INDEX envelopes_author ON envelopes (author_key, seq);
CREATE INDEX envelopes_parent ON envelopes (parent_id, seq) WHERE parent_id IS NOT NULL;

CREATE TRIGGER envelopes_no_update BEFORE UPDATE ON envelopes
BEGIN
    SELECT RAISE(ABORT, 'envelopes are append-only');
END;

CREATE TRIGGER envelopes_no_delete BEFORE DELETE ON envelopes
BEGIN
    SELECT RAISE(ABORT, 'envelopes are never deleted');
END;

-- receipts: the hub's signed receipt for each envelope it has durably stored.
CREATE TABLE receipts (
    envelope_id TEXT    PRIMARY KEY REFERENCES envelopes (id),
    received    INTEGER NOT NULL,
    receipt     BLOB    NOT NULL CHECK (length(receipt) > 0)
) STRICT;

CREATE TRIGGER receipts_no_update BEFORE UPDATE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are append-only');
END;

CREATE TRIGGER receipts_no_delete BEFORE DELETE ON receipts
BEGIN
    SELECT RAISE(ABORT, 'receipts are never deleted');
END;

-- outbox: envelopes awaiting the hub. The rowid breaks ties in enqueue time.
CREATE TABLE outbox (
    envelope_id  TEXT    PRIMARY KEY REFERENCES envelopes (id),
    priority     INTEGER NOT NULL,
    enqueued     INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX outbox_order ON outbox (priority, enqueued);

-- A record leaves the outbox only with its receipt (DESIGN, Trust model).
CREATE TRIGGER outbox_leaves_with_receipt BEFORE DELETE ON outbox
WHEN NOT EXISTS (SELECT 1 FROM receipts WHERE envelope_id = OLD.envelope_id)
BEGIN
    SELECT RAISE(ABORT, 'an outbox entry leaves only with its receipt');
END;

-- drafts: autosaved work in progress, already encrypted by the caller.
CREATE TABLE drafts (
    id         TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    updated    INTEGER NOT NULL,
    ciphertext BLOB    NOT NULL
) STRICT;

-- audit: a hash chain of who did what to which record, never any content.
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    prev_hash  BLOB    NOT NULL,
    hash       BLOB    NOT NULL
) STRICT;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit chain is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit chain is append-only');
END;

-- audit_head: the last link, written in the same transaction as each event,
-- so that deleting rows from the end of the chain is detected too.
CREATE TABLE audit_head (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    seq  INTEGER NOT NULL,
    hash BLOB    NOT NULL
) STRICT;

-- settings: small, non-sensitive application state.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
