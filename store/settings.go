package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SetSetting stores a small piece of non-sensitive app state, such as the
// pinned directory version. It is plaintext on disk: never put content,
// names or keys here.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	if err := validToken(key); err != nil {
		return fmt.Errorf("store: save setting: %w: key: %w", ErrInvalid, err)
	}
	return s.write(ctx, "save setting", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// Setting returns a setting's value, or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	if err := s.usable(); err != nil {
		return "", err
	}
	var v string
	err := s.r.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: setting %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return "", classify("read setting", err)
	}
	return v, nil
}
