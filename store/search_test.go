package store

import (
	"context"
	"errors"
	"testing"

	"safeguard/companion/testclock"
)

// Index rows are kept only beside the envelope they describe, with its
// kind and time, and replaced when made again.
func TestIndexRecords(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	e := testEnvelope("idx-1", 100)
	if err := s.PutEnvelope(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetEnvelope(ctx, "idx-1")
	if err != nil || got.Indexed {
		t.Fatalf("a new envelope is indexed: %v %v", got.Indexed, err)
	}
	if left, last, err := s.Unindexed(ctx, 0); err != nil || len(left) != 1 || left[0] != got.Seq || last != got.Seq {
		t.Fatalf("unindexed %v up to %d: %v", left, last, err)
	}
	if left, last, err := s.Unindexed(ctx, got.Seq); err != nil || len(left) != 0 || last != got.Seq {
		t.Fatalf("unindexed after %d: %v up to %d: %v", got.Seq, left, last, err)
	}
	bloom := make([]byte, 256)
	bloom[3] = 9
	for _, bad := range []SearchRow{
		{Seq: got.Seq + 1, Kind: got.Kind, Created: got.Created, Bloom: bloom},
		{Seq: got.Seq, Kind: "incident", Created: got.Created, Bloom: bloom},
		{Seq: got.Seq, Kind: got.Kind, Created: testclock.Start().AddDate(0, 0, 1), Bloom: bloom},
	} {
		if err := s.IndexRecords(ctx, []SearchRow{bad}); !errors.Is(err, ErrNotFound) {
			t.Errorf("index row %+v: %v, want ErrNotFound", bad, err)
		}
	}
	if err := s.IndexRecords(ctx, []SearchRow{{Seq: got.Seq, Kind: got.Kind, Created: got.Created}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty filter: %v, want ErrInvalid", err)
	}
	for range 2 {
		if err := s.IndexRecords(ctx, []SearchRow{{Seq: got.Seq, Kind: got.Kind, Created: got.Created, Bloom: bloom}}); err != nil {
			t.Fatal(err)
		}
	}
	var rows []SearchRow
	for r, err := range s.SearchRows(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 1 || rows[0].Seq != got.Seq || rows[0].Bloom[3] != 9 || !rows[0].Created.Equal(got.Created) {
		t.Fatalf("index rows %+v", rows)
	}
	if got, _ := s.GetEnvelope(ctx, "idx-1"); !got.Indexed {
		t.Error("an indexed envelope reads as not indexed")
	}
	if left, _, err := s.Unindexed(ctx, 0); err != nil || len(left) != 0 {
		t.Fatalf("unindexed %v %v", left, err)
	}
}

// Disposal (issue 18): a record's index row goes with the record, whatever
// deletes it. The store refuses deletes today, so the test lifts that
// guard as disposal will, inside a transaction it rolls back.
func TestIndexRowGoesWithItsRecord(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if err := s.PutReceivedEnvelopes(ctx, []Envelope{testEnvelope("dispose-1", 100), testEnvelope("keep-1", 100)}); err != nil {
		t.Fatal(err)
	}
	var rows []SearchRow
	for _, id := range []string{"dispose-1", "keep-1"} {
		e, err := s.GetEnvelope(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, SearchRow{Seq: e.Seq, Kind: e.Kind, Created: e.Created, Bloom: []byte{1}})
	}
	if err := s.IndexRecords(ctx, rows); err != nil {
		t.Fatal(err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{"DROP TRIGGER envelopes_no_delete", "DROP TRIGGER receipts_no_delete",
		"DELETE FROM receipts WHERE envelope_id = 'dispose-1'", "DELETE FROM envelopes WHERE id = 'dispose-1'"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var left []int64
	r, err := tx.QueryContext(ctx, "SELECT seq FROM search_index")
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var q int64
		r.Scan(&q)
		left = append(left, q)
	}
	r.Close()
	if len(left) != 1 || left[0] != rows[1].Seq {
		t.Fatalf("index rows left %v, want only %d", left, rows[1].Seq)
	}
}
