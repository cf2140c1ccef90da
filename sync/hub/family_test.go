package hub_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/synctest"
)

// familyItems are a record by alice, bob's review of it (sealed under it,
// as the vault seals one) and another record, as pushed items; withParent
// says whether the push carries the review's parent, as the server does
// since migration 0003, or not, as before it.
func familyItems(t *testing.T, o *synctest.Org, withParent bool) []hub.Item {
	t.Helper()
	rec := o.Seal(t, "alice", "rec-1", crypto.KindSessionRecord, []byte("the record"))
	rev, err := crypto.Seal(o.People["bob"], o.Dir, crypto.Record{ID: "rev-1", Kind: crypto.KindReview, Created: synctest.Epoch,
		ParentID: "rec-1", ParentHash: crypto.EnvelopeHash(rec), Body: []byte("the review")})
	if err != nil {
		t.Fatal(err)
	}
	other := o.Seal(t, "alice", "rec-2", crypto.KindSessionRecord, []byte("another record"))
	parent := ""
	if withParent {
		parent = "rec-1"
	}
	return []hub.Item{
		{ID: "rec-1", Hash: crypto.EnvelopeHash(rec), Author: "a", Device: "d", Recipients: []string{"k"}, Data: rec},
		{ID: "rev-1", Hash: crypto.EnvelopeHash(rev), Author: "b", Device: "d", Recipients: []string{"k"}, Data: rev, Parent: parent},
		{ID: "rec-2", Hash: crypto.EnvelopeHash(other), Author: "a", Device: "d", Recipients: []string{"k"}, Data: other},
	}
}

// disposeRec1 disposes of rec-1 by a tombstone that names only it, as a
// DSL's device that never held the review makes one, and checks the
// review went with it and the other record stayed.
func disposeRec1(t *testing.T, db hub.Backend, at time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Dispose(ctx, hub.Disposal{RecordID: "rec-1", Envelopes: []string{"rec-1"}, Signed: []byte("signed")}, at); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"rec-1", "rev-1"} {
		if _, err := db.Get(ctx, id); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("the hub still serves %s: %v", id, err)
		}
	}
	if _, err := db.Get(ctx, "rec-2"); err != nil {
		t.Errorf("another record went: %v", err)
	}
}

// Issue 16: a tombstone empties every envelope under its record on the
// hub, named in it or not (a review sealed to managers only), and anything
// pushed under the record afterwards is refused, naming what was pushed.
func TestTombstoneTakesTheRecordsFamily(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b synctest.Backend) {
		ctx := context.Background()
		o := synctest.NewOrg(t)
		db := b.Open(t)
		if _, err := db.Push(ctx, familyItems(t, o, true), synctest.Epoch); err != nil {
			t.Fatal(err)
		}
		disposeRec1(t, db, synctest.Epoch.Add(time.Hour))
		late := []hub.Item{{ID: "add-late", Hash: "h", Author: "a", Device: "d", Recipients: []string{"k"}, Data: []byte("late"), Parent: "rec-1"}}
		var de *hub.DisposedError
		if _, err := db.Push(ctx, late, synctest.Epoch.Add(2*time.Hour)); !errors.As(err, &de) || de.ID != "add-late" {
			t.Fatalf("an addendum pushed under a disposed record: %v", err)
		}
	})
}

// A hub upgraded to migration 0003 reads, once, the parents of the
// envelopes pushed before it, from their signed headers, so a tombstone
// takes an old record's review too.
func TestHubReadsOldEnvelopesParents(t *testing.T) {
	ctx := context.Background()
	o := synctest.NewOrg(t)
	dir := t.TempDir()
	db, err := hub.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Push(ctx, familyItems(t, o, false), synctest.Epoch); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// As before the upgrade: no parents known, not yet read.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DELETE FROM parents", "DELETE FROM config WHERE key = 'parents_backfilled'"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db, err = hub.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	disposeRec1(t, db, synctest.Epoch.Add(time.Hour))
}

// The same on PostgreSQL, where the hub reads them in its migration's
// transaction.
func TestHubReadsOldEnvelopesParentsPostgres(t *testing.T) {
	ctx := context.Background()
	o := synctest.NewOrg(t)
	db, url := synctest.OpenPostgresURL(t)
	if _, err := db.Push(ctx, familyItems(t, o, false), synctest.Epoch); err != nil {
		t.Fatal(err)
	}
	// As before the upgrade: no parents known, not yet read.
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DELETE FROM parents", "DELETE FROM config WHERE key = 'parents_backfilled'"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(ctx)
	again, err := hub.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	disposeRec1(t, again, synctest.Epoch.Add(time.Hour))
}
