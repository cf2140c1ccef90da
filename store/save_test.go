package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"safeguard/companion/testclock"
)

// A Save in two steps: Abort leaves everything as it was (the draft, the
// audit chain, no envelope); a bad envelope at Commit saves nothing; a
// Save ends once; other writes wait for it and then go ahead.
func TestSaveInTwoSteps(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	draft := Draft{ID: "d1", Kind: "session", Updated: testclock.Start(), Ciphertext: []byte("sealed draft")}
	if err := s.SaveDraft(ctx, draft); err != nil {
		t.Fatal(err)
	}
	state := func() (drafts, envelopes int, head int64) {
		t.Helper()
		ds, err := s.ListDrafts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.CountEnvelopes(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		seq, _, err := s.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(ds), n, seq
	}
	ev := Event{Actor: "key-1", Action: ActionSigned, SubjectID: "r1"}

	sv, err := s.BeginSave(ctx, "d1", ev)
	if err != nil {
		t.Fatal(err)
	}
	sv.Abort()
	sv.Abort()
	if d, n, head := state(); d != 1 || n != 0 || head != 0 {
		t.Fatalf("after Abort: %d drafts, %d envelopes, audit head %d; want 1, 0, 0", d, n, head)
	}

	sv, err = s.BeginSave(ctx, "d1", ev)
	if err != nil {
		t.Fatal(err)
	}
	bad := testEnvelope("r1", 10)
	bad.Body = nil
	if err := sv.Commit(bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("commit of an empty envelope: %v", err)
	}
	if d, n, head := state(); d != 1 || n != 0 || head != 0 {
		t.Fatalf("after a refused commit: %d drafts, %d envelopes, audit head %d", d, n, head)
	}
	if err := sv.Commit(testEnvelope("r1", 10)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a second Commit: %v", err)
	}

	sv, err = s.BeginSave(ctx, "d1", ev)
	if err != nil {
		t.Fatal(err)
	}
	other := make(chan error, 1)
	go func() { other <- s.Audit(ctx, Event{Actor: "key-1", Action: ActionViewed, SubjectID: "x"}) }()
	select {
	case err := <-other:
		t.Fatalf("a write went ahead while a Save was open: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := sv.Commit(testEnvelope("r1", 10)); err != nil {
		t.Fatal(err)
	}
	if err := <-other; err != nil {
		t.Fatalf("the waiting write: %v", err)
	}
	if d, n, head := state(); d != 0 || n != 1 || head != 2 {
		t.Fatalf("after Commit: %d drafts, %d envelopes, audit head %d; want 0, 1, 2", d, n, head)
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	if items, _ := s.NextOutbox(ctx, 10); len(items) != 1 {
		t.Errorf("outbox holds %d", len(items))
	}
}
