package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ActionDisposed is the audit action for a record disposed of on this
// computer; the event names the record, never its content.
const ActionDisposed = "disposed"

// Tombstone is a disposal carried out here: the signed tombstone as the
// DSL made it (crypto.VerifyTombstone reads it) and when it was applied.
type Tombstone struct {
	RecordID string
	Signed   []byte
	Applied  time.Time
	// Sent is when the hub took it; zero while it waits to be sent.
	Sent time.Time
}

// Disposal is a verified tombstone to carry out: the record, every
// envelope it is made of, and the signed tombstone. FromHub: it came from
// the hub (nothing to send); else this computer's DSL made it and the sync
// engine sends it.
type Disposal struct {
	RecordID  string
	Envelopes []string
	Signed    []byte
	FromHub   bool
}

// Dispose carries out a verified tombstone in one transaction: the
// record's envelopes leave with their receipts, outbox entries,
// remembered file keys and any draft kept under their ids; the tombstone
// is kept and the disposal audited (ev, its action ActionDisposed). Then
// the WAL is checkpointed and truncated, so that with secure_delete no
// copy of the ciphertext is left in either file. A tombstone already
// carried out is a no-op.
func (s *Store) Dispose(ctx context.Context, d Disposal, ev Event) error {
	recordID, envelopeIDs, signed := d.RecordID, d.Envelopes, d.Signed
	if recordID == "" || len(signed) == 0 {
		return fmt.Errorf("store: dispose: %w: a tombstone needs its record id and signed bytes", ErrInvalid)
	}
	ev.Action, ev.SubjectID = ActionDisposed, recordID
	ev, err := s.checkEvent(ev)
	if err != nil {
		return err
	}
	done := false
	err = s.write(ctx, "dispose of a record", func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM tombstones WHERE record_id = ?", recordID).Scan(&one)
		if err == nil {
			done = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var sent any
		if d.FromHub {
			sent = unixMilli(s.now())
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO tombstones (record_id, signed, applied, sent) VALUES (?, ?, ?, ?)", recordID, signed, unixMilli(s.now()), sent); err != nil {
			return err
		}
		fam, err := familyIn(ctx, tx, append([]string{recordID}, envelopeIDs...))
		if err != nil {
			return err
		}
		for _, id := range fam {
			if _, err := tx.ExecContext(ctx, "INSERT INTO disposed (envelope_id, record_id) VALUES (?, ?) ON CONFLICT DO NOTHING", id, recordID); err != nil {
				return err
			}
			// Rows that refer to the envelope first (foreign keys), then
			// the envelope, then a draft kept under its id and the words
			// typed for it kept beside it (KeptBeside).
			for _, q := range []string{
				"DELETE FROM file_keys WHERE envelope_id = ?",
				"DELETE FROM outbox WHERE envelope_id = ?",
				"DELETE FROM receipts WHERE envelope_id = ?",
				"DELETE FROM envelopes WHERE id = ?",
				"DELETE FROM drafts WHERE id = ?",
				"DELETE FROM drafts WHERE id = ? || '" + KeptBeside + "'",
			} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return err
				}
			}
		}
		return s.appendAudit(ctx, tx, ev)
	})
	if err != nil || done {
		return err
	}
	return s.truncateWAL(ctx)
}

// truncateWAL checkpoints every frame into the database file and empties
// the WAL, waiting for readers on older snapshots to finish.
func (s *Store) truncateWAL(ctx context.Context) error {
	for range 100 {
		var busy, logFrames, done int
		if err := s.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
			return classify("empty the write-ahead log", err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("store: the write-ahead log could not be emptied: a reader holds it")
}

// Tombstones lists the disposals carried out here, oldest first.
func (s *Store) Tombstones(ctx context.Context) ([]Tombstone, error) {
	return s.tombstones(ctx, "")
}

// UnsentTombstones lists the tombstones this computer's DSL made that the
// hub has not taken yet, oldest first.
func (s *Store) UnsentTombstones(ctx context.Context) ([]Tombstone, error) {
	return s.tombstones(ctx, "WHERE sent IS NULL")
}

func (s *Store) tombstones(ctx context.Context, where string) ([]Tombstone, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT record_id, signed, applied, sent FROM tombstones "+where+" ORDER BY applied, record_id")
	if err != nil {
		return nil, classify("list tombstones", err)
	}
	defer rows.Close()
	var out []Tombstone
	for rows.Next() {
		var t Tombstone
		var at int64
		var sent sql.NullInt64
		if err := rows.Scan(&t.RecordID, &t.Signed, &at, &sent); err != nil {
			return nil, classify("list tombstones", err)
		}
		t.Applied = fromMilli(at)
		if sent.Valid {
			t.Sent = fromMilli(sent.Int64)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// MarkTombstoneSent records that the hub took a tombstone.
func (s *Store) MarkTombstoneSent(ctx context.Context, recordID string) error {
	return s.write(ctx, "mark a tombstone sent", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE tombstones SET sent = ? WHERE record_id = ? AND sent IS NULL", unixMilli(s.now()), recordID)
		return err
	})
}

// Family is an envelope's id and the ids of every envelope under it by
// parent (addenda, reviews, later versions, retention facts, and theirs),
// for a tombstone to name them all. The record itself need not be here: a
// DSL holds a practitioner's retention facts, not the record they are
// about; the id comes first either way. ErrNotFound when neither it nor
// anything under it is here.
func (s *Store) Family(ctx context.Context, id string) ([]string, error) {
	out, err := familyIn(ctx, s.r, []string{id})
	if err != nil {
		return nil, classify("list a record's envelopes", err)
	}
	if len(out) == 1 {
		var one int
		err := s.r.QueryRowContext(ctx, "SELECT 1 FROM envelopes WHERE id = ?", id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: envelope %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return nil, classify("list a record's envelopes", err)
		}
	}
	return out, nil
}

// queryer is a transaction or the reader pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// familyIn is seeds, first, then every envelope here under any of them by
// parent, each once (the issue 16 tombstone takes them all, on every
// device, whichever of them it holds).
func familyIn(ctx context.Context, q queryer, seeds []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, s := range seeds {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for next := slices.Clone(out); len(next) > 0; {
		id := next[0]
		next = next[1:]
		rows, err := q.QueryContext(ctx, "SELECT id FROM envelopes WHERE parent_id = ?", id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return nil, err
			}
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
				next = append(next, e)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Disposed reports whether a tombstone named the envelope.
func (s *Store) Disposed(ctx context.Context, envelopeID string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, "SELECT 1 FROM disposed WHERE envelope_id = ?", envelopeID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, classify("read disposals", err)
}
