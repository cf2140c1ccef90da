package app

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/org"
	"safeguard/companion/seed"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/hub"
	"safeguard/companion/testclock"
)

// loopbackHub is a real hub on a fixed loopback port that the test can take
// down and bring back, as a field laptop loses and regains its connection.
type loopbackHub struct {
	t    *testing.T
	addr string
	h    http.Handler
	srv  *http.Server
}

func (l *loopbackHub) up() {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		l.t.Fatal(err)
	}
	l.addr = ln.Addr().String()
	l.srv = &http.Server{Handler: l.h}
	go l.srv.Serve(ln)
}

func (l *loopbackHub) down() { l.srv.Close() }

func (l *loopbackHub) url() string { return "http://" + l.addr }

// TestOfflineRecordReachesManagerThroughHub is issue 7's "done when" through
// the screens: Sam signs a record with the hub unreachable, the home screen
// says so in plain words and keeps it; back online it is sent, and Priya's
// device pulls it, verified.
func TestOfflineRecordReachesManagerThroughHub(t *testing.T) {
	ctx := context.Background()
	// The hub and both devices run on the UI's clock, which the test moves
	// to the planned session's day.
	now := testclock.Start()
	u, clock := newTestUI(t)
	clock.Set(now)
	lh, enrol := startTestHub(t, now, clock.Now)
	defer lh.down()
	samDev, samKeys := enrol("sam")
	priyaDev, priyaKeys := enrol("priya")

	u.keys = samKeys
	u.useDevice(samDev)
	settle(u)
	eng, err := samDev.SyncEngine(samKeys, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	u.sync.engine = eng // driven by hand below, not by its background loop

	lh.down() // on the train
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(30 * time.Minute)
	tap(t, u, "End session")
	test.Type(findEntry(t, u, "What was discussed"), "Apprenticeship options; CV next week.")
	tap(t, u, "Sign and lock")
	tap(t, u, "Yes")
	if eng.SyncNow(ctx) == nil {
		t.Fatal("synced with the hub down")
	}
	u.ShowHome()
	settle(u)
	texts := visibleTexts(u)
	if !strings.Contains(texts, "Offline: the hub cannot be reached") || !strings.Contains(texts, "1 record waiting") {
		t.Errorf("home does not say offline with 1 waiting:\n%s", texts)
	}
	screenshot(t, u, "13-home-offline")

	lh.up() // back in the office
	if err := eng.SyncNow(ctx); err != nil {
		t.Fatalf("sync after reconnecting: %v", err)
	}
	u.ShowHome()
	settle(u)
	if !strings.Contains(visibleTexts(u), "everything is sent") {
		t.Errorf("home after sync:\n%s", visibleTexts(u))
	}
	peng, err := priyaDev.SyncEngine(priyaKeys, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := peng.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	entries, fails, err := priyaDev.Vault(clock).Open(ctx, nil, crypto.KindSessionRecord)
	if err != nil || len(fails) > 0 || len(entries) != 1 {
		t.Fatalf("manager: %v %v %d", err, fails, len(entries))
	}
	var d session.Document
	entries[0].Decode(&d)
	if d.Record == nil || d.Record.Summary != "Apprenticeship options; CV next week." || entries[0].Author.ID != "sam" {
		t.Errorf("manager read %+v", d.Record)
	}
}

// After sync reports records received, their file keys are remembered in
// the background, once.
func TestRememberAfterSync(t *testing.T) {
	ctx := context.Background()
	u, w := newSeededUI(t, seed.Manager)
	st := w.Stores[seed.Manager]
	unremembered := func() int {
		n := 0
		for e, err := range st.Envelopes(ctx, store.Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			if e.FileKey == nil && e.Kind != string(crypto.KindIncident) {
				n++
			}
		}
		return n
	}
	// Two records arrive, as sync would deliver them.
	for _, id := range []string{"late-1", "late-2"} {
		if _, err := w.Vaults[seed.Practitioner].Put(ctx, id, crypto.KindSessionRecord, map[string]string{"id": id}, nil, "v1"); err != nil {
			t.Fatal(err)
		}
		e, err := w.Stores[seed.Practitioner].GetEnvelope(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		e.FileKey = nil
		if err := st.PutReceivedEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if n := unremembered(); n != 2 {
		t.Fatalf("%d records not remembered before, want the 2 just received", n)
	}
	u.sync.rememberAfterSync(client.Status{Received: 0})
	settle(u)
	if unremembered() == 0 {
		t.Fatal("remembered with nothing received")
	}
	u.sync.rememberAfterSync(client.Status{Received: 12})
	settle(u)
	if n := unremembered(); n != 0 {
		t.Errorf("%d received records still not remembered", n)
	}
	if u.sync.remembering || u.sync.remembered != 12 {
		t.Errorf("remembering %v, remembered %d", u.sync.remembering, u.sync.remembered)
	}
}

// A newer directory fetched by sync is adopted at once; an older one never.
func TestAdoptDirectory(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	v1 := w.Org.Directory
	next := *v1
	next.Version, next.IssuedAt = v1.Version+1, v1.IssuedAt.Add(time.Hour)
	signed, err := crypto.SignDirectory(&next, w.Org.Admin)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := crypto.VerifyDirectory(signed, w.Org.Pinned(), v1)
	if err != nil {
		t.Fatal(err)
	}
	u.sync.adoptDirectory(v2)
	if got := u.cfg.Vault.Directory().Version; got != v2.Version {
		t.Fatalf("directory version %d after sync fetched %d", got, v2.Version)
	}
	u.sync.adoptDirectory(v1)
	if got := u.cfg.Vault.Directory().Version; got != v2.Version {
		t.Errorf("rolled back to version %d", got)
	}
}

// startTestHub is a real hub on loopback for a fictional organisation, on a
// SQLite database, running on clock; enrol sets up a device for a person
// with a one-time code and the invitation ICT hands out.
func startTestHub(t *testing.T, now time.Time, clock func() time.Time) (*loopbackHub, func(person string) (*device.Device, crypto.Keystore)) {
	t.Helper()
	db, err := hub.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return startTestHubOn(t, db, now, clock)
}

// startTestHubOn is startTestHub on the given backend.
func startTestHubOn(t *testing.T, db hub.Backend, now time.Time, clock func() time.Time) (*loopbackHub, func(person string) (*device.Device, crypto.Keystore)) {
	t.Helper()
	ctx := context.Background()
	o, err := org.New("Test organisation", org.DemoPeople, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	hub.InitOrg(ctx, db, o.Directory.Org, o.Pinned())
	if _, err := hub.PublishDirectory(ctx, db, o.Signed, now); err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(ctx, db, hub.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	lh := &loopbackHub{t: t, addr: "127.0.0.1:0", h: h.Handler()}
	lh.up()

	enrol := func(person string) (*device.Device, crypto.Keystore) {
		dir := t.TempDir()
		ks, _ := crypto.NewFileKeystore(filepath.Join(dir, "keys"), "a passphrase for tests")
		ks.SetWorkFactor(10)
		m, _ := o.Member(person)
		ks.Store(m.Identity.KeyID().String(), m.Identity)
		code, err := hub.IssueEnrolCode(ctx, db, person, time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
		dev, err := device.EnrolWithHub(ctx, device.Paths{Config: filepath.Join(dir, "c"), Data: filepath.Join(dir, "d")}, ks, m.Identity,
			device.Invitation{Hub: lh.url(), Code: code, Fingerprint: crypto.AdminKeyID(o.Pinned())}, "laptop", now, now)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dev.Close() })
		return dev, ks
	}
	return lh, enrol
}
