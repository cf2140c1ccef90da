package vault

import (
	"context"
	"errors"
	"testing"
	"time"

	"safeguard/companion/crypto"
)

// TestOpenChecksEachRowAgainstItsSignedHeader is issue 14 §2: "Opening
// checks each store row's id and kind against the signed header". Someone
// with the laptop's database files a genuine record, bytes untouched,
// under another id, or as another kind (a session record listed among
// incidents). Its signature still holds; the row does not match it, and the
// record is refused, never shown where the row put it.
func TestOpenChecksEachRowAgainstItsSignedHeader(t *testing.T) {
	ctx := context.Background()
	v, st, _ := openVault(t, "sam")
	entry, err := v.SignRecord(ctx, signedDocument(t, "x"))
	if err != nil {
		t.Fatal(err)
	}
	genuine, err := st.GetEnvelope(ctx, entry.Header.ID)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		alter func(e *crypto.Kind, id *string, created *time.Time)
		kinds []crypto.Kind
	}{
		{"filed under another id", func(_ *crypto.Kind, id *string, _ *time.Time) { *id = "rec-other" }, nil},
		{"filed as an incident", func(k *crypto.Kind, id *string, _ *time.Time) { *k, *id = crypto.KindIncident, "rec-as-incident" }, []crypto.Kind{crypto.KindIncident}},
		{"filed under another date", func(_ *crypto.Kind, id *string, c *time.Time) { *id, *c = "rec-redated", c.Add(-24*time.Hour) }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mgr, mst, _ := openVault(t, "priya")
			row := genuine
			row.Seq, row.FileKey = 0, nil
			kind := crypto.Kind(row.Kind)
			c.alter(&kind, &row.ID, &row.Created)
			row.Kind = string(kind)
			if err := mst.PutReceivedEnvelope(ctx, row); err != nil {
				t.Fatal(err)
			}
			entries, fails, err := mgr.Open(ctx, nil, c.kinds...)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 0 || len(fails) != 1 || !errors.Is(fails[0].Err, ErrRowMismatch) {
				t.Fatalf("entries %d, failures %+v", len(entries), fails)
			}
		})
	}
	// The genuine row, as filed, opens.
	mgr, mst, _ := openVault(t, "priya")
	row := genuine
	row.Seq, row.FileKey = 0, nil
	if err := mst.PutReceivedEnvelope(ctx, row); err != nil {
		t.Fatal(err)
	}
	if entries, fails, err := mgr.Open(ctx, nil); err != nil || len(fails) != 0 || len(entries) != 1 {
		t.Fatalf("the genuine row: %d entries, %+v, %v", len(entries), fails, err)
	}
}

// TestOpenJudgesRevocationByTheHubsReceiptTime is issue 14 §2: "the app
// refuses a record received after its author's revocation", at every open,
// since the revocation may be published after the record was pulled. The
// record claims a date before the revocation; the hub received it after.
func TestOpenJudgesRevocationByTheHubsReceiptTime(t *testing.T) {
	ctx := context.Background()
	sam, samStore, clock := openVault(t, "sam")
	clock.t = testNow.Add(-30 * time.Minute) // the demo keys are valid from an hour back
	entry, err := sam.SignRecord(ctx, signedDocument(t, "x"))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := samStore.GetEnvelope(ctx, entry.Header.ID)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := demo.Member("sam")
	revokedAt := testNow.Add(-10 * time.Minute).UTC().Truncate(time.Second)
	v2 := &crypto.Directory{Org: demo.Directory.Org, Version: 2, IssuedAt: testNow.UTC().Truncate(time.Second),
		People: demo.Directory.People, Recovery: demo.Directory.Recovery,
		Revoked: []crypto.Revocation{{KeyID: m.Identity.KeyID(), RevokedAt: revokedAt, Reason: "key compromised"}}}
	signed, err := crypto.SignDirectory(v2, demo.Admin)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := crypto.VerifyDirectory(signed, demo.Pinned(), demo.Directory)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		received time.Time
		refused  bool
	}{
		{"received by the hub after the revocation", revokedAt.Add(time.Minute), true},
		{"received by the hub before the revocation", revokedAt.Add(-time.Minute), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			mgr, mst, _ := openVault(t, "priya")
			row := stored
			row.Seq, row.FileKey = 0, nil
			row.Receipt, row.Received = []byte("the hub's receipt"), c.received
			if err := mst.PutReceivedEnvelope(ctx, row); err != nil {
				t.Fatal(err)
			}
			// Under the directory of the day it was pulled, it opens.
			if entries, fails, err := mgr.Open(ctx, nil); err != nil || len(entries) != 1 || len(fails) != 0 {
				t.Fatalf("before the revocation is known: %d entries, %+v, %v", len(entries), fails, err)
			}
			mgr.SetDirectory(dir)
			entries, fails, err := mgr.Open(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.refused && (len(entries) != 0 || len(fails) != 1 || !errors.Is(fails[0].Err, crypto.ErrRevokedSigner)) {
				t.Fatalf("entries %d, failures %+v", len(entries), fails)
			}
			if !c.refused && (len(entries) != 1 || len(fails) != 0) {
				t.Fatalf("entries %d, failures %+v", len(entries), fails)
			}
		})
	}
}
