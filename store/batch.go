package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Batch writes. Every write is one transaction ending in one fsync (see
// write), so saving n records one call at a time costs n fsyncs: ~3,200
// records/s at best on a laptop disk, and far less when other programs are
// writing too. A batch is one transaction and one fsync for the lot, with
// the same all-or-nothing guarantee: once a batch call returns nil every
// record in it is durable; if it fails, none of it was saved.

// PutEnvelopes saves records made on this device and queues each for the
// hub with its Priority, in one transaction. The append-only rule is
// PutEnvelope's, applied to each envelope in order (the same id twice in
// one batch with the same bytes is saved once); a conflict anywhere refuses
// the whole batch with ErrConflict and saves nothing of it.
func (s *Store) PutEnvelopes(ctx context.Context, es []Envelope) error {
	return s.putBatch(ctx, "save envelopes", es, true)
}

// PutReceivedEnvelopes saves records that came from the hub, in one
// transaction, without queueing them. Its rules and errors are
// PutReceivedEnvelope's; a conflict anywhere refuses the whole batch with
// ErrConflict and saves nothing of it.
func (s *Store) PutReceivedEnvelopes(ctx context.Context, es []Envelope) error {
	return s.putBatch(ctx, "save received envelopes", es, false)
}

func (s *Store) putBatch(ctx context.Context, op string, es []Envelope, enqueue bool) error {
	// Check everything before the transaction, so a bad envelope late in
	// the batch does not cost a rolled-back write.
	for i := range es {
		if err := es[i].validate(); err != nil {
			return fmt.Errorf("store: %s: %w", op, err)
		}
	}
	if len(es) == 0 {
		return s.usable()
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		return s.putEnvelopesTx(ctx, tx, es, enqueue)
	})
}

// Ack is the hub's receipt for one envelope, for AcknowledgeAll.
type Ack struct {
	EnvelopeID string
	Receipt    []byte
	// Received is the time the hub first stored the envelope, as its
	// verified receipt says; zero records the time of acknowledgement.
	Received time.Time
}

// AcknowledgeAll records many receipts and takes their envelopes out of the
// outbox, in one transaction, with Acknowledge's rules for each: an
// envelope leaves the outbox only with its receipt, an envelope already
// acknowledged keeps its first receipt, and an unknown envelope is
// ErrNotFound, in which case nothing of the batch is recorded.
func (s *Store) AcknowledgeAll(ctx context.Context, acks []Ack) error {
	for _, a := range acks {
		if len(a.Receipt) == 0 {
			return fmt.Errorf("store: acknowledge envelope %s: %w: empty receipt", a.EnvelopeID, ErrInvalid)
		}
	}
	if len(acks) == 0 {
		return s.usable()
	}
	return s.write(ctx, "acknowledge envelopes", func(tx *sql.Tx) error {
		exists, err := tx.PrepareContext(ctx, "SELECT 1 FROM envelopes WHERE id = ?")
		if err != nil {
			return err
		}
		defer exists.Close()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO receipts (envelope_id, received, receipt)
			VALUES (?, ?, ?) ON CONFLICT (envelope_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		del, err := tx.PrepareContext(ctx, "DELETE FROM outbox WHERE envelope_id = ?")
		if err != nil {
			return err
		}
		defer del.Close()
		now := unixMilli(s.now())
		for _, a := range acks {
			if err := acknowledgeWith(ctx, exists, ins, del, a, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// acknowledgeWith is Acknowledge's transaction body, on prepared statements.
func acknowledgeWith(ctx context.Context, exists, ins, del *sql.Stmt, a Ack, now int64) error {
	var one int
	err := exists.QueryRowContext(ctx, a.EnvelopeID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("envelope %s: %w", a.EnvelopeID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	at := now
	if !a.Received.IsZero() {
		at = unixMilli(a.Received)
	}
	if _, err := ins.ExecContext(ctx, a.EnvelopeID, at, a.Receipt); err != nil {
		return err
	}
	// The outbox trigger refuses this DELETE if the receipt is missing.
	_, err = del.ExecContext(ctx, a.EnvelopeID)
	return err
}
