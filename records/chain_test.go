package records_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"safeguard/companion/records"
	"safeguard/companion/seed"
	"safeguard/companion/session"
	"safeguard/companion/testclock"
	"safeguard/companion/vault"
)

// TestFoldVersions checks how incident versions fold: the chain is
// followed by parent, two versions written from the same one keep the
// newer as latest and the other in Others, and a version that rewrites the
// history, or comes from someone neither on the safeguarding team nor the
// raiser, is refused and never becomes the latest.
func TestFoldVersions(t *testing.T) {
	ctx := context.Background()
	from := testclock.Day().AddDate(0, -3, 0)
	w, err := seed.Generate(ctx, seed.Config{Dir: t.TempDir(), From: from, Until: from.AddDate(0, 0, 1), Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	at := from.Add(10 * time.Hour)
	w.Clock.Set(at)
	actor := func(who string) session.Actor {
		return session.Actor{ID: w.Vaults[who].KeyID(), Safeguarding: who == seed.DSL}
	}
	inc, err := session.RaiseIncident(w.Pack, w.Clock, "inc-f", actor(seed.Practitioner), session.Origin{Kind: session.OriginHome}, session.Customer{Reference: "CUS-9", Age: 15})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{inc.ConfirmGuidance, func() error { return inc.Describe("fictional") },
		func() error { return inc.Classify(session.Classification{Type: "cyberbullying"}, "") }, inc.Report} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	first, err := w.Vaults[seed.Practitioner].ReportIncident(ctx, "inc-f", inc.Document(), nil)
	if err != nil {
		t.Fatal(err)
	}
	next := func(who, id string, parent vault.Entry, act func(*session.Incident) error) vault.Entry {
		t.Helper()
		at = at.Add(time.Hour)
		w.Clock.Set(at)
		var doc session.IncidentDocument
		if err := parent.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		i, err := session.RestoreIncident(w.Pack, w.Clock, doc, actor(who))
		if err != nil {
			t.Fatal(err)
		}
		if err := act(i); err != nil {
			t.Fatal(err)
		}
		e, err := w.Vaults[who].ReportIncident(ctx, id, i.Document(), &parent)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ack := next(seed.DSL, "v2", first, func(i *session.Incident) error { return i.Acknowledge() })
	note := next(seed.DSL, "v3", ack, func(i *session.Incident) error { return i.AddNote("Spoke to the customer.") })
	fork := next(seed.DSL, "v3b", ack, func(i *session.Incident) error { return i.AddNote("Spoke to the parent.") })
	// The line manager is not on the safeguarding team.
	manager := next(seed.Manager, "v4m", fork, func(i *session.Incident) error { return i.AddNote("A manager's note.") })
	rewrite := next(seed.DSL, "v4r", fork, func(i *session.Incident) error { return i.AddNote("x") })
	var doc session.IncidentDocument
	_ = rewrite.Decode(&doc)
	doc.Chronology[0].Detail = "Nothing happened"
	w.Clock.Set(at.Add(time.Hour))
	forged, err := w.Vaults[seed.DSL].ReportIncident(ctx, "v5", doc, &fork)
	if err != nil {
		t.Fatal(err)
	}

	recs, errs := records.New([]vault.Entry{forged, manager, fork, note, ack, first})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c, ok := recs.Case("inc-f")
	if !ok {
		t.Fatal("no case")
	}
	if c.Latest.Entry.Header.ID != "v3b" || len(c.Versions) != 3 || len(c.Others) != 1 || c.Others[0].Entry.Header.ID != "v3" {
		t.Fatalf("latest %s, %d versions, others %v", c.Latest.Entry.Header.ID, len(c.Versions), c.Others)
	}
	if c.First().Entry.Header.ID != "inc-f" {
		t.Fatal("the first version is the raiser's")
	}
	refused := map[string]string{}
	for _, it := range recs.Refused {
		refused[it.Entry.Header.ID] = it.Refused
	}
	if !strings.Contains(refused["v4m"], "neither on the safeguarding team") || !strings.Contains(refused["v5"], "rewrites the incident's history") || len(refused) != 2 {
		t.Fatalf("refused: %v", refused)
	}
	// A version whose earlier version has not arrived cannot be checked.
	recs, _ = records.New([]vault.Entry{note, first})
	if len(recs.Refused) != 1 || !strings.Contains(recs.Refused[0].Refused, "not on this device") {
		t.Fatalf("missing parent: %+v", recs.Refused)
	}
	if c, _ := recs.Case("inc-f"); c.Latest.Entry.Header.ID != "inc-f" {
		t.Fatal("without its chain the case stands at the first version")
	}
}
