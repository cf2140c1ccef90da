package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/org"
	"safeguard/companion/session"
	"safeguard/companion/sync/hub"
	"safeguard/companion/testclock"
)

// newFirstRunUI is the app on a computer that is not set up yet, on the
// join screen, with fresh keys made.
func newFirstRunUI(t *testing.T) (*UI, device.Paths) {
	t.Helper()
	u, paths := newWelcomeUI(t)
	tap(t, u, "Join my organisation")
	tap(t, u, "Create my keys")
	return u, paths
}

// newWelcomeUI is the app on a computer that is not set up yet, on the
// welcome screen.
func newWelcomeUI(t *testing.T) (*UI, device.Paths) {
	t.Helper()
	a := test.NewTempApp(t)
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{}
	clock.Set(suiteNow)
	n := 0
	u := New(a, Config{Pack: pack, Clock: clock, NewID: func() string { n++; return fmt.Sprintf("rec-%04d", n) }, TickEvery: time.Hour})
	u.ui.queue = make(chan func(), 1024)
	u.win.Resize(fyne.NewSize(1024, 900))
	dir := t.TempDir()
	ks, err := crypto.NewFileKeystore(filepath.Join(dir, "keys"), "a passphrase for tests")
	if err != nil {
		t.Fatal(err)
	}
	ks.SetWorkFactor(10)
	paths := device.Paths{Config: filepath.Join(dir, "config"), Data: filepath.Join(dir, "data")}
	u.ShowFirstRun(paths, ks)
	return u, paths
}

// TestEnrolScreenRefusesAHubWhoseKeyDoesNotMatch is issue 14 §1 on screen:
// the hub's database names another admin key than the organisation's;
// the person types the invitation ICT sent, and the app refuses the hub in
// plain words and sets nothing up.
func TestEnrolScreenRefusesAHubWhoseKeyDoesNotMatch(t *testing.T) {
	ctx := context.Background()
	real, err := org.New("Example Careers Trust", org.DemoPeople, suiteNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rogue, err := org.New("Example Careers Trust", org.DemoPeople, suiteNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	db, err := hub.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := hub.InitOrg(ctx, db, rogue.Directory.Org, rogue.Pinned()); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.PublishDirectory(ctx, db, rogue.Signed, suiteNow); err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(ctx, db, hub.Options{Now: func() time.Time { return suiteNow }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	code, err := hub.IssueEnrolCode(ctx, db, "sam", time.Hour, suiteNow)
	if err != nil {
		t.Fatal(err)
	}

	u, paths := newFirstRunUI(t)
	// A plain http:// address elsewhere is refused before anything is sent.
	test.Type(findEntry(t, u, hubPlaceholder), "http://hub.example.org:8443")
	test.Type(findEntry(t, u, codePlaceholder), code)
	test.Type(findEntry(t, u, fingerprintPlaceholder), crypto.AdminFingerprint(real.Pinned()))
	tap(t, u, "Enrol with the hub")
	if txt := visibleTexts(u); !strings.Contains(txt, "not encrypted") || !strings.Contains(txt, "https://") {
		t.Fatalf("plain http elsewhere:\n%s", txt)
	}

	findEntry(t, u, hubPlaceholder).SetText(srv.URL)
	tap(t, u, "Enrol with the hub")
	txt := visibleTexts(u)
	if !strings.Contains(txt, "does not hold your organisation's key") || !strings.Contains(txt, "tell your ICT administrator") ||
		!strings.Contains(txt, crypto.AdminFingerprint(real.Pinned())) || !strings.Contains(txt, crypto.AdminFingerprint(rogue.Pinned())) {
		t.Fatalf("rogue hub:\n%s", txt)
	}
	screenshot(t, u, "enrol-rogue-hub")
	if _, err := device.LoadProfile(paths); !errors.Is(err, device.ErrNotSetUp) {
		t.Errorf("the app set itself up with a rogue hub: %v", err)
	}
	if u.dev != nil {
		t.Error("the app is using a device")
	}
}

// TestJoinScreenTakesAnInvitationFile is issue 14 §1: the invitation is
// "typeable and also as a file"; the file fills the form for the person to
// check.
func TestJoinScreenTakesAnInvitationFile(t *testing.T) {
	u, _ := newFirstRunUI(t)
	real, err := org.New("Example Careers Trust", org.DemoPeople, suiteNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	inv := device.Invitation{Hub: "https://hub.example.org:8443", Code: "ABCDE-FGHIJ-KLMNO-PQRST",
		Fingerprint: crypto.AdminKeyID(real.Pinned()), Person: "sam"}
	hubE, codeE, fpE := findEntry(t, u, hubPlaceholder), findEntry(t, u, codePlaceholder), findEntry(t, u, fingerprintPlaceholder)
	if msg := fillInvitation(inv.File(), hubE, codeE, fpE); !strings.Contains(msg, "Invitation read") {
		t.Fatal(msg)
	}
	if hubE.Text != inv.Hub || codeE.Text != inv.Code || fpE.Text != crypto.AdminFingerprint(real.Pinned()) {
		t.Errorf("form after the file: %q %q %q", hubE.Text, codeE.Text, fpE.Text)
	}
	if msg := fillInvitation([]byte("not an invitation"), hubE, codeE, fpE); !strings.Contains(msg, "not a Safeguard Companion enrolment invitation") {
		t.Errorf("a wrong file: %s", msg)
	}
}

// TestJoinByDirectoryFileShowsTheFingerprint is issue 14 §1: "Joining by
// directory file shows the fingerprint to compare with what ICT sent", and
// nothing is set up until the person says it matches.
func TestJoinByDirectoryFileShowsTheFingerprint(t *testing.T) {
	u, paths := newFirstRunUI(t)
	real, err := org.New("Example Careers Trust", org.DemoPeople, suiteNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	test.Type(findEntry(t, u, adminKeyPlaceholder), base64.StdEncoding.EncodeToString(real.Pinned()))
	txt := visibleTexts(u)
	if !strings.Contains(txt, "Admin key fingerprint: "+crypto.AdminFingerprint(real.Pinned())) || !strings.Contains(txt, "If they differ, stop") {
		t.Fatalf("no fingerprint shown:\n%s", txt)
	}
	screenshot(t, u, "join-directory-fingerprint")
	tap(t, u, "Finish")
	if txt := visibleTexts(u); !strings.Contains(txt, "tick the box only if every group matches") {
		t.Fatalf("finish without comparing:\n%s", txt)
	}
	if _, err := device.LoadProfile(paths); !errors.Is(err, device.ErrNotSetUp) {
		t.Errorf("set up before the fingerprint was compared: %v", err)
	}
}

// Issue 20 item 7: the demo as a line manager or as a safeguarding lead
// opens with the fictional year make demo writes (package seed, its seed,
// one session a working day), so the inbox and the case list have work in
// them. The year is written in the background: the welcome screen stays
// drawn and says how far it has got, and nothing is left behind but the
// person's own store.
func TestDemoAsManagerOrLeadOpensAYearToWorkOn(t *testing.T) {
	for _, c := range []struct{ button, screen string }{
		{"as a line manager", "Inbox"},
		{"as a safeguarding lead", "Incident cases"},
	} {
		t.Run(c.screen, func(t *testing.T) {
			u, paths := newWelcomeUI(t)
			test.Tap(findButton(t, u, c.button))
			mustSee(t, u, "Making the demo organisation's keys…")
			if !findButton(t, u, c.button).Disabled() {
				t.Fatal("the demo button can be pressed again while the demo is set up")
			}
			progress := false
			watch := testclock.NewStopwatch()
			for u.ui.pending.Load() > 0 && watch.Within(time.Minute) {
				select {
				case fn := <-u.ui.queue:
					fn()
					progress = progress || strings.Contains(visibleTexts(u), "Writing the demo's fictional year of sessions, reviews and incidents: ")
				default:
					time.Sleep(time.Millisecond)
				}
			}
			settle(u)
			t.Logf("the demo year was written in %s", watch.Elapsed().Round(time.Millisecond))
			if !progress {
				t.Error("no progress line while the year was written")
			}
			mustSee(t, u, "Demo organisation: the people here are fictional.")
			tap(t, u, c.screen)
			settle(u)
			switch c.screen {
			case "Inbox":
				if shown, total := countShown(t, u); shown == 0 || total == 0 {
					t.Fatalf("the manager's inbox is empty:\n%s", visibleTexts(u))
				}
			default:
				if texts := visibleTexts(u); !strings.Contains(texts, "CUS-") || strings.Contains(texts, "No incidents on this device.") {
					t.Fatalf("the safeguarding lead's case list is empty:\n%s", texts)
				}
			}
			screenshot(t, u, "00-demo-"+strings.ReplaceAll(strings.ToLower(c.screen), " ", "-"))
			left, err := filepath.Glob(filepath.Join(paths.Data, ".demo-seed-*"))
			if err != nil || len(left) > 0 {
				t.Fatalf("seeding left %v behind (%v)", left, err)
			}
		})
	}
}
