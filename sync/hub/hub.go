// Package hub is the central store: an HTTP API over a Backend that keeps
// ciphertext and routing headers only. It verifies every envelope's author
// signature against the organisation directory before storing it and never
// decrypts anything (it holds no age identity).
package hub

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/proto"
)

// Configuration keys in the backend.
const (
	cfgHubKey   = "hub_key_seed" // Ed25519 seed of the receipt key
	cfgAdminKey = "admin_key"    // pinned Ed25519 public key of the organisation admin
	cfgOrg      = "org"
	// cfgVersionSince is when a hub of this protocol version (proto.Version)
	// first opened this database, in Unix milliseconds: the previous
	// version is accepted for proto.DeprecationWindow from then. Kept in
	// the backend so that every hub process agrees on the window.
	cfgVersionSince = "protocol_v2_since"
)

// ErrNotInitialised is returned when the backend holds no organisation.
var ErrNotInitialised = errors.New("this hub has no organisation yet: run `companion-hub init-org` first")

// InitOrg creates the organisation in a fresh backend: it pins the admin's
// public key (which signs directories) and makes the hub's receipt key. The
// hub key lives in the backend so that every hub process sharing it signs
// receipts with the same key; it can sign receipts and nothing else, and
// reads nothing.
func InitOrg(ctx context.Context, db Backend, org string, admin ed25519.PublicKey) (ed25519.PublicKey, error) {
	if len(admin) != ed25519.PublicKeySize {
		return nil, errors.New("init-org: the admin key is not an Ed25519 public key")
	}
	if org == "" {
		return nil, errors.New("init-org: the organisation needs a name")
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("init-org: making the hub key: %w", err)
	}
	defer clear(seed)
	err := db.InitConfig(ctx, map[string][]byte{
		cfgHubKey:   seed,
		cfgAdminKey: admin,
		cfgOrg:      []byte(org),
	})
	if errors.Is(err, ErrExists) {
		return nil, errors.New("init-org: this hub already has an organisation; nothing was changed")
	}
	if err != nil {
		return nil, fmt.Errorf("init-org: %w", err)
	}
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), nil
}

// keys loads the hub's receipt key and the pinned admin key.
func keys(ctx context.Context, db Backend) (ed25519.PrivateKey, ed25519.PublicKey, error) {
	seed, err := db.Config(ctx, cfgHubKey)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrNotInitialised
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the hub key: %w", err)
	}
	admin, err := db.Config(ctx, cfgAdminKey)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the admin key: %w", err)
	}
	if len(seed) != ed25519.SeedSize || len(admin) != ed25519.PublicKeySize {
		return nil, nil, errors.New("the hub's stored keys are damaged")
	}
	return ed25519.NewKeyFromSeed(seed), ed25519.PublicKey(admin), nil
}

// Options configures a Hub.
type Options struct {
	Now    func() time.Time // default time.Now; tests inject a clock
	Logger *slog.Logger     // default discards; never given content or keys
	Limits Limits           // zero fields take their defaults
}

// Hub serves the API. It keeps no state between requests that another hub
// process would need: the directory cache below is re-validated against the
// backend's latest version on every request.
type Hub struct {
	db    Backend
	key   ed25519.PrivateKey
	admin ed25519.PublicKey
	now   func() time.Time
	log   *slog.Logger
	m     metrics
	dir   atomic.Pointer[cachedDir]
	lim   *limiters
	// previousUntil ends the deprecation window of proto.PreviousVersion.
	previousUntil time.Time
}

type cachedDir struct {
	version uint64
	signed  []byte
	dir     *crypto.Directory
}

// New makes a Hub over an initialised backend.
func New(ctx context.Context, db Backend, o Options) (*Hub, error) {
	key, admin, err := keys(ctx, db)
	if err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	since, err := versionSince(ctx, db, o.Now())
	if err != nil {
		return nil, err
	}
	return &Hub{db: db, key: key, admin: admin, now: o.Now, log: o.Logger, lim: newLimiters(o.Limits),
		previousUntil: since.Add(proto.DeprecationWindow)}, nil
}

// versionSince reads when this protocol version first served the
// database, recording now if it never has.
func versionSince(ctx context.Context, db Backend, now time.Time) (time.Time, error) {
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	if err := db.InitConfig(ctx, map[string][]byte{cfgVersionSince: ms[:]}); err != nil && !errors.Is(err, ErrExists) {
		return time.Time{}, fmt.Errorf("recording the protocol version: %w", err)
	}
	b, err := db.Config(ctx, cfgVersionSince)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the protocol version: %w", err)
	}
	if len(b) != 8 {
		return time.Time{}, errors.New("the hub's stored protocol version date is damaged")
	}
	return time.UnixMilli(int64(binary.BigEndian.Uint64(b))).UTC(), nil
}

// PreviousVersionUntil is when this hub stops accepting requests of
// proto.PreviousVersion.
func (h *Hub) PreviousVersionUntil() time.Time { return h.previousUntil }

// HubKey is the public key that signs receipts; devices pin it at enrolment.
func (h *Hub) HubKey() ed25519.PublicKey { return h.key.Public().(ed25519.PublicKey) }

// AdminKey is the pinned directory signer.
func (h *Hub) AdminKey() ed25519.PublicKey { return h.admin }

// errNoDirectory: nothing can be verified before a directory is published.
var errNoDirectory = errors.New("the organisation directory has not been published on this hub yet: ask your administrator")

// directory returns the latest verified directory, from cache when the
// backend's latest version is the one cached.
func (h *Hub) directory(ctx context.Context) (*cachedDir, error) {
	v, err := h.db.LatestDirectoryVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the directory version: %w", err)
	}
	if v == 0 {
		return nil, errNoDirectory
	}
	if c := h.dir.Load(); c != nil && c.version == v {
		return c, nil
	}
	v, signed, err := h.db.LatestDirectory(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the directory: %w", err)
	}
	d, err := crypto.VerifyDirectory(signed, h.admin, nil)
	if err != nil {
		// Only verified directories are ever stored; this means tampering
		// with the database.
		return nil, fmt.Errorf("the stored directory does not verify: %w", err)
	}
	c := &cachedDir{version: v, signed: signed, dir: d}
	h.dir.Store(c)
	return c, nil
}

// PublishDirectory verifies a signed directory against the pinned admin key
// and the latest one held (refusing another signer and rollbacks) and
// stores it. It returns the version.
func PublishDirectory(ctx context.Context, db Backend, signed []byte, now time.Time) (uint64, error) {
	_, admin, err := keys(ctx, db)
	if err != nil {
		return 0, err
	}
	var held *crypto.Directory
	if _, cur, err := db.LatestDirectory(ctx); err == nil {
		if held, err = crypto.VerifyDirectory(cur, admin, nil); err != nil {
			return 0, fmt.Errorf("the directory already stored does not verify: %w", err)
		}
	} else if !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("reading the current directory: %w", err)
	}
	d, err := crypto.VerifyDirectory(signed, admin, held)
	if err != nil {
		return 0, err
	}
	if err := db.AddDirectory(ctx, d.Version, signed, now); err != nil {
		if errors.Is(err, ErrExists) {
			return 0, fmt.Errorf("%w (version %d was already published with different content)", crypto.ErrDirectoryRollback, d.Version)
		}
		return 0, fmt.Errorf("storing the directory: %w", err)
	}
	return d.Version, nil
}

// Enrolment codes: 20 base32 characters (100 bits), shown in groups of five.
// Only their hash is stored, so a copy of the database enrols nothing.
var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func normaliseCode(code string) string {
	r := strings.NewReplacer("-", "", " ", "")
	return strings.ToUpper(r.Replace(code))
}

func hashCode(code string) []byte {
	s := sha256.Sum256([]byte("safeguard-companion enrol v1\n" + normaliseCode(code)))
	return s[:]
}

// IssueEnrolCode makes a one-time code that enrols one device for person,
// valid for ttl. The person must be in the published directory.
func IssueEnrolCode(ctx context.Context, db Backend, person string, ttl time.Duration, now time.Time) (string, error) {
	_, admin, err := keys(ctx, db)
	if err != nil {
		return "", err
	}
	_, signed, err := db.LatestDirectory(ctx)
	if errors.Is(err, ErrNotFound) {
		return "", errNoDirectory
	}
	if err != nil {
		return "", fmt.Errorf("reading the directory: %w", err)
	}
	d, err := crypto.VerifyDirectory(signed, admin, nil)
	if err != nil {
		return "", fmt.Errorf("the stored directory does not verify: %w", err)
	}
	if _, ok := d.Person(person); !ok {
		return "", fmt.Errorf("there is no person %q in directory version %d", person, d.Version)
	}
	if ttl <= 0 || ttl > 30*24*time.Hour {
		return "", errors.New("an enrolment code must be valid for between a second and 30 days")
	}
	var b [13]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making a code: %w", err)
	}
	raw := codeEncoding.EncodeToString(b[:])[:20]
	code := raw[0:5] + "-" + raw[5:10] + "-" + raw[10:15] + "-" + raw[15:20]
	if err := db.AddEnrolCode(ctx, hashCode(code), person, now.Add(ttl)); err != nil {
		return "", fmt.Errorf("storing the code: %w", err)
	}
	return code, nil
}

// metrics are this process's counters; /metrics shows them as plain text.
// Several processes each report their own, as a scraper expects.
type metrics struct {
	requests, refused, pushed, pulled, enrolled, published atomic.Int64
}
