package hub

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The hub's schema is a series of embedded SQL migrations, one series per
// backend (migrations/sqlite, migrations/postgres), numbered 0001, 0002 ...
// as in store/migrations. SQLite records how far it is in PRAGMA
// user_version; PostgreSQL in the hub_schema table. A database newer than
// this hub knows is refused: an old hub must not write to it.

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// ErrNewerSchema: the database was upgraded by a newer hub.
var ErrNewerSchema = errors.New("the hub database was made by a newer version of the hub; upgrade this hub")

// migration is one embedded NNNN_name.sql file.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads and orders a backend's migrations, insisting on
// versions 1, 2, 3 ... with no gap or duplicate.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
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
			return nil, fmt.Errorf("migration %s/%s: name must be NNNN_name.sql", dir, name)
		}
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s/%s: %w", dir, name, err)
		}
		migs = append(migs, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s/%s: expected version %04d", dir, m.name, i+1)
		}
	}
	if len(migs) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	return migs, nil
}

// migrateSQLite applies the pending SQLite migrations on the writer, each
// in its own transaction with its user_version, so a crash leaves the
// schema at a whole version.
func migrateSQLite(ctx context.Context, w *sql.DB) error {
	migs, err := loadMigrations(migrationFS, "migrations/sqlite")
	if err != nil {
		return err
	}
	var current int
	if err := w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read the schema version: %w", err)
	}
	if current > len(migs) {
		return fmt.Errorf("%w (schema %d, this hub knows up to %d)", ErrNewerSchema, current, len(migs))
	}
	for _, m := range migs[current:] {
		tx, err := w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			_ = tx.Rollback() // void either way
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		// PRAGMA takes no bound parameters; version is an int we formatted.
		if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
			_ = tx.Rollback() // void either way
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// migratePostgres applies the pending PostgreSQL migrations inside tx,
// which holds the advisory lock that serialises hub processes starting at
// once; DDL is transactional there, so all or none apply.
func migratePostgres(ctx context.Context, tx pgx.Tx) error {
	migs, err := loadMigrations(migrationFS, "migrations/postgres")
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS hub_schema (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)`); err != nil {
		return err
	}
	var current int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM hub_schema").Scan(&current); err != nil {
		return fmt.Errorf("read the schema version: %w", err)
	}
	if current > len(migs) {
		return fmt.Errorf("%w (schema %d, this hub knows up to %d)", ErrNewerSchema, current, len(migs))
	}
	for _, m := range migs[current:] {
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		// The server's clock only labels when it was applied; nothing reads it.
		if _, err := tx.Exec(ctx, "INSERT INTO hub_schema (version, name, applied) VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)", m.version, m.name); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}
