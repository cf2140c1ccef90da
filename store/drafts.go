package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Draft is work in progress, autosaved while a session is live. Ciphertext
// is already encrypted by the caller; the store never sees the plaintext.
type Draft struct {
	ID         string
	Kind       string
	Updated    time.Time
	Ciphertext []byte
}

// KeptBeside ends the id of a draft kept beside a record, under the
// record's id: words typed for its boxes and not yet used (a review's
// comment, a case action; issue 20). Such a draft goes when the record is
// disposed of (Dispose).
const KeptBeside = ".words"

// SaveDraft creates or replaces a draft and returns once it is durable.
// secure_delete is on, so the bytes of the version it replaces are zeroed
// in the database file rather than left in free pages.
func (s *Store) SaveDraft(ctx context.Context, d Draft) error {
	if err := validToken(d.ID); err != nil {
		return fmt.Errorf("store: save draft: %w: id: %w", ErrInvalid, err)
	}
	if err := validToken(d.Kind); err != nil {
		return fmt.Errorf("store: save draft: %w: kind: %w", ErrInvalid, err)
	}
	if len(d.Ciphertext) == 0 {
		return fmt.Errorf("store: save draft %s: %w: empty ciphertext", d.ID, ErrInvalid)
	}
	return s.write(ctx, "save draft", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO drafts (id, kind, updated, ciphertext) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, updated = excluded.updated,
			ciphertext = excluded.ciphertext`,
			d.ID, d.Kind, unixMilli(d.Updated), d.Ciphertext)
		return err
	})
}

// LoadDraft returns one draft, or ErrNotFound.
func (s *Store) LoadDraft(ctx context.Context, id string) (Draft, error) {
	if err := s.usable(); err != nil {
		return Draft{}, err
	}
	d, err := scanDraft(s.r.QueryRowContext(ctx, "SELECT id, kind, updated, ciphertext FROM drafts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, fmt.Errorf("store: draft %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Draft{}, classify("read draft", err)
	}
	return d, nil
}

func scanDraft(row scanner) (Draft, error) {
	var (
		d       Draft
		updated int64
	)
	if err := row.Scan(&d.ID, &d.Kind, &updated, &d.Ciphertext); err != nil {
		return Draft{}, err
	}
	d.Updated = fromMilli(updated)
	return d, nil
}

// ListDrafts returns every draft, most recently updated first, for offering
// to restore after a crash. Drafts are few, so they come whole.
func (s *Store) ListDrafts(ctx context.Context) ([]Draft, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT id, kind, updated, ciphertext FROM drafts ORDER BY updated DESC, id")
	if err != nil {
		return nil, classify("list drafts", err)
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, classify("list drafts", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("list drafts", err)
	}
	return out, nil
}

// DeleteDraft removes a draft, for use once the signed record made from it
// is saved (SaveRecord does both in one step) or when the user discards
// it. Deleting a draft that does not exist succeeds: the outcome is the one
// asked for.
func (s *Store) DeleteDraft(ctx context.Context, id string) error {
	return s.write(ctx, "delete draft", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM drafts WHERE id = ?", id)
		return err
	})
}
