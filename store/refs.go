package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Ref is an envelope's routing columns without its bytes: enough to choose
// which envelopes a screen shows first.
type Ref struct {
	Seq     int64
	ID      string
	Kind    string
	Created time.Time
}

// Refs lists every envelope's Ref, in local save order. It reads none of
// the envelopes' bytes, which SQLite keeps apart (in overflow pages) from
// the columns read here, so it costs a small part of listing the envelopes
// themselves: a list can pick its first screenful before reading the rest.
func (s *Store) Refs(ctx context.Context) ([]Ref, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT seq, id, kind, created FROM envelopes ORDER BY seq")
	if err != nil {
		return nil, classify("list envelopes", err)
	}
	defer rows.Close()
	var out []Ref
	for rows.Next() {
		var (
			r       Ref
			created int64
		)
		if err := rows.Scan(&r.Seq, &r.ID, &r.Kind, &created); err != nil {
			return nil, classify("list envelopes", err)
		}
		r.Created = fromMilli(created)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("list envelopes", err)
	}
	return out, nil
}

// maxBySeq bounds EnvelopesBySeq: SQLite's limit on bound parameters is
// 32,766, and a screenful is tens.
const maxBySeq = 1000

// EnvelopesBySeq returns the envelopes with the given Seqs, in local save
// order; Seqs with no envelope are left out.
func (s *Store) EnvelopesBySeq(ctx context.Context, seqs []int64) ([]Envelope, error) {
	return envelopesIn(ctx, s, "seq", seqs)
}

// EnvelopesByParent returns the envelopes whose parent is one of ids (the
// reviews, addenda and later versions of those records), in local save
// order, in one query on the parent index.
func (s *Store) EnvelopesByParent(ctx context.Context, ids []string) ([]Envelope, error) {
	return envelopesIn(ctx, s, "parent_id", ids)
}

// envelopesIn reads the envelopes whose column is one of values.
func envelopesIn[T any](ctx context.Context, s *Store, column string, values []T) ([]Envelope, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if len(values) == 0 {
		return nil, nil
	}
	if len(values) > maxBySeq {
		return nil, fmt.Errorf("store: read envelopes: %w: at most %d at a time", ErrInvalid, maxBySeq)
	}
	args := make([]any, len(values))
	for i, q := range values {
		args[i] = q
	}
	q := selectEnvelope + " WHERE " + column + " IN (?" + strings.Repeat(", ?", len(values)-1) + ") ORDER BY seq"
	var out []Envelope
	for e, err := range s.queryEnvelopes(ctx, "read envelopes", q, args...) {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// NewestSeqs returns the Seqs of the newest limit envelopes of the given
// kinds (every kind when none are given), newest first by created time and
// then by local save order. It reads the (kind, created, seq) index only,
// limit entries of each kind, so the first screenful of a long list is
// chosen in time that does not grow with the list.
func (s *Store) NewestSeqs(ctx context.Context, limit int, kinds ...string) ([]int64, error) {
	seqs, _, err := s.NewestBefore(ctx, Ref{}, limit, kinds...)
	return seqs, err
}

// NewestBefore is NewestSeqs for the page after a cursor: the Seqs of the
// newest limit envelopes of the given kinds older than before (by created
// time, then local save order; a zero before means from the newest), and
// the cursor for the page after them (the last one's Created and Seq). It
// reads the (kind, created, seq) index only, so every page costs the same
// however far down the list it is (issue 18: the inbox pages from the
// store rather than holding every record).
func (s *Store) NewestBefore(ctx context.Context, before Ref, limit int, kinds ...string) ([]int64, Ref, error) {
	if err := s.usable(); err != nil {
		return nil, before, err
	}
	if limit <= 0 {
		return nil, before, nil
	}
	if len(kinds) == 0 {
		var err error
		if kinds, err = s.kinds(ctx); err != nil {
			return nil, before, err
		}
	}
	type ref struct{ seq, created int64 }
	var all []ref
	q := `SELECT seq, created FROM envelopes INDEXED BY envelopes_kind_newest
			WHERE kind = ? ORDER BY created DESC, seq DESC LIMIT ?`
	if before.Seq != 0 {
		q = `SELECT seq, created FROM envelopes INDEXED BY envelopes_kind_newest
			WHERE kind = ? AND (created < ? OR created = ? AND seq < ?) ORDER BY created DESC, seq DESC LIMIT ?`
	}
	for _, k := range slices.Compact(slices.Sorted(slices.Values(kinds))) {
		args := []any{k, limit}
		if before.Seq != 0 {
			at := unixMilli(before.Created)
			args = []any{k, at, at, before.Seq, limit}
		}
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, before, classify("list envelopes", err)
		}
		for rows.Next() {
			var r ref
			if err := rows.Scan(&r.seq, &r.created); err != nil {
				rows.Close()
				return nil, before, classify("list envelopes", err)
			}
			all = append(all, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, before, classify("list envelopes", err)
		}
	}
	slices.SortFunc(all, func(a, b ref) int {
		if c := cmp.Compare(b.created, a.created); c != 0 {
			return c
		}
		return cmp.Compare(b.seq, a.seq)
	})
	out := make([]int64, 0, min(limit, len(all)))
	next := before
	for _, r := range all[:min(limit, len(all))] {
		out = append(out, r.seq)
		next = Ref{Seq: r.seq, Created: fromMilli(r.created)}
	}
	return out, next, nil
}

// kinds lists the kinds of envelope held, from the kind index.
func (s *Store) kinds(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT DISTINCT kind FROM envelopes INDEXED BY envelopes_kind_newest")
	if err != nil {
		return nil, classify("list envelopes", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, classify("list envelopes", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("list envelopes", err)
	}
	return out, nil
}
