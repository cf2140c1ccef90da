-- 0001: the hub's schema on PostgreSQL as it stood before migrations (every
-- statement idempotent, so a database made by an earlier version adopts it
-- unchanged); the same tables as SQLite.
CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS directories (version BIGINT PRIMARY KEY, signed BYTEA NOT NULL, published BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS enrol_codes (code_hash BYTEA PRIMARY KEY, person TEXT NOT NULL, expires BIGINT NOT NULL, used_by TEXT);
CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY, person TEXT NOT NULL, key BYTEA NOT NULL, name TEXT NOT NULL,
	enrolled BIGINT NOT NULL, revoked BIGINT);
CREATE TABLE IF NOT EXISTS revoked_people (person TEXT PRIMARY KEY, revoked BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (device TEXT NOT NULL, nonce TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (device, nonce));
CREATE INDEX IF NOT EXISTS nonces_at ON nonces (at);
CREATE TABLE IF NOT EXISTS envelopes (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, hash TEXT NOT NULL,
	author TEXT NOT NULL, device TEXT NOT NULL, received BIGINT NOT NULL, data BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS recipients (key_id TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (key_id, seq));
-- Envelopes are ciphertext: TOAST's compression can never shrink them, and
-- trying costs the server CPU on every insert. Store them out of line as
-- they are.
ALTER TABLE envelopes ALTER COLUMN data SET STORAGE EXTERNAL;
