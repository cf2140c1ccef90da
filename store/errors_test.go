package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

func TestClassify(t *testing.T) {
	real := realDriverErrors(t)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"SQLITE_FULL", real[sqlite3.SQLITE_FULL], ErrDiskFull},
		{"SQLITE_READONLY", real[sqlite3.SQLITE_READONLY], ErrReadOnly},
		{"SQLITE_NOTADB", real[sqlite3.SQLITE_NOTADB], ErrCorrupt},
		{"wrapped", fmt.Errorf("exec: %w", real[sqlite3.SQLITE_FULL]), ErrDiskFull},
		{"ENOSPC", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, ErrDiskFull},
		{"EROFS", &os.PathError{Op: "open", Path: "x", Err: syscall.EROFS}, ErrReadOnly},
		{"EACCES", &os.PathError{Op: "open", Path: "x", Err: syscall.EACCES}, ErrReadOnly},
		{"already classified", fmt.Errorf("x: %w", ErrConflict), ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify("save envelope", tt.err)
			if !errors.Is(got, tt.want) {
				t.Fatalf("classify = %v, want %v", got, tt.want)
			}
			if !errors.Is(got, tt.err) {
				t.Fatalf("classify lost the cause: %v", got)
			}
			t.Logf("%v", got)
		})
	}
	if err := classify("x", errors.New("other")); kindOf(err) != nil {
		t.Fatalf("an unrelated error was classified: %v", err)
	}
	if classify("x", nil) != nil {
		t.Fatal("classify(nil) != nil")
	}
}

// realDriverErrors provokes real *sqlite.Error values from the driver,
// since it has no exported constructor, so that TestClassify breaks if the
// driver's error type or code reporting changes. SQLITE_CORRUPT is provoked
// for real by TestCorruptPages.
func realDriverErrors(t *testing.T) map[int]error {
	t.Helper()
	dir := t.TempDir()
	out := map[int]error{}
	get := func(code int, provoke func() error) {
		t.Helper()
		err := provoke()
		var se *sqlite.Error
		if !errors.As(err, &se) {
			t.Fatalf("code %d: got %v, not a *sqlite.Error", code, err)
		}
		if se.Code()&0xff != code {
			t.Fatalf("code %d: driver reported %d (%v)", code, se.Code(), err)
		}
		out[code] = err
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	get(sqlite3.SQLITE_FULL, func() error {
		if _, err := db.ExecContext(ctx, "CREATE TABLE t (b BLOB)"); err != nil {
			return err
		}
		var n int
		if err := db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n); err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n)); err != nil {
			return err
		}
		_, err := db.ExecContext(ctx, "INSERT INTO t VALUES (zeroblob(100000))")
		return err
	})
	get(sqlite3.SQLITE_READONLY, func() error {
		if _, err := db.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
			return err
		}
		_, err := db.ExecContext(ctx, "INSERT INTO t VALUES (x'00')")
		return err
	})
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 400), 0o600); err != nil {
		t.Fatal(err)
	}
	get(sqlite3.SQLITE_NOTADB, func() error {
		j, err := sql.Open("sqlite", junk)
		if err != nil {
			return err
		}
		defer j.Close()
		_, err = j.ExecContext(ctx, "SELECT * FROM sqlite_master")
		return err
	})
	return out
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenNotADatabase(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"text", bytes.Repeat([]byte("hello, this is not a database\n"), 300)},
		{"short", []byte("SQLite")},
		{"zeros", make([]byte, 8192)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), DBFileName)
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v, want ErrCorrupt", err)
			}
			t.Logf("message: %v", err)
			if !bytes.Equal(fileBytes(t, path), tt.data) {
				t.Fatal("Open changed a file it refused")
			}
			if _, err := os.Stat(path + "-wal"); err == nil {
				t.Fatal("Open created a WAL beside a file it refused")
			}
		})
	}
}

func TestCorruptPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), DBFileName)
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		if err := s.PutEnvelope(ctx, testEnvelope(fmt.Sprintf("e%03d", i), 3000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Scribble over the middle of the file, as a failing disk might.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte{0xA5}, 4096*8)
	if _, err := f.WriteAt(junk, 4096*10); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, err = Open(path)
	if err != nil {
		// Damage reached what Open reads: it must still be named.
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open: %v, want nil or ErrCorrupt", err)
		}
		return
	}
	defer s.Close()
	err = s.Check(ctx)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Check: %v, want ErrCorrupt", err)
	}
	t.Logf("Check: %v", err)
	// Reading over the damage is named too, not a bare driver error.
	var listErr error
	for _, err := range s.Envelopes(ctx, Filter{}) {
		if err != nil {
			listErr = err
			break
		}
	}
	if listErr != nil && !errors.Is(listErr, ErrCorrupt) {
		t.Fatalf("list over damaged pages: %v, want ErrCorrupt", listErr)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	latest := mustLatest(t)
	ctx := context.Background()

	t.Run("in the file header", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), DBFileName)
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutEnvelope(ctx, testEnvelope("keep-me", 100)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", latest+1)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		before := fileBytes(t, path)
		_, err = Open(path)
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open: %v, want ErrNewerSchema", err)
		}
		t.Logf("message: %v", err)
		if !bytes.Equal(before, fileBytes(t, path)) {
			t.Fatal("Open changed a newer database")
		}
	})

	t.Run("only in the WAL", func(t *testing.T) {
		// A newer app upgraded the schema and crashed before the WAL was
		// checkpointed: the main file's header still shows the old version.
		src := filepath.Join(t.TempDir(), DBFileName)
		s, err := Open(src)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, q := range []string{"PRAGMA wal_autocheckpoint = 0", fmt.Sprintf("PRAGMA user_version = %d", latest+1)} {
			if _, err := s.w.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		dst := filepath.Join(t.TempDir(), DBFileName)
		for _, suffix := range []string{"", "-wal"} {
			if err := os.WriteFile(dst+suffix, fileBytes(t, src+suffix), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_, err = Open(dst)
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open: %v, want ErrNewerSchema", err)
		}
	})
}

// mountTmpfs mounts a size-limited tmpfs at a new directory and unmounts it
// at the end of the test. It reports false, with the reason, when this
// process cannot mount (not root, or no mount permission in a container).
func mountTmpfs(t *testing.T, size string) (string, bool) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Logf("cannot mount tmpfs: not root")
		return "", false
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Logf("cannot mount tmpfs: %v: %s", err, out)
		return "", false
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir, true
}

// savedSet is what a test has been told is saved, to check after reopening.
type savedSet struct {
	envelopes []string
	drafts    []string
	audits    int
}

func (w *savedSet) check(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after reopen: %v", err)
	}
	for _, id := range w.envelopes {
		e, err := s.GetEnvelope(ctx, id)
		if err != nil {
			t.Fatalf("saved envelope %s: %v", id, err)
		}
		if !bytes.Equal(e.Body, testEnvelope(id, len(e.Body)).Body) {
			t.Fatalf("saved envelope %s: body differs", id)
		}
	}
	for _, id := range w.drafts {
		if _, err := s.LoadDraft(ctx, id); err != nil {
			t.Fatalf("saved draft %s: %v", id, err)
		}
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	if seq, _, _ := s.AuditHead(ctx); seq < int64(w.audits) {
		t.Fatalf("audit has %d events, %d were saved", seq, w.audits)
	}
	t.Logf("after reopening: all %d envelopes, %d drafts, %d audit events present; integrity ok",
		len(w.envelopes), len(w.drafts), w.audits)
}

// fill saves envelopes, drafts and audit events until one fails, and
// returns that error.
func (w *savedSet) fill(s *Store, prefix string, max int) error {
	ctx := context.Background()
	for i := range max {
		id := fmt.Sprintf("%s-%04d", prefix, i)
		if err := s.PutEnvelope(ctx, testEnvelope(id, 4096)); err != nil {
			return err
		}
		w.envelopes = append(w.envelopes, id)
		if err := s.SaveDraft(ctx, Draft{ID: "d-" + id, Kind: "record", Ciphertext: bytes.Repeat([]byte{1}, 1000)}); err != nil {
			return err
		}
		w.drafts = append(w.drafts, "d-"+id)
		if err := s.Audit(ctx, Event{Actor: "k1", Action: ActionCreated, SubjectID: id}); err != nil {
			return err
		}
		w.audits++
	}
	return nil
}

func TestDiskFull(t *testing.T) {
	t.Run("tmpfs of 512 KiB", func(t *testing.T) {
		dir, ok := mountTmpfs(t, "512k")
		if !ok {
			t.Skip("needs root and mount permission for a size-limited tmpfs; the max_page_count case still runs")
		}
		path := filepath.Join(dir, DBFileName)
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var w savedSet
		err = w.fill(s, "e", 1000)
		if !errors.Is(err, ErrDiskFull) {
			s.Close()
			t.Fatalf("after %d envelopes: %v, want ErrDiskFull", len(w.envelopes), err)
		}
		t.Logf("full after %d envelopes: %v", len(w.envelopes), err)
		// Still full: further saves fail the same way, reads still work.
		if err := s.PutEnvelope(context.Background(), testEnvelope("one-more", 4096)); !errors.Is(err, ErrDiskFull) {
			t.Errorf("save on a full disk: %v, want ErrDiskFull", err)
		}
		if n, err := s.CountEnvelopes(context.Background(), Filter{}); err != nil || n != len(w.envelopes) {
			t.Errorf("count on a full disk = %d, %v; want %d", n, err, len(w.envelopes))
		}
		s.Close() // may fail to checkpoint on a full disk: the WAL keeps the data
		w.check(t, path)
	})

	t.Run("max_page_count", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), DBFileName)
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var pages int
		if err := s.w.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		// max_page_count is per connection; the writer is the only one
		// that writes.
		if _, err := s.w.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+40)); err != nil {
			t.Fatal(err)
		}
		var w savedSet
		err = w.fill(s, "e", 1000)
		if !errors.Is(err, ErrDiskFull) {
			t.Fatalf("after %d envelopes: %v, want ErrDiskFull", len(w.envelopes), err)
		}
		t.Logf("full after %d envelopes: %v", len(w.envelopes), err)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		w.check(t, path)
	})
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()

	t.Run("read-only file system", func(t *testing.T) {
		dir, ok := mountTmpfs(t, "16m")
		if !ok {
			t.Skip("needs root and mount permission to remount a tmpfs read-only")
		}
		path := filepath.Join(dir, "p1", DBFileName)
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var w savedSet
		if err := w.fill(s, "e", 20); err != nil {
			t.Fatal(err)
		}
		// An open writable file blocks a read-only remount (EBUSY), so
		// the disk turns read-only between sessions here; the mid-session
		// case is below.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		before := fileBytes(t, path)
		if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot remount read-only: %v: %s", err, out)
		}
		_, err = Open(path)
		if !errors.Is(err, ErrReadOnly) {
			t.Fatalf("Open on a read-only disk: %v, want ErrReadOnly", err)
		}
		t.Logf("message: %v", err)
		// A new person's database on the read-only disk: the same.
		if _, err := Open(filepath.Join(dir, "p2", DBFileName)); !errors.Is(err, ErrReadOnly) {
			t.Fatalf("Open of a new database on a read-only disk: %v, want ErrReadOnly", err)
		}
		if out, err := exec.Command("mount", "-o", "remount,rw", dir).CombinedOutput(); err != nil {
			t.Fatalf("remount rw: %v: %s", err, out)
		}
		if !bytes.Equal(before, fileBytes(t, path)) {
			t.Fatal("the file changed while read-only")
		}
		w.check(t, path)
	})

	t.Run("read-only folder, not root", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores file permissions; the read-only file system case covers this")
		}
		if os.Getenv("COMPANION_WINE_AS_ROOT") == "1" {
			t.Skip("Wine is running as the Unix root user, whom Linux lets write to a read-only file; " +
				"the read-only file system case covers this on Linux")
		}
		dir := filepath.Join(t.TempDir(), "p1")
		path := filepath.Join(dir, DBFileName)
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var w savedSet
		if err := w.fill(s, "e", 5); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := os.Chmod(path, 0o400); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		_, err = Open(path)
		os.Chmod(dir, 0o700)
		os.Chmod(path, 0o600)
		if !errors.Is(err, ErrReadOnly) {
			t.Fatalf("Open: %v, want ErrReadOnly", err)
		}
		w.check(t, path)
	})

	t.Run("becomes read-only mid-session", func(t *testing.T) {
		// The OS will not remount a disk read-only under an open writer,
		// so this makes SQLite itself refuse writes on the open writer
		// connection (query_only answers SQLITE_READONLY, the code a
		// read-only file gives), then checks nothing saved is lost.
		path := filepath.Join(t.TempDir(), DBFileName)
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var w savedSet
		if err := w.fill(s, "e", 10); err != nil {
			t.Fatal(err)
		}
		if _, err := s.w.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			op   func() error
		}{
			{"envelope", func() error { return s.PutEnvelope(ctx, testEnvelope("late", 4096)) }},
			{"draft", func() error {
				return s.SaveDraft(ctx, Draft{ID: "late", Kind: "record", Ciphertext: []byte{1}})
			}},
			{"audit", func() error { return s.Audit(ctx, Event{Actor: "k1", Action: ActionViewed}) }},
			{"acknowledge", func() error { return s.Acknowledge(ctx, w.envelopes[0], []byte("r")) }},
			{"setting", func() error { return s.SetSetting(ctx, "k", "v") }},
		}
		for _, tt := range tests {
			if err := tt.op(); !errors.Is(err, ErrReadOnly) {
				t.Errorf("%s: %v, want ErrReadOnly", tt.name, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		w.check(t, path)
	})
}
