package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pushLock is the advisory lock id that serialises pushes. Sequence numbers
// are assigned under it, inside the transaction, so they become visible in
// order: a puller's cursor can never pass a sequence number that a slower
// concurrent transaction would commit later (which a plain sequence allows).
const pushLock = 0x5347_4331 // "SGC1"

// Postgres is the backend for organisations running several hub processes.
type Postgres struct {
	pool *pgPool
}

// pgPool is a small connection pool over pgx.Conn. pgx's own pool needs
// modules this project does not otherwise carry; a hub needs only this.
type pgPool struct {
	cfg  *pgx.ConnConfig
	sem  chan struct{}
	idle chan *pgx.Conn
}

func newPGPool(cfg *pgx.ConnConfig, size int) *pgPool {
	return &pgPool{cfg: cfg, sem: make(chan struct{}, size), idle: make(chan *pgx.Conn, size)}
}

// with runs fn on a connection. A connection left closed, busy or inside a
// transaction (a cancelled query, a broken socket) is discarded, not reused.
func (p *pgPool) with(ctx context.Context, fn func(*pgx.Conn) error) error {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.sem }()
	var c *pgx.Conn
	select {
	case c = <-p.idle:
	default:
	}
	if c == nil || c.IsClosed() {
		var err error
		if c, err = pgx.ConnectConfig(ctx, p.cfg); err != nil {
			return fmt.Errorf("connect to PostgreSQL: %w", err)
		}
	}
	err := fn(c)
	if c.IsClosed() || c.PgConn().IsBusy() || c.PgConn().TxStatus() != 'I' {
		c.Close(context.Background())
		return err
	}
	select {
	case p.idle <- c:
	default:
		c.Close(context.Background())
	}
	return err
}

func (p *pgPool) close() {
	for {
		select {
		case c := <-p.idle:
			c.Close(context.Background())
		default:
			return
		}
	}
}

// tx runs fn in one transaction on a pooled connection.
func (p *pgPool) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return p.with(ctx, func(c *pgx.Conn) error { return pgx.BeginFunc(ctx, c, fn) })
}

func (p *pgPool) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := p.with(ctx, func(c *pgx.Conn) error {
		var err error
		tag, err = c.Exec(ctx, sql, args...)
		return err
	})
	return tag, err
}

func (p *pgPool) queryRow(ctx context.Context, sql string, args []any, dest ...any) error {
	return p.with(ctx, func(c *pgx.Conn) error { return c.QueryRow(ctx, sql, args...).Scan(dest...) })
}

// OpenPostgres connects and creates the schema if needed.
func OpenPostgres(ctx context.Context, url string) (*Postgres, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL with its password: say less.
		return nil, errors.New("hub: the PostgreSQL connection string does not parse")
	}
	pool := newPGPool(cfg, 8)
	// Several hub processes may start at once; serialise migrations.
	err = pool.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", pushLock+1); err != nil {
			return err
		}
		if err := migratePostgres(ctx, tx); err != nil {
			return err
		}
		return backfillPostgresParents(ctx, tx)
	})
	if err != nil {
		pool.close()
		return nil, fmt.Errorf("hub: create schema in PostgreSQL: %w", err)
	}
	return &Postgres{pool: pool}, nil
}

// Close implements Backend.
func (p *Postgres) Close() error { p.pool.close(); return nil }

// Config implements Backend.
func (p *Postgres) Config(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := p.pool.queryRow(ctx, "SELECT value FROM config WHERE key = $1", []any{key}, &v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return v, err
}

// InitConfig implements Backend.
func (p *Postgres) InitConfig(ctx context.Context, kv map[string][]byte) error {
	return p.pool.tx(ctx, func(tx pgx.Tx) error {
		for k, v := range kv {
			tag, err := tx.Exec(ctx, "INSERT INTO config (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING", k, v)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("%w: %s", ErrExists, k)
			}
		}
		return nil
	})
}

// LatestDirectory implements Backend.
func (p *Postgres) LatestDirectory(ctx context.Context) (uint64, []byte, error) {
	var v int64
	var b []byte
	err := p.pool.queryRow(ctx, "SELECT version, signed FROM directories ORDER BY version DESC LIMIT 1", []any{}, &v, &b)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, ErrNotFound
	}
	return uint64(v), b, err
}

// LatestDirectoryVersion implements Backend.
func (p *Postgres) LatestDirectoryVersion(ctx context.Context) (uint64, error) {
	var v int64
	err := p.pool.queryRow(ctx, "SELECT coalesce(max(version), 0) FROM directories", []any{}, &v)
	return uint64(v), err
}

// AddDirectory implements Backend.
func (p *Postgres) AddDirectory(ctx context.Context, version uint64, signed []byte, at time.Time) error {
	return p.pool.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "INSERT INTO directories (version, signed, published) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
			int64(version), signed, at.UnixMilli())
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var old []byte
		if err := tx.QueryRow(ctx, "SELECT signed FROM directories WHERE version = $1", int64(version)).Scan(&old); err != nil {
			return err
		}
		if !bytes.Equal(old, signed) {
			return fmt.Errorf("%w: directory version %d", ErrExists, version)
		}
		return nil
	})
}

// AddEnrolCode implements Backend.
func (p *Postgres) AddEnrolCode(ctx context.Context, codeHash []byte, person string, expires time.Time) error {
	_, err := p.pool.exec(ctx, "INSERT INTO enrol_codes (code_hash, person, expires) VALUES ($1, $2, $3)",
		codeHash, person, expires.UnixMilli())
	return err
}

// CheckEnrolCode implements Backend.
func (p *Postgres) CheckEnrolCode(ctx context.Context, codeHash []byte, device string, now time.Time) error {
	var expires int64
	var used *string
	err := p.pool.queryRow(ctx, "SELECT expires, used_by FROM enrol_codes WHERE code_hash = $1", []any{codeHash}, &expires, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrBadCode
	}
	if err != nil {
		return err
	}
	return codeState(used != nil, deref(used), expires, device, now)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Enrol implements Backend.
func (p *Postgres) Enrol(ctx context.Context, codeHash []byte, d Device, now time.Time) (Device, error) {
	err := p.pool.tx(ctx, func(tx pgx.Tx) error {
		var person string
		var expires int64
		var used *string
		err := tx.QueryRow(ctx, "SELECT person, expires, used_by FROM enrol_codes WHERE code_hash = $1 FOR UPDATE", codeHash).
			Scan(&person, &expires, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBadCode
		}
		if err != nil {
			return err
		}
		d.Person = person
		if used != nil && *used == d.ID {
			return nil // the same device retrying after a lost response
		}
		if used != nil || now.UnixMilli() >= expires {
			return ErrBadCode
		}
		if _, err := tx.Exec(ctx, "UPDATE enrol_codes SET used_by = $1 WHERE code_hash = $2", d.ID, codeHash); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO devices (id, person, key, name, enrolled) VALUES ($1, $2, $3, $4, $5)",
			d.ID, d.Person, []byte(d.Key), d.Name, now.UnixMilli())
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
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
func (p *Postgres) Device(ctx context.Context, id string) (Device, error) {
	var d Device
	var key []byte
	var enrolled int64
	var revoked *int64
	err := p.pool.queryRow(ctx, `SELECT d.id, d.person, d.key, d.name, d.enrolled, d.revoked,
		EXISTS (SELECT 1 FROM revoked_people r WHERE r.person = d.person)
		FROM devices d WHERE d.id = $1`, []any{id}, &d.ID, &d.Person, &key, &d.Name, &enrolled, &revoked, &d.PersonRevoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return Device{}, ErrNotFound
	}
	if err != nil {
		return Device{}, err
	}
	d.Key = key
	d.Enrolled = time.UnixMilli(enrolled).UTC()
	d.Revoked = revoked != nil
	return d, nil
}

// RevokeDevice implements Backend.
func (p *Postgres) RevokeDevice(ctx context.Context, id string, at time.Time) error {
	tag, err := p.pool.exec(ctx, "UPDATE devices SET revoked = coalesce(revoked, $1) WHERE id = $2", at.UnixMilli(), id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	return nil
}

// RevokePerson implements Backend.
func (p *Postgres) RevokePerson(ctx context.Context, person string, at time.Time) error {
	_, err := p.pool.exec(ctx, "INSERT INTO revoked_people (person, revoked) VALUES ($1, $2) ON CONFLICT DO NOTHING", person, at.UnixMilli())
	return err
}

// UseNonce implements Backend.
func (p *Postgres) UseNonce(ctx context.Context, device, nonce string, at, purgeBefore time.Time) error {
	tag, err := p.pool.exec(ctx, "INSERT INTO nonces (device, nonce, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		device, nonce, at.UnixMilli())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrReplay
	}
	// Purging is housekeeping: a failure here must not refuse the request.
	_, _ = p.pool.exec(ctx, `DELETE FROM nonces WHERE (device, nonce) IN
		(SELECT device, nonce FROM nonces WHERE at < $1 LIMIT 100)`, purgeBefore.UnixMilli())
	return nil
}

// Pull implements Backend.
func (p *Postgres) Pull(ctx context.Context, keys []string, after int64, limit int) ([]Stored, error) {
	if len(keys) == 0 || limit <= 0 {
		return nil, nil
	}
	var out []Stored
	err := p.pool.with(ctx, func(c *pgx.Conn) error {
		// Each key's next limit seqs from the (key_id, seq) primary key,
		// merged: a page costs limit index entries a key however many
		// records follow. "key_id = ANY($1) AND seq > $2 ORDER BY seq"
		// instead read every later row of the keys and sorted them, so a
		// page near the start of a million records took 270 ms, not 6 ms,
		// and the pull slowed as the hub grew (issue 18; EXPLAIN ANALYZE
		// in README, Scale).
		rows, err := c.Query(ctx, `SELECT e.seq, e.id, e.hash, e.received, e.data FROM envelopes e WHERE e.seq IN (
			SELECT DISTINCT r.seq FROM unnest($1::text[]) AS k(key_id) CROSS JOIN LATERAL (
				SELECT seq FROM recipients WHERE recipients.key_id = k.key_id AND seq > $2 ORDER BY seq LIMIT $3) r
			ORDER BY r.seq LIMIT $3) ORDER BY e.seq`,
			keys, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st Stored
			var recv int64
			if err := rows.Scan(&st.Seq, &st.ID, &st.Hash, &recv, &st.Data); err != nil {
				return err
			}
			st.Received = time.UnixMilli(recv).UTC()
			out = append(out, st)
		}
		return rows.Err()
	})
	return out, err
}

// Get implements Backend.
func (p *Postgres) Get(ctx context.Context, id string) (Stored, error) {
	var st Stored
	var recv int64
	err := p.pool.queryRow(ctx, "SELECT seq, id, hash, received, data FROM envelopes WHERE id = $1 AND octet_length(data) > 0", []any{id}, &st.Seq, &st.ID, &st.Hash, &recv, &st.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return Stored{}, ErrNotFound
	}
	st.Received = time.UnixMilli(recv).UTC()
	return st, err
}

// Count implements Backend.
func (p *Postgres) Count(ctx context.Context) (int64, error) {
	var n int64
	err := p.pool.queryRow(ctx, "SELECT count(*) FROM envelopes", []any{}, &n)
	return n, err
}

// Push implements Backend. Under the push lock it reads which of the ids
// the hub already holds (one indexed lookup for the batch), refuses the
// push if any is held with another hash, assigns the new records their
// sequence numbers in order, and writes them and their recipients with
// COPY: a third less server CPU than one INSERT over unnested arrays with
// ON CONFLICT, and the client encodes rows in 64 KB chunks instead of
// growing one parameter of several MB. The unique id index still backs the
// check: a row COPY would duplicate fails the whole transaction.
func (p *Postgres) Push(ctx context.Context, items []Item, at time.Time) ([]Stored, error) {
	out := make([]Stored, len(items))
	recv := at.UnixMilli()
	received := time.UnixMilli(recv).UTC()
	err := p.pool.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", pushLock); err != nil {
			return err
		}
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		if id, err := pgDisposedAmong(ctx, tx, withParents(items, ids)); err != nil || id != "" {
			if err == nil {
				err = &DisposedError{ID: pushedUnder(items, id)}
			}
			return err
		}
		held := make(map[string]Stored, len(items))
		rows, err := tx.Query(ctx, "SELECT seq, id, hash, received FROM envelopes WHERE id = ANY($1)", ids)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s Stored
			var r int64
			if err := rows.Scan(&s.Seq, &s.ID, &s.Hash, &r); err != nil {
				rows.Close()
				return err
			}
			s.Received = time.UnixMilli(r).UTC()
			held[s.ID] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var next int64
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) + 1 FROM envelopes").Scan(&next); err != nil {
			return err
		}
		var envRows, rcptRows, parentRows [][]any
		for i, it := range items {
			if h, ok := held[it.ID]; ok {
				if h.Hash != it.Hash {
					return &ConflictError{ID: it.ID}
				}
				out[i] = h
				continue
			}
			s := Stored{Seq: next, ID: it.ID, Hash: it.Hash, Received: received}
			next++
			held[it.ID] = s
			out[i] = s
			envRows = append(envRows, []any{s.Seq, it.ID, it.Hash, it.Author, it.Device, recv, it.Data})
			if it.Parent != "" {
				parentRows = append(parentRows, []any{it.ID, it.Parent})
			}
			for j, k := range it.Recipients {
				if !slices.Contains(it.Recipients[:j], k) {
					rcptRows = append(rcptRows, []any{k, s.Seq})
				}
			}
		}
		if len(envRows) == 0 {
			return nil
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"envelopes"}, []string{"seq", "id", "hash", "author", "device", "received", "data"},
			pgx.CopyFromRows(envRows)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"recipients"}, []string{"key_id", "seq"}, pgx.CopyFromRows(rcptRows)); err != nil {
			return err
		}
		if len(parentRows) == 0 {
			return nil
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"parents"}, []string{"envelope_id", "parent_id"}, pgx.CopyFromRows(parentRows))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
