package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"safeguard/companion/testclock"
)

// testClock is a settable clock for outbox due times.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "p1", DBFileName), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testEnvelope makes an envelope whose bytes are derived from its id, so a
// reader can check them without remembering what was written.
func testEnvelope(id string, size int) Envelope {
	body := make([]byte, size)
	for i := range body {
		body[i] = byte(i*7) ^ id[i%len(id)]
	}
	return Envelope{
		ID:        id,
		Kind:      "record",
		AuthorKey: "key-author-1",
		Created:   time.UnixMilli(1_700_000_000_000).UTC(),
		Header:    []byte("hdr:" + id),
		Body:      body,
	}
}

func TestOpenSettings(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	// Every pragma but journal_mode and user_version is per connection:
	// check the writer and a reader.
	checks := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"},
		{"secure_delete", "1"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"user_version", fmt.Sprint(mustLatest(t))},
	}
	for _, c := range checks {
		for _, db := range []struct {
			name string
			q    func() (string, error)
		}{
			{"writer", func() (string, error) {
				var v string
				err := s.w.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&v)
				return v, err
			}},
			{"reader", func() (string, error) {
				var v string
				err := s.r.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&v)
				return v, err
			}},
		} {
			got, err := db.q()
			if err != nil {
				t.Fatalf("%s PRAGMA %s: %v", db.name, c.pragma, err)
			}
			if got != c.want {
				t.Errorf("%s PRAGMA %s = %q, want %q", db.name, c.pragma, got, c.want)
			}
		}
	}
	st, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	// Windows has no Unix permission bits (Go reports 0666 for any file
	// that is not read-only): there the folder under the user's profile,
	// which only they and administrators can open, protects the database.
	if m := st.Mode().Perm(); runtime.GOOS != "windows" && m != 0o600 {
		t.Errorf("db file mode %o, want 600", m)
	}
	dst, err := os.Stat(filepath.Dir(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	if m := dst.Mode().Perm(); runtime.GOOS != "windows" && m != 0o700 {
		t.Errorf("db dir mode %o, want 700", m)
	}
}

func mustLatest(t testing.TB) int {
	t.Helper()
	m, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

func TestOpenTightensLooseFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits to tighten: the folder under the user's profile protects the database")
	}
	path := filepath.Join(t.TempDir(), DBFileName)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, _ := os.Stat(path)
	if m := st.Mode().Perm(); m != 0o600 {
		t.Errorf("mode %o, want 600", m)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), DBFileName)
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutEnvelope(ctx, testEnvelope("e1", 100)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.PutEnvelope(ctx, testEnvelope("e2", 100)); !errors.Is(err, ErrClosed) {
		t.Errorf("put after close: %v, want ErrClosed", err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetEnvelope(ctx, "e1"); err != nil {
		t.Fatal(err)
	}
}

func TestPutEnvelopeAppendOnly(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	base := testEnvelope("rec-1", 4096)
	if err := s.PutEnvelope(ctx, base); err != nil {
		t.Fatal(err)
	}
	changed := func(f func(*Envelope)) Envelope {
		e := base
		e.Header = bytes.Clone(base.Header)
		e.Body = bytes.Clone(base.Body)
		f(&e)
		return e
	}
	tests := []struct {
		name string
		e    Envelope
		want error
	}{
		{"same bytes", changed(func(*Envelope) {}), nil},
		{"same bytes, other priority", changed(func(e *Envelope) { e.Priority = PriorityUrgent }), nil},
		{"body byte", changed(func(e *Envelope) { e.Body[10] ^= 1 }), ErrConflict},
		{"body length", changed(func(e *Envelope) { e.Body = e.Body[:100] }), ErrConflict},
		{"header", changed(func(e *Envelope) { e.Header = []byte("other") }), ErrConflict},
		{"kind", changed(func(e *Envelope) { e.Kind = "incident" }), ErrConflict},
		{"author", changed(func(e *Envelope) { e.AuthorKey = "key-2" }), ErrConflict},
		{"created", changed(func(e *Envelope) { e.Created = e.Created.Add(time.Millisecond) }), ErrConflict},
		{"parent", changed(func(e *Envelope) { e.ParentID = "rec-0" }), ErrConflict},
		{"empty id", changed(func(e *Envelope) { e.ID = "" }), ErrInvalid},
		{"space in kind", changed(func(e *Envelope) { e.Kind = "free text" }), ErrInvalid},
		{"empty body", changed(func(e *Envelope) { e.Body = nil }), ErrInvalid},
		{"own parent", changed(func(e *Envelope) { e.ParentID = e.ID }), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.PutEnvelope(ctx, tt.e)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("PutEnvelope: %v, want %v", err, tt.want)
			}
		})
	}
	got, err := s.GetEnvelope(ctx, base.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body, base.Body) || !bytes.Equal(got.Header, base.Header) || got.Kind != base.Kind ||
		!got.Created.Equal(base.Created) || got.Hash != envelopeHash(base.Header, base.Body) {
		t.Fatalf("stored envelope changed: %+v", got)
	}
	if n, _ := s.CountEnvelopes(ctx, Filter{}); n != 1 {
		t.Errorf("count %d, want 1", n)
	}
	if n, _ := s.CountOutbox(ctx); n != 1 {
		t.Errorf("outbox %d, want 1 (a repeated put must not queue twice)", n)
	}
	if _, err := s.GetEnvelope(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetEnvelope(missing): %v, want ErrNotFound", err)
	}
}

func TestTriggersForbidRewrites(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if err := s.PutEnvelope(ctx, testEnvelope("e1", 10)); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, Event{Actor: "k1", Action: ActionCreated, SubjectID: "e1"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE envelopes SET body = x'00'",
		"DELETE FROM envelopes",
		"DELETE FROM outbox",
		"UPDATE audit SET actor = 'x'",
		"DELETE FROM audit",
	} {
		if _, err := s.w.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: succeeded, want refused by trigger", q)
		}
	}
}

func TestListEnvelopes(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i := range 25 {
		e := testEnvelope(fmt.Sprintf("e%02d", i), 50+i)
		if i%5 == 0 {
			e.Kind = "incident"
		}
		if i == 7 {
			e.ParentID = "e03"
			e.Kind = "addendum"
		}
		if i%2 == 1 {
			e.AuthorKey = "key-author-2"
		}
		if err := s.PutEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// Paging walks everything exactly once, in save order.
	var ids []string
	f := Filter{Limit: 7}
	for {
		page, err := s.ListEnvelopes(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			ids = append(ids, e.ID)
			want := testEnvelope(e.ID, len(e.Body))
			if !bytes.Equal(e.Body, want.Body) {
				t.Fatalf("%s: body differs", e.ID)
			}
		}
		f.After = page[len(page)-1].Seq
	}
	if len(ids) != 25 || ids[0] != "e00" || ids[24] != "e24" {
		t.Fatalf("paged ids = %v", ids)
	}
	tests := []struct {
		name string
		f    Filter
		want int
	}{
		{"all", Filter{}, 25},
		{"kind", Filter{Kind: "incident"}, 5},
		{"author", Filter{AuthorKey: "key-author-2"}, 12},
		{"parent", Filter{ParentID: "e03"}, 1},
		{"kind and author", Filter{Kind: "incident", AuthorKey: "key-author-2"}, 2},
		{"none", Filter{Kind: "nothing"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.CountEnvelopes(ctx, tt.f)
			if err != nil || n != tt.want {
				t.Fatalf("CountEnvelopes = %d, %v; want %d", n, err, tt.want)
			}
			got := 0
			for _, err := range s.Envelopes(ctx, tt.f) {
				if err != nil {
					t.Fatal(err)
				}
				got++
			}
			if got != tt.want {
				t.Fatalf("Envelopes yielded %d, want %d", got, tt.want)
			}
		})
	}
	// Stopping early releases the read transaction; a write still works.
	for range s.Envelopes(ctx, Filter{}) {
		break
	}
	if err := s.PutEnvelope(ctx, testEnvelope("late", 10)); err != nil {
		t.Fatal(err)
	}
}

func TestOutbox(t *testing.T) {
	clock := &testClock{t: time.UnixMilli(1_750_000_000_000)}
	s := openTest(t, WithClock(clock.now))
	ctx := context.Background()
	put := func(id string, prio int) {
		t.Helper()
		e := testEnvelope(id, 64)
		e.Priority = prio
		if err := s.PutEnvelope(ctx, e); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Millisecond)
	}
	put("n1", PriorityNormal)
	put("n2", PriorityNormal)
	put("u1", PriorityUrgent)
	put("n3", PriorityNormal)
	put("u2", PriorityUrgent)
	// Received envelopes never enter the outbox.
	if err := s.PutReceivedEnvelope(ctx, testEnvelope("from-hub", 64)); err != nil {
		t.Fatal(err)
	}

	ids := func(limit int) []string {
		t.Helper()
		items, err := s.NextOutbox(ctx, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.Envelope.ID)
		}
		return out
	}
	if got := fmt.Sprint(ids(10)); got != "[u1 u2 n1 n2 n3]" {
		t.Fatalf("order %s", got)
	}
	if got := fmt.Sprint(ids(2)); got != "[u1 u2]" {
		t.Fatalf("limit 2: %s", got)
	}

	// Deferred entries wait for their time.
	if err := s.DeferOutbox(ctx, "u1", clock.now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(10)); got != "[u2 n1 n2 n3]" {
		t.Fatalf("after defer: %s", got)
	}
	clock.advance(time.Minute)
	items, err := s.NextOutbox(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Envelope.ID != "u1" || items[0].Attempts != 1 || items[0].Priority != PriorityUrgent {
		t.Fatalf("after the delay: %+v", items[0])
	}
	if err := s.DeferOutbox(ctx, "from-hub", clock.now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("defer of a non-queued envelope: %v, want ErrNotFound", err)
	}

	// Acknowledge takes the envelope out with its receipt, and only so.
	tests := []struct {
		name    string
		id      string
		receipt []byte
		want    error
	}{
		{"empty receipt", "u2", nil, ErrInvalid},
		{"unknown envelope", "ghost", []byte("r"), ErrNotFound},
		{"ok", "u2", []byte("receipt-u2"), nil},
		{"again, other bytes: first kept", "u2", []byte("receipt-u2-again"), nil},
		{"received envelope", "from-hub", []byte("r"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Acknowledge(ctx, tt.id, tt.receipt)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Acknowledge: %v, want %v", err, tt.want)
			}
		})
	}
	r, err := s.Receipt(ctx, "u2")
	if err != nil || string(r) != "receipt-u2" {
		t.Fatalf("Receipt = %q, %v", r, err)
	}
	if _, err := s.Receipt(ctx, "n1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Receipt(n1): %v, want ErrNotFound", err)
	}
	if got := fmt.Sprint(ids(10)); got != "[u1 n1 n2 n3]" {
		t.Fatalf("after ack: %s", got)
	}
	// Acknowledged envelopes stay in the store.
	if n, _ := s.CountEnvelopes(ctx, Filter{}); n != 6 {
		t.Fatalf("envelopes %d, want 6", n)
	}
}

func TestDrafts(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	t0 := time.UnixMilli(1_750_000_000_000).UTC()
	for i, d := range []Draft{
		{ID: "d1", Kind: "record", Updated: t0, Ciphertext: []byte("c1")},
		{ID: "d2", Kind: "plan", Updated: t0.Add(time.Second), Ciphertext: []byte("c2")},
		{ID: "d1", Kind: "record", Updated: t0.Add(2 * time.Second), Ciphertext: []byte("c1-v2")},
	} {
		if err := s.SaveDraft(ctx, d); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	d, err := s.LoadDraft(ctx, "d1")
	if err != nil || string(d.Ciphertext) != "c1-v2" || !d.Updated.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("LoadDraft = %+v, %v", d, err)
	}
	all, err := s.ListDrafts(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "d1" || all[1].ID != "d2" {
		t.Fatalf("ListDrafts = %+v, %v", all, err)
	}
	for _, bad := range []Draft{
		{ID: "", Kind: "k", Ciphertext: []byte("c")},
		{ID: "x", Kind: "", Ciphertext: []byte("c")},
		{ID: "x", Kind: "k"},
	} {
		if err := s.SaveDraft(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SaveDraft(%+v): %v, want ErrInvalid", bad, err)
		}
	}

	// SaveRecord: the record is saved, queued and the draft gone, together.
	e := testEnvelope("signed-from-d1", 100)
	signed := Event{Actor: "key-author-1", Action: ActionSigned, SubjectID: e.ID}
	if err := s.SaveRecord(ctx, "d1", e, signed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadDraft(ctx, "d1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("draft after commit: %v, want ErrNotFound", err)
	}
	if n, _ := s.CountOutbox(ctx); n != 1 {
		t.Fatalf("outbox %d, want 1", n)
	}
	// A conflicting commit keeps the draft: nothing is lost.
	bad := testEnvelope("signed-from-d1", 101)
	if err := s.SaveRecord(ctx, "d2", bad, signed); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflicting SaveRecord: %v, want ErrConflict", err)
	}
	if _, err := s.LoadDraft(ctx, "d2"); err != nil {
		t.Fatalf("draft d2 lost after a failed commit: %v", err)
	}
	if err := s.DeleteDraft(ctx, "d2"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDraft(ctx, "d2"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if all, _ := s.ListDrafts(ctx); len(all) != 0 {
		t.Fatalf("drafts left: %+v", all)
	}
}

func TestSettings(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.Setting(ctx, "directory.version"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing setting: %v", err)
	}
	for _, v := range []string{"7", "8"} {
		if err := s.SetSetting(ctx, "directory.version", v); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.Setting(ctx, "directory.version"); err != nil || v != "8" {
		t.Fatalf("Setting = %q, %v", v, err)
	}
	if err := s.SetSetting(ctx, "has space", "x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad key: %v", err)
	}
}

func TestCheck(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i := range 20 {
		if err := s.PutEnvelope(ctx, testEnvelope(fmt.Sprintf("e%d", i), 3000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentWritesAndReads(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if err := s.PutEnvelope(ctx, testEnvelope(fmt.Sprintf("w%d-%d", w, i), 500)); err != nil {
					errs <- err
					return
				}
				if err := s.Audit(ctx, Event{Actor: fmt.Sprintf("k%d", w), Action: ActionCreated}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			for _, err := range s.Envelopes(ctx, Filter{}) {
				if err != nil {
					errs <- err
					return
				}
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, _ := s.CountEnvelopes(ctx, Filter{}); n != 100 {
		t.Fatalf("count %d, want 100", n)
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMigrations(t *testing.T) {
	if _, err := loadMigrations(migrationFS); err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	file := &fstest.MapFile{Data: []byte("SELECT 1;")}
	tests := []struct {
		name  string
		files []string
		ok    bool
	}{
		{"contiguous", []string{"0001_a.sql", "0002_b.sql"}, true},
		{"other files ignored", []string{"0001_a.sql", "README.md"}, true},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, false},
		{"duplicate", []string{"0001_a.sql", "0001_b.sql"}, false},
		{"starts at 2", []string{"0002_a.sql"}, false},
		{"no underscore", []string{"0001.sql"}, false},
		{"short number", []string{"1_a.sql"}, false},
		{"zero", []string{"0000_a.sql"}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"migrations": &fstest.MapFile{Mode: fs.ModeDir}}
			for _, f := range tt.files {
				fsys["migrations/"+f] = file
			}
			_, err := loadMigrations(fsys)
			if (err == nil) != tt.ok {
				t.Fatalf("loadMigrations: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestCheckpointAfterPause(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	size := func() int64 {
		st, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := size()
	for i := range 10 {
		if err := s.PutEnvelope(ctx, testEnvelope(fmt.Sprintf("e%d", i), 4000)); err != nil {
			t.Fatal(err)
		}
	}
	if got := size(); got != before {
		t.Logf("main file grew before the pause (%d -> %d): an automatic checkpoint ran", before, got)
	}
	// The pages reach the main file once saves pause.
	deadlineWatch, deadlineWithin := testclock.NewStopwatch(), checkpointIdle+3*time.Second
	for size() < before+10*4000 {
		if !deadlineWatch.Within(deadlineWithin) {
			t.Fatalf("main file still %d bytes %v after the last save: no background checkpoint", size(), checkpointIdle+3*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SaveRecord: envelope, outbox entry, draft removal and audit event are one
// transaction; a conflict leaves all four as they were.
func TestSaveRecord(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.SaveDraft(ctx, Draft{ID: "d1", Kind: "session", Ciphertext: []byte("c")}); err != nil {
		t.Fatal(err)
	}
	ev := Event{Actor: "key1", Action: ActionSigned, SubjectID: "rec-1"}
	if err := s.SaveRecord(ctx, "d1", testEnvelope("rec-1", 100), ev); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadDraft(ctx, "d1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("draft after save: %v", err)
	}
	if n, _ := s.CountOutbox(ctx); n != 1 {
		t.Errorf("outbox %d", n)
	}
	evs, err := s.AuditEvents(ctx, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Action != ActionSigned || evs[0].SubjectID != "rec-1" {
		t.Fatalf("audit %+v %v", evs, err)
	}
	// A conflicting record: nothing of the save happens, the audit chain
	// included.
	if err := s.SaveRecord(ctx, "", testEnvelope("rec-1", 101), ev); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	if evs, _ := s.AuditEvents(ctx, 0, 10); len(evs) != 1 {
		t.Errorf("audit events after a refused save: %d", len(evs))
	}
	// Free text cannot reach the chain.
	bad := Event{Actor: "key1", Action: "signed", SubjectID: "has spaces in it"}
	if err := s.SaveRecord(ctx, "", testEnvelope("rec-2", 100), bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("event with free text: %v", err)
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}
