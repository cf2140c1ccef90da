package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestPutReceivedEnvelopesBatch(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var batch []Envelope
	for i := range 50 {
		batch = append(batch, testEnvelope(fmt.Sprintf("r%03d", i), 300+i))
	}
	// A repeat inside the batch with the same bytes is saved once.
	batch = append(batch, testEnvelope("r007", 307))
	if err := s.PutReceivedEnvelopes(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountEnvelopes(ctx, Filter{}); n != 50 {
		t.Fatalf("holds %d envelopes, want 50", n)
	}
	if n, _ := s.CountOutbox(ctx); n != 0 {
		t.Fatalf("received envelopes were queued: outbox %d", n)
	}
	for _, want := range batch {
		got, err := s.GetEnvelope(ctx, want.ID)
		if err != nil || !bytes.Equal(got.Body, want.Body) || !bytes.Equal(got.Header, want.Header) {
			t.Fatalf("%s: %v", want.ID, err)
		}
	}
	// The same batch again (a pull retried after a crash) changes nothing.
	if err := s.PutReceivedEnvelopes(ctx, batch); err != nil {
		t.Fatalf("the same batch again: %v", err)
	}
	// Empty is a no-op.
	if err := s.PutReceivedEnvelopes(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// A conflict anywhere in a batch refuses all of it: nothing of the batch is
// saved, nothing already saved changes.
func TestBatchConflictStoresNothing(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	held := testEnvelope("held", 100)
	if err := s.PutReceivedEnvelope(ctx, held); err != nil {
		t.Fatal(err)
	}
	changed := testEnvelope("held", 100)
	changed.Body[0] ^= 1
	dupA, dupB := testEnvelope("twice", 80), testEnvelope("twice", 80)
	dupB.Body[3] ^= 1

	for name, tc := range map[string]struct {
		batch []Envelope
		put   func(context.Context, []Envelope) error
	}{
		"received, conflict with a saved record": {[]Envelope{testEnvelope("new1", 90), changed, testEnvelope("new2", 90)}, s.PutReceivedEnvelopes},
		"received, conflict inside the batch":    {[]Envelope{testEnvelope("new1", 90), dupA, dupB}, s.PutReceivedEnvelopes},
		"own, conflict with a saved record":      {[]Envelope{testEnvelope("new1", 90), changed}, s.PutEnvelopes},
		"own, conflict inside the batch":         {[]Envelope{dupA, testEnvelope("new2", 90), dupB}, s.PutEnvelopes},
	} {
		t.Run(name, func(t *testing.T) {
			if err := tc.put(ctx, tc.batch); !errors.Is(err, ErrConflict) {
				t.Fatalf("got %v, want ErrConflict", err)
			}
			if n, _ := s.CountEnvelopes(ctx, Filter{}); n != 1 {
				t.Fatalf("holds %d envelopes after a refused batch, want 1", n)
			}
			if n, _ := s.CountOutbox(ctx); n != 0 {
				t.Fatalf("outbox %d after a refused batch", n)
			}
			got, err := s.GetEnvelope(ctx, "held")
			if err != nil || !bytes.Equal(got.Body, held.Body) {
				t.Fatalf("the saved record changed: %v", err)
			}
		})
	}
	// An invalid envelope is refused before anything is written.
	bad := testEnvelope("ok", 10)
	bad.ID = ""
	if err := s.PutReceivedEnvelopes(ctx, []Envelope{testEnvelope("fine", 10), bad}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("invalid envelope: %v, want ErrInvalid", err)
	}
	if n, _ := s.CountEnvelopes(ctx, Filter{}); n != 1 {
		t.Fatalf("holds %d envelopes after an invalid batch, want 1", n)
	}
}

func TestPutEnvelopesQueuesWithPriority(t *testing.T) {
	clock := &testClock{t: time.UnixMilli(1_750_000_000_000)}
	s := openTest(t, WithClock(clock.now))
	ctx := context.Background()
	n1, u1, n2 := testEnvelope("n1", 64), testEnvelope("u1", 64), testEnvelope("n2", 64)
	u1.Priority = PriorityUrgent
	if err := s.PutEnvelopes(ctx, []Envelope{n1, u1, n2}); err != nil {
		t.Fatal(err)
	}
	items, err := s.NextOutbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Envelope.ID)
	}
	// Same enqueue time: the batch's own order breaks the tie.
	if fmt.Sprint(got) != "[u1 n1 n2]" {
		t.Fatalf("outbox order %v", got)
	}
	// Saving them again does not queue them twice.
	if err := s.PutEnvelopes(ctx, []Envelope{n1, u1, n2}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountOutbox(ctx); n != 3 {
		t.Fatalf("outbox %d, want 3", n)
	}
}

func TestAcknowledgeAll(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var batch []Envelope
	for i := range 5 {
		batch = append(batch, testEnvelope(fmt.Sprintf("e%d", i), 64))
	}
	if err := s.PutEnvelopes(ctx, batch); err != nil {
		t.Fatal(err)
	}
	ack := func(id string) Ack { return Ack{EnvelopeID: id, Receipt: []byte("receipt-" + id)} }

	// One unknown envelope or empty receipt: nothing of the batch recorded.
	if err := s.AcknowledgeAll(ctx, []Ack{ack("e0"), ack("ghost"), ack("e1")}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown envelope: %v, want ErrNotFound", err)
	}
	if err := s.AcknowledgeAll(ctx, []Ack{ack("e0"), {EnvelopeID: "e1"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty receipt: %v, want ErrInvalid", err)
	}
	if n, _ := s.CountOutbox(ctx); n != 5 {
		t.Fatalf("outbox %d after refused batches, want 5", n)
	}
	if _, err := s.Receipt(ctx, "e0"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a receipt from a refused batch was kept: %v", err)
	}

	if err := s.AcknowledgeAll(ctx, []Ack{ack("e0"), ack("e1"), ack("e2")}); err != nil {
		t.Fatal(err)
	}
	// Again with other bytes (a retry after a crash): the first receipt stays.
	if err := s.AcknowledgeAll(ctx, []Ack{{EnvelopeID: "e1", Receipt: []byte("other")}, ack("e3")}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Receipt(ctx, "e1"); err != nil || string(r) != "receipt-e1" {
		t.Fatalf("receipt e1 = %q, %v", r, err)
	}
	items, err := s.NextOutbox(ctx, 10)
	if err != nil || len(items) != 1 || items[0].Envelope.ID != "e4" {
		t.Fatalf("outbox after acknowledging: %v %v", items, err)
	}
	if err := s.AcknowledgeAll(ctx, nil); err != nil {
		t.Fatal(err)
	}
}
