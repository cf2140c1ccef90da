package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

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

// A database at schema 4 (the outbox with its outbox_order index) holding
// queued records opens at the current schema with its outbox whole and in
// the same order (priority, then enqueue time, then save order, due ones
// only), without the index (migration 0005), and takes saves after.
func TestMigrateFromSchema4KeepsTheOutbox(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p1", DBFileName)
	migs, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	clock := testclock.NewRunning(testclock.Start())
	s4 := &Store{path: path, now: clock.Now}
	if err := s4.openWriterOnly(migs[:4]); err != nil {
		t.Fatal(err)
	}
	s4.stmts, err = prepare(ctx, s4.w)
	if err != nil {
		t.Fatal(err)
	}
	// Saved through the schema-4 statements, as that version saved them.
	queued := []struct {
		id       string
		priority int
		enqueued int64
		next     int64
	}{
		{"late-normal", PriorityNormal, 3000, 0},
		{"urgent", PriorityUrgent, 5000, 0},
		{"early-normal-b", PriorityNormal, 1000, 0},
		{"deferred", PriorityUrgent, 1000, unixMilli(clock.Now().Add(time.Hour))},
		{"early-normal-a", PriorityNormal, 1000, 0}, // the same time as b, saved after it
	}
	for _, q := range queued {
		e := testEnvelope(q.id, 9400)
		e.FileKey = []byte("sealed key")
		e.Priority = q.priority
		if err := s4.SaveRecord(ctx, "", e, Event{Actor: "key-1", Action: ActionSigned, SubjectID: q.id}); err != nil {
			t.Fatal(err)
		}
		if _, err := s4.w.ExecContext(ctx, "UPDATE outbox SET enqueued = ?, next_attempt = ? WHERE envelope_id = ?", q.enqueued, q.next, q.id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s4.stmts.close(); err != nil {
		t.Fatal(err)
	}
	if err := s4.w.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path, WithClock(clock.Now))
	if err != nil {
		t.Fatalf("open a schema-4 database: %v", err)
	}
	defer s.Close()
	var v, indexes int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != len(migs) {
		t.Errorf("schema version %d, %v", v, err)
	}
	if err := s.w.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'outbox_order'").Scan(&indexes); err != nil || indexes != 0 {
		t.Errorf("outbox_order after the upgrade: %d, %v", indexes, err)
	}
	order := func() []string {
		t.Helper()
		items, err := s.NextOutbox(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range items {
			ids = append(ids, it.Envelope.ID)
			if want := testEnvelope(it.Envelope.ID, 9400); !bytes.Equal(it.Envelope.Body, want.Body) {
				t.Errorf("%s: body changed in the upgrade", it.Envelope.ID)
			}
		}
		return ids
	}
	if got, want := order(), []string{"urgent", "early-normal-b", "early-normal-a", "late-normal"}; !slices.Equal(got, want) {
		t.Errorf("outbox order after the upgrade = %v, want %v", got, want)
	}
	if n, err := s.CountOutbox(ctx); err != nil || n != len(queued) {
		t.Errorf("outbox holds %d (%v), want %d", n, err, len(queued))
	}
	if e, err := s.GetEnvelope(ctx, "urgent"); err != nil || string(e.FileKey) != "sealed key" {
		t.Errorf("file key after the upgrade: %q, %v", e.FileKey, err)
	}
	// A save after the upgrade queues behind the others of its priority;
	// an urgent one with a limit of one comes first.
	late := testEnvelope("after-upgrade", 9400)
	if err := s.SaveRecord(ctx, "", late, Event{Actor: "key-1", Action: ActionSigned, SubjectID: late.ID}); err != nil {
		t.Fatal(err)
	}
	if got := order(); len(got) != 5 || got[4] != "after-upgrade" {
		t.Errorf("outbox order after a save = %v", got)
	}
	if items, err := s.NextOutbox(ctx, 1); err != nil || len(items) != 1 || items[0].Envelope.ID != "urgent" {
		t.Errorf("NextOutbox(1) after the upgrade: %v", err)
	}
	if err := s.Acknowledge(ctx, "urgent", []byte("receipt")); err != nil {
		t.Fatal(err)
	}
	if got, want := order(), []string{"early-normal-b", "early-normal-a", "late-normal", "after-upgrade"}; !slices.Equal(got, want) {
		t.Errorf("outbox order after an acknowledgement = %v, want %v", got, want)
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Errorf("integrity after the upgrade: %v", err)
	}
}
