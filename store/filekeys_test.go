package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// A file key written with its envelope, or later, reads back with it; it
// can be replaced; it never makes an envelope differ for the append-only
// rule; and a key for an unknown envelope keeps nothing of its batch.
func TestFileKeys(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	get := func(id string) []byte {
		t.Helper()
		e, err := s.GetEnvelope(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return e.FileKey
	}

	a := testEnvelope("a", 100)
	a.FileKey = []byte("sealed-a-1")
	if err := s.PutEnvelope(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := get("a"); !bytes.Equal(got, []byte("sealed-a-1")) {
		t.Errorf("file key after save = %q", got)
	}
	b := testEnvelope("b", 100)
	if err := s.PutReceivedEnvelope(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := get("b"); got != nil {
		t.Errorf("a received envelope has file key %q", got)
	}

	// The same envelope again without a key: accepted, the key stays.
	a.FileKey = nil
	if err := s.PutEnvelope(ctx, a); err != nil {
		t.Fatalf("same envelope without its key: %v", err)
	}
	if got := get("a"); !bytes.Equal(got, []byte("sealed-a-1")) {
		t.Errorf("file key after an idempotent save = %q", got)
	}
	// A conflicting envelope carrying a key: refused, and the key with it.
	c := testEnvelope("a", 101)
	c.FileKey = []byte("sealed-conflict")
	if err := s.PutEnvelope(ctx, c); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflicting envelope: %v", err)
	}
	if got := get("a"); !bytes.Equal(got, []byte("sealed-a-1")) {
		t.Errorf("file key after a refused conflict = %q", got)
	}

	if err := s.RememberFileKeys(ctx, []FileKey{{"a", []byte("sealed-a-2")}, {"b", []byte("sealed-b")}}); err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for e, err := range s.Envelopes(ctx, Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.FileKey)
	}
	if len(got) != 2 || string(got[0]) != "sealed-a-2" || string(got[1]) != "sealed-b" {
		t.Errorf("listed file keys = %q", got)
	}

	err := s.RememberFileKeys(ctx, []FileKey{{"b", []byte("sealed-b-2")}, {"nope", []byte("x")}})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("key for an unknown envelope: %v", err)
	}
	if got := get("b"); !bytes.Equal(got, []byte("sealed-b")) {
		t.Errorf("a refused batch kept %q", got)
	}
	if err := s.RememberFileKeys(ctx, []FileKey{{"a", nil}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty key: %v", err)
	}
}
