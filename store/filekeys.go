package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// FileKey is one record's file key, sealed by crypto.KeyCache, for
// RememberFileKeys (see Envelope.FileKey).
type FileKey struct {
	EnvelopeID string
	Sealed     []byte
}

// RememberFileKeys keeps sealed file keys beside their envelopes, in one
// transaction, replacing any kept before. A key for an envelope the store
// does not hold is ErrNotFound, and then nothing of the batch is kept.
func (s *Store) RememberFileKeys(ctx context.Context, keys []FileKey) error {
	for _, k := range keys {
		if len(k.Sealed) == 0 {
			return fmt.Errorf("store: remember file key of %s: %w: empty", k.EnvelopeID, ErrInvalid)
		}
	}
	if len(keys) == 0 {
		return s.usable()
	}
	return s.write(ctx, "remember file keys", func(tx *sql.Tx) error {
		exists, err := tx.PrepareContext(ctx, "SELECT 1 FROM envelopes WHERE id = ?")
		if err != nil {
			return err
		}
		defer exists.Close()
		put := tx.StmtContext(ctx, s.stmts.rememberFileKey)
		defer put.Close()
		for _, k := range keys {
			var one int
			err := exists.QueryRowContext(ctx, k.EnvelopeID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("envelope %s: %w", k.EnvelopeID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if _, err := put.ExecContext(ctx, k.EnvelopeID, k.Sealed); err != nil {
				return err
			}
		}
		return nil
	})
}
