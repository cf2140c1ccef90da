package store

import (
	"bytes"
	"context"
	"testing"
	"time"

	"safeguard/companion/testclock"
)

// TestReceiptTimeKeptWithEachRecord is issue 14 §2 below the vault: a record
// from the hub keeps the hub's signed receipt and the time the hub first
// stored it, and a record made here keeps the hub's time once acknowledged,
// so that opening it can judge it against a later revocation by a time its
// author could not choose.
func TestReceiptTimeKeptWithEachRecord(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	hubTime := testclock.Start().Add(-3 * time.Hour).Truncate(time.Millisecond)

	got := func(id string) Envelope {
		t.Helper()
		e, err := s.GetEnvelope(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	pulled := testEnvelope("pulled-1", 64)
	pulled.Receipt, pulled.Received = []byte("receipt from the hub"), hubTime
	if err := s.PutReceivedEnvelopes(ctx, []Envelope{pulled}); err != nil {
		t.Fatal(err)
	}
	if e := got("pulled-1"); !e.Received.Equal(hubTime) || e.Receipt != nil {
		t.Errorf("pulled record read back with received %v, receipt %q", e.Received, e.Receipt)
	}
	if r, err := s.Receipt(ctx, "pulled-1"); err != nil || !bytes.Equal(r, pulled.Receipt) {
		t.Errorf("receipt kept: %q %v", r, err)
	}
	// The same record again (a page pulled twice) with another receipt:
	// the first is kept, and the record is not a conflict.
	again := pulled
	again.Receipt, again.Received = []byte("a later receipt"), hubTime.Add(time.Hour)
	if err := s.PutReceivedEnvelope(ctx, again); err != nil {
		t.Fatal(err)
	}
	if e := got("pulled-1"); !e.Received.Equal(hubTime) {
		t.Errorf("a second receipt replaced the first: %v", e.Received)
	}
	if n, _ := s.CountOutbox(ctx); n != 0 {
		t.Errorf("a received record was queued: %d", n)
	}

	mine := testEnvelope("mine-1", 64)
	if err := s.PutEnvelope(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if e := got("mine-1"); !e.Received.IsZero() {
		t.Errorf("an unsent record has a receipt time: %v", e.Received)
	}
	if err := s.AcknowledgeAll(ctx, []Ack{{EnvelopeID: "mine-1", Receipt: []byte("r"), Received: hubTime}}); err != nil {
		t.Fatal(err)
	}
	if e := got("mine-1"); !e.Received.Equal(hubTime) {
		t.Errorf("acknowledged record: received %v, want the hub's time %v", e.Received, hubTime)
	}
	var listed int
	for e, err := range s.Envelopes(ctx, Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if !e.Received.Equal(hubTime) {
			t.Errorf("%s listed with received %v", e.ID, e.Received)
		}
		listed++
	}
	if listed != 2 {
		t.Errorf("listed %d", listed)
	}
}
