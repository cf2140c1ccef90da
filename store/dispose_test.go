package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
)

// marked is an envelope whose body carries a marker that can be looked for
// in the database's files, spread over several pages (an overflow chain).
func marked(id, marker string) Envelope {
	e := testEnvelope(id, 10)
	e.Body = bytes.Repeat([]byte(marker), 20000/len(marker))
	return e
}

// fileHolds reports whether the database file or its WAL holds b.
func fileHolds(t *testing.T, s *Store, b []byte) bool {
	t.Helper()
	for _, p := range []string{s.Path(), s.Path() + "-wal"} {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, b) {
			return true
		}
	}
	return false
}

// Issue 16: a tombstone takes a record's envelopes, receipt, outbox entry,
// remembered file key and draft off this computer; neither the database
// file nor its WAL keeps a copy of the ciphertext (secure_delete, WAL
// truncated); the record is never stored again; it is audited; the other
// records stay; a second application is a no-op.
func TestDisposeLeavesNoRecoverableCopy(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	rec, addendum, other := marked("rec-1", "CIPHERTEXT-OF-REC-1:"), marked("add-1", "CIPHERTEXT-OF-ADD-1:"), marked("rec-2", "CIPHERTEXT-OF-REC-2:")
	addendum.ParentID = "rec-1"
	for _, e := range []Envelope{rec, addendum, other} {
		if err := s.PutEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Acknowledge(ctx, "rec-1", []byte("receipt-1")); err != nil {
		t.Fatal(err)
	}
	if err := s.RememberFileKeys(ctx, []FileKey{{EnvelopeID: "rec-1", Sealed: []byte("SEALED-FILE-KEY-OF-REC-1")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(ctx, Draft{ID: "rec-1", Kind: "draft", Ciphertext: []byte("DRAFT-CIPHERTEXT-OF-REC-1")}); err != nil {
		t.Fatal(err)
	}
	// Words typed for the record's boxes, kept beside it (issue 20), go
	// with it; another record's stay.
	for id, words := range map[string]string{"rec-1": "KEPT-WORDS-OF-REC-1", "add-1": "KEPT-WORDS-OF-ADD-1", "rec-2": "KEPT-WORDS-OF-REC-2"} {
		if err := s.SaveDraft(ctx, Draft{ID: id + KeptBeside, Kind: "words", Ciphertext: []byte(words)}); err != nil {
			t.Fatal(err)
		}
	}
	markers := [][]byte{[]byte("CIPHERTEXT-OF-REC-1:"), []byte("CIPHERTEXT-OF-ADD-1:"), []byte("SEALED-FILE-KEY-OF-REC-1"), []byte("DRAFT-CIPHERTEXT-OF-REC-1"),
		[]byte("KEPT-WORDS-OF-REC-1"), []byte("KEPT-WORDS-OF-ADD-1")}
	for _, m := range markers {
		if !fileHolds(t, s, m) {
			t.Fatalf("%s is not in the files before disposal: the scan cannot tell", m)
		}
	}

	fam, err := s.Family(ctx, "rec-1")
	if err != nil || len(fam) != 2 {
		t.Fatalf("a record's family is it and its addendum: %v %v", fam, err)
	}
	if err := s.Dispose(ctx, Disposal{RecordID: "rec-1", Envelopes: fam, Signed: []byte("signed-tombstone")}, Event{Actor: "key-dsl"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range markers {
		if fileHolds(t, s, m) {
			t.Errorf("%s is still in the database's files after disposal", m)
		}
	}
	if !fileHolds(t, s, []byte("CIPHERTEXT-OF-REC-2:")) {
		t.Error("another record went with it")
	}
	if _, err := s.LoadDraft(ctx, "rec-2"+KeptBeside); err != nil {
		t.Errorf("another record's kept words went with it: %v", err)
	}
	for _, id := range []string{"rec-1", "add-1"} {
		if _, err := s.GetEnvelope(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v after disposal", id, err)
		}
		if d, err := s.Disposed(ctx, id); err != nil || !d {
			t.Errorf("%s disposed: %v %v", id, d, err)
		}
	}
	if _, err := s.LoadDraft(ctx, "rec-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the draft: %v", err)
	}
	if n, err := s.CountOutbox(ctx); err != nil || n != 1 {
		t.Errorf("outbox holds %d (%v), want only rec-2", n, err)
	}
	if err := s.PutReceivedEnvelope(ctx, rec); err == nil {
		t.Error("a record disposed of was stored again")
	}
	if err := s.Dispose(ctx, Disposal{RecordID: "rec-1", Envelopes: []string{"rec-1"}, Signed: []byte("signed-tombstone")}, Event{Actor: "key-dsl"}); err != nil {
		t.Errorf("a tombstone applied twice: %v", err)
	}
	ts, err := s.Tombstones(ctx)
	if err != nil || len(ts) != 1 || ts[0].RecordID != "rec-1" || string(ts[0].Signed) != "signed-tombstone" || !ts[0].Sent.IsZero() {
		t.Errorf("tombstones kept: %+v %v", ts, err)
	}
	if un, err := s.UnsentTombstones(ctx); err != nil || len(un) != 1 {
		t.Errorf("a DSL's own tombstone waits to be sent: %v %v", un, err)
	}
	if err := s.MarkTombstoneSent(ctx, "rec-1"); err != nil {
		t.Fatal(err)
	}
	if un, err := s.UnsentTombstones(ctx); err != nil || len(un) != 0 {
		t.Errorf("sent: %v %v", un, err)
	}
	evs, err := s.AuditEvents(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Action == ActionDisposed && ev.SubjectID == "rec-1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d disposal events, want 1", n)
	}
	if err := s.Check(ctx); err != nil {
		t.Errorf("the store after disposal: %v", err)
	}
	// The tombstone stays: nothing deletes it.
	if _, err := s.w.ExecContext(ctx, "DELETE FROM tombstones"); err == nil {
		t.Error("a tombstone was deleted")
	}
	if _, err := s.w.ExecContext(ctx, "DELETE FROM envelopes WHERE id = 'rec-2'"); err == nil {
		t.Error("a record with no tombstone was deleted")
	}
}

// Issue 16: a tombstone takes every envelope under its record here, named
// in it or not (a review or addendum sealed to managers that the DSL's
// device never held, and theirs in turn), and works where the record
// itself never was (a DSL's device holds only its retention facts).
func TestDisposeTakesTheWholeFamily(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	put := func(id, parent string) {
		e := testEnvelope(id, 100)
		e.ParentID = parent
		if err := s.PutEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	put("facts-1", "rec-1") // the record itself is not here
	put("facts-2", "rec-2")
	fam, err := s.Family(ctx, "rec-1")
	if err != nil || len(fam) != 2 || fam[0] != "rec-1" || fam[1] != "facts-1" {
		t.Fatalf("the family of a record held only by its facts: %v %v", fam, err)
	}
	if _, err := s.Family(ctx, "rec-none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the family of nothing here: %v", err)
	}

	put("rec-3", "")
	put("review-3", "rec-3")
	put("reply-3", "review-3")
	put("rec-4", "")
	// The tombstone names only the record, as one made on a device that
	// held nothing else would.
	if err := s.Dispose(ctx, Disposal{RecordID: "rec-3", Envelopes: []string{"rec-3"}, Signed: []byte("signed")}, Event{Actor: "key-dsl"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"rec-3", "review-3", "reply-3"} {
		if _, err := s.GetEnvelope(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s is still here: %v", id, err)
		}
		if d, err := s.Disposed(ctx, id); err != nil || !d {
			t.Errorf("%s is not marked disposed of: %v", id, err)
		}
	}
	for _, id := range []string{"rec-4", "facts-1", "facts-2"} {
		if _, err := s.GetEnvelope(ctx, id); err != nil {
			t.Errorf("%s left with another record: %v", id, err)
		}
	}
}
