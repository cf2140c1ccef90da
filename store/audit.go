package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Audit actions. The chain accepts any short token, so that a later version
// can add actions without a migration; these are the ones the app uses.
const (
	ActionCreated       = "created"
	ActionSigned        = "signed"
	ActionViewed        = "viewed"
	ActionExported      = "exported"
	ActionEscalated     = "escalated"
	ActionSynced        = "synced"
	ActionCountersigned = "countersigned"
	ActionClosed        = "closed"
)

// Event is one audit event: who did what to which record, and when. It
// never carries content: every field is a short token (validToken), so free
// text cannot slip in.
type Event struct {
	At        time.Time // zero: now
	Actor     string    // the actor's key id
	Action    string    // one of the Action constants
	SubjectID string    // the envelope, draft or export concerned; may be empty
}

// AuditRecord is an Event as the chain holds it.
type AuditRecord struct {
	Event
	Seq      int64
	PrevHash [32]byte
	Hash     [32]byte
}

// auditDomain separates audit hashes from any other SHA-256 use.
const auditDomain = "safeguard-companion/audit/v1"

// auditHash is sha256(prev_hash || canonical fields). The canonical form is
// seq and at as 8-byte big-endian integers, then the domain tag, actor,
// action and subject each with an 8-byte length prefix, so no two different
// events encode alike; seq is included so that moving a row is detected.
func auditHash(prev [32]byte, seq int64, at int64, actor, action, subject string) [32]byte {
	h := sha256.New()
	h.Write(prev[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(at))
	h.Write(n[:])
	for _, s := range []string{auditDomain, actor, action, subject} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Audit appends an event to the chain and returns once it is durable.
func (s *Store) Audit(ctx context.Context, ev Event) error {
	ev, err := s.checkEvent(ev)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return s.write(ctx, "audit", func(tx *sql.Tx) error {
		return s.appendAudit(ctx, tx, ev)
	})
}

// checkEvent refuses an event with anything but short tokens in it, so free
// text cannot slip into the chain, and stamps it with the time.
func (s *Store) checkEvent(ev Event) (Event, error) {
	if err := validToken(ev.Actor); err != nil {
		return ev, fmt.Errorf("%w: actor: %w", ErrInvalid, err)
	}
	if err := validToken(ev.Action); err != nil {
		return ev, fmt.Errorf("%w: action: %w", ErrInvalid, err)
	}
	if ev.SubjectID != "" {
		if err := validToken(ev.SubjectID); err != nil {
			return ev, fmt.Errorf("%w: subject: %w", ErrInvalid, err)
		}
	}
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	return ev, nil
}

func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, ev Event) error {
	var (
		seq  int64
		prev [32]byte
		head []byte
	)
	headStmt := tx.StmtContext(ctx, s.stmts.auditHead)
	defer headStmt.Close()
	err := headStmt.QueryRowContext(ctx).Scan(&seq, &head)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// The first event: prev is all zeros.
	case err != nil:
		return err
	case len(head) != len(prev):
		return fmt.Errorf("%w: audit head hash has %d bytes", ErrTampered, len(head))
	default:
		copy(prev[:], head)
	}
	seq++
	at := unixMilli(ev.At)
	hash := auditHash(prev, seq, at, ev.Actor, ev.Action, ev.SubjectID)
	ins := tx.StmtContext(ctx, s.stmts.insertAudit)
	defer ins.Close()
	if _, err := ins.ExecContext(ctx, seq, at, ev.Actor, ev.Action, ev.SubjectID, prev[:], hash[:]); err != nil {
		return err
	}
	upsert := tx.StmtContext(ctx, s.stmts.upsertAuditHead)
	defer upsert.Close()
	_, err = upsert.ExecContext(ctx, seq, hash[:])
	return err
}

// AuditHead returns the last link of the chain: its seq and hash (0 and
// zeros when the chain is empty). The chain detects any change made through
// the app or by editing rows, but someone with the file could rewrite the
// whole chain consistently; publishing the head off the device (for example
// in a signed, synced envelope) and comparing it later closes that gap.
func (s *Store) AuditHead(ctx context.Context) (int64, [32]byte, error) {
	var (
		seq  int64
		hash [32]byte
		b    []byte
	)
	if err := s.usable(); err != nil {
		return 0, hash, err
	}
	err := s.r.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE one = 1").Scan(&seq, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, hash, nil
	}
	if err != nil {
		return 0, hash, classify("read audit head", err)
	}
	copy(hash[:], b)
	return seq, hash, nil
}

// AuditEvents returns up to limit events with Seq > after, in order.
func (s *Store) AuditEvents(ctx context.Context, after int64, limit int) ([]AuditRecord, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, at, actor, action, subject_id, prev_hash, hash
		FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, classify("read audit", err)
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, classify("read audit", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("read audit", err)
	}
	return out, nil
}

func scanAudit(row scanner) (AuditRecord, error) {
	var (
		r          AuditRecord
		at         int64
		prev, hash []byte
	)
	if err := row.Scan(&r.Seq, &at, &r.Actor, &r.Action, &r.SubjectID, &prev, &hash); err != nil {
		return AuditRecord{}, err
	}
	if len(prev) != 32 || len(hash) != 32 {
		return AuditRecord{}, fmt.Errorf("%w: audit row %d: a hash is not 32 bytes", ErrTampered, r.Seq)
	}
	r.At = fromMilli(at)
	copy(r.PrevHash[:], prev)
	copy(r.Hash[:], hash)
	return r, nil
}

// VerifyAudit walks the whole chain and reports ErrTampered, naming the
// first bad row, if any row was edited, deleted, inserted or moved, or if
// rows were cut from the end.
func (s *Store) VerifyAudit(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	// One read transaction, so the rows and the head are one snapshot.
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return classify("verify audit", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to undo

	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor, action, subject_id, prev_hash, hash
		FROM audit ORDER BY seq`)
	if err != nil {
		return classify("verify audit", err)
	}
	var (
		want int64 = 1
		prev [32]byte
	)
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return classify("verify audit", err)
		}
		switch {
		case r.Seq != want:
			err = fmt.Errorf("row %d found where row %d was expected (rows deleted or inserted)", r.Seq, want)
		case r.PrevHash != prev:
			err = fmt.Errorf("row %d does not link to row %d", r.Seq, want-1)
		case auditHash(prev, r.Seq, unixMilli(r.At), r.Actor, r.Action, r.SubjectID) != r.Hash:
			err = fmt.Errorf("row %d was changed", r.Seq)
		}
		if err != nil {
			rows.Close()
			return fmt.Errorf("store: verify audit: %w: %v", ErrTampered, err)
		}
		prev = r.Hash
		want++
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return classify("verify audit", err)
	}
	last := want - 1

	var (
		headSeq  int64
		headHash []byte
	)
	err = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE one = 1").Scan(&headSeq, &headHash)
	if errors.Is(err, sql.ErrNoRows) {
		headSeq, headHash = 0, make([]byte, 32)
	} else if err != nil {
		return classify("verify audit", err)
	}
	if headSeq != last || !bytes.Equal(headHash, prev[:]) {
		return fmt.Errorf("store: verify audit: %w: the chain ends at row %d but its head records row %d (rows cut from the end, or the head edited)",
			ErrTampered, last, headSeq)
	}
	return nil
}
