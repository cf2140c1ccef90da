package store

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long a statement waits for another connection's lock
// (another window of the app, a checkpoint) before giving up.
const busyTimeout = 5 * time.Second

// Checkpointing: SQLite copies the WAL back into the database inside
// whichever commit crosses wal_autocheckpoint (1000) WAL pages, which puts
// a checkpoint's writes and fsync into that one save's latency. In real use
// saves come seconds apart, so the store checkpoints in the background once
// saves have paused for checkpointIdle: the checkpoint then finishes with no
// save waiting on it, the WAL is reset, and later commits overwrite WAL
// blocks in place instead of growing the file (a size change costs an extra
// journal commit on every fsync). A sustained burst of saves still reaches
// the automatic checkpoint, as with plain SQLite. (A checkpointer running
// during bursts was measured and was worse: its fsyncs compete with the
// commits', and the WAL never resets, so it only grows.) The WAL file is cut
// back to walSizeLimit when it is reset; the limit matches
// walAutoCheckpoint so that a reset WAL is reused, not regrown, in a burst.
const (
	checkpointIdle = time.Second
	walSizeLimit   = 16 << 20
	// walAutoCheckpoint is in pages: 4,000 (16 MB) rather than SQLite's
	// 1,000, so that a burst of a few hundred saves (a long live session's
	// autosaves, a sync) meets an in-line checkpoint rarely. Between bursts
	// the idle checkpointer empties the WAL anyway.
	walAutoCheckpoint = 4000
)

// readerMmapSize is how much of the file readers map: enough for years of
// records; beyond it SQLite reads the rest with read(2).
const readerMmapSize = 256 << 20

// readConns caps the reader pool. Readers never block the writer in WAL
// mode; more than a few buys nothing on a two-core laptop.
const readConns = 4

// Store is one person's local database. It is safe for concurrent use.
//
// Writes go through a single connection, so they are serialised in Go rather
// than by SQLite's busy handler, and each is one BEGIN IMMEDIATE transaction
// that returns only after COMMIT, which under synchronous=FULL in WAL mode
// means the WAL has been fsynced. Reads use a separate pool of query-only
// connections, so listing thousands of envelopes does not hold up a save.
type Store struct {
	path   string
	w      *sql.DB
	r      *sql.DB
	ckpt   *sql.DB       // the background checkpointer's own connection
	kick   chan struct{} // a commit happened: the WAL has grown
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the checkpointer has stopped
	now    func() time.Time
	closed atomic.Bool
	stmts  *statements // prepared on w; see stmts.go
}

// Option configures Open.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithClock replaces time.Now for the times the store records itself
// (enqueue time, receipt time, outbox due times). Tests use it.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// Open opens, creating if needed, the database at path, and brings its
// schema up to date. The folder is created with mode 0700 and the file with
// mode 0600.
//
// Open refuses, without changing the file, a database written by a newer
// version of the app (ErrNewerSchema) and a file that is not a database
// (ErrCorrupt); a folder or file it cannot write is ErrReadOnly.
//
// Open does not read every page: run Check in the background for a full
// integrity check.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || strings.ContainsRune(path, '?') {
		// The driver reads everything after '?' as connection parameters.
		return nil, fmt.Errorf("store: open %q: %w: the path must be non-empty and contain no '?'", path, ErrInvalid)
	}
	migs, err := loadMigrations(migrationFS)
	if err != nil {
		return nil, err
	}
	latest := len(migs)

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, classify("create the data folder "+dir, err)
	}
	if err := precheckFile(path, latest); err != nil {
		return nil, err
	}
	if err := probeWritable(path); err != nil {
		return nil, err
	}

	base := path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=secure_delete(1)" +
		"&_pragma=synchronous(FULL)" +
		// A schema must not be able to run functions with side effects.
		"&_pragma=trusted_schema(0)"
	w, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)"+
		"&_pragma=journal_size_limit("+strconv.Itoa(walSizeLimit)+")"+
		"&_pragma=wal_autocheckpoint("+strconv.Itoa(walAutoCheckpoint)+")")
	if err != nil {
		return nil, classify("open "+path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{path: path, w: w, now: o.now}
	if err := s.init(migs); err != nil {
		w.Close()
		return nil, err
	}
	// Readers map the file into memory: streaming 10,000 envelopes at
	// unlock takes ~40% less time than through read(2) (BenchmarkListEnvelopes10k).
	// SQLite maps read-only, so a stray write cannot reach the file this way.
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)&_pragma=mmap_size("+strconv.Itoa(readerMmapSize)+")")
	if err != nil {
		w.Close()
		return nil, classify("open "+path, err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	s.r = r
	ckpt, err := sql.Open("sqlite", base)
	if err != nil {
		r.Close()
		w.Close()
		return nil, classify("open "+path, err)
	}
	ckpt.SetMaxOpenConns(1)
	s.ckpt = ckpt
	s.kick = make(chan struct{}, 1)
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.checkpointer()
	return s, nil
}

// checkpointer checkpoints once saves have paused; see checkpointIdle. A
// failed checkpoint loses nothing (the WAL keeps every committed page), so
// its error is dropped and the next pause retries.
//
// A checkpoint that copied every frame back is followed by restartWAL, so
// that the next save does not start the WAL again itself (one fsync more).
// The checkpointer also keeps the WAL's space allocated ahead of the saves
// (fillWAL): at the first pause after the store opens, and at each pause
// after, which refills it once Dispose has emptied it.
func (s *Store) checkpointer() {
	defer close(s.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	// The first fill waits for the first pause, like the rest: a store
	// opened for a moment (a command, a test) never writes the space.
	fill := true
	idle := time.NewTimer(checkpointIdle)
	defer idle.Stop()
	dirty := false
	for {
		select {
		case <-s.stop:
			return
		case <-s.kick:
			dirty = true
			idle.Reset(checkpointIdle)
		case <-idle.C:
			if dirty {
				// PASSIVE never waits for, nor blocks, a save.
				var busy, frames, copied int
				err := s.ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
				if err == nil && busy == 0 && frames > 0 && copied == frames {
					s.restartWAL(ctx)
				}
				dirty = false
			}
			if fill {
				fill = s.fillWAL(ctx)
			}
			idle.Reset(checkpointIdle)
		}
	}
}

// init checks the connection settings took, refuses a newer schema and runs
// the pending migrations.
func (s *Store) init(migs []migration) error {
	ctx := context.Background()
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return classify("open "+s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: open %s: journal mode is %q, not WAL: the folder may be on a network drive; move it to a local disk", s.path, mode)
	}
	var syncMode int
	if err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
		return classify("open "+s.path, err)
	}
	if syncMode != 2 {
		// Guard against a driver change silently weakening durability.
		return fmt.Errorf("store: open %s: synchronous is %d, want 2 (FULL)", s.path, syncMode)
	}
	if err := s.migrate(ctx, migs); err != nil {
		return err
	}
	stmts, err := prepare(ctx, s.w)
	if err != nil {
		return classify("open "+s.path, err)
	}
	s.stmts = stmts
	return nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database. Every write already returned is durable, so
// Close has nothing left to flush; it lets SQLite checkpoint and remove the
// WAL file.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	var errs []error
	if s.ckpt != nil {
		close(s.stop)
		<-s.done
		errs = append(errs, s.ckpt.Close())
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	// The writer closes last: as the last connection it checkpoints and
	// removes the WAL file.
	if s.stmts != nil {
		errs = append(errs, s.stmts.close())
	}
	errs = append(errs, s.w.Close())
	if err := errors.Join(errs...); err != nil {
		return classify("close", err)
	}
	return nil
}

// Check runs SQLite's full integrity check and re-hashes every envelope. It
// reads the whole file, so run it in the background after start-up.
func (s *Store) Check(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return classify("check the database", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return classify("check the database", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return classify("check the database", err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], "...")
		}
		return fmt.Errorf("store: check the database: %w: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	for e, err := range s.Envelopes(ctx, Filter{}) {
		if err != nil {
			return err
		}
		if e.Hash != envelopeHash(e.Header, e.Body) {
			return fmt.Errorf("store: check the database: %w: envelope %s does not match its hash", ErrCorrupt, e.ID)
		}
	}
	return nil
}

func (s *Store) usable() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}

// sqliteMagic opens every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// precheckFile looks at an existing file's header before SQLite opens it,
// so that a file that is not a database, or one from a newer version of the
// app, is refused without SQLite writing to it.
func precheckFile(path string, latest int) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return classify("open "+path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return classify("open "+path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("store: open %s: %w: it is not a regular file", path, ErrInvalid)
	}
	var hdr [100]byte
	n, err := io.ReadFull(f, hdr[:])
	if n == 0 {
		// An empty file is a new database (SQLite treats it so too).
		return nil
	}
	if err != nil || !bytes.Equal(hdr[:len(sqliteMagic)], []byte(sqliteMagic)) {
		return fmt.Errorf("store: open %s: %w (the file is not a database)", path, ErrCorrupt)
	}
	// The user_version field of the header (https://sqlite.org/fileformat.html).
	// A newer version still in the WAL is caught again after opening.
	if v := int(int32(binary.BigEndian.Uint32(hdr[60:64]))); v > latest {
		return fmt.Errorf("store: open %s: %w (schema %d, this version knows up to %d)", path, ErrNewerSchema, v, latest)
	}
	return nil
}

// probeWritable creates the file with mode 0600 if it is missing, tightens
// its mode if it is looser, and checks the folder takes new files, which WAL
// mode needs for its -wal and -shm files. Doing this before SQLite opens the
// file turns a read-only disk into one clear error instead of a confusing
// SQLITE_CANTOPEN later.
func probeWritable(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		if kindOf(err) == ErrReadOnly {
			return fmt.Errorf("store: open %s: %w (%w)", path, ErrReadOnly, err)
		}
		return classify("open "+path, err)
	}
	st, err := f.Stat()
	if err == nil && st.Mode().Perm()&0o077 != 0 {
		err = f.Chmod(0o600)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return classify("open "+path, err)
	}
	p, err := os.CreateTemp(filepath.Dir(path), ".write-probe-*")
	if err != nil {
		if kindOf(err) == ErrReadOnly {
			return fmt.Errorf("store: open %s: %w (%w)", path, ErrReadOnly, err)
		}
		return classify("open "+path, err)
	}
	name := p.Name()
	p.Close()
	if err := os.Remove(name); err != nil {
		return classify("open "+path, err)
	}
	return nil
}

// migration is one embedded migrations/NNNN_name.sql file.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads and orders the embedded migrations, insisting on
// versions 1, 2, 3 ... with no gap or duplicate, because PRAGMA user_version
// records only a count.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var migs []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || v < 1 {
			return nil, fmt.Errorf("store: migration %q: name must be NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, "migrations/"+name)
		if err != nil {
			return nil, fmt.Errorf("store: read migration %q: %w", name, err)
		}
		migs = append(migs, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %q: expected version %04d", m.name, i+1)
		}
	}
	if len(migs) == 0 {
		return nil, errors.New("store: no migrations embedded")
	}
	return migs, nil
}

// migrate applies the pending migrations, each in its own transaction
// together with its PRAGMA user_version, so a crash leaves the schema at a
// whole version.
func (s *Store) migrate(ctx context.Context, migs []migration) error {
	var current int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return classify("read the schema version", err)
	}
	if current > len(migs) {
		return fmt.Errorf("store: open %s: %w (schema %d, this version knows up to %d)", s.path, ErrNewerSchema, current, len(migs))
	}
	for _, m := range migs[current:] {
		err := s.write(ctx, "upgrade the database to "+m.name, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			// PRAGMA takes no bound parameters; version is an int we formatted.
			_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// write runs fn in one write transaction and returns only once COMMIT has
// returned, that is once the transaction is durable.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return classify(op, err)
	}
	if err := fn(tx); err != nil {
		// The rollback error adds nothing the caller can act on: the
		// transaction is gone either way.
		_ = tx.Rollback()
		return classify(op, err)
	}
	if err := tx.Commit(); err != nil {
		return classify(op, err)
	}
	s.committed()
	return nil
}

// committed tells the checkpointer that a write transaction committed.
func (s *Store) committed() {
	if s.kick != nil {
		select {
		case s.kick <- struct{}{}:
		default: // a checkpoint is already due
		}
	}
}

// unixMilli and fromMilli fix the one time representation on disk.
func unixMilli(t time.Time) int64 { return t.UnixMilli() }

func fromMilli(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
