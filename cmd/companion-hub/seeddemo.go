package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"safeguard/companion/buildmode"
	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/org"
	"safeguard/companion/seed"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/hub"
)

const seedDemoHelp = `usage: companion-hub seed-demo -data HUBDIR | -db postgres://...  -homes DIR [flags]

Makes a hub for the demo organisation (fictional people) and a year of
fictional, signed and encrypted records, delivered through that hub the way
laptops deliver them:

  1. creates the organisation on the new, empty hub, pinning the demo
     organisation's admin key, and publishes its signed directory;
  2. for each person sets up an app home DIR/<person> (what the app keeps
     under COMPANION_HOME), with their keys in the keystore the app will use
     (the system keyring; without one, passphrase-protected files), and
     enrols it with the hub by a one-time code;
  3. writes the records into their authors' homes, queued to send;
  4. serves the hub on -addr (loopback only) while each home's sync engine
     sends its records and fetches what is addressed to it, verified.

When it has finished, start the hub on the same address and open the app as
one of the people (the command prints both):

  companion-hub serve -data HUBDIR -addr 127.0.0.1:8443
  COMPANION_HOME=DIR/priya bin/companion     (line manager)
  COMPANION_HOME=DIR/morgan bin/companion    (safeguarding lead)

The homes remember the hub as http://ADDR, so serve it on the same address.
Without a system keyring, give the passphrase for the key files with
-passphrase-file FILE or COMPANION_DEMO_PASSPHRASE; the app asks for it.
Nothing it prints holds record content, customers or keys.

flags:
`

// demoKeystore is where a home's keys go: what the app chooses
// (device.Keystore). Outside a release build (buildmode),
// COMPANION_TEST_KEY_FILES=1 puts them in passphrase-protected key files
// instead, where the app looks when there is no keyring, so that test
// packages seeding demo homes at the same time do not share one keyring
// entry per person.
func demoKeystore(p device.Paths, getenv func(string) string, ask func(string) (string, error)) (crypto.Keystore, error) {
	if !buildmode.TestHooks || getenv("COMPANION_TEST_KEY_FILES") != "1" {
		return device.Keystore(p, ask)
	}
	pass, err := ask(crypto.FallbackExplanation)
	if err != nil {
		return nil, err
	}
	return crypto.NewFileKeystore(filepath.Join(p.Config, "keys"), pass)
}

func seedDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	clock, err := hubClock(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("seed-demo", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), seedDemoHelp); fs.PrintDefaults() }
	st := storageFlags(fs)
	homes := fs.String("homes", "", "folder for the people's app homes, DIR/<person> (must be new or empty)")
	addr := fs.String("addr", "127.0.0.1:8443", "loopback address to serve the hub on while seeding; the homes remember it")
	fromFlag := fs.String("from", "", "first day of records, YYYY-MM-DD (default: a year before -until)")
	untilFlag := fs.String("until", "", "nothing is dated on or after this day, YYYY-MM-DD (default: now)")
	perDay := fs.Int("per-day", 3, "sessions the practitioner runs each working day")
	seedN := fs.Uint64("seed", 1, "makes the data set reproducible")
	views := fs.Int("views", 20, "record views written to the manager's and the safeguarding lead's access audit")
	offline := fs.String("offline", "", "comma-separated people whose homes are left unsynced: their records wait in their outbox and the app's first sync sends them and fetches theirs")
	passFile := fs.String("passphrase-file", "", "without a system keyring: file holding the passphrase for the key files (default: $COMPANION_DEMO_PASSPHRASE)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *homes == "" {
		return errors.New("give -homes DIR, the folder for the people's app homes")
	}
	if *perDay < 1 {
		return errors.New("-per-day must be at least 1")
	}
	pack, err := session.DefaultPack()
	if err != nil {
		return err
	}
	loc := pack.Location()
	until := clock.Now()
	if *untilFlag != "" {
		if until, err = time.ParseInLocation(time.DateOnly, *untilFlag, loc); err != nil {
			return fmt.Errorf("-until: give a date as YYYY-MM-DD: %w", err)
		}
		if until.After(clock.Now()) {
			return errors.New("-until is in the future: records cannot be dated after now")
		}
	}
	from := until.AddDate(-1, 0, 0)
	if *fromFlag != "" {
		if from, err = time.ParseInLocation(time.DateOnly, *fromFlag, loc); err != nil {
			return fmt.Errorf("-from: give a date as YYYY-MM-DD: %w", err)
		}
	}
	if !from.Before(until) {
		return errors.New("-from must be before -until")
	}
	skip := map[string]bool{}
	for p := range strings.SplitSeq(*offline, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if !slices.ContainsFunc(org.DemoPeople, func(s org.Spec) bool { return s.ID == p }) {
				return fmt.Errorf("-offline: there is no demo person %q", p)
			}
			skip[p] = true
		}
	}
	if err := emptyDir(*homes); err != nil {
		return err
	}
	abs, err := filepath.Abs(*homes)
	if err != nil {
		return err
	}
	// Where each person's keys go, chosen before anything is made: without
	// a keyring and a passphrase, nothing is.
	keystores := map[string]home{}
	for _, s := range org.DemoPeople {
		p := home{id: s.ID, paths: device.Paths{Config: filepath.Join(abs, s.ID, "config"), Data: filepath.Join(abs, s.ID, "data")}}
		if p.ks, err = demoKeystore(p.paths, getenv, func(string) (string, error) { return demoPassphrase(*passFile, getenv) }); err != nil {
			return fmt.Errorf("keys for %s: %w", p.id, err)
		}
		if fks, ok := p.ks.(*crypto.FileKeystore); ok && buildmode.TestHooks && getenv("COMPANION_TEST_FAST_SCRYPT") == "1" {
			fks.SetWorkFactor(10) // tests only
		}
		keystores[s.ID] = p
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	defer ln.Close()
	if !isLoopback(ln.Addr()) {
		return fmt.Errorf("%s is not a loopback address: seed-demo serves plain HTTP on this computer only (127.0.0.1)", ln.Addr())
	}
	hubURL := "http://" + ln.Addr().String()
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()

	// The organisation first: the hub pins its admin key, the homes are
	// enrolled against it, and the records are written by its people.
	o, err := org.Demo(from.Add(-24 * time.Hour).UTC())
	if err != nil {
		return err
	}
	if _, err := hub.InitOrg(ctx, db, o.Directory.Org, o.Pinned()); err != nil {
		return err
	}
	if _, err := hub.PublishDirectory(ctx, db, o.Signed, clock.Now()); err != nil {
		return err
	}
	// Re-issued today, as an organisation republishes its directory at
	// least monthly: the homes would otherwise say, rightly, that the hub
	// has offered nothing newer than a directory issued a year ago.
	fresh := &crypto.Directory{Org: o.Directory.Org, Version: o.Directory.Version + 1, IssuedAt: clock.Now(),
		People: o.Directory.People, Recovery: o.Directory.Recovery}
	freshSigned, err := crypto.SignDirectory(fresh, o.Admin)
	if err != nil {
		return err
	}
	if _, err := hub.PublishDirectory(ctx, db, freshSigned, clock.Now()); err != nil {
		return err
	}
	h, err := hub.New(ctx, db, hub.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Now})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Fprintf(stdout, "hub: organisation %q created, its admin key pinned; serving on %s while seeding\n", o.Directory.Org, hubURL)

	var people []home
	start := time.Now()
	for _, m := range o.Members {
		p, ok := keystores[m.Person.ID]
		if !ok {
			return fmt.Errorf("no home for %s", m.Person.ID)
		}
		if err := p.ks.Store(m.Identity.KeyID().String(), m.Identity); err != nil {
			return fmt.Errorf("keys for %s: %w", p.id, err)
		}
		code, err := hub.IssueEnrolCode(ctx, db, p.id, time.Hour, clock.Now())
		if err != nil {
			return err
		}
		dev, err := device.EnrolWithHub(ctx, p.paths, p.ks, m.Identity,
			device.Invitation{Hub: hubURL, Code: code, Fingerprint: crypto.AdminKeyID(o.Pinned())}, "seed-demo", clock.Now(), clock.Now().AddDate(0, -3, 0))
		if err != nil {
			return fmt.Errorf("enrolling %s: %w", p.id, err)
		}
		dev.Close()
		if err := device.MarkDemo(p.paths); err != nil {
			return err
		}
		people = append(people, p)
	}
	fmt.Fprintf(stdout, "homes: %d people enrolled with one-time codes in %s (%s)\n", len(people), abs, since(start))

	start = time.Now()
	w, err := seed.Generate(ctx, seed.Config{From: from, Until: until, SessionsPerDay: *perDay, Seed: *seedN,
		Org: o, NoDistribute: true, StorePath: func(id string) string {
			return device.Paths{Data: filepath.Join(abs, id, "data")}.DB(id)
		}})
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	sessions := "sessions"
	if *perDay == 1 {
		sessions = "session"
	}
	fmt.Fprintf(stdout, "records: %s to %s, %d %s a working day, written and queued in %s\n",
		from.Format(time.DateOnly), until.Add(-time.Nanosecond).Format(time.DateOnly), *perDay, sessions, since(start))

	// Round one sends every home's outbox (and fetches what is already
	// there); the readers go last, so their first fetch finds the
	// practitioner's year. Round two fetches what was sent after a home's
	// first round.
	order := slices.Clone(people)
	slices.SortStableFunc(order, func(a, b home) int { return reader(a.id) - reader(b.id) })
	type result struct {
		pushed          int64
		took            [2]time.Duration
		authored, holds int
	}
	res := map[string]*result{}
	// Each home is opened once, as the app opens it (a key file costs a
	// second of scrypt to open).
	type synced struct {
		dev *device.Device
		eng *client.Engine
	}
	open := map[string]synced{}
	defer func() {
		for _, s := range open {
			s.dev.Close()
		}
	}()
	for _, p := range order {
		if skip[p.id] {
			continue
		}
		dev, err := device.Open(ctx, p.paths, p.ks)
		if err != nil {
			return fmt.Errorf("opening %s's home: %w", p.id, err)
		}
		eng, err := dev.SyncEngine(p.ks, nil, clock.Now)
		if err != nil {
			dev.Close()
			return fmt.Errorf("syncing %s's home: %w", p.id, err)
		}
		open[p.id] = synced{dev, eng}
		r := &result{}
		if r.authored, err = dev.Store.CountEnvelopes(ctx, store.Filter{}); err != nil {
			return err
		}
		res[p.id] = r
	}
	for round := range 2 {
		for _, p := range order {
			o, ok := open[p.id]
			if !ok {
				continue
			}
			r := res[p.id]
			t := time.Now()
			if err := o.eng.SyncNow(ctx); err != nil {
				return fmt.Errorf("syncing %s's home: %w", p.id, err)
			}
			r.took[round] = time.Since(t)
			s := o.eng.Status(ctx)
			r.pushed = s.Sent
			if s.Waiting != 0 {
				return fmt.Errorf("syncing %s's home: %d records are still waiting to be sent", p.id, s.Waiting)
			}
			if r.holds, err = o.dev.Store.CountEnvelopes(ctx, store.Filter{}); err != nil {
				return err
			}
		}
	}
	for _, who := range []string{seed.Manager, seed.DSL} {
		if o, ok := open[who]; ok && *views > 0 {
			vclock := &seed.Clock{}
			if err := seed.WriteViews(ctx, o.dev.Store, o.dev.Vault(vclock), vclock, *views, clock.Now(), *seedN); err != nil {
				return err
			}
		}
	}
	n, err := db.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sync: the hub holds %d records\n", n)
	for _, p := range people {
		r, ok := res[p.id]
		if !ok {
			fmt.Fprintf(stdout, "  %-7s left offline: %d to read once the app syncs\n", p.id, w.Records[p.id])
			continue
		}
		fmt.Fprintf(stdout, "  %-7s wrote and sent %4d, received %4d: holds %4d of the %4d addressed to them (sync %s, then %s)\n",
			p.id, r.pushed, r.holds-r.authored, r.holds, w.Records[p.id], r.took[0].Round(time.Millisecond), r.took[1].Round(time.Millisecond))
	}
	srv.Close()

	where := *st.data
	storage := "-data " + shellQuote(where)
	if *st.db != "" {
		storage = "-db '<the same postgres:// URL>'"
	}
	fmt.Fprintf(stdout, `
Start the hub (the homes expect it at %s):
  companion-hub serve %s -addr %s
Open the app as:
  the line manager:      COMPANION_HOME=%s bin/companion
  the safeguarding lead: COMPANION_HOME=%s bin/companion
  the practitioner:      COMPANION_HOME=%s bin/companion
`, hubURL, storage, ln.Addr(), shellQuote(filepath.Join(abs, seed.Manager)), shellQuote(filepath.Join(abs, seed.DSL)),
		shellQuote(filepath.Join(abs, seed.Practitioner)))
	return nil
}

// home is one person's app home being seeded.
type home struct {
	id    string
	paths device.Paths
	ks    crypto.Keystore
}

// reader orders the line manager and the safeguarding lead after the others.
func reader(id string) int {
	if id == seed.Manager || id == seed.DSL {
		return 1
	}
	return 0
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Millisecond) }

// emptyDir makes dir, or checks that it is empty: seeding never mixes with
// existing homes.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty: give a new folder for the homes (or remove this one)", dir)
	}
	return nil
}

// demoPassphrase is the key files' passphrase when there is no keyring.
func demoPassphrase(file string, getenv func(string) string) (string, error) {
	if file != "" {
		return passphrase(file, func(string) string { return "" })
	}
	if p := getenv("COMPANION_DEMO_PASSPHRASE"); p != "" {
		return p, nil
	}
	return "", errors.New("this computer has no system keyring the app can use, so the keys go in passphrase-protected files: " +
		"give -passphrase-file FILE or set COMPANION_DEMO_PASSPHRASE (the app asks for the same passphrase)")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-:", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
