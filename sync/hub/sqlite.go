package hub

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLite is the embedded backend: one file, WAL, synchronous=FULL, so a
// COMMIT that returned has been fsynced. Writes go through one connection
// (SQLite has one writer anyway) and reads through a small pool.
type SQLite struct {
	w, r *sql.DB
}

// OpenSQLite opens or creates hub.db in dir.
func OpenSQLite(ctx context.Context, dir string) (*SQLite, error) {
	if dir == "" {
		return nil, errors.New("hub: no data directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hub: create data directory: %w", err)
	}
	path := filepath.Join(dir, "hub.db")
	if strings.ContainsRune(path, '?') {
		return nil, errors.New("hub: the data directory's path must not contain '?'")
	}
	// page_size applies when the file is created: with 8 KiB pages a ~4 KB
	// envelope fits in one page instead of spilling onto an overflow page,
	// so each record costs fewer WAL frames to write and fsync.
	base := "file:" + path + "?_txlock=immediate&_pragma=page_size(8192)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=trusted_schema(0)&_pragma=secure_delete(1)"
	w, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, fmt.Errorf("hub: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := migrateSQLite(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("hub: create schema in %s: %w", path, err)
	}
	if err := backfillSQLiteParents(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("hub: read the records' parents in %s: %w", path, err)
	}
	var mode string
	var syncMode int
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		w.Close()
		return nil, fmt.Errorf("hub: open %s: %w", path, err)
	}
	if err := w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
		w.Close()
		return nil, fmt.Errorf("hub: open %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") || syncMode != 2 {
		// A receipt promises durability; refuse to run without it.
		w.Close()
		return nil, fmt.Errorf("hub: open %s: journal mode %q synchronous %d, want WAL and FULL (is it on a network drive?)", path, mode, syncMode)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("hub: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return &SQLite{w: w, r: r}, nil
}

// Close implements Backend.
func (s *SQLite) Close() error { return errors.Join(s.r.Close(), s.w.Close()) }

func (s *SQLite) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the transaction is void either way
		return err
	}
	return tx.Commit()
}

// Config implements Backend.
func (s *SQLite) Config(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.r.QueryRowContext(ctx, "SELECT value FROM config WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return v, err
}

// InitConfig implements Backend.
func (s *SQLite) InitConfig(ctx context.Context, kv map[string][]byte) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for k, v := range kv {
			res, err := tx.ExecContext(ctx, "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", k, v)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("%w: %s", ErrExists, k)
			}
		}
		return nil
	})
}

// LatestDirectory implements Backend.
func (s *SQLite) LatestDirectory(ctx context.Context) (uint64, []byte, error) {
	var v int64
	var b []byte
	err := s.r.QueryRowContext(ctx, "SELECT version, signed FROM directories ORDER BY version DESC LIMIT 1").Scan(&v, &b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, ErrNotFound
	}
	return uint64(v), b, err
}

// LatestDirectoryVersion implements Backend.
func (s *SQLite) LatestDirectoryVersion(ctx context.Context) (uint64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM directories").Scan(&v)
	return uint64(v), err
}

// AddDirectory implements Backend.
func (s *SQLite) AddDirectory(ctx context.Context, version uint64, signed []byte, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var old []byte
		err := tx.QueryRowContext(ctx, "SELECT signed FROM directories WHERE version = ?", int64(version)).Scan(&old)
		if err == nil {
			if bytes.Equal(old, signed) {
				return nil
			}
			return fmt.Errorf("%w: directory version %d", ErrExists, version)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO directories (version, signed, published) VALUES (?, ?, ?)",
			int64(version), signed, at.UnixMilli())
		return err
	})
}

// AddEnrolCode implements Backend.
func (s *SQLite) AddEnrolCode(ctx context.Context, codeHash []byte, person string, expires time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO enrol_codes (code_hash, person, expires) VALUES (?, ?, ?)",
			codeHash, person, expires.UnixMilli())
		return err
	})
}

// CheckEnrolCode implements Backend.
func (s *SQLite) CheckEnrolCode(ctx context.Context, codeHash []byte, device string, now time.Time) error {
	var expires int64
	var used sql.NullString
	err := s.r.QueryRowContext(ctx, "SELECT expires, used_by FROM enrol_codes WHERE code_hash = ?", codeHash).Scan(&expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrBadCode
	}
	if err != nil {
		return err
	}
	return codeState(used.Valid, used.String, expires, device, now)
}

// codeState is the rule both backends apply to a code's row: usable once,
// before it expires, or again by the device that used it (a retry after a
// lost answer).
func codeState(used bool, usedBy string, expires int64, device string, now time.Time) error {
	if used && usedBy == device {
		return nil
	}
	if used || now.UnixMilli() >= expires {
		return ErrBadCode
	}
	return nil
}

// Enrol implements Backend.
func (s *SQLite) Enrol(ctx context.Context, codeHash []byte, d Device, now time.Time) (Device, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var person string
		var expires int64
		var used sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT person, expires, used_by FROM enrol_codes WHERE code_hash = ?", codeHash).
			Scan(&person, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadCode
		}
		if err != nil {
			return err
		}
		if used.Valid && used.String == d.ID {
			// The same device retrying after a lost response: answer again.
			d.Person = person
			return nil
		}
		if used.Valid || now.UnixMilli() >= expires {
			return ErrBadCode
		}
		d.Person = person
		if _, err := tx.ExecContext(ctx, "UPDATE enrol_codes SET used_by = ? WHERE code_hash = ?", d.ID, codeHash); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO devices (id, person, key, name, enrolled) VALUES (?, ?, ?, ?, ?)`,
			d.ID, d.Person, []byte(d.Key), d.Name, now.UnixMilli())
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("%w: device %s is already enrolled", ErrExists, d.ID)
		}
		return err
	})
	if err != nil {
		return Device{}, err
	}
	d.Enrolled = now
	return d, nil
}

// Device implements Backend.
func (s *SQLite) Device(ctx context.Context, id string) (Device, error) {
	var d Device
	var key []byte
	var enrolled int64
	var revoked sql.NullInt64
	var personRevoked int
	err := s.r.QueryRowContext(ctx, `SELECT d.id, d.person, d.key, d.name, d.enrolled, d.revoked,
		EXISTS (SELECT 1 FROM revoked_people p WHERE p.person = d.person)
		FROM devices d WHERE d.id = ?`, id).Scan(&d.ID, &d.Person, &key, &d.Name, &enrolled, &revoked, &personRevoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, ErrNotFound
	}
	if err != nil {
		return Device{}, err
	}
	d.Key = key
	d.Enrolled = time.UnixMilli(enrolled).UTC()
	d.Revoked = revoked.Valid
	d.PersonRevoked = personRevoked != 0
	return d, nil
}

// RevokeDevice implements Backend.
func (s *SQLite) RevokeDevice(ctx context.Context, id string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE devices SET revoked = coalesce(revoked, ?) WHERE id = ?", at.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("device %s: %w", id, ErrNotFound)
		}
		return nil
	})
}

// RevokePerson implements Backend.
func (s *SQLite) RevokePerson(ctx context.Context, person string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO revoked_people (person, revoked) VALUES (?, ?) ON CONFLICT DO NOTHING", person, at.UnixMilli())
		return err
	})
}

// UseNonce implements Backend.
func (s *SQLite) UseNonce(ctx context.Context, device, nonce string, at, purgeBefore time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO nonces (device, nonce, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			device, nonce, at.UnixMilli())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrReplay
		}
		// Bounded so that one request never pays for a long backlog.
		_, err = tx.ExecContext(ctx, `DELETE FROM nonces WHERE (device, nonce) IN
			(SELECT device, nonce FROM nonces WHERE at < ? LIMIT 100)`, purgeBefore.UnixMilli())
		return err
	})
}

// Push implements Backend.
func (s *SQLite) Push(ctx context.Context, items []Item, at time.Time) ([]Stored, error) {
	out := make([]Stored, len(items))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		if id, err := s.disposedAmong(ctx, tx, withParents(items, ids)); err != nil || id != "" {
			if err == nil {
				err = &DisposedError{ID: pushedUnder(items, id)}
			}
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO envelopes (id, hash, author, device, received, data)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`)
		if err != nil {
			return err
		}
		defer ins.Close()
		// Recipients are written after the envelopes, many rows per
		// statement: one statement per recipient cost as much as the
		// envelope itself.
		var rkeys []any
		for i, it := range items {
			var seq int64
			err := ins.QueryRowContext(ctx, it.ID, it.Hash, it.Author, it.Device, at.UnixMilli(), it.Data).Scan(&seq)
			if errors.Is(err, sql.ErrNoRows) {
				var held Stored
				var recv int64
				if err := tx.QueryRowContext(ctx, "SELECT seq, hash, received FROM envelopes WHERE id = ?", it.ID).
					Scan(&held.Seq, &held.Hash, &recv); err != nil {
					return err
				}
				if held.Hash != it.Hash {
					return &ConflictError{ID: it.ID}
				}
				out[i] = Stored{Seq: held.Seq, ID: it.ID, Hash: held.Hash, Received: time.UnixMilli(recv).UTC()}
				continue
			}
			if err != nil {
				return err
			}
			for _, k := range it.Recipients {
				rkeys = append(rkeys, k, seq)
			}
			if it.Parent != "" {
				if _, err := tx.ExecContext(ctx, "INSERT INTO parents (envelope_id, parent_id) VALUES (?, ?) ON CONFLICT DO NOTHING", it.ID, it.Parent); err != nil {
					return err
				}
			}
			out[i] = Stored{Seq: seq, ID: it.ID, Hash: it.Hash, Received: time.UnixMilli(at.UnixMilli()).UTC()}
		}
		return insertRecipients(ctx, tx, rkeys)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recipientRows is how many (key_id, seq) rows go in one INSERT; SQLite
// allows 32,766 bound values.
const recipientRows = 500

// insertRecipients writes (key_id, seq) pairs given flat in args.
func insertRecipients(ctx context.Context, tx *sql.Tx, args []any) error {
	for len(args) > 0 {
		n := min(len(args)/2, recipientRows)
		q := "INSERT INTO recipients (key_id, seq) VALUES (?, ?)" + strings.Repeat(", (?, ?)", n-1) + " ON CONFLICT DO NOTHING"
		if _, err := tx.ExecContext(ctx, q, args[:2*n]...); err != nil {
			return err
		}
		args = args[2*n:]
	}
	return nil
}

// Pull implements Backend.
func (s *SQLite) Pull(ctx context.Context, keys []string, after int64, limit int) ([]Stored, error) {
	if len(keys) == 0 || limit <= 0 {
		return nil, nil
	}
	q := `SELECT e.seq, e.id, e.hash, e.received, e.data FROM envelopes e WHERE e.seq IN (
		SELECT DISTINCT seq FROM recipients WHERE key_id IN (?` + strings.Repeat(",?", len(keys)-1) + `) AND seq > ?
		ORDER BY seq LIMIT ?) ORDER BY e.seq`
	args := make([]any, 0, len(keys)+2)
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, after, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var st Stored
		var recv int64
		if err := rows.Scan(&st.Seq, &st.ID, &st.Hash, &recv, &st.Data); err != nil {
			return nil, err
		}
		st.Received = time.UnixMilli(recv).UTC()
		out = append(out, st)
	}
	return out, rows.Err()
}

// Get implements Backend.
func (s *SQLite) Get(ctx context.Context, id string) (Stored, error) {
	var st Stored
	var recv int64
	err := s.r.QueryRowContext(ctx, "SELECT seq, id, hash, received, data FROM envelopes WHERE id = ? AND length(data) > 0", id).
		Scan(&st.Seq, &st.ID, &st.Hash, &recv, &st.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return Stored{}, ErrNotFound
	}
	st.Received = time.UnixMilli(recv).UTC()
	return st, err
}

// Count implements Backend.
func (s *SQLite) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM envelopes").Scan(&n)
	return n, err
}
