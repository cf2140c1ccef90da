package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"time"
)

// Outbox priorities: a lower number is sent sooner. Normal is zero so that
// an Envelope that does not say otherwise queues as normal.
const (
	PriorityUrgent = -100 // incidents and escalations
	PriorityNormal = 0    // everything else
)

// Envelope is a signed, encrypted record as the crypto layer produced it.
// The store keeps Header and Body as opaque bytes and never looks inside;
// the other fields are the non-identifying routing data the header repeats,
// kept as columns so that records can be listed without decrypting them.
type Envelope struct {
	ID        string
	Kind      string // record kind, e.g. "record", "addendum", "incident"
	AuthorKey string // the author's signing key id
	Created   time.Time
	ParentID  string // the record an addendum amends; "" for none
	Header    []byte
	Body      []byte // the age ciphertext

	// Priority orders the outbox when PutEnvelope or SaveRecord queue the
	// envelope (PriorityUrgent for incidents). It belongs to the queue, not
	// the record: it is not part of the append-only comparison and reads of
	// envelopes leave it zero; OutboxItem reports it.
	Priority int

	// FileKey is the record's age file key sealed by crypto.KeyCache, kept
	// beside the record so it opens again without a key decapsulation; nil
	// when none is remembered. It is not part of the record: writing an
	// envelope with one remembers it (replacing any before), and it is not
	// part of the append-only comparison.
	FileKey []byte

	// Index is the record's row of the blind search index (SearchRow.Bloom,
	// made by the vault), written with the envelope in the same transaction
	// as IndexRecords would write it, so that a record pulled from the hub
	// and opened once on the way in needs no second pass. Like FileKey it is
	// not part of the record: reads leave it nil (see Indexed).
	Index []byte

	// Receipt is the hub's signed receipt for a record received from the
	// hub, kept with it by PutReceivedEnvelope(s) (the caller verified it
	// first); Received is the time the hub first stored the record, as that
	// receipt says. On reads, Received is the receipt time kept for the
	// record (zero when it has no receipt yet: made here and not yet sent),
	// and Receipt is left nil. Neither is part of the append-only
	// comparison: a receipt belongs to the hub's copy, not the record.
	Receipt  []byte
	Received time.Time

	// Indexed is set by the store on reads: the envelope has a row in the
	// blind search index (IndexRecords).
	Indexed bool

	// Set by the store on reads: Seq is the local insertion order, the
	// cursor for paging (Filter.After); Hash is SHA-256 over the stored
	// header and body (see envelopeHash).
	Seq  int64
	Hash [32]byte
}

// envelopeHash fingerprints the stored bytes. The header length comes first
// so that moving bytes between header and body changes the hash.
func envelopeHash(header, body []byte) [32]byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(header)))
	h.Write(n[:])
	h.Write(header)
	h.Write(body)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func (e *Envelope) validate() error {
	for _, f := range []struct{ name, v string }{
		{"id", e.ID}, {"kind", e.Kind}, {"author key", e.AuthorKey},
	} {
		if err := validToken(f.v); err != nil {
			return fmt.Errorf("%w: envelope %s: %w", ErrInvalid, f.name, err)
		}
	}
	if e.ParentID != "" {
		if err := validToken(e.ParentID); err != nil {
			return fmt.Errorf("%w: envelope parent id: %w", ErrInvalid, err)
		}
		if e.ParentID == e.ID {
			return fmt.Errorf("%w: an envelope cannot be its own parent", ErrInvalid)
		}
	}
	if len(e.Body) == 0 {
		return fmt.Errorf("%w: envelope %s has an empty body", ErrInvalid, e.ID)
	}
	return nil
}

// maxToken bounds ids, kinds and key ids.
const maxToken = 200

// validToken accepts the short identifiers the store keeps in clear (ids,
// kinds, key ids, audit actions): printable ASCII with no spaces. The rule
// exists so that free text, which could be content, cannot end up in a
// plaintext column by mistake.
func validToken(s string) error {
	if s == "" || len(s) > maxToken {
		return fmt.Errorf("must be 1 to %d characters", maxToken)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("must be printable ASCII without spaces")
		}
	}
	return nil
}

// PutEnvelope saves a record made on this device and queues it for the hub
// with e.Priority, in one transaction: once it returns nil
// the record is durable and will be sent.
//
// Envelopes are append-only. Saving the same id with the same bytes again
// succeeds and changes nothing (so a retry after an unclear failure is
// safe); the same id with different bytes is ErrConflict.
func (s *Store) PutEnvelope(ctx context.Context, e Envelope) error {
	if err := e.validate(); err != nil {
		return fmt.Errorf("store: save envelope: %w", err)
	}
	return s.write(ctx, "save envelope", func(tx *sql.Tx) error {
		return s.putEnvelopeTx(ctx, tx, e, true)
	})
}

// PutReceivedEnvelope saves a record that came from the hub. It is not
// queued: the hub already holds it. The append-only rule is the same as for
// PutEnvelope.
func (s *Store) PutReceivedEnvelope(ctx context.Context, e Envelope) error {
	if err := e.validate(); err != nil {
		return fmt.Errorf("store: save received envelope: %w", err)
	}
	return s.write(ctx, "save received envelope", func(tx *sql.Tx) error {
		return s.putEnvelopeTx(ctx, tx, e, false)
	})
}

// SaveRecord saves a record the person made, queues it, deletes the draft it
// was made from (when draftID is not empty) and appends ev to the audit
// chain, all in one transaction: one fsync for the whole save, and no state
// in which the record exists without its audit event or the other way
// round.
func (s *Store) SaveRecord(ctx context.Context, draftID string, e Envelope, ev Event) error {
	if err := e.validate(); err != nil {
		return fmt.Errorf("store: save record: %w", err)
	}
	sv, err := s.BeginSave(ctx, draftID, ev)
	if err != nil {
		return err
	}
	return sv.Commit(e)
}

// A Save is SaveRecord in two steps, so that a caller can overlap the
// first with sealing the record (issue 4: the save's latency): BeginSave
// opens the write transaction and does what does not need the envelope
// (the draft's removal and the audit event); Commit adds the envelope and
// its outbox entry and commits, durably. It is one transaction, as
// SaveRecord's. Exactly one of Commit or Abort must be called, soon:
// other writes wait while a Save is open.
type Save struct {
	s    *Store
	ctx  context.Context
	tx   *sql.Tx
	done bool
}

// BeginSave starts a Save for a record made from draftID (none if empty)
// whose saving ev records in the audit chain.
func (s *Store) BeginSave(ctx context.Context, draftID string, ev Event) (*Save, error) {
	if draftID != "" {
		if err := validToken(draftID); err != nil {
			return nil, fmt.Errorf("store: save record: %w: draft id: %w", ErrInvalid, err)
		}
	}
	ev, err := s.checkEvent(ev)
	if err != nil {
		return nil, fmt.Errorf("store: save record: %w", err)
	}
	if err := s.usable(); err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, classify("save record", err)
	}
	err = func() error {
		if draftID != "" {
			del := tx.StmtContext(ctx, s.stmts.deleteDraft)
			defer del.Close()
			if _, err := del.ExecContext(ctx, draftID); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, ev)
	}()
	if err != nil {
		_ = tx.Rollback() // the transaction is gone either way
		return nil, classify("save record", err)
	}
	return &Save{s: s, ctx: ctx, tx: tx}, nil
}

// Commit saves e, queues it for the hub and commits the whole Save; once
// it returns nil, all of it is durable. On any error nothing of it was
// saved.
func (sv *Save) Commit(e Envelope) error {
	if sv.done {
		return fmt.Errorf("store: save record: %w: this save has already ended", ErrInvalid)
	}
	sv.done = true
	if err := e.validate(); err != nil {
		_ = sv.tx.Rollback()
		return fmt.Errorf("store: save record: %w", err)
	}
	if err := sv.s.putEnvelopeTx(sv.ctx, sv.tx, e, true); err != nil {
		_ = sv.tx.Rollback()
		return classify("save record", err)
	}
	if err := sv.tx.Commit(); err != nil {
		return classify("save record", err)
	}
	sv.s.committed()
	return nil
}

// Abort ends a Save without saving anything of it. It does nothing after
// Commit or another Abort.
func (sv *Save) Abort() {
	if !sv.done {
		sv.done = true
		_ = sv.tx.Rollback()
	}
}

// envelopeWriter holds the statements that save envelopes, borrowed from
// the store's prepared ones for one transaction.
type envelopeWriter struct {
	ins, queue, remember, receipt, index *sql.Stmt
}

func (s *Store) envelopeWriter(ctx context.Context, tx *sql.Tx) *envelopeWriter {
	return &envelopeWriter{
		ins:      tx.StmtContext(ctx, s.stmts.insertEnvelope),
		queue:    tx.StmtContext(ctx, s.stmts.queueOutbox),
		remember: tx.StmtContext(ctx, s.stmts.rememberFileKey),
		receipt:  tx.StmtContext(ctx, s.stmts.insertReceipt),
		index:    tx.StmtContext(ctx, s.stmts.indexEnvelope),
	}
}

// close releases the transaction's handles (the prepared statements stay);
// their errors change nothing about the transaction's outcome.
func (w *envelopeWriter) close() {
	_ = w.ins.Close()
	_ = w.queue.Close()
	_ = w.remember.Close()
	_ = w.receipt.Close()
	_ = w.index.Close()
}

// putEnvelopeTx inserts e, and queues it if enqueue is set. An envelope that
// was already there is not queued again: it was queued, or came from the
// hub, the first time.
func (s *Store) putEnvelopeTx(ctx context.Context, tx *sql.Tx, e Envelope, enqueue bool) error {
	w := s.envelopeWriter(ctx, tx)
	defer w.close()
	return s.putEnvelopeWith(ctx, tx, w, e, enqueue)
}

// putEnvelopesTx saves a batch in tx with statements prepared once. A
// batch can be a thousand records (a pull page), so it yields between
// rows once a millisecond has passed since it last did: a goroutine waiting
// to run (the UI's) runs within about a millisecond, not after the batch.
// (Yielding after every row cost more: each switch starts SQLite cold.)
func (s *Store) putEnvelopesTx(ctx context.Context, tx *sql.Tx, es []Envelope, enqueue bool) error {
	w := s.envelopeWriter(ctx, tx)
	defer w.close()
	yielded := time.Now()
	for _, e := range es {
		if err := s.putEnvelopeWith(ctx, tx, w, e, enqueue); err != nil {
			return err
		}
		if time.Since(yielded) >= time.Millisecond {
			runtime.Gosched()
			yielded = time.Now()
		}
	}
	return nil
}

func (s *Store) putEnvelopeWith(ctx context.Context, tx *sql.Tx, w *envelopeWriter, e Envelope, enqueue bool) error {
	header := e.Header
	if header == nil {
		header = []byte{} // NOT NULL column: nil would bind as NULL
	}
	var parent any
	if e.ParentID != "" {
		parent = e.ParentID
	}
	hash := envelopeHash(header, e.Body)
	res, err := w.ins.ExecContext(ctx, e.ID, e.Kind, e.AuthorKey, unixMilli(e.Created), parent, header, e.Body, hash[:])
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if len(e.FileKey) > 0 {
		// After the envelope: the row's foreign key needs it. A conflicting
		// envelope fails the transaction below, taking this with it.
		if _, err := w.remember.ExecContext(ctx, e.ID, e.FileKey); err != nil {
			return err
		}
	}
	if len(e.Index) > 0 {
		// The row takes the stored envelope's seq, kind and time.
		if _, err := w.index.ExecContext(ctx, e.Index, e.ID); err != nil {
			return err
		}
	}
	if n == 0 {
		// Already there: a no-op if the bytes are the same, else refused.
		old, err := scanEnvelope(tx.QueryRowContext(ctx, selectEnvelope+" WHERE id = ?", e.ID))
		if err != nil {
			return err
		}
		if !sameEnvelope(old, e, header) {
			return fmt.Errorf("envelope %s: %w", e.ID, ErrConflict)
		}
	}
	if !enqueue {
		// A received record keeps the hub's receipt; one it already has
		// (its own, sent from here) is kept as it was.
		if len(e.Receipt) > 0 {
			_, err := w.receipt.ExecContext(ctx, e.ID, unixMilli(e.Received), e.Receipt)
			return err
		}
		return nil
	}
	if n == 0 {
		return nil
	}
	_, err = w.queue.ExecContext(ctx, e.ID, e.Priority, unixMilli(s.now()))
	return err
}

func sameEnvelope(old, e Envelope, header []byte) bool {
	return old.Kind == e.Kind && old.AuthorKey == e.AuthorKey &&
		old.Created.UnixMilli() == e.Created.UnixMilli() && old.ParentID == e.ParentID &&
		bytes.Equal(old.Header, header) && bytes.Equal(old.Body, e.Body)
}

// selectEnvelope reads each envelope with its remembered file key and its
// receipt time, if any. Column names in filters stay unqualified: file_keys
// and receipts share none of them.
const selectEnvelope = `SELECT seq, id, kind, author_key, created, parent_id, header, body, hash, sealed, received,
	EXISTS (SELECT 1 FROM search_index si WHERE si.seq = envelopes.seq)
	FROM envelopes LEFT JOIN file_keys ON file_keys.envelope_id = envelopes.id
	LEFT JOIN receipts ON receipts.envelope_id = envelopes.id`

type scanner interface{ Scan(dest ...any) error }

func scanEnvelope(row scanner) (Envelope, error) {
	var (
		e       Envelope
		created int64
		parent  sql.NullString
		hash    []byte
		recv    sql.NullInt64
	)
	if err := row.Scan(&e.Seq, &e.ID, &e.Kind, &e.AuthorKey, &created, &parent, &e.Header, &e.Body, &hash, &e.FileKey, &recv, &e.Indexed); err != nil {
		return Envelope{}, err
	}
	e.Created = fromMilli(created)
	if recv.Valid {
		e.Received = fromMilli(recv.Int64)
	}
	e.ParentID = parent.String
	if len(hash) != len(e.Hash) {
		return Envelope{}, fmt.Errorf("envelope %s: %w: stored hash has %d bytes", e.ID, ErrCorrupt, len(hash))
	}
	copy(e.Hash[:], hash)
	return e, nil
}

// GetEnvelope returns one envelope, or ErrNotFound.
func (s *Store) GetEnvelope(ctx context.Context, id string) (Envelope, error) {
	if err := s.usable(); err != nil {
		return Envelope{}, err
	}
	e, err := scanEnvelope(s.r.QueryRowContext(ctx, selectEnvelope+" WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Envelope{}, fmt.Errorf("store: envelope %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Envelope{}, classify("read envelope", err)
	}
	return e, nil
}

// Filter selects envelopes. Empty fields match everything.
type Filter struct {
	Kind      string
	AuthorKey string
	ParentID  string
	// After is a paging cursor: only envelopes with Seq > After. Pass the
	// Seq of the last envelope of the previous page.
	After int64
	// Limit caps the number returned; 0 means the default page size for
	// ListEnvelopes and no cap for Envelopes.
	Limit int
	// Unremembered keeps only envelopes with no remembered file key or no
	// search index row: what is left to open once (vault.RememberKeys),
	// found without reading the bytes of every other envelope.
	Unremembered bool
}

// DefaultPageSize is ListEnvelopes' page size when Filter.Limit is 0.
const DefaultPageSize = 500

func (f Filter) where() (string, []any) {
	q := " WHERE seq > ?"
	args := []any{f.After}
	if f.Kind != "" {
		q += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.AuthorKey != "" {
		q += " AND author_key = ?"
		args = append(args, f.AuthorKey)
	}
	if f.ParentID != "" {
		q += " AND parent_id = ?"
		args = append(args, f.ParentID)
	}
	if f.Unremembered {
		q += ` AND (NOT EXISTS (SELECT 1 FROM file_keys fk WHERE fk.envelope_id = envelopes.id)
			OR NOT EXISTS (SELECT 1 FROM search_index ix WHERE ix.seq = envelopes.seq))`
	}
	return q, args
}

// ListEnvelopes returns one page of envelopes in local save order (oldest
// first). For the next page, set f.After to the last envelope's Seq; an
// empty page means the end. Keyset paging costs the same for every page.
func (s *Store) ListEnvelopes(ctx context.Context, f Filter) ([]Envelope, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultPageSize
	}
	var out []Envelope
	for e, err := range s.Envelopes(ctx, f) {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Envelopes streams every envelope matching f, in local save order, from
// one read transaction, so the caller sees a consistent snapshot however
// long it takes. This is the path for decrypting everything at unlock: feed
// the envelopes to decrypting workers as they arrive rather than holding
// all the ciphertext at once. Saves are not blocked while it runs.
//
// Each Envelope's slices are the caller's to keep.
func (s *Store) Envelopes(ctx context.Context, f Filter) iter.Seq2[Envelope, error] {
	where, args := f.where()
	q := selectEnvelope + where + " ORDER BY seq"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return s.queryEnvelopes(ctx, "list envelopes", q, args...)
}

// queryEnvelopes streams the envelopes a selectEnvelope query returns.
func (s *Store) queryEnvelopes(ctx context.Context, op, q string, args ...any) iter.Seq2[Envelope, error] {
	return func(yield func(Envelope, error) bool) {
		if err := s.usable(); err != nil {
			yield(Envelope{}, err)
			return
		}
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			yield(Envelope{}, classify(op, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEnvelope(rows)
			if err != nil {
				yield(Envelope{}, classify(op, err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Envelope{}, classify(op, err))
		}
	}
}

// CountEnvelopes counts the envelopes matching f (Limit is ignored).
func (s *Store) CountEnvelopes(ctx context.Context, f Filter) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	where, args := f.where()
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM envelopes"+where, args...).Scan(&n); err != nil {
		return 0, classify("count envelopes", err)
	}
	return n, nil
}
