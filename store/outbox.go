package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OutboxItem is an envelope waiting for the hub.
type OutboxItem struct {
	Envelope    Envelope
	Priority    int
	Enqueued    time.Time
	Attempts    int       // how many times DeferOutbox has been called for it
	NextAttempt time.Time // zero: due now
}

// NextOutbox returns up to limit envelopes that are due for sending, most
// urgent first (lowest priority number), then oldest first. An entry that
// DeferOutbox pushed into the future is skipped until its time comes.
func (s *Store) NextOutbox(ctx context.Context, limit int) ([]OutboxItem, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("store: read outbox: %w: limit must be positive", ErrInvalid)
	}
	// The due entries are chosen and ordered from the outbox's small rows
	// and the envelope id's index (which holds the seq) alone; only the
	// chosen envelopes are read, header and body (migration 0005).
	rows, err := s.r.QueryContext(ctx, `WITH due AS MATERIALIZED (
			SELECT o.envelope_id, o.priority, o.enqueued, o.attempts, o.next_attempt, k.seq
			FROM outbox o JOIN envelopes k ON k.id = o.envelope_id
			WHERE o.next_attempt <= ?
			ORDER BY o.priority, o.enqueued, k.seq
			LIMIT ?)
		SELECT e.seq, e.id, e.kind, e.author_key, e.created, e.parent_id, e.header, e.body, e.hash,
			d.priority, d.enqueued, d.attempts, d.next_attempt
		FROM due d JOIN envelopes e ON e.seq = d.seq
		ORDER BY d.priority, d.enqueued, d.seq`, unixMilli(s.now()), limit)
	if err != nil {
		return nil, classify("read outbox", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var (
			it                OutboxItem
			created, enq, nxt int64
			parent            sql.NullString
			hash              []byte
		)
		e := &it.Envelope
		if err := rows.Scan(&e.Seq, &e.ID, &e.Kind, &e.AuthorKey, &created, &parent, &e.Header, &e.Body, &hash,
			&it.Priority, &enq, &it.Attempts, &nxt); err != nil {
			return nil, classify("read outbox", err)
		}
		e.Created = fromMilli(created)
		e.ParentID = parent.String
		e.Priority = it.Priority
		copy(e.Hash[:], hash)
		it.Enqueued = fromMilli(enq)
		if nxt != 0 {
			it.NextAttempt = fromMilli(nxt)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("read outbox", err)
	}
	return out, nil
}

// kindRetentionFacts is crypto.KindRetentionFacts (the store knows kinds
// only as strings).
const kindRetentionFacts = "retention_facts"

// CountOutbox is how many records await the hub, due or deferred: the
// number people are shown. A record's retention facts (issue 16), made
// with it and sent with it, count as part of it while it waits too; alone
// they count as one.
func (s *Store) CountOutbox(ctx context.Context) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM outbox o JOIN envelopes e ON e.id = o.envelope_id
		WHERE NOT (e.kind = ? AND EXISTS (SELECT 1 FROM outbox p WHERE p.envelope_id = e.parent_id))`, kindRetentionFacts).Scan(&n); err != nil {
		return 0, classify("count outbox", err)
	}
	return n, nil
}

// Acknowledge records the hub's receipt for an envelope and takes it out of
// the outbox, in one transaction: an envelope leaves the outbox only with
// its receipt. The store keeps the receipt as opaque bytes; verifying the
// hub's signature on it is the caller's job, before calling.
//
// Acknowledging an envelope that already has a receipt succeeds and keeps
// the first receipt, so that a sync retried after a crash is harmless. An
// unknown envelope is ErrNotFound.
func (s *Store) Acknowledge(ctx context.Context, envelopeID string, receipt []byte) error {
	if len(receipt) == 0 {
		return fmt.Errorf("store: acknowledge envelope %s: %w: empty receipt", envelopeID, ErrInvalid)
	}
	return s.AcknowledgeAll(ctx, []Ack{{EnvelopeID: envelopeID, Receipt: receipt}})
}

// Receipt returns the hub's receipt for an envelope, or ErrNotFound if it
// has none yet.
func (s *Store) Receipt(ctx context.Context, envelopeID string) ([]byte, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	var r []byte
	err := s.r.QueryRowContext(ctx, "SELECT receipt FROM receipts WHERE envelope_id = ?", envelopeID).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: receipt for %s: %w", envelopeID, ErrNotFound)
	}
	if err != nil {
		return nil, classify("read receipt", err)
	}
	return bytes.Clone(r), nil
}

// DeferOutbox pushes an outbox entry back until next, after a failed send,
// and counts the attempt. The caller chooses the back-off. An envelope not
// in the outbox is ErrNotFound.
func (s *Store) DeferOutbox(ctx context.Context, envelopeID string, next time.Time) error {
	return s.write(ctx, "defer outbox entry", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt = ?
			WHERE envelope_id = ?`, unixMilli(next), envelopeID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("outbox entry %s: %w", envelopeID, ErrNotFound)
		}
		return nil
	})
}
