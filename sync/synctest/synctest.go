// Package synctest builds real organisations, hubs and backends for the sync
// tests: real identities, a real signed directory, envelopes made with
// crypto.Seal, and a hub listening on loopback.
package synctest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/hub"
	"safeguard/companion/testclock"
)

// Org is a small organisation: alice and carol are practitioners managed by
// bob; dana is the DSL. An extra person named "ict" has the admin role.
type Org struct {
	Admin  *crypto.Identity
	People map[string]*crypto.Identity
	Dir    *crypto.Directory
	Signed []byte
}

// Epoch is the start of test time: the suite's "now" (testclock).
var Epoch = testclock.Start()

// NewOrg makes the organisation and its signed directory (version 1).
func NewOrg(t testing.TB, extra ...string) *Org {
	t.Helper()
	o, err := MakeOrg(extra...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// MakeOrg is NewOrg for fixtures built once per package (sync.Once,
// TestMain), where there is no test to fail.
func MakeOrg(extra ...string) (*Org, error) {
	o := &Org{People: map[string]*crypto.Identity{}}
	var err error
	if o.Admin, err = crypto.GenerateIdentity(); err != nil {
		return nil, err
	}
	ids := append([]string{"alice", "bob", "carol", "dana"}, extra...)
	for _, id := range ids {
		if o.People[id], err = crypto.GenerateIdentity(); err != nil {
			return nil, err
		}
	}
	if o.Signed, err = o.sign(1, nil); err != nil {
		return nil, err
	}
	return o, nil
}

// Directory returns the unsigned directory at version v with the given
// revocations.
func (o *Org) Directory(v uint64, revoked []crypto.Revocation) *crypto.Directory {
	rec, err := crypto.GenerateIdentity()
	if err != nil {
		panic(err)
	}
	var people []crypto.Person
	for _, id := range []string{"alice", "bob", "carol", "dana"} {
		people = append(people, o.person(id))
	}
	for id := range o.People {
		switch id {
		case "alice", "bob", "carol", "dana":
		default:
			people = append(people, o.person(id))
		}
	}
	return &crypto.Directory{
		Org: "Test Org", Version: v, IssuedAt: Epoch.Add(-time.Hour),
		People:   people,
		Recovery: crypto.Recovery{ID: crypto.RecoveryKeyID(rec.PublicKey().Age), Age: rec.PublicKey().Age},
		Revoked:  revoked,
	}
}

func (o *Org) person(id string) crypto.Person {
	pk := o.People[id].PublicKey()
	pk.ValidFrom = Epoch.Add(-24 * time.Hour)
	p := crypto.Person{ID: id, Name: strings.ToUpper(id[:1]) + id[1:], Keys: []crypto.PublicKey{pk}}
	switch id {
	case "bob":
		p.Roles = []crypto.Role{crypto.RoleLineManager}
	case "dana":
		p.Roles = []crypto.Role{crypto.RoleDSL}
	case "ict": // given as an extra person: the organisation's admin
		p.Roles = []crypto.Role{crypto.RoleAdmin}
	default:
		p.Roles = []crypto.Role{crypto.RolePractitioner}
		p.Managers = []string{"bob"}
	}
	return p
}

// Sign signs directory version v and, for v == 1, keeps it as o.Dir.
func (o *Org) Sign(t testing.TB, v uint64, revoked []crypto.Revocation) []byte {
	t.Helper()
	signed, err := o.sign(v, revoked)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func (o *Org) sign(v uint64, revoked []crypto.Revocation) ([]byte, error) {
	d := o.Directory(v, revoked)
	signed, err := crypto.SignDirectory(d, o.Admin)
	if err != nil {
		return nil, err
	}
	vd, err := crypto.VerifyDirectory(signed, o.Admin.SigningPublicKey(), nil)
	if err != nil {
		return nil, err
	}
	if o.Dir == nil || v == 1 {
		o.Dir = vd
	}
	return signed, nil
}

// Seal makes a real envelope by person.
func (o *Org) Seal(t testing.TB, person, id string, kind crypto.Kind, body []byte) []byte {
	t.Helper()
	b, err := o.SealRecord(person, id, kind, body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SealRecord is Seal for fixtures built once per package.
func (o *Org) SealRecord(person, id string, kind crypto.Kind, body []byte) ([]byte, error) {
	return crypto.Seal(o.People[person], o.Dir, crypto.Record{ID: id, Kind: kind, Created: Epoch, Body: body})
}

// Backend is one storage backend under test.
type Backend struct {
	Name string
	Open func(t testing.TB) hub.Backend
	// OpenTamperable is Open, with a function that runs SQL on the same
	// database directly, beneath every check the hub makes: what someone
	// who can reach the hub's database could do. Placeholders are "?".
	OpenTamperable func(t testing.TB) (hub.Backend, func(query string, args ...any))
}

// PGEnv names the variable the PostgreSQL tests read.
const PGEnv = "COMPANION_TEST_PG_URL"

// Backends returns SQLite and, when PGEnv is set, PostgreSQL. Each Open
// gives a fresh, empty store (PostgreSQL: a new schema).
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", Open: func(t testing.TB) hub.Backend {
			db, _ := openSQLite(t)
			return db
		}, OpenTamperable: func(t testing.TB) (hub.Backend, func(string, ...any)) {
			db, dir := openSQLite(t)
			raw, err := sql.Open("sqlite", filepath.Join(dir, "hub.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			return db, func(q string, args ...any) {
				t.Helper()
				if _, err := raw.Exec(q, args...); err != nil {
					t.Fatalf("tampering with the hub's database: %v", err)
				}
			}
		}},
		{Name: "postgres", Open: OpenPostgres, OpenTamperable: func(t testing.TB) (hub.Backend, func(string, ...any)) {
			db, url := openPostgres(t)
			ctx := context.Background()
			c, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close(ctx) })
			return db, func(q string, args ...any) {
				t.Helper()
				n := 0
				q = regexp.MustCompile(`\?`).ReplaceAllStringFunc(q, func(string) string { n++; return "$" + strconv.Itoa(n) })
				if _, err := c.Exec(ctx, q, args...); err != nil {
					t.Fatalf("tampering with the hub's database: %v", err)
				}
			}
		}},
	}
}

func openSQLite(t testing.TB) (hub.Backend, string) {
	dir := t.TempDir()
	db, err := hub.OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

// OpenPostgres opens a fresh schema in the test database, or skips.
func OpenPostgres(t testing.TB) hub.Backend {
	t.Helper()
	db, _ := openPostgres(t)
	return db
}

// OpenPostgresPair opens one fresh PostgreSQL schema twice: two
// backends, each with its own connection pool, as two hub processes on one
// database have (DESIGN.md, Scale). Initialise it through one (StartHub);
// serve the other with ServeHub.
func OpenPostgresPair(t testing.TB) (hub.Backend, hub.Backend) {
	t.Helper()
	first, url := openPostgres(t)
	second, err := hub.OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })
	return first, second
}

// ServeHub serves a hub over a database another hub already initialised
// (StartHub), as a second hub process would: nothing is written first.
func ServeHub(t testing.TB, db hub.Backend, opts hub.Options) *Hub {
	t.Helper()
	if opts.Now == nil {
		opts.Now = testclock.NewRunning(Epoch).Now
	}
	h, err := hub.New(context.Background(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h.Handler())
	srv.Listener = hub.LimitListener(srv.Listener, opts.Limits.ConnsPerAddress)
	// Timeouts as companion-hub serve has them, shorter: a connection the
	// fault proxy cut that the server never hears end (seen under Wine,
	// issue 17) is let go instead of holding one of the address's
	// connection slots for good.
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Config.ReadTimeout = 30 * time.Second
	srv.Config.WriteTimeout = 30 * time.Second
	srv.Config.IdleTimeout = 15 * time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	return &Hub{Hub: h, DB: db, Server: srv, URL: srv.URL}
}

// OpenPostgresURL is OpenPostgres, also returning the URL that reaches its
// schema, for a test that opens it again (as a hub restarted on it would).
func OpenPostgresURL(t testing.TB) (hub.Backend, string) {
	t.Helper()
	return openPostgres(t)
}

// openPostgres is OpenPostgres, also returning the URL that reaches its
// schema.
func openPostgres(t testing.TB) (hub.Backend, string) {
	t.Helper()
	url := os.Getenv(PGEnv)
	if url == "" {
		t.Skip(PGEnv + " is not set, so the PostgreSQL backend is not tested here; scripts/with-postgres.sh sets it")
	}
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", PGEnv, err)
	}
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	schemaURL := url + sep + "search_path=" + schema
	db, err := hub.OpenPostgres(ctx, schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if c, err := pgx.Connect(ctx, url); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	return db, schemaURL
}

// Clock is a settable clock for hubs and engines, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at Epoch.
func NewClock() *Clock { return &Clock{t: Epoch} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Hub is a running hub on loopback.
type Hub struct {
	Hub    *hub.Hub
	DB     hub.Backend
	Server *httptest.Server
	URL    string
}

// StartHub initialises the org on db, publishes its directory and serves
// on loopback. now may be nil for a clock that starts at Epoch and runs
// with real time.
func StartHub(t testing.TB, db hub.Backend, o *Org, now func() time.Time) *Hub {
	t.Helper()
	return StartHubWith(t, db, o, hub.Options{Now: now})
}

// StartHubWith is StartHub with the hub's options (its limits); a nil
// opts.Now is StartHub's running clock. The listener closes connections
// beyond opts.Limits.ConnsPerAddress from one address, as the real
// server's does.
func StartHubWith(t testing.TB, db hub.Backend, o *Org, opts hub.Options) *Hub {
	t.Helper()
	if opts.Now == nil {
		opts.Now = testclock.NewRunning(Epoch).Now
	}
	ctx := context.Background()
	if _, err := hub.InitOrg(ctx, db, "Test Org", o.Admin.SigningPublicKey()); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.PublishDirectory(ctx, db, o.Signed, Epoch); err != nil {
		t.Fatal(err)
	}
	return ServeHub(t, db, opts)
}

// ClientFrom is an HTTP client whose connections come from the loopback
// address ip (any of 127.0.0.0/8 on Linux), so that a test can be several
// network addresses at once.
func ClientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}}
}

// Device is an enrolled device key.
type Device struct {
	Key    ed25519.PrivateKey
	ID     string
	Person string
}

// NewDeviceKey makes a device key.
func NewDeviceKey(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Code issues an enrolment code for person.
func Code(t testing.TB, db hub.Backend, person string) string {
	t.Helper()
	// Issued at Epoch and valid for a month, so that tests which move their
	// hub's clock on by days can still enrol another device.
	c, err := hub.IssueEnrolCode(context.Background(), db, person, 30*24*time.Hour, Epoch)
	if err != nil {
		t.Fatal(fmt.Errorf("issuing a code: %w", err))
	}
	return c
}
