package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/seed"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
)

const demoPass = "a demo passphrase for tests"

// Key files, not the keyring, in these tests (env sets
// COMPANION_TEST_KEY_FILES, see demoKeystore): the keyring is one per user,
// and another test package seeding demo homes at the same time would share
// its "device-priya" entry. The app's choice (device.Keystore) is what the
// real-binary test in cmd/companion seeds with. testKeystore opens the
// same files.
func testKeystore(p device.Paths, pass string) (*crypto.FileKeystore, error) {
	ks, err := crypto.NewFileKeystore(filepath.Join(p.Config, "keys"), pass)
	if err == nil {
		ks.SetWorkFactor(10)
	}
	return ks, err
}

// pgURL is a fresh schema in the test PostgreSQL database, as a connection
// string for -db, or a skip.
func pgURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv(synctest.PGEnv)
	if url == "" {
		t.Skip(synctest.PGEnv + " is not set, so seed-demo is not tried on PostgreSQL here; scripts/with-postgres.sh sets it")
	}
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "seed_" + hex.EncodeToString(b[:])
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", synctest.PGEnv, err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, url); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}

// TestSeedDemo seeds a year through a real hub on each backend and checks
// the outcome against the generator's own count of what each person can
// read: the hub holds every record its author wrote, once; the manager's
// and the safeguarding lead's homes hold exactly what is addressed to them,
// every record verifying and opening with their own key; nothing waits in
// any outbox.
func TestSeedDemo(t *testing.T) {
	const perDay, seedN = 1, 5
	last := testclock.Day().AddDate(0, 0, -10)
	from, until := last.AddDate(-1, 0, 0).Format(time.DateOnly), last.Format(time.DateOnly)
	want := expectedWorld(t, from, until, perDay, seedN)

	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			var storage []string
			var open func() (hub.Backend, error)
			if backend == "sqlite" {
				data := filepath.Join(dir, "hub")
				storage = []string{"-data", data}
				open = func() (hub.Backend, error) { return hub.OpenSQLite(context.Background(), data) }
			} else {
				url := pgURL(t)
				storage = []string{"-db", url}
				open = func() (hub.Backend, error) { return hub.OpenPostgres(context.Background(), url) }
			}
			homes := filepath.Join(dir, "homes")
			args := append(append([]string{"seed-demo"}, storage...), "-homes", homes, "-addr", "127.0.0.1:0",
				"-from", from, "-until", until, "-per-day", "1", "-seed", "5", "-views", "4")
			start := testclock.NewStopwatch()
			out, e, c := cli(t, args...)
			if c != 0 {
				t.Fatalf("seed-demo: %d\n%s\n%s", c, out, e)
			}
			t.Logf("seed-demo on %s took %s:\n%s", backend, start.Elapsed().Round(time.Millisecond), out)
			// Quoted for the shell when the path has spaces (as under Wine,
			// whose test user's name has them).
			for _, s := range []string{"COMPANION_HOME=" + shellQuote(filepath.Join(homes, "priya")), "COMPANION_HOME=" + shellQuote(filepath.Join(homes, "morgan")), "companion-hub serve"} {
				if !strings.Contains(out, s) {
					t.Errorf("the output does not say %q", s)
				}
			}
			for _, secret := range []string{demoPass, "CUS-", "Okafor", "Shah"} {
				if strings.Contains(out+e, secret) {
					t.Errorf("the output holds %q", secret)
				}
			}

			db, err := open()
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			held := 0
			for _, person := range []string{"sam", "priya", "morgan", "alex"} {
				paths := device.Paths{Config: filepath.Join(homes, person, "config"), Data: filepath.Join(homes, person, "data")}
				ks, err := testKeystore(paths, demoPass)
				if err != nil {
					t.Fatal(err)
				}
				dev, err := device.Open(ctx, paths, ks)
				if err != nil {
					t.Fatalf("%s's home does not open as the app opens it: %v", person, err)
				}
				defer dev.Close()
				if dev.Profile.Hub == nil || !dev.Profile.Demo {
					t.Errorf("%s's profile: hub %v, demo %v", person, dev.Profile.Hub, dev.Profile.Demo)
				}
				if n, err := dev.Store.CountOutbox(ctx); err != nil || n != 0 {
					t.Errorf("%s: %d records still waiting to be sent (%v)", person, n, err)
				}
				// What they wrote is on the hub, with the same bytes.
				for env, err := range dev.Store.Envelopes(ctx, store.Filter{AuthorKey: string(dev.Me.KeyID())}) {
					if err != nil {
						t.Fatal(err)
					}
					s, err := db.Get(ctx, env.ID)
					if err != nil {
						t.Fatalf("%s's record is not on the hub: %v", person, err)
					}
					if s.Hash != crypto.EnvelopeHash(append(append([]byte{}, env.Header...), env.Body...)) {
						t.Fatalf("%s's record differs on the hub", person)
					}
					held++
				}
				if person != seed.Manager && person != seed.DSL {
					continue
				}
				n, err := dev.Store.CountEnvelopes(ctx, store.Filter{})
				if err != nil || n != want.Records[person] {
					t.Errorf("%s's home holds %d records, want the %d addressed to them (%v)", person, n, want.Records[person], err)
				}
				entries, fails, err := dev.Vault(testclock.NewRunning(suiteNow)).Open(ctx, nil)
				if err != nil || len(fails) != 0 || len(entries) != want.Records[person] {
					t.Errorf("%s opens %d records, %d failures (%v), want %d", person, len(entries), len(fails), err, want.Records[person])
				}
				if ev, err := dev.Store.AuditEvents(ctx, 0, 1000); err != nil || len(ev) < 4 {
					t.Errorf("%s's audit chain: %d events, %v", person, len(ev), err)
				}
			}
			total, err := db.Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if int(total) != held || held != want.authored {
				t.Errorf("the hub holds %d records; the homes wrote %d; the generator wrote %d", total, held, want.authored)
			}

			// Never over existing homes or an existing organisation.
			if _, e, c := cli(t, append(args[:len(args):len(args)], "-homes", filepath.Join(dir, "new"))...); c == 0 || !strings.Contains(e, "already has an organisation") {
				t.Errorf("seeding an initialised hub: %d %s", c, e)
			}
			if _, e, c := cli(t, "seed-demo", "-data", filepath.Join(dir, "other"), "-homes", homes); c == 0 || !strings.Contains(e, "not empty") {
				t.Errorf("seeding over homes: %d %s", c, e)
			}
		})
	}
}

type expected struct {
	Records  map[string]int
	authored int
}

// expectedWorld runs the generator as the other tests do, copying records
// straight into each reader's store, for its counts: the same seed makes the
// same records (with other keys).
func expectedWorld(t *testing.T, from, until string, perDay int, seedN uint64) expected {
	t.Helper()
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := time.ParseInLocation(time.DateOnly, from, pack.Location())
	u, _ := time.ParseInLocation(time.DateOnly, until, pack.Location())
	w, err := seed.Generate(context.Background(), seed.Config{Dir: t.TempDir(), From: f, Until: u, SessionsPerDay: perDay, Seed: seedN})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ex := expected{Records: w.Records}
	for _, m := range w.Org.Members {
		n, err := w.Stores[m.Person.ID].CountEnvelopes(context.Background(), store.Filter{AuthorKey: string(m.Identity.KeyID())})
		if err != nil {
			t.Fatal(err)
		}
		ex.authored += n
	}
	if ex.Records[seed.Manager] == 0 || ex.Records[seed.DSL] == 0 {
		t.Fatalf("the generator made nothing for the readers: %v", ex.Records)
	}
	return ex
}
