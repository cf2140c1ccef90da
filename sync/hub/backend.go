package hub

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Backend is the hub's durable storage. Both implementations (SQLite and
// PostgreSQL) keep everything the hub knows, so a hub process holds nothing
// between requests that another process would need (docs/ARCHITECTURE.md, Scale).
//
// Every write method returns only once the write is durable.
type Backend interface {
	// Config returns a configuration value, or ErrNotFound.
	Config(ctx context.Context, key string) ([]byte, error)
	// InitConfig sets keys that are not set yet, all or none; ErrExists if
	// any is already set.
	InitConfig(ctx context.Context, kv map[string][]byte) error

	// LatestDirectory returns the highest-version signed directory, or
	// ErrNotFound.
	LatestDirectory(ctx context.Context) (version uint64, signed []byte, err error)
	// LatestDirectoryVersion is the cheap check before using a cached copy.
	LatestDirectoryVersion(ctx context.Context) (uint64, error)
	// AddDirectory stores a directory the caller has verified. The same
	// version with the same bytes again is a no-op; with other bytes,
	// ErrExists.
	AddDirectory(ctx context.Context, version uint64, signed []byte, at time.Time) error

	// AddEnrolCode stores the hash of a one-time code for a person.
	AddEnrolCode(ctx context.Context, codeHash []byte, person string, expires time.Time) error
	// CheckEnrolCode only reads: nil if the code is unused and not expired
	// at now, or was used by this same device (a retry); ErrBadCode if not.
	// The hub asks it before writing anything for an enrolment.
	CheckEnrolCode(ctx context.Context, codeHash []byte, device string, now time.Time) error
	// Enrol consumes a code and registers the device in one transaction.
	// An unknown, used or expired code is ErrBadCode.
	Enrol(ctx context.Context, codeHash []byte, d Device, now time.Time) (Device, error)
	// Device returns a device with its revocation state, or ErrNotFound.
	Device(ctx context.Context, id string) (Device, error)
	// RevokeDevice and RevokePerson refuse all further requests; ErrNotFound
	// for an unknown device. Revoking a person needs no device to exist.
	RevokeDevice(ctx context.Context, id string, at time.Time) error
	RevokePerson(ctx context.Context, person string, at time.Time) error

	// UseNonce records a request nonce; ErrReplay if it was seen. Entries
	// older than purgeBefore may be dropped on the way.
	UseNonce(ctx context.Context, device, nonce string, at, purgeBefore time.Time) error

	// Push stores envelopes in one transaction, in order, and returns
	// where each one is. An id already held with the same hash is returned
	// as held; with another hash the whole push is refused with a
	// *ConflictError and nothing is stored.
	Push(ctx context.Context, items []Item, at time.Time) ([]Stored, error)
	// Pull returns up to limit envelopes with seq > after addressed to any
	// of keys, in seq order.
	Pull(ctx context.Context, keys []string, after int64, limit int) ([]Stored, error)
	// Get returns one envelope by id, or ErrNotFound.
	Get(ctx context.Context, id string) (Stored, error)
	// Count returns the number of envelopes held.
	Count(ctx context.Context) (int64, error)

	// Dispose carries out a tombstone the caller has verified, in one
	// transaction: it keeps the tombstone and empties every envelope it
	// names (tombstones.go). A record's second tombstone is a no-op that
	// returns the first.
	Dispose(ctx context.Context, d Disposal, at time.Time) (StoredTombstone, error)
	// Tombstones returns up to limit tombstones with seq > after, in seq
	// order.
	Tombstones(ctx context.Context, after int64, limit int) ([]StoredTombstone, error)

	Close() error
}

// Device is an enrolled device.
type Device struct {
	ID            string
	Person        string
	Key           ed25519.PublicKey
	Name          string
	Enrolled      time.Time
	Revoked       bool // the device
	PersonRevoked bool // its person, from the hub's own revocation list
}

// Item is one verified envelope to store: ciphertext and routing data only.
type Item struct {
	ID         string
	Hash       string
	Author     string
	Device     string
	Recipients []string
	Data       []byte
	// Parent is the record the envelope belongs to (its signed header's
	// parent_id: an addendum's, a review's, a retention facts record's),
	// "" for none; a tombstone naming the record takes it too.
	Parent string
}

// Stored is an envelope as the hub holds it.
type Stored struct {
	Seq      int64
	ID       string
	Hash     string
	Received time.Time
	Data     []byte // empty in Push results
}

// Disposal is a verified tombstone to carry out.
type Disposal struct {
	RecordID  string
	Envelopes []string
	Signed    []byte
}

// StoredTombstone is a tombstone as the hub keeps it.
type StoredTombstone struct {
	Seq      int64
	RecordID string
	Signed   []byte
	Received time.Time
}

// DisposedError names a record pushed after it was disposed of.
type DisposedError struct{ ID string }

func (e *DisposedError) Error() string {
	return fmt.Sprintf("record %s was disposed of at the end of its retention, on a DSL's signed instruction; it is not taken again", e.ID)
}

// Errors from backends.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrBadCode  = errors.New("this enrolment code is not valid: it may be mistyped, already used or expired; ask your administrator for a new one")
	ErrReplay   = errors.New("this request was already received once (replayed request)")
)

// ConflictError names an envelope id the hub already holds with other bytes.
type ConflictError struct{ ID string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the hub already holds record %s with different content; records are never changed once sent", e.ID)
}

// Open opens the backend a data source names: a postgres:// or
// postgresql:// URL selects PostgreSQL, anything else is a directory for
// the SQLite database (created if missing).
func Open(ctx context.Context, source string) (Backend, error) {
	if strings.HasPrefix(source, "postgres://") || strings.HasPrefix(source, "postgresql://") {
		return OpenPostgres(ctx, source)
	}
	return OpenSQLite(ctx, source)
}
