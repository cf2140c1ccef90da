package hub

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pgEnv is synctest.PGEnv (synctest imports this package).
const pgEnv = "COMPANION_TEST_PG_URL"

func TestMigrationsAreNumberedWithoutGaps(t *testing.T) {
	for _, dir := range []string{"migrations/sqlite", "migrations/postgres"} {
		if _, err := loadMigrations(migrationFS, dir); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
	sq, _ := loadMigrations(migrationFS, "migrations/sqlite")
	pg, _ := loadMigrations(migrationFS, "migrations/postgres")
	if len(sq) != len(pg) {
		t.Errorf("SQLite has %d migrations and PostgreSQL %d: the two backends keep the same tables", len(sq), len(pg))
	}
}

// A hub database made before migrations (the schema, no version) adopts
// them and keeps its records; a fresh one is at the latest version; one a
// newer hub has upgraded is refused.
func TestSQLiteMigrations(t *testing.T) {
	ctx := context.Background()
	migs, err := loadMigrations(migrationFS, "migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "hub.db")
	raw, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(migs[0].sql); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("INSERT INTO envelopes (id, hash, author, device, received, data) VALUES ('env-1', 'h', 'a', 'd', 1, x'00')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatalf("a database made before migrations: %v", err)
	}
	if n, err := db.Count(ctx); err != nil || n != 1 {
		t.Fatalf("its record: %d, %v", n, err)
	}
	var v int
	if err := db.w.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(migs) {
		t.Fatalf("user_version %d, %v; want %d", v, err, len(migs))
	}
	if _, err := db.w.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := OpenSQLite(ctx, dir); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("a database from a newer hub: %v", err)
	}

	fresh, err := OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.w.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(migs) {
		t.Fatalf("fresh: user_version %d, %v", v, err)
	}
}

func TestPostgresMigrations(t *testing.T) {
	url := os.Getenv(pgEnv)
	if url == "" {
		t.Skip(pgEnv + " is not set, so the PostgreSQL backend is not tested here; scripts/with-postgres.sh sets it")
	}
	ctx := context.Background()
	migs, err := loadMigrations(migrationFS, "migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE") }()
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	schemaURL := url + sep + "search_path=" + schema
	if _, err := c.Exec(ctx, "SET search_path = "+schema); err != nil {
		t.Fatal(err)
	}
	// The schema as a hub made it before migrations, with a record.
	if _, err := c.Exec(ctx, migs[0].sql); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "INSERT INTO envelopes (seq, id, hash, author, device, received, data) VALUES (1, 'env-1', 'h', 'a', 'd', 1, '\\x00')"); err != nil {
		t.Fatal(err)
	}
	db, err := OpenPostgres(ctx, schemaURL)
	if err != nil {
		t.Fatalf("a database made before migrations: %v", err)
	}
	if n, err := db.Count(ctx); err != nil || n != 1 {
		t.Fatalf("its record: %d, %v", n, err)
	}
	db.Close()
	var v int
	if err := c.QueryRow(ctx, "SELECT max(version) FROM hub_schema").Scan(&v); err != nil || v != len(migs) {
		t.Fatalf("version %d, %v; want %d", v, err, len(migs))
	}
	// Opening again applies nothing twice.
	db, err = OpenPostgres(ctx, schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := c.Exec(ctx, "INSERT INTO hub_schema (version, name, applied) VALUES (999, '0999_future.sql', 0)"); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenPostgres(ctx, schemaURL); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("a database from a newer hub: %v", err)
	}
}
