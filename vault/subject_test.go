package vault

import (
	"context"
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/store"
)

// deliver copies a stored record to another person's device, as sync would.
func deliver(t *testing.T, from *store.Store, to *store.Store, id string) {
	t.Helper()
	ctx := context.Background()
	e, err := from.GetEnvelope(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := to.PutReceivedEnvelope(ctx, e); err != nil {
		t.Fatal(err)
	}
}

// reads reports which ids v opens, failing on any refused record.
func reads(t *testing.T, v *Vault) map[string]Entry {
	t.Helper()
	entries, fails, err := v.Open(context.Background(), nil)
	if err != nil || len(fails) > 0 {
		t.Fatalf("open: %v %v", err, fails)
	}
	out := map[string]Entry{}
	for _, e := range entries {
		out[e.Header.ID] = e
	}
	return out
}

// TestReviewReadableBySubject: a manager's review made with PutFor naming
// the reviewed record's author is readable by that practitioner; one made
// with Put, as before, is not.
func TestReviewReadableBySubject(t *testing.T) {
	ctx := context.Background()
	sam, sst, _ := openVault(t, "sam")
	priya, pst, _ := openVault(t, "priya")
	morgan, mst, _ := openVault(t, "morgan")
	rec, err := sam.SignRecord(ctx, signedDocument(t, "reviewed"))
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, sst, pst, rec.Header.ID)
	parent := reads(t, priya)[rec.Header.ID]
	if SubjectOf(parent) != "sam" {
		t.Fatalf("SubjectOf = %q", SubjectOf(parent))
	}
	review := map[string]string{"outcome": "countersigned"}
	old, err := priya.Put(ctx, "rev-old", crypto.KindReview, review, &parent, "v1")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := priya.PutFor(ctx, "rev-new", crypto.KindReview, review, &parent, "v1", SubjectOf(parent))
	if err != nil {
		t.Fatal(err)
	}
	if rev.Subject != "sam" || rev.Header.ParentID != rec.Header.ID || rev.Header.ParentHash != rec.Hash {
		t.Errorf("review entry %+v", rev)
	}
	for _, id := range []string{old.Header.ID, rev.Header.ID} {
		deliver(t, pst, sst, id)
		deliver(t, pst, mst, id)
	}
	got := reads(t, sam)
	if _, ok := got[old.Header.ID]; ok {
		t.Error("a review without a subject reached the practitioner (policy changed?)")
	}
	e, ok := got[rev.Header.ID]
	if !ok {
		t.Fatal("the practitioner cannot read the review of their record")
	}
	if e.Subject != "sam" || e.Author.ID != "priya" {
		t.Errorf("review as read: subject %q author %s", e.Subject, e.Author.ID)
	}
	if n := len(reads(t, morgan)); n != 0 {
		t.Errorf("a DSL reads %d reviews not addressed to them", n)
	}
	if _, err := priya.PutFor(ctx, "rec-bad", crypto.KindSessionRecord, review, nil, "v1", "sam"); err == nil {
		t.Error("a session record naming a subject was sealed")
	}
}

// TestIncidentLaterStepReadableByRaiser: a DSL's later version of an
// incident, made with ReportIncidentFor naming the raiser, is readable by
// the raiser and every DSL.
func TestIncidentLaterStepReadableByRaiser(t *testing.T) {
	ctx := context.Background()
	sam, sst, _ := openVault(t, "sam")
	morgan, mst, _ := openVault(t, "morgan")
	alex, ast, _ := openVault(t, "alex")
	priya, pst, _ := openVault(t, "priya")
	doc := session.IncidentDocument{ID: "inc-1"}
	first, err := sam.ReportIncident(ctx, "inc-1-v1", doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, sst, mst, first.Header.ID)
	parent := reads(t, morgan)[first.Header.ID]
	before, err := morgan.ReportIncident(ctx, "inc-1-v2", doc, &parent)
	if err != nil {
		t.Fatal(err)
	}
	later, err := morgan.ReportIncidentFor(ctx, "inc-1-v3", doc, &parent, SubjectOf(parent))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{before.Header.ID, later.Header.ID} {
		for _, to := range []*store.Store{sst, ast, pst} {
			deliver(t, mst, to, id)
		}
	}
	got := reads(t, sam)
	if _, ok := got[before.Header.ID]; ok {
		t.Error("a later step without a subject reached the raiser (policy changed?)")
	}
	if e, ok := got[later.Header.ID]; !ok || e.Subject != "sam" {
		t.Errorf("the raiser cannot read the DSL's later step (%v, %+v)", ok, e)
	}
	if _, ok := reads(t, alex)[later.Header.ID]; !ok {
		t.Error("another DSL cannot read the later step")
	}
	if n := len(reads(t, priya)); n != 0 {
		t.Errorf("a line manager reads %d incident versions", n)
	}
	// A later step by the raiser themself names nobody else.
	if e, err := sam.ReportIncidentFor(ctx, "inc-1-v4", doc, &first, SubjectOf(first)); err != nil || e.Subject != "" {
		t.Errorf("raiser's own later step: %v subject %q", err, e.Subject)
	}
}
