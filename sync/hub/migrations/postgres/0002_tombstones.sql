-- 0002: disposal (issue 16); see the SQLite migration of the same number.
-- A tombstone empties the envelopes of a record disposed of and removes
-- their recipients rows; the row stays as a stub (seq, id, hash) so no
-- sequence number is given out twice.
CREATE TABLE IF NOT EXISTS tombstones (seq BIGINT PRIMARY KEY, record_id TEXT NOT NULL UNIQUE,
	signed BYTEA NOT NULL CHECK (octet_length(signed) > 0), received BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS disposed (envelope_id TEXT PRIMARY KEY, tombstone_seq BIGINT NOT NULL REFERENCES tombstones (seq));
