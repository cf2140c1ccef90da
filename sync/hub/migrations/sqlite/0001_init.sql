-- 0001: the hub's schema on SQLite as it stood before migrations (every
-- statement IF NOT EXISTS, so a hub database made by an earlier version
-- adopts it unchanged). The hub keeps ciphertext and routing data only:
-- envelopes.data is the envelope exactly as the author produced it;
-- recipients is the index pull uses.
CREATE TABLE IF NOT EXISTS config (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS directories (
	version   INTEGER PRIMARY KEY,
	signed    BLOB    NOT NULL,
	published INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS enrol_codes (
	code_hash BLOB    PRIMARY KEY,
	person    TEXT    NOT NULL,
	expires   INTEGER NOT NULL,
	used_by   TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS devices (
	id       TEXT    PRIMARY KEY,
	person   TEXT    NOT NULL,
	key      BLOB    NOT NULL,
	name     TEXT    NOT NULL,
	enrolled INTEGER NOT NULL,
	revoked  INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS revoked_people (
	person  TEXT    PRIMARY KEY,
	revoked INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS nonces (
	device TEXT    NOT NULL,
	nonce  TEXT    NOT NULL,
	at     INTEGER NOT NULL,
	PRIMARY KEY (device, nonce)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_at ON nonces (at);
CREATE TABLE IF NOT EXISTS envelopes (
	seq      INTEGER PRIMARY KEY,
	id       TEXT    NOT NULL UNIQUE,
	hash     TEXT    NOT NULL,
	author   TEXT    NOT NULL,
	device   TEXT    NOT NULL,
	received INTEGER NOT NULL,
	data     BLOB    NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS recipients (
	key_id TEXT    NOT NULL,
	seq    INTEGER NOT NULL,
	PRIMARY KEY (key_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS envelopes_append_only BEFORE UPDATE ON envelopes
BEGIN SELECT RAISE(ABORT, 'envelopes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS envelopes_never_deleted BEFORE DELETE ON envelopes
BEGIN SELECT RAISE(ABORT, 'envelopes are never deleted'); END;
