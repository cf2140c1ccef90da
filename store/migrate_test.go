package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"safeguard/companion/testclock"
)

// A database at schema 1 with queued records and receipts opens at the
// current schema with nothing lost: every envelope, the outbox in the same
// order with its attempts, the receipts, the audit chain, and the rule that
// a record leaves the outbox only with its receipt.
func TestMigrateFromSchema1KeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p1", DBFileName)
	migs, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	// The schema-1 database: migration 0001 alone, then data written as
	// that version wrote it.
	s1 := &Store{path: path, now: testclock.NewRunning(testclock.Start()).Now}
	if err := s1.openWriterOnly(migs[:1]); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"c", "a", "b"} { // the same enqueue time: ties go by save order
		e := testEnvelope(id, 64+i)
		hash := envelopeHash(e.Header, e.Body)
		if _, err := s1.w.ExecContext(ctx, `INSERT INTO envelopes (id, kind, author_key, created, parent_id, header, body, hash)
			VALUES (?, ?, ?, ?, NULL, ?, ?, ?)`, e.ID, e.Kind, e.AuthorKey, unixMilli(e.Created), e.Header, e.Body, hash[:]); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.w.ExecContext(ctx, `INSERT INTO outbox (envelope_id, priority, enqueued, attempts) VALUES (?, 0, 1000, ?)`, id, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s1.w.ExecContext(ctx, `INSERT INTO receipts (envelope_id, received, receipt) VALUES ('a', 1, x'01')`); err != nil {
		t.Fatal(err)
	}
	if err := s1.w.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatalf("open a schema-1 database: %v", err)
	}
	defer s.Close()
	items, err := s.NextOutbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, it := range items {
		order = append(order, it.Envelope.ID)
		if want := map[string]int{"c": 0, "a": 1, "b": 2}[it.Envelope.ID]; it.Attempts != want {
			t.Errorf("%s: attempts %d, want %d", it.Envelope.ID, it.Attempts, want)
		}
	}
	if len(order) != 3 || order[0] != "c" || order[1] != "a" || order[2] != "b" {
		t.Errorf("outbox order after the upgrade = %v, want [c a b]", order)
	}
	if r, err := s.Receipt(ctx, "a"); err != nil || len(r) != 1 {
		t.Errorf("receipt after the upgrade: %v %v", r, err)
	}
	// The trigger came through the table's rebuild.
	if _, err := s.w.ExecContext(ctx, "DELETE FROM outbox WHERE envelope_id = 'b'"); err == nil {
		t.Error("an outbox entry left without its receipt after the upgrade")
	}
	if err := s.Acknowledge(ctx, "c", []byte("receipt")); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountOutbox(ctx); n != 2 {
		t.Errorf("outbox holds %d after one acknowledgement, want 2", n)
	}
	if err := s.Check(ctx); err != nil {
		t.Errorf("integrity after the upgrade: %v", err)
	}
	var v int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != len(migs) {
		t.Errorf("schema version %d, %v", v, err)
	}
	if _, err := s.GetEnvelope(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetEnvelope of a missing id: %v", err)
	}
}

// openWriterOnly opens just the write connection at the given migrations,
// for making databases at an older schema in tests.
func (s *Store) openWriterOnly(migs []migration) error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	w, err := sql.Open("sqlite", s.path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	s.w = w
	return s.migrate(context.Background(), migs)
}
