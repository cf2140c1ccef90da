package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// Issue 18: a record pulled and opened on its way in is saved with its
// file key and its search index row in the batch's one transaction; the
// row takes the stored envelope's seq, kind and time; a conflicting
// envelope keeps neither; and Filter.Unremembered lists only what still
// lacks a key or a row.
func TestEnvelopeIndexWrittenWithIt(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a, b := testEnvelope("a", 100), testEnvelope("b", 100)
	a.FileKey, a.Index = []byte("sealed-a"), []byte("bloom-a")
	if err := s.PutReceivedEnvelopes(ctx, []Envelope{a, b}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetEnvelope(ctx, "a")
	if err != nil || !got.Indexed || !bytes.Equal(got.FileKey, []byte("sealed-a")) || got.Index != nil {
		t.Fatalf("a: %v, indexed %v, key %q, index read back %q", err, got.Indexed, got.FileKey, got.Index)
	}
	var rows []SearchRow
	for r, err := range s.SearchRowsAfter(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 1 || rows[0].Seq != got.Seq || rows[0].Kind != got.Kind || !rows[0].Created.Equal(got.Created) || string(rows[0].Bloom) != "bloom-a" {
		t.Fatalf("index rows %+v for envelope seq %d", rows, got.Seq)
	}
	var after []SearchRow
	for r, err := range s.SearchRowsAfter(ctx, got.Seq) {
		if err != nil {
			t.Fatal(err)
		}
		after = append(after, r)
	}
	if len(after) != 0 {
		t.Errorf("rows after seq %d: %+v", got.Seq, after)
	}

	if n, err := s.CountEnvelopes(ctx, Filter{Unremembered: true}); err != nil || n != 1 {
		t.Errorf("unremembered: %d, %v; want b alone", n, err)
	}
	for e, err := range s.Envelopes(ctx, Filter{Unremembered: true}) {
		if err != nil || e.ID != "b" {
			t.Errorf("unremembered envelope %q, %v", e.ID, err)
		}
	}

	// A conflicting copy of b carrying a key and a row keeps neither.
	c := testEnvelope("b", 101)
	c.FileKey, c.Index = []byte("sealed-c"), []byte("bloom-c")
	if err := s.PutReceivedEnvelopes(ctx, []Envelope{c}); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	if e, err := s.GetEnvelope(ctx, "b"); err != nil || e.Indexed || e.FileKey != nil {
		t.Errorf("b after a refused conflict: %v, indexed %v, key %q", err, e.Indexed, e.FileKey)
	}
}
