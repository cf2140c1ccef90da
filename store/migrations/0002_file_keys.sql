-- 0002: remembered file keys. Each row is one record's age file key, sealed
-- by the crypto layer under a key only the person's identity derives
-- (crypto.KeyCache), so that opening a record again costs no post-quantum
-- key decapsulation. It is a cache: a row may be replaced, and losing one
-- costs only time. It holds nothing readable without the identity.
CREATE TABLE file_keys (
    envelope_id TEXT PRIMARY KEY REFERENCES envelopes (id),
    sealed      BLOB NOT NULL CHECK (length(sealed) > 0)
) STRICT, WITHOUT ROWID;
