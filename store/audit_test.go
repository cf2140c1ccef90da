package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// newAuditStore returns a store with a five-event chain, and the triggers
// that guard the chain dropped so that the test can tamper as an attacker
// with the file would.
func newAuditStore(t *testing.T) *Store {
	t.Helper()
	s := openTest(t)
	ctx := context.Background()
	t0 := time.UnixMilli(1_750_000_000_000)
	for i, a := range []string{ActionCreated, ActionSigned, ActionViewed, ActionExported, ActionSynced} {
		ev := Event{At: t0.Add(time.Duration(i) * time.Second), Actor: fmt.Sprintf("key-%d", i%2), Action: a, SubjectID: "rec-1"}
		if err := s.Audit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Fatalf("untouched chain: %v", err)
	}
	for _, q := range []string{"DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete"} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestAuditChainDetectsTampering(t *testing.T) {
	tests := []struct {
		name string
		sql  []string
	}{
		{"edit at", []string{"UPDATE audit SET at = at + 1 WHERE seq = 3"}},
		{"edit actor", []string{"UPDATE audit SET actor = 'key-9' WHERE seq = 3"}},
		{"edit action", []string{"UPDATE audit SET action = 'created' WHERE seq = 3"}},
		{"edit subject", []string{"UPDATE audit SET subject_id = 'rec-2' WHERE seq = 3"}},
		{"edit subject to empty", []string{"UPDATE audit SET subject_id = '' WHERE seq = 2"}},
		{"edit prev_hash", []string{"UPDATE audit SET prev_hash = zeroblob(32) WHERE seq = 3"}},
		{"edit hash", []string{"UPDATE audit SET hash = zeroblob(32) WHERE seq = 3"}},
		{"short hash", []string{"UPDATE audit SET hash = x'00' WHERE seq = 3"}},
		{"renumber seq", []string{"UPDATE audit SET seq = 30 WHERE seq = 3"}},
		{"edit first row", []string{"UPDATE audit SET actor = 'key-9' WHERE seq = 1"}},
		{"edit last row", []string{"UPDATE audit SET action = 'viewed' WHERE seq = 5"}},
		{"edit last row's hash and head together", []string{
			"UPDATE audit SET at = at + 1 WHERE seq = 5",
			"UPDATE audit_head SET hash = zeroblob(32)",
		}},
		{"delete middle row", []string{"DELETE FROM audit WHERE seq = 3"}},
		{"delete first row", []string{"DELETE FROM audit WHERE seq = 1"}},
		{"delete last row", []string{"DELETE FROM audit WHERE seq = 5"}},
		{"delete last row and move head back", []string{
			"DELETE FROM audit WHERE seq = 5",
			"UPDATE audit_head SET seq = 4",
		}},
		{"delete all rows", []string{"DELETE FROM audit"}},
		{"delete the head", []string{"DELETE FROM audit_head"}},
		{"insert at end", []string{
			"INSERT INTO audit SELECT 6, at, actor, action, subject_id, hash, hash FROM audit WHERE seq = 5",
		}},
		{"insert in the middle", []string{
			"UPDATE audit SET seq = seq + 10 WHERE seq >= 3",
			"UPDATE audit SET seq = seq - 9 WHERE seq >= 13",
			"INSERT INTO audit SELECT 3, at, actor, action, subject_id, prev_hash, hash FROM audit WHERE seq = 2",
		}},
		{"swap two rows' contents", []string{
			"UPDATE audit SET seq = 100 WHERE seq = 2",
			"UPDATE audit SET seq = 2 WHERE seq = 3",
			"UPDATE audit SET seq = 3 WHERE seq = 100",
		}},
		{"swap two rows' fields", []string{
			"UPDATE audit SET action = CASE seq WHEN 2 THEN 'viewed' ELSE 'signed' END WHERE seq IN (2, 3)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAuditStore(t)
			ctx := context.Background()
			for _, q := range tt.sql {
				if _, err := s.w.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			err := s.VerifyAudit(ctx)
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("VerifyAudit after %q: %v, want ErrTampered", tt.sql, err)
			}
			t.Logf("detected: %v", err)
		})
	}
}

func TestAuditChain(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if seq, h, err := s.AuditHead(ctx); err != nil || seq != 0 || h != [32]byte{} {
		t.Fatalf("empty head = %d %x %v", seq, h, err)
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Fatalf("empty chain: %v", err)
	}
	invalid := []Event{
		{Actor: "", Action: ActionViewed},
		{Actor: "k", Action: ""},
		{Actor: "k", Action: "viewed the note about X"},
		{Actor: "k", Action: ActionViewed, SubjectID: "Jane Doe"},
		{Actor: "k", Action: ActionViewed, SubjectID: strings.Repeat("x", maxToken+1)},
	}
	for _, ev := range invalid {
		if err := s.Audit(ctx, ev); !errors.Is(err, ErrInvalid) {
			t.Errorf("Audit(%+v): %v, want ErrInvalid", ev, err)
		}
	}
	for i := range 10 {
		if err := s.Audit(ctx, Event{Actor: "k1", Action: ActionViewed, SubjectID: fmt.Sprintf("r%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := s.AuditEvents(ctx, 3, 4)
	if err != nil || len(evs) != 4 || evs[0].Seq != 4 || evs[0].SubjectID != "r3" {
		t.Fatalf("AuditEvents = %+v, %v", evs, err)
	}
	seq, h, err := s.AuditHead(ctx)
	if err != nil || seq != 10 {
		t.Fatalf("head = %d, %v", seq, err)
	}
	last, _ := s.AuditEvents(ctx, 9, 1)
	if last[0].Hash != h || evs[1].PrevHash != evs[0].Hash {
		t.Fatal("head or links do not match the rows")
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}
