package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"
)

// SearchRow is one envelope's row of the blind search index
// (docs/search-index.md): Bloom holds keyed tags only, made by the vault;
// the store neither reads nor makes them. Kind and Created repeat the
// envelope's routing columns so a search reads the index alone.
type SearchRow struct {
	Seq     int64
	Kind    string
	Created time.Time
	Bloom   []byte
}

// IndexRecords keeps index rows beside their envelopes, in one
// transaction, replacing any kept before. A row for an envelope the store
// does not hold is ErrNotFound, and then nothing of the batch is kept; so
// is a row whose kind or time disagrees with the envelope's.
func (s *Store) IndexRecords(ctx context.Context, rows []SearchRow) error {
	for _, r := range rows {
		if len(r.Bloom) == 0 {
			return fmt.Errorf("store: index envelope %d: %w: empty", r.Seq, ErrInvalid)
		}
	}
	if len(rows) == 0 {
		return s.usable()
	}
	return s.write(ctx, "index records", func(tx *sql.Tx) error {
		exists, err := tx.PrepareContext(ctx, "SELECT kind, created FROM envelopes WHERE seq = ?")
		if err != nil {
			return err
		}
		defer exists.Close()
		put, err := tx.PrepareContext(ctx, `INSERT INTO search_index (seq, kind, created, bloom) VALUES (?, ?, ?, ?)
			ON CONFLICT (seq) DO UPDATE SET bloom = excluded.bloom`)
		if err != nil {
			return err
		}
		defer put.Close()
		for _, r := range rows {
			var (
				kind    string
				created int64
			)
			err := exists.QueryRowContext(ctx, r.Seq).Scan(&kind, &created)
			if errors.Is(err, sql.ErrNoRows) || err == nil && (kind != r.Kind || created != unixMilli(r.Created)) {
				return fmt.Errorf("envelope %d: %w", r.Seq, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if _, err := put.ExecContext(ctx, r.Seq, kind, created, r.Bloom); err != nil {
				return err
			}
		}
		return nil
	})
}

// SearchRows yields every index row in local save order, for a search to
// test in memory (one pass over a small table: 100,000 rows of 256 bytes
// are 25 MB; the caller orders what matched).
func (s *Store) SearchRows(ctx context.Context) iter.Seq2[SearchRow, error] {
	return s.SearchRowsAfter(ctx, 0)
}

// SearchRowsAfter yields the index rows of the envelopes after Seq after,
// in local save order: those written since a caller last read up to after
// (by IndexRecords, or with their envelopes: Envelope.Index).
func (s *Store) SearchRowsAfter(ctx context.Context, after int64) iter.Seq2[SearchRow, error] {
	return func(yield func(SearchRow, error) bool) {
		if err := s.usable(); err != nil {
			yield(SearchRow{}, err)
			return
		}
		rows, err := s.r.QueryContext(ctx, "SELECT seq, kind, created, bloom FROM search_index WHERE seq > ? ORDER BY seq", after)
		if err != nil {
			yield(SearchRow{}, classify("read the search index", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r       SearchRow
				created int64
			)
			if err := rows.Scan(&r.Seq, &r.Kind, &created, &r.Bloom); err != nil {
				yield(SearchRow{}, classify("read the search index", err))
				return
			}
			r.Created = fromMilli(created)
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(SearchRow{}, classify("read the search index", err))
		}
	}
}

// Unindexed lists the Seqs of the envelopes after Seq after (0: all) that
// have no index row, in local save order, and the highest Seq held (after,
// when there is none beyond it), so a caller can ask again for only what
// comes next.
func (s *Store) Unindexed(ctx context.Context, after int64) (seqs []int64, last int64, err error) {
	if err := s.usable(); err != nil {
		return nil, 0, err
	}
	if err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM envelopes").Scan(&last); err != nil {
		return nil, 0, classify("read the search index", err)
	}
	last = max(last, after)
	q := `SELECT seq FROM envelopes e WHERE seq > ? AND seq <= ?
		AND NOT EXISTS (SELECT 1 FROM search_index i WHERE i.seq = e.seq)`
	if after == 0 {
		// Everything: from the kind index, which covers seq; the table
		// itself would be one page per envelope.
		q = `SELECT seq FROM envelopes e INDEXED BY envelopes_kind_newest WHERE seq > ? AND seq <= ?
		AND NOT EXISTS (SELECT 1 FROM search_index i WHERE i.seq = e.seq)`
	}
	rows, err := s.r.QueryContext(ctx, q, after, last)
	if err != nil {
		return nil, 0, classify("read the search index", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, 0, classify("read the search index", err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, classify("read the search index", err)
	}
	slices.Sort(seqs)
	return seqs, last, nil
}
