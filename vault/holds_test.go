package vault

import (
	"context"
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

// A DSL's legal hold, and its lifting, are signed records every DSL reads
// and a practitioner does not; each is audited; and the fold keeps the
// hold until a DSL lifts it.
func TestLegalHoldReachesEveryDSLAndIsAudited(t *testing.T) {
	ctx := context.Background()
	morgan, morganStore, clock := openVault(t, "morgan")
	alex, alexStore, _ := openVault(t, "alex")
	sam, samStore, _ := openVault(t, "sam")
	dsl := session.Actor{ID: "morgan", Safeguarding: true}
	placed, err := session.PlaceHold(clock, dsl, "hold-1", session.HoldCustomer, "CUS-1402", "Police investigation under way")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := morgan.PutHold(ctx, placed); err != nil {
		t.Fatal(err)
	}
	deliverKind(t, morganStore, alexStore, crypto.KindHold)
	got, fails, err := alex.Holds(ctx)
	if err != nil || len(fails) > 0 || len(got) != 1 {
		t.Fatalf("another DSL reads %d holds: %v %v", len(got), err, fails)
	}
	if got[0].SignerID != "morgan" || !got[0].SignerIsDSL || got[0].Event.Reason != "Police investigation under way" {
		t.Errorf("hold as read: %+v", got[0])
	}
	holds, errs := session.FoldHolds(got)
	if len(holds) != 1 || !holds[0].Active() || len(errs) > 0 {
		t.Fatalf("fold: %+v %v", holds, errs)
	}

	lift, err := session.LiftHold(clock, session.Actor{ID: "alex", Safeguarding: true}, "lift-1", holds[0], "Police confirm no further action")
	if err != nil {
		t.Fatal(err)
	}
	e, err := alex.PutHold(ctx, lift)
	if err != nil {
		t.Fatal(err)
	}
	if e.Header.ParentID != "hold-1" {
		t.Errorf("a lifting names the hold as its parent: %q", e.Header.ParentID)
	}
	deliverKind(t, alexStore, morganStore, crypto.KindHold)
	got, _, err = morgan.Holds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if holds, _ := session.FoldHolds(got); len(holds) != 1 || holds[0].Active() {
		t.Errorf("lifted by another DSL: %+v", holds)
	}

	// The practitioner is not a recipient: nothing to read.
	deliverKind(t, morganStore, samStore, crypto.KindHold)
	if got, fails, err := sam.Holds(ctx); err != nil || len(got) != 0 || len(fails) != 0 {
		t.Errorf("a practitioner reads holds: %v %v %v", got, fails, err)
	}

	for _, c := range []struct {
		who    string
		events func() ([]string, error)
		want   string
		id     string
	}{
		{"morgan", func() ([]string, error) { return actions(ctx, morganStore, "hold-1") }, ActionHeld, "hold-1"},
		{"alex", func() ([]string, error) { return actions(ctx, alexStore, "lift-1") }, ActionHoldLifted, "lift-1"},
	} {
		acts, err := c.events()
		if err != nil || len(acts) != 1 || acts[0] != c.want {
			t.Errorf("%s's audit for %s: %v %v, want %s", c.who, c.id, acts, err, c.want)
		}
	}
}

// actions are the audit actions a store's chain records about one record.
func actions(ctx context.Context, st *store.Store, id string) ([]string, error) {
	evs, err := st.AuditEvents(ctx, 0, 1000)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ev := range evs {
		if ev.SubjectID == id {
			out = append(out, ev.Action)
		}
	}
	return out, nil
}
