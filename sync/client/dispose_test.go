package client

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/store"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/synctest"
)

// disposalBackends are the hub's backends, SQLite with the directory its
// files are in, so their bytes can be scanned.
func disposalBackends() []struct {
	name string
	open func(t *testing.T) (hub.Backend, string)
} {
	return []struct {
		name string
		open func(t *testing.T) (hub.Backend, string)
	}{
		{"sqlite", func(t *testing.T) (hub.Backend, string) {
			dir := t.TempDir()
			db, err := hub.OpenSQLite(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db, dir
		}},
		{"postgres", func(t *testing.T) (hub.Backend, string) { return synctest.OpenPostgres(t), "" }},
	}
}

// filesHold reports whether any of the files holds b.
func filesHold(t *testing.T, b []byte, paths ...string) bool {
	t.Helper()
	for _, p := range paths {
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

// tombstone signs a tombstone for one record as person.
func tombstone(t *testing.T, org *synctest.Org, person, recordID string, at time.Time) []byte {
	t.Helper()
	b, err := crypto.SignTombstone(org.People[person], crypto.Tombstone{RecordID: recordID, Kind: crypto.KindSessionRecord,
		Envelopes: []string{recordID}, Made: synctest.Epoch, Due: at.Add(-24 * time.Hour), DecisionID: "dec-" + recordID,
		ApprovedBy: person, ApprovedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Issue 16, on both hub backends, with a real hub on loopback and real
// devices: a DSL's signed tombstone takes a record off the hub (no
// ciphertext left in its SQLite files) and off every device that syncs,
// including one offline for four months and one that still had it waiting
// to be sent; it cannot be pulled or pushed again; a record no tombstone
// names (a held one) stays; a tombstone signed by anyone but a DSL is
// refused and deletes nothing.
func TestDisposalThroughTheHub(t *testing.T) {
	for _, b := range disposalBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			org := synctest.NewOrg(t)
			clock := synctest.NewClock()
			db, hubDir := b.open(t)
			h := synctest.StartHub(t, db, org, clock.Now)
			alice := newDevice(t, org, h, "alice", clock.Now, nil, h.URL)
			bob := newDevice(t, org, h, "bob", clock.Now, nil, h.URL)
			dana := newDevice(t, org, h, "dana", clock.Now, nil, h.URL)

			gone := org.Seal(t, "alice", "ses-gone", crypto.KindSessionRecord, bytes.Repeat([]byte("summary to dispose of "), 200))
			held := org.Seal(t, "alice", "ses-held", crypto.KindSessionRecord, []byte("summary under a legal hold"))
			alice.save(t, gone)
			alice.save(t, held)
			for _, d := range []*device{alice, bob, dana} {
				if err := d.eng.SyncNow(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if bob.held(t) != 2 {
				t.Fatalf("bob (line manager) holds %d records before disposal", bob.held(t))
			}
			// The ciphertext's tail, to look for in files.
			env, err := crypto.ParseEnvelope(gone)
			if err != nil {
				t.Fatal(err)
			}
			ct := env.Ciphertext()
			marker := ct[len(ct)-64:]
			hubFiles := []string{}
			if hubDir != "" {
				hubFiles = []string{filepath.Join(hubDir, "hub.db"), filepath.Join(hubDir, "hub.db-wal")}
				if !filesHold(t, marker, hubFiles...) {
					t.Fatal("the ciphertext is not in the hub's files before disposal: the scan cannot tell")
				}
			}

			// Bob, not a DSL, signs a tombstone: refused, nothing deleted.
			clock.Set(clock.Now().Add(time.Hour))
			forged := tombstone(t, org, "bob", "ses-held", clock.Now())
			if err := bob.st.Dispose(ctx, store.Disposal{RecordID: "ses-held", Envelopes: []string{"ses-held"}, Signed: forged}, store.Event{Actor: "bob"}); err != nil {
				t.Fatal(err)
			}
			err = bob.eng.SyncNow(ctx)
			if st := bob.eng.Status(ctx); err == nil || st.Problem != ProblemRecordRefused {
				t.Fatalf("a tombstone signed by a line manager: %v, status %+v", err, st)
			}
			if _, err := h.DB.Get(ctx, "ses-held"); err != nil {
				t.Fatalf("the hub deleted a record on a line manager's tombstone: %v", err)
			}
			if _, err := crypto.VerifyTombstone(forged, org.Dir); !errors.Is(err, crypto.ErrTombstoneNotDSL) {
				t.Fatalf("verifying a line manager's tombstone: %v", err)
			}

			// Bob's device goes offline for months; alice's second device
			// has the record still waiting to be sent.
			alice2 := newDevice(t, org, h, "alice", clock.Now, nil, h.URL)
			alice2.save(t, gone)

			// Dana, the DSL, disposes of ses-gone: carried out on her
			// computer at once, sent at her next sync.
			signed := tombstone(t, org, "dana", "ses-gone", clock.Now())
			if err := dana.st.Dispose(ctx, store.Disposal{RecordID: "ses-gone", Envelopes: []string{"ses-gone"}, Signed: signed}, store.Event{Actor: "dana"}); err != nil {
				t.Fatal(err)
			}
			if err := dana.eng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := h.DB.Get(ctx, "ses-gone"); !errors.Is(err, hub.ErrNotFound) {
				t.Fatalf("the hub still serves the record: %v", err)
			}
			if _, err := h.DB.Get(ctx, "ses-held"); err != nil {
				t.Fatalf("the held record left the hub: %v", err)
			}
			if len(hubFiles) > 0 && filesHold(t, marker, hubFiles...) {
				t.Error("the hub's SQLite files still hold the disposed record's ciphertext")
			}
			ts, err := h.DB.Tombstones(ctx, 0, 10)
			if err != nil || len(ts) != 1 || ts[0].RecordID != "ses-gone" || !bytes.Equal(ts[0].Signed, signed) {
				t.Fatalf("the hub keeps the signed tombstone: %+v %v", ts, err)
			}
			if _, err := h.DB.Push(ctx, []hub.Item{{ID: "ses-gone", Hash: crypto.EnvelopeHash(gone), Author: "x", Device: "d", Recipients: []string{"k"}, Data: gone}}, clock.Now()); !errors.As(err, new(*hub.DisposedError)) {
				t.Fatalf("the disposed record pushed again: %v", err)
			}

			// Alice syncs: her copy and its receipt go; her second device's
			// waiting copy goes before it is pushed.
			for _, d := range []*device{alice, alice2} {
				if err := d.eng.SyncNow(ctx); err != nil {
					t.Fatalf("%s: %v", d.person, err)
				}
				if _, err := d.st.GetEnvelope(ctx, "ses-gone"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("alice's device still holds the record: %v", err)
				}
				if _, err := d.st.GetEnvelope(ctx, "ses-held"); err != nil && d == alice {
					t.Errorf("the held record left alice's device: %v", err)
				}
				if d.outbox(t) != 0 {
					t.Errorf("%d records wait to be sent", d.outbox(t))
				}
				if filesHold(t, marker, d.path, d.path+"-wal") {
					t.Error("a device's files still hold the disposed record's ciphertext")
				}
			}

			// Enrolled now, first synced later.
			bob2 := newDevice(t, org, h, "bob", clock.Now, nil, h.URL)

			// Four months later bob's device comes back and catches up.
			clock.Set(clock.Now().AddDate(0, 4, 0))
			bob.st.Close()
			bob.open(t, clock.Now, nil, h.URL)
			if _, err := bob.st.GetEnvelope(ctx, "ses-gone"); err != nil {
				t.Fatalf("bob's offline device had the record: %v", err)
			}
			// His own refused tombstone still waits: the round carries out
			// dana's, syncs records, and then says so.
			err = bob.eng.SyncNow(ctx)
			if st := bob.eng.Status(ctx); err == nil || st.Problem != ProblemRecordRefused {
				t.Errorf("bob's round: %v, %+v", err, st)
			}
			if _, err := bob.st.GetEnvelope(ctx, "ses-gone"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("bob's device, back after four months, still holds the record: %v", err)
			}
			if filesHold(t, marker, bob.path, bob.path+"-wal") {
				t.Error("bob's device's files still hold the disposed record's ciphertext")
			}
			// A device that syncs for the first time never gets it.
			if err := bob2.eng.SyncNow(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := bob2.st.GetEnvelope(ctx, "ses-gone"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a new device pulled the disposed record: %v", err)
			}
			if _, err := bob2.st.GetEnvelope(ctx, "ses-held"); err != nil {
				t.Errorf("a new device did not get the held record: %v", err)
			}
			if bt, err := bob2.st.Tombstones(ctx); err != nil || len(bt) != 1 {
				t.Errorf("a new device keeps the tombstone as the certificate: %v %v", bt, err)
			}
		})
	}
}

// A tombstone this computer cannot verify (one the hub's database was made
// to hold beneath its checks, signed by a line manager) deletes nothing
// and is said; records still sync.
func TestForgedTombstoneFromTheHubDeletesNothing(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			org := synctest.NewOrg(t)
			clock := synctest.NewClock()
			db, tamper := b.OpenTamperable(t)
			h := synctest.StartHub(t, db, org, clock.Now)
			alice := newDevice(t, org, h, "alice", clock.Now, nil, h.URL)
			bob := newDevice(t, org, h, "bob", clock.Now, nil, h.URL)
			alice.save(t, org.Seal(t, "alice", "ses-1", crypto.KindSessionRecord, []byte("summary")))
			for _, d := range []*device{alice, bob} {
				if err := d.eng.SyncNow(ctx); err != nil {
					t.Fatal(err)
				}
			}
			forged := tombstone(t, org, "bob", "ses-1", clock.Now())
			tamper("INSERT INTO tombstones (seq, record_id, signed, received) VALUES (1, 'ses-1', ?, 0)", forged)
			alice.save(t, org.Seal(t, "alice", "ses-2", crypto.KindSessionRecord, []byte("another summary")))
			err := alice.eng.SyncNow(ctx)
			if st := alice.eng.Status(ctx); err == nil || st.Problem != ProblemBadRecord || !strings.Contains(st.Message, "nothing was deleted") {
				t.Fatalf("a forged tombstone: %v, %+v", err, st)
			}
			if _, err := alice.st.GetEnvelope(ctx, "ses-1"); err != nil {
				t.Fatalf("a forged tombstone deleted the record: %v", err)
			}
			if alice.outbox(t) != 0 {
				t.Fatal("records stopped syncing")
			}
		})
	}
}
