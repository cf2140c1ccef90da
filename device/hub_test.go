package device

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/org"
	"safeguard/companion/sync/hub"
	"safeguard/companion/testclock"
)

// TestTwoDevicesThroughAHub is issue 7's "done when" below the screens: two
// devices enrol with a real hub on loopback; a record signed offline on the
// practitioner's laptop appears, verified, on the manager's after both sync.
func TestTwoDevicesThroughAHub(t *testing.T) {
	ctx := context.Background()
	now := testclock.Start()
	clock := testclock.NewRunning(now) // the hub and the devices run on the suite's clock
	o, err := org.New("Test organisation", org.DemoPeople, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	db, err := hub.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := hub.InitOrg(ctx, db, o.Directory.Org, o.Pinned()); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.PublishDirectory(ctx, db, o.Signed, now); err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(ctx, db, hub.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()

	enrol := func(person string) (*Device, crypto.Keystore) {
		dir := t.TempDir()
		ks, err := crypto.NewFileKeystore(filepath.Join(dir, "keys"), "a passphrase for tests")
		if err != nil {
			t.Fatal(err)
		}
		ks.SetWorkFactor(10)
		m, _ := o.Member(person)
		// The person made their keys on this device and ICT published them.
		if err := ks.Store(m.Identity.KeyID().String(), m.Identity); err != nil {
			t.Fatal(err)
		}
		code, err := hub.IssueEnrolCode(ctx, db, person, time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
		paths := Paths{Config: filepath.Join(dir, "config"), Data: filepath.Join(dir, "data")}
		dev, err := EnrolWithHub(ctx, paths, ks, m.Identity, Invitation{Hub: srv.URL, Code: code, Fingerprint: crypto.AdminKeyID(o.Pinned())}, person+"'s laptop", now, now)
		if err != nil {
			t.Fatalf("enrol %s: %v", person, err)
		}
		t.Cleanup(func() { dev.Close() })
		// The profile survives a restart.
		pr, err := LoadProfile(paths)
		if err != nil || pr.Hub == nil || pr.Hub.URL != srv.URL || pr.PersonID != person {
			t.Fatalf("profile after enrolment: %+v %v", pr, err)
		}
		return dev, ks
	}
	sam, samKeys := enrol("sam")
	priya, priyaKeys := enrol("priya")

	// Offline: Sam signs a record; it waits in the outbox.
	v := sam.Vault(clock)
	entry, err := v.Put(ctx, "rec-offline-1", crypto.KindSessionRecord, map[string]string{"summary": "Written on the train"}, nil, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := v.Waiting(ctx); n != 1 {
		t.Fatalf("outbox %d", n)
	}
	// Back online: both sync.
	samEngine, err := sam.SyncEngine(samKeys, nil, clock.Now)
	if err != nil || samEngine == nil {
		t.Fatal(err)
	}
	if err := samEngine.SyncNow(ctx); err != nil {
		t.Fatalf("sam sync: %v", err)
	}
	if n, _ := v.Waiting(ctx); n != 0 {
		t.Errorf("outbox after sync: %d", n)
	}
	if rc, err := sam.Store.Receipt(ctx, entry.Header.ID); err != nil || len(rc) == 0 {
		t.Errorf("no receipt stored: %v", err)
	}
	priyaEngine, err := priya.SyncEngine(priyaKeys, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := priyaEngine.SyncNow(ctx); err != nil {
		t.Fatalf("priya sync: %v", err)
	}
	entries, fails, err := priya.Vault(clock).Open(ctx, nil, crypto.KindSessionRecord)
	if err != nil || len(fails) > 0 || len(entries) != 1 {
		t.Fatalf("priya opens: %v %v %d", err, fails, len(entries))
	}
	if entries[0].Author.ID != "sam" || entries[0].Hash != entry.Hash {
		t.Errorf("entry %+v", entries[0].Header)
	}
	st := samEngine.Status(ctx)
	if st.LastSuccess.IsZero() || st.Waiting != 0 || st.Problem != "" {
		t.Errorf("status %+v", st)
	}
}
