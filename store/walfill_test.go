package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// walSize is the WAL file's size, or -1 when there is none.
func walSize(t *testing.T, s *Store) int64 {
	t.Helper()
	fi, err := os.Stat(s.Path() + "-wal")
	if os.IsNotExist(err) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// walHeader is the WAL's 32-byte header: its salts change each time SQLite
// starts the WAL again from its beginning.
func walHeader(t *testing.T, s *Store) []byte {
	t.Helper()
	f, err := os.Open(s.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := make([]byte, 32)
	if _, err := f.ReadAt(h, 0); err != nil {
		t.Fatal(err)
	}
	return h
}

// waitFor polls cond every 50 ms for up to 20 s: the store's background
// work runs after checkpointIdle (1 s) without saves.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 400 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waited 20 s for %s", what)
}

// The WAL's space is allocated at the first pause after the store opens, so saves rewrite
// blocks the file already has and never make it grow (no file system
// journal commit in their fsync); after Dispose empties the WAL it is
// filled again. What was saved reads back after reopening: the zeros after
// the WAL's frames are never taken for frames.
func TestWALSpaceAllocatedAhead(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	path := s.Path()
	waitFor(t, "the WAL to be filled", func() bool { return walSize(t, s) == walSizeLimit })
	ev := Event{Actor: "key-1", Action: ActionSigned}
	for i := range 60 {
		id := fmt.Sprintf("r%03d", i)
		ev.SubjectID = id
		if err := s.SaveRecord(ctx, "", testEnvelope(id, 9000), ev); err != nil {
			t.Fatal(err)
		}
		if n := walSize(t, s); n != walSizeLimit {
			t.Fatalf("after save %d the WAL is %d bytes, want %d (it grew)", i, n, walSizeLimit)
		}
	}
	if err := s.truncateWAL(ctx); err != nil {
		t.Fatal(err)
	}
	if n := walSize(t, s); n != 0 {
		t.Fatalf("emptied WAL is %d bytes", n)
	}
	waitFor(t, "the emptied WAL to be filled again", func() bool { return walSize(t, s) == walSizeLimit })
	if err := s.SaveRecord(ctx, "", testEnvelope("r-after", 9000), ev); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n, err := s2.CountEnvelopes(ctx, Filter{}); err != nil || n != 61 {
		t.Fatalf("after reopening: %d envelopes, %v; want 61", n, err)
	}
	if err := s2.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// After a pause the background checkpoint copies the WAL back and starts
// it again itself, so the next save appends its frames to a WAL whose
// header is already written and synced: SQLite would otherwise write and
// fsync a new header inside that save, before its frames (two fsyncs for
// one save; in use saves come seconds apart, so after a pause each time).
func TestSaveAfterPauseKeepsTheWALHeader(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ev := Event{Actor: "key-1", Action: ActionSigned}
	for round := range 2 {
		before := walHeader(t, s)
		id := fmt.Sprintf("r%d", round)
		ev.SubjectID = id
		if err := s.SaveRecord(ctx, "", testEnvelope(id, 4096), ev); err != nil {
			t.Fatal(err)
		}
		if round > 0 && !bytes.Equal(walHeader(t, s), before) {
			t.Fatalf("save %d after a pause started the WAL again itself", round)
		}
		after := walHeader(t, s)
		waitFor(t, "the checkpointer to start the WAL again", func() bool { return !bytes.Equal(walHeader(t, s), after) })
	}
	if n, err := s.CountEnvelopes(ctx, Filter{}); err != nil || n != 2 {
		t.Fatalf("%d envelopes, %v; want 2", n, err)
	}
}
