package vault

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
)

// deliverKind copies every envelope of kind from one store to another, as
// the hub would.
func deliverKind(t *testing.T, from, to *store.Store, kind crypto.Kind) {
	t.Helper()
	ctx := context.Background()
	for e, err := range from.Envelopes(ctx, store.Filter{Kind: string(kind)}) {
		if err != nil {
			t.Fatal(err)
		}
		e.FileKey = nil
		if err := to.PutReceivedEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

// A manager's views reach the DSL as shared audit, checked and in order,
// and sharing adds no events of its own.
func TestShareAuditReachesDSL(t *testing.T) {
	ctx := context.Background()
	priya, priyaStore, _ := openVault(t, "priya")
	morgan, morganStore, _ := openVault(t, "morgan")
	for _, id := range []string{"r1", "r2", "r3"} {
		if err := priya.Viewed(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	n, err := priya.ShareAudit(ctx)
	if err != nil || n != 3 {
		t.Fatalf("shared %d, %v; want 3", n, err)
	}
	if n, err := priya.ShareAudit(ctx); err != nil || n != 0 {
		t.Fatalf("shared again %d, %v: sharing must not make events of its own", n, err)
	}
	if err := priya.Viewed(ctx, "r4"); err != nil {
		t.Fatal(err)
	}
	if n, err := priya.ShareAudit(ctx); err != nil || n != 1 {
		t.Fatalf("second share %d, %v; want 1", n, err)
	}
	// A crash after a batch was saved but before it was marked shared:
	// sharing again carries on instead of failing on the saved batch.
	if err := priyaStore.SetSetting(ctx, auditSharedSetting, "3"); err != nil {
		t.Fatal(err)
	}
	if n, err := priya.ShareAudit(ctx); err != nil || n != 1 {
		t.Fatalf("share after a lost mark: %d, %v", n, err)
	}
	if n, err := priya.ShareAudit(ctx); err != nil || n != 0 {
		t.Fatalf("share after recovering: %d, %v", n, err)
	}
	deliverKind(t, priyaStore, morganStore, crypto.KindAudit)
	entries, fails, err := morgan.Open(ctx, nil, crypto.KindAudit)
	if err != nil || len(fails) > 0 || len(entries) != 2 {
		t.Fatalf("the DSL opens %d audit records: %v %v", len(entries), err, fails)
	}
	trail := TrailOf(entries, "")
	if len(trail.Problems) > 0 {
		t.Fatalf("problems: %v", trail.Problems)
	}
	var subjects []string
	for _, ev := range trail.Events {
		if ev.Actor != priya.KeyID() || ev.Action != store.ActionViewed {
			t.Errorf("event %+v", ev.Event)
		}
		subjects = append(subjects, ev.SubjectID)
	}
	if strings.Join(subjects, ",") != "r1,r2,r3,r4" {
		t.Errorf("trail subjects %v", subjects)
	}
	// The DSL's own chain, read from its store, is not counted twice.
	own, _ := priyaStore.AuditEvents(ctx, 0, 1)
	if got := TrailOf(entries, store.ChainID(own[0])); len(got.Events) != 0 {
		t.Errorf("own chain's events listed from shared audit: %d", len(got.Events))
	}
}

// Shared audit that does not check is reported, never shown as genuine:
// another person's events, an altered event, a missing earlier batch.
func TestTrailRefusals(t *testing.T) {
	ctx := context.Background()
	priya, priyaStore, _ := openVault(t, "priya")
	sam, _, _ := openVault(t, "sam")
	for _, id := range []string{"r1", "r2"} {
		if err := priya.Viewed(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	recs, _ := priyaStore.AuditEvents(ctx, 0, 10)
	batch := func(edit func(*AuditBatch)) AuditBatch {
		b := AuditBatch{V: auditBatchVersion, Chain: store.ChainID(recs[0])}
		for _, r := range recs {
			b.Events = append(b.Events, SharedEvent{Seq: r.Seq, At: r.At, Actor: r.Actor, Action: r.Action, Subject: r.SubjectID,
				Prev: hexOf(r.PrevHash), Hash: hexOf(r.Hash)})
		}
		edit(&b)
		return b
	}
	for _, tc := range []struct {
		name   string
		author *Vault
		b      AuditBatch
		want   string
	}{
		{"someone else's events", sam, batch(func(*AuditBatch) {}), "someone other than its signer"},
		{"an altered event", priya, batch(func(b *AuditBatch) { b.Events[1].Subject = "r9" }), "was changed"},
		{"earlier events missing", priya, batch(func(b *AuditBatch) { b.Events = b.Events[1:] }), "starts at event 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := tc.author.Put(ctx, "audit-forged-"+strconv.Itoa(len(tc.name)), crypto.KindAudit, tc.b, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			trail := TrailOf([]Entry{e}, "")
			if len(trail.Problems) != 1 || !strings.Contains(trail.Problems[0], tc.want) {
				t.Errorf("problems %v, want one saying %q", trail.Problems, tc.want)
			}
		})
	}
}

func hexOf(h [32]byte) string { return hex.EncodeToString(h[:]) }
