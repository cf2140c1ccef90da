-- 0004: the blind search index (docs/search-index.md).

-- search_index: one row per indexed envelope: a Bloom filter of the keyed
-- tags (HMAC-SHA256 under a key derived from the reader's identity, see
-- crypto.SearchKey) of the words and customer reference in the record.
-- Nothing in it is readable, and a guessed word cannot be tested against it
-- without the identity. kind and created repeat the envelope's routing
-- columns, so that a search reads this table alone. Like file_keys, it is a
-- cache: a missing row is made again the next time the record is opened.
CREATE TABLE search_index (
    seq     INTEGER PRIMARY KEY REFERENCES envelopes (seq),
    kind    TEXT    NOT NULL,
    created INTEGER NOT NULL,
    bloom   BLOB    NOT NULL CHECK (length(bloom) > 0)
) STRICT;

-- A record's index row goes with it, whatever removes the record (today
-- nothing may; disposal will): no search can find a disposed record.
CREATE TRIGGER envelopes_dispose_search_index AFTER DELETE ON envelopes
BEGIN
    DELETE FROM search_index WHERE seq = OLD.seq;
END;

-- The newest records of a kind first, for a list's first screenful, without
-- reading every row (store.NewestSeqs): at 100,000 records the routing
-- columns of every row are 100,000 table pages. It replaces the index on
-- (kind, seq), which it also serves (a kind's rows, then sorted by seq), so
-- a save still writes one index entry for it, not two.
DROP INDEX envelopes_kind;
CREATE INDEX envelopes_kind_newest ON envelopes (kind, created, seq);
