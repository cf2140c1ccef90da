package hub

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Disposal on the hub (issue 16): a DSL's signed tombstone, verified by the
// server against the directory, empties the envelopes of a record disposed
// of. The envelope row stays as a stub (seq, id, hash, no data, no
// recipients) so that no sequence number is given out twice and a copy
// pushed again is recognised and refused; the tombstone is kept and served
// to every device, which deletes its own copies.

// Dispose implements Backend. SQLite runs with secure_delete, so the
// ciphertext's pages are overwritten, and the WAL is checkpointed and
// truncated after the commit, so no earlier image of them survives in it.
func (s *SQLite) Dispose(ctx context.Context, d Disposal, at time.Time) (StoredTombstone, error) {
	var out StoredTombstone
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var recv int64
		err := tx.QueryRowContext(ctx, "SELECT seq, record_id, signed, received FROM tombstones WHERE record_id = ?", d.RecordID).
			Scan(&out.Seq, &out.RecordID, &out.Signed, &recv)
		if err == nil {
			out.Received = time.UnixMilli(recv).UTC()
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.QueryRowContext(ctx, "INSERT INTO tombstones (record_id, signed, received) VALUES (?, ?, ?) RETURNING seq",
			d.RecordID, d.Signed, at.UnixMilli()).Scan(&out.Seq); err != nil {
			return err
		}
		out.RecordID, out.Signed, out.Received = d.RecordID, d.Signed, time.UnixMilli(at.UnixMilli()).UTC()
		fam, err := sqliteFamily(ctx, tx, d)
		if err != nil {
			return err
		}
		for _, id := range fam {
			if _, err := tx.ExecContext(ctx, "INSERT INTO disposed (envelope_id, tombstone_seq) VALUES (?, ?) ON CONFLICT DO NOTHING", id, out.Seq); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM recipients WHERE seq = (SELECT seq FROM envelopes WHERE id = ?)", id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE envelopes SET data = x'' WHERE id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return StoredTombstone{}, err
	}
	return out, s.truncateWAL(ctx)
}

// truncateWAL checkpoints every frame into the database file and empties
// the WAL, retrying while a reader holds an old snapshot.
func (s *SQLite) truncateWAL(ctx context.Context) error {
	for range 50 {
		var busy, logFrames, done int
		if err := s.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
			return err
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("the write-ahead log could not be emptied: a reader holds it")
}

// Tombstones implements Backend.
func (s *SQLite) Tombstones(ctx context.Context, after int64, limit int) ([]StoredTombstone, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT seq, record_id, signed, received FROM tombstones WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredTombstone
	for rows.Next() {
		var t StoredTombstone
		var recv int64
		if err := rows.Scan(&t.Seq, &t.RecordID, &t.Signed, &recv); err != nil {
			return nil, err
		}
		t.Received = time.UnixMilli(recv).UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// disposedAmong returns the first of ids a tombstone named, or "".
func (s *SQLite) disposedAmong(ctx context.Context, tx *sql.Tx, ids []string) (string, error) {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		var id string
		err := tx.QueryRowContext(ctx, "SELECT envelope_id FROM disposed WHERE envelope_id IN (?"+strings.Repeat(",?", n-1)+") LIMIT 1", args...).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		ids = ids[n:]
	}
	return "", nil
}

// tombstoneLock serialises tombstone writers, so seq numbers become visible
// in order (see pushLock).
const tombstoneLock = pushLock + 2

// Dispose implements Backend. PostgreSQL keeps a deleted row's old version
// until VACUUM reclaims it: the organisation's DBA schedules VACUUM (and
// encrypts the volume); the hub holds ciphertext only either way.
func (p *Postgres) Dispose(ctx context.Context, d Disposal, at time.Time) (StoredTombstone, error) {
	var out StoredTombstone
	err := p.pool.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", tombstoneLock); err != nil {
			return err
		}
		var recv int64
		err := tx.QueryRow(ctx, "SELECT seq, record_id, signed, received FROM tombstones WHERE record_id = $1", d.RecordID).
			Scan(&out.Seq, &out.RecordID, &out.Signed, &recv)
		if err == nil {
			out.Received = time.UnixMilli(recv).UTC()
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO tombstones (seq, record_id, signed, received)
			VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM tombstones), $1, $2, $3) RETURNING seq`,
			d.RecordID, d.Signed, at.UnixMilli()).Scan(&out.Seq); err != nil {
			return err
		}
		out.RecordID, out.Signed, out.Received = d.RecordID, d.Signed, time.UnixMilli(at.UnixMilli()).UTC()
		fam, err := pgFamily(ctx, tx, d)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO disposed (envelope_id, tombstone_seq) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING", fam, out.Seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM recipients WHERE seq IN (SELECT seq FROM envelopes WHERE id = ANY($1))", fam); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE envelopes SET data = '\\x'::bytea WHERE id = ANY($1)", fam)
		return err
	})
	if err != nil {
		return StoredTombstone{}, err
	}
	return out, nil
}

// Tombstones implements Backend.
func (p *Postgres) Tombstones(ctx context.Context, after int64, limit int) ([]StoredTombstone, error) {
	var out []StoredTombstone
	err := p.pool.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, "SELECT seq, record_id, signed, received FROM tombstones WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t StoredTombstone
			var recv int64
			if err := rows.Scan(&t.Seq, &t.RecordID, &t.Signed, &recv); err != nil {
				return err
			}
			t.Received = time.UnixMilli(recv).UTC()
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// pgDisposedAmong returns the first of ids a tombstone named, or "".
func pgDisposedAmong(ctx context.Context, tx pgx.Tx, ids []string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, "SELECT envelope_id FROM disposed WHERE envelope_id = ANY($1) LIMIT 1", ids).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}
