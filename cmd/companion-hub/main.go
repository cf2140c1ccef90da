// Command companion-hub runs the Safeguard Companion hub and its admin
// commands:
//
//	companion-hub serve             -data DIR | -db postgres://...  [-addr :8443] [-tls-cert F -tls-key F] [-max-... limits]
//	companion-hub init-org          -data DIR | -db URL  -org NAME -admin-key-dir DIR
//	companion-hub enrol-code        -data DIR | -db URL  -person ID -hub-url https://... -admin-key-dir DIR | -admin-key KEY [-ttl 72h] [-out FILE]
//	companion-hub revoke            -data DIR | -db URL  -device ID | -person ID
//	companion-hub publish-directory -data DIR | -db URL  -in FILE [-sign -admin-key-dir DIR]
//	companion-hub seed-demo         -data DIR | -db URL  -homes DIR [-addr A] [-from DATE -until DATE -per-day N -seed N]
//
// The admin key's passphrase is read from the file named by -passphrase-file,
// or from the environment variable COMPANION_ADMIN_PASSPHRASE; it is never a
// flag, so it does not show in the process list or shell history.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"safeguard/companion/buildmode"
	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/sync/client"
	"safeguard/companion/sync/hub"
	"safeguard/companion/sync/proto"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `usage: companion-hub COMMAND [flags]

commands:
  serve              run the hub
  init-org           create the organisation: admin key (passphrase-protected file) and hub key
  enrol-code         issue an enrolment invitation for a person: the hub address, a one-time
                     code and the admin key fingerprint their laptop checks the hub against
  revoke             refuse a device (-device) or a person's devices (-person) from now on
  publish-directory  publish a signed organisation directory (or sign one with -sign)
  seed-demo          a new hub for the demo organisation, with app homes for its fictional
                     people and a year of fictional records delivered through the hub

Run "companion-hub COMMAND -h" for a command's flags.
`

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer, func(string) string) error{
		"serve": serve, "init-org": initOrg, "enrol-code": enrolCode, "revoke": revoke, "publish-directory": publishDirectory,
		"seed-demo": seedDemo,
	}
	fn, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "companion-hub: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := fn(ctx, args[1:], stdout, stderr, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintf(stderr, "companion-hub %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// hubClock is the computer's clock, or the one session.ClockSetting names
// (for demonstrations on a chosen day and the tests' other days).
// A release build has the computer's clock only (buildmode).
func hubClock(getenv func(string) string) (session.Clock, error) {
	if !buildmode.TestHooks {
		return session.SystemClock{}, nil
	}
	return session.ClockFromSetting(getenv(session.ClockSetting))
}

// storage adds -data and -db to a flag set.
type storage struct{ data, db *string }

func storageFlags(fs *flag.FlagSet) storage {
	return storage{
		data: fs.String("data", "", "data directory for the embedded SQLite store (one hub process)"),
		db:   fs.String("db", "", "PostgreSQL connection string, postgres://... (several hub processes)"),
	}
}

func (s storage) open(ctx context.Context) (hub.Backend, error) {
	switch {
	case *s.data != "" && *s.db != "":
		return nil, errors.New("give -data or -db, not both")
	case *s.db != "":
		if !strings.HasPrefix(*s.db, "postgres://") && !strings.HasPrefix(*s.db, "postgresql://") {
			return nil, errors.New("-db must be a postgres:// connection string")
		}
		return hub.OpenPostgres(ctx, *s.db)
	case *s.data != "":
		return hub.OpenSQLite(ctx, *s.data)
	}
	return nil, errors.New("say where the hub keeps its data: -data DIR (SQLite) or -db postgres://... (PostgreSQL)")
}

func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	clock, err := hubClock(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	st := storageFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8443", "address to listen on")
	cert := fs.String("tls-cert", "", "TLS certificate file (PEM)")
	key := fs.String("tls-key", "", "TLS private key file (PEM)")
	plain := fs.Bool("allow-plain-http", false, "serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)")
	var lim hub.Limits
	bodyMiB := fs.Int64("max-body-mib-in-flight", 64, "MiB of request bodies held in memory at once, hub-wide")
	fs.IntVar(&lim.ConnsPerAddress, "max-conns-per-address", 64, "open connections from one network address (behind a proxy, the proxy's own limit counts)")
	fs.IntVar(&lim.RequestsPerAddress, "max-requests-per-address", 32, "requests at once from one network address")
	fs.IntVar(&lim.RequestsPerDevice, "max-requests-per-device", 4, "requests at once from one device")
	fs.IntVar(&lim.EnrolPerMinute, "max-enrolments-per-minute", 10, "enrolment attempts per minute from one network address")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("give both -tls-cert and -tls-key, or neither")
	}
	if *bodyMiB < 1 || lim.ConnsPerAddress < 1 || lim.RequestsPerAddress < 1 || lim.RequestsPerDevice < 1 || lim.EnrolPerMinute < 1 {
		return errors.New("the -max-... limits must each be at least 1")
	}
	lim.BodyBytes = *bodyMiB << 20
	raw, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	ln := hub.LimitListener(raw, lim.ConnsPerAddress)
	defer ln.Close()
	if *cert == "" && !*plain && !isLoopback(ln.Addr()) {
		return fmt.Errorf("refusing plain HTTP on %s, which is not a loopback address: give -tls-cert and -tls-key (or -allow-plain-http behind a TLS proxy)", ln.Addr())
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	h, err := hub.New(ctx, db, hub.Options{Logger: log, Now: clock.Now, Limits: lim})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			return fmt.Errorf("loading the TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
		scheme = "https"
	}
	fmt.Fprintf(stdout, "companion-hub: serving %s://%s (hub key %s)\n", scheme, ln.Addr(),
		base64.StdEncoding.EncodeToString(h.HubKey()))
	fmt.Fprintf(stdout, "companion-hub: protocol version %d; apps of version %d are served until %s, then asked to update\n",
		proto.Version, proto.PreviousVersion, h.PreviousVersionUntil().Format("2 January 2006"))
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Let requests in flight finish: a push answered is a push stored.
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// passphrase reads the admin key's passphrase from a file or the environment.
func passphrase(file string, getenv func(string) string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading the passphrase file: %w", err)
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return "", errors.New("the passphrase file is empty")
		}
		return p, nil
	}
	if p := getenv("COMPANION_ADMIN_PASSPHRASE"); p != "" {
		return p, nil
	}
	return "", errors.New("the admin key needs a passphrase: give -passphrase-file FILE or set COMPANION_ADMIN_PASSPHRASE")
}

const adminKeyName = "admin"

func adminKeystore(dir, passFile string, getenv func(string) string) (*crypto.FileKeystore, error) {
	if dir == "" {
		return nil, errors.New("give -admin-key-dir, the folder that keeps the admin key (keep it off the hub if you can)")
	}
	p, err := passphrase(passFile, getenv)
	if err != nil {
		return nil, err
	}
	ks, err := crypto.NewFileKeystore(dir, p)
	if err != nil {
		return nil, err
	}
	if buildmode.TestHooks && getenv("COMPANION_TEST_FAST_SCRYPT") == "1" {
		ks.SetWorkFactor(10) // tests only: scrypt at full strength takes a second
	}
	return ks, nil
}

func initOrg(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("init-org", flag.ContinueOnError)
	st := storageFlags(fs)
	org := fs.String("org", "", "organisation name")
	keyDir := fs.String("admin-key-dir", "", "folder for the passphrase-protected admin key file (admin.age)")
	passFile := fs.String("passphrase-file", "", "file holding the admin key passphrase (default: $COMPANION_ADMIN_PASSPHRASE)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *org == "" {
		return errors.New("give the organisation's name with -org")
	}
	ks, err := adminKeystore(*keyDir, *passFile, getenv)
	if err != nil {
		return err
	}
	if _, err := ks.Load(adminKeyName); err == nil {
		return fmt.Errorf("%s already holds an admin key; nothing was changed", *keyDir)
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	admin, err := crypto.GenerateIdentity()
	if err != nil {
		return err
	}
	// Key first: an organisation whose admin key was never saved could
	// never publish a directory.
	if err := ks.Store(adminKeyName, admin); err != nil {
		return fmt.Errorf("saving the admin key: %w", err)
	}
	hubKey, err := hub.InitOrg(ctx, db, *org, admin.SigningPublicKey())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "organisation %q created\nadmin key id:   %s (saved in %s, passphrase-protected)\nadmin key:      %s\nhub key:        %s\n",
		*org, crypto.AdminKeyID(admin.SigningPublicKey()), *keyDir,
		base64.StdEncoding.EncodeToString(admin.SigningPublicKey()), base64.StdEncoding.EncodeToString(hubKey))
	return nil
}

func enrolCode(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	clock, err := hubClock(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("enrol-code", flag.ContinueOnError)
	st := storageFlags(fs)
	person := fs.String("person", "", "person id in the directory")
	ttl := fs.Duration("ttl", 72*time.Hour, "how long the code stays valid")
	hubURL := fs.String("hub-url", "", "the hub's address as members reach it, https://... (written into the invitation)")
	adminPub := fs.String("admin-key", "", "the admin public key as init-org printed it (base64); or give -admin-key-dir")
	keyDir := fs.String("admin-key-dir", "", "folder holding the admin key, to take its fingerprint from")
	passFile := fs.String("passphrase-file", "", "file holding the admin key passphrase, with -admin-key-dir (default: $COMPANION_ADMIN_PASSPHRASE)")
	out := fs.String("out", "", "also write the invitation to this file (created, never overwritten), e.g. sam"+device.InvitationExtension)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *person == "" {
		return errors.New("give the person's directory id with -person")
	}
	if *hubURL == "" {
		return errors.New("give the hub's address as members reach it with -hub-url https://...")
	}
	if err := client.CheckHubURL(*hubURL); err != nil {
		return fmt.Errorf("-hub-url: %w", err)
	}
	// The fingerprint comes from ICT's own copy of the admin key, never
	// from the hub's database: a database altered to name another key
	// must not be able to vouch for itself.
	admin, err := adminPublicKey(*adminPub, *keyDir, *passFile, getenv)
	if err != nil {
		return err
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	h, err := hub.New(ctx, db, hub.Options{Now: clock.Now})
	if err != nil {
		return err
	}
	if !h.AdminKey().Equal(admin) {
		return fmt.Errorf("the hub's database names another admin key (fingerprint %s) than yours (%s): it may have been tampered with. No code was issued; do not enrol anyone with this hub until ICT has found out why",
			crypto.AdminFingerprint(h.AdminKey()), crypto.AdminFingerprint(admin))
	}
	code, err := hub.IssueEnrolCode(ctx, db, *person, *ttl, clock.Now())
	if err != nil {
		return err
	}
	inv := device.Invitation{Hub: strings.TrimRight(strings.TrimSpace(*hubURL), "/"), Code: code,
		Fingerprint: crypto.AdminKeyID(admin), Person: *person, Expires: clock.Now().Add(*ttl)}
	if *out != "" {
		if err := crypto.WriteExportFile(*out, func(w io.Writer) error { _, err := w.Write(inv.File()); return err }); err != nil {
			return fmt.Errorf("writing the invitation: %w", err)
		}
	}
	_, _ = stdout.Write(inv.File())
	fmt.Fprintf(stderr, "one-time enrolment invitation for %s, valid until %s. Give the code to them in person or by phone, "+
		"and read out the admin key fingerprint too: their laptop refuses a hub whose key does not match it.\n",
		*person, clock.Now().Add(*ttl).Format(time.RFC1123))
	return nil
}

// adminPublicKey is the admin's public key from -admin-key or, with
// -admin-key-dir, from the admin key file itself.
func adminPublicKey(pub, keyDir, passFile string, getenv func(string) string) (ed25519.PublicKey, error) {
	switch {
	case pub != "" && keyDir != "":
		return nil, errors.New("give -admin-key or -admin-key-dir, not both")
	case pub != "":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(pub))
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, errors.New("-admin-key is not an admin public key: give it as init-org printed it (base64)")
		}
		return ed25519.PublicKey(b), nil
	case keyDir != "":
		ks, err := adminKeystore(keyDir, passFile, getenv)
		if err != nil {
			return nil, err
		}
		admin, err := ks.Load(adminKeyName)
		if err != nil {
			return nil, fmt.Errorf("opening the admin key: %w", err)
		}
		return admin.SigningPublicKey(), nil
	}
	return nil, errors.New("give -admin-key-dir (the folder holding the admin key) or -admin-key (the admin public key init-org printed), " +
		"so that the invitation's fingerprint comes from your copy of the key, not from the hub's database")
}

func revoke(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	clock, err := hubClock(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("revoke", flag.ContinueOnError)
	st := storageFlags(fs)
	device := fs.String("device", "", "device id to revoke")
	person := fs.String("person", "", "person id whose devices are all refused")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if (*device == "") == (*person == "") {
		return errors.New("give -device ID or -person ID")
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *device != "" {
		if err := db.RevokeDevice(ctx, *device, clock.Now()); err != nil {
			if errors.Is(err, hub.ErrNotFound) {
				return fmt.Errorf("there is no enrolled device %s", *device)
			}
			return err
		}
		fmt.Fprintf(stdout, "device %s revoked\n", *device)
		return nil
	}
	if err := db.RevokePerson(ctx, *person, clock.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "person %s revoked on this hub; also revoke their keys in the next directory\n", *person)
	return nil
}

func publishDirectory(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	clock, err := hubClock(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("publish-directory", flag.ContinueOnError)
	st := storageFlags(fs)
	in := fs.String("in", "", "directory file: signed (as made by -sign or the admin tools), or plain JSON with -sign")
	sign := fs.Bool("sign", false, "sign the plain directory in -in with the admin key first")
	keyDir := fs.String("admin-key-dir", "", "folder holding the admin key (with -sign)")
	passFile := fs.String("passphrase-file", "", "file holding the admin key passphrase (default: $COMPANION_ADMIN_PASSPHRASE)")
	out := fs.String("out", "", "also write the signed directory here (with -sign)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("give the directory file with -in")
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		return fmt.Errorf("reading the directory: %w", err)
	}
	if *sign {
		ks, err := adminKeystore(*keyDir, *passFile, getenv)
		if err != nil {
			return err
		}
		admin, err := ks.Load(adminKeyName)
		if err != nil {
			return fmt.Errorf("opening the admin key: %w", err)
		}
		var d crypto.Directory
		if err := proto.StrictUnmarshal(b, &d); err != nil {
			return fmt.Errorf("the directory file is not a directory in JSON: %w", err)
		}
		if b, err = crypto.SignDirectory(&d, admin); err != nil {
			return err
		}
		if *out != "" {
			if err := os.WriteFile(*out, b, 0o600); err != nil {
				return fmt.Errorf("writing the signed directory: %w", err)
			}
		}
	}
	db, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := hub.PublishDirectory(ctx, db, b, clock.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "directory version %d published\n", v)
	return nil
}
