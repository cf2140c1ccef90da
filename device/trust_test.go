package device

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/org"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
)

func testKeystore(t *testing.T, dir string) *crypto.FileKeystore {
	t.Helper()
	ks, err := crypto.NewFileKeystore(filepath.Join(dir, "keys"), "a passphrase for tests")
	if err != nil {
		t.Fatal(err)
	}
	ks.SetWorkFactor(10)
	return ks
}

// TestRogueHubFailsAtEnrolment is issue 14 §1's attack, on both hub
// backends: someone with the hub's database replaces the organisation's
// admin key with their own and publishes a directory signed by it, naming
// themselves as sam's line manager and their own recovery key, so that
// every record sam's new laptop seals would be readable by them. The
// invitation's fingerprint refuses the hub, in plain words, and nothing is
// pinned, kept or written on the laptop.
func TestRogueHubFailsAtEnrolment(t *testing.T) {
	for _, b := range synctest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			now := testclock.Start()
			clock := testclock.NewRunning(now)
			o, err := org.New("Test organisation", org.DemoPeople, now.Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			db, tamper := b.OpenTamperable(t)
			if _, err := hub.InitOrg(ctx, db, o.Directory.Org, o.Pinned()); err != nil {
				t.Fatal(err)
			}
			if _, err := hub.PublishDirectory(ctx, db, o.Signed, now); err != nil {
				t.Fatal(err)
			}

			// The attack, beneath the hub's checks.
			rogue, mallory, rogueRecovery := newID(t), newID(t), newID(t)
			sam, _ := o.Member("sam")
			samEntry := sam.Person
			samEntry.Managers = []string{"mallory"}
			mk := mallory.PublicKey()
			mk.ValidFrom = now.Add(-time.Hour)
			rogueDir := &crypto.Directory{Org: o.Directory.Org, Version: 2, IssuedAt: now,
				People:   []crypto.Person{samEntry, {ID: "mallory", Name: "Mallory", Roles: []crypto.Role{crypto.RoleLineManager}, Keys: []crypto.PublicKey{mk}}},
				Recovery: crypto.Recovery{ID: crypto.RecoveryKeyID(rogueRecovery.PublicKey().Age), Age: rogueRecovery.PublicKey().Age}}
			rogueSigned, err := crypto.SignDirectory(rogueDir, rogue)
			if err != nil {
				t.Fatal(err)
			}
			tamper("UPDATE config SET value = ? WHERE key = ?", []byte(rogue.SigningPublicKey()), "admin_key")
			tamper("INSERT INTO directories (version, signed, published) VALUES (?, ?, ?)", 2, rogueSigned, now.UnixMilli())

			h, err := hub.New(ctx, db, hub.Options{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h.Handler())
			defer srv.Close()

			enrol := func(fingerprint crypto.KeyID) (*Device, Paths, crypto.Keystore, error) {
				dir := t.TempDir()
				ks := testKeystore(t, dir)
				if err := ks.Store(sam.Identity.KeyID().String(), sam.Identity); err != nil {
					t.Fatal(err)
				}
				code, err := hub.IssueEnrolCode(ctx, db, "sam", time.Hour, now)
				if err != nil {
					t.Fatal(err)
				}
				paths := Paths{Config: filepath.Join(dir, "config"), Data: filepath.Join(dir, "data")}
				dev, err := EnrolWithHub(ctx, paths, ks, sam.Identity, Invitation{Hub: srv.URL, Code: code, Fingerprint: fingerprint}, "sam's laptop", now, now)
				return dev, paths, ks, err
			}

			// What ICT handed sam: the organisation's own fingerprint.
			dev, paths, ks, err := enrol(crypto.AdminKeyID(o.Pinned()))
			if err == nil {
				dev.Close()
				t.Fatal("a hub naming another admin key enrolled the laptop")
			}
			if !errors.Is(err, ErrRogueHub) || !errors.Is(err, crypto.ErrAdminKeyMismatch) ||
				!strings.Contains(err.Error(), "tell your ICT administrator") ||
				!strings.Contains(err.Error(), crypto.AdminFingerprint(o.Pinned())) {
				t.Fatalf("refusal: %v", err)
			}
			if _, err := LoadProfile(paths); !errors.Is(err, ErrNotSetUp) {
				t.Errorf("a profile was saved: %v", err)
			}
			if _, err := os.Stat(paths.Data); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a database was made: %v", err)
			}
			if _, err := ks.Load(deviceKeyName("sam")); !errors.Is(err, crypto.ErrKeyNotFound) {
				t.Errorf("a device key was kept: %v", err)
			}

			// Without the fingerprint's check (a fingerprint matching the
			// rogue key), the same hub sets the laptop up to seal to
			// mallory: the attack is real, and only the fingerprint stops it.
			dev, _, _, err = enrol(crypto.AdminKeyID(rogue.SigningPublicKey()))
			if err != nil {
				t.Fatalf("the rogue hub with its own fingerprint: %v", err)
			}
			defer dev.Close()
			if p, _ := dev.Dir.Person("sam"); len(p.Managers) != 1 || p.Managers[0] != "mallory" {
				t.Fatalf("rogue directory not in use: %+v", p)
			}
		})
	}
}

func newID(t *testing.T) *crypto.Identity {
	t.Helper()
	id, err := crypto.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestOpenRefusesAnOlderDirectory is issue 14 §2: "The highest directory
// version a device has seen is persisted; an older directory on disk at
// start-up is refused (rollback)". Someone with the laptop puts the signed
// version 1 back in the store, and the store's own note of the highest
// version too, to undo a revocation published in version 2.
func TestOpenRefusesAnOlderDirectory(t *testing.T) {
	ctx := context.Background()
	now := testclock.Start()
	o, err := org.New("Test organisation", org.DemoPeople, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	d2 := &crypto.Directory{Org: o.Directory.Org, Version: 2, IssuedAt: now.UTC().Truncate(time.Second),
		People: o.Directory.People, Recovery: o.Directory.Recovery}
	v2, err := crypto.SignDirectory(d2, o.Admin)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ks := testKeystore(t, dir)
	sam, _ := o.Member("sam")
	if err := ks.Store(sam.Identity.KeyID().String(), sam.Identity); err != nil {
		t.Fatal(err)
	}
	paths := Paths{Config: filepath.Join(dir, "config"), Data: filepath.Join(dir, "data")}
	dev, err := Join(ctx, paths, sam.Identity, v2, o.Pinned(), now)
	if err != nil {
		t.Fatal(err)
	}
	if pr, _ := LoadProfile(paths); pr.DirectoryVersion != 2 {
		t.Fatalf("profile keeps version %d", pr.DirectoryVersion)
	}
	// The rollback, beneath the app.
	if err := dev.Store.SetSetting(ctx, directorySetting, string(o.Signed)); err != nil {
		t.Fatal(err)
	}
	if err := dev.Store.SetSetting(ctx, highestSetting, "1"); err != nil {
		t.Fatal(err)
	}
	dev.Close()
	_, err = Open(ctx, paths, ks)
	if !errors.Is(err, crypto.ErrDirectoryRollback) || !strings.Contains(err.Error(), "version 1") || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("an older directory at start-up: %v", err)
	}
	// The directory it had accepted opens.
	st, err := Join(ctx, paths, sam.Identity, v2, o.Pinned(), now)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	dev, err = Open(ctx, paths, ks)
	if err != nil {
		t.Fatalf("the accepted directory: %v", err)
	}
	dev.Close()
}
