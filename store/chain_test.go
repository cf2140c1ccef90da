package store

import (
	"context"
	"errors"
	"testing"
)

// A run of the chain checks as it was written; every edit, gap, reorder or
// wrong link is ErrTampered.
func TestCheckChain(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, id := range []string{"a", "b", "c", "d"} {
		if err := s.Audit(ctx, Event{Actor: "key-1", Action: ActionViewed, SubjectID: id}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.AuditEvents(ctx, 0, 10)
	if err != nil || len(all) != 4 {
		t.Fatal(err, len(all))
	}
	if err := CheckChain([32]byte{}, all); err != nil {
		t.Fatalf("the whole chain: %v", err)
	}
	if err := CheckChain(all[1].Hash, all[2:]); err != nil {
		t.Fatalf("a run from the middle: %v", err)
	}
	edit := func(f func(rs []AuditRecord) []AuditRecord) []AuditRecord {
		rs := append([]AuditRecord(nil), all...)
		return f(rs)
	}
	for _, tc := range []struct {
		name string
		prev [32]byte
		recs []AuditRecord
	}{
		{"subject changed", [32]byte{}, edit(func(rs []AuditRecord) []AuditRecord { rs[1].SubjectID = "z"; return rs })},
		{"actor changed", [32]byte{}, edit(func(rs []AuditRecord) []AuditRecord { rs[2].Actor = "key-2"; return rs })},
		{"time changed", [32]byte{}, edit(func(rs []AuditRecord) []AuditRecord { rs[0].At = rs[0].At.Add(1e6); return rs })},
		{"event removed", [32]byte{}, edit(func(rs []AuditRecord) []AuditRecord { return append(rs[:1], rs[2:]...) })},
		{"events swapped", [32]byte{}, edit(func(rs []AuditRecord) []AuditRecord { rs[1], rs[2] = rs[2], rs[1]; return rs })},
		{"run with the wrong link", all[0].Hash, all[2:]},
		{"first event given a predecessor", all[3].Hash, all[:1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckChain(tc.prev, tc.recs); !errors.Is(err, ErrTampered) {
				t.Errorf("err = %v, want ErrTampered", err)
			}
		})
	}
	if ChainID(all[0]) == ChainID(all[1]) || len(ChainID(all[0])) != 64 {
		t.Error("chain ids")
	}
}
