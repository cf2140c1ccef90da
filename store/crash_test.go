package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"safeguard/companion/testclock"
)

// The crash test runs this test binary again as a child that saves in a
// loop; these variables tell the child what to do.
const (
	crashChildEnv  = "STORE_CRASH_CHILD_DB"
	crashPrefixEnv = "STORE_CRASH_CHILD_PREFIX"
	// crashKillsEnv overrides the number of kills, for longer runs by hand.
	crashKillsEnv = "STORE_CRASH_KILLS"
	// crashFullEvery is how often a long run checks the whole database.
	crashFullEvery = 200
)

// crashSize picks a body size: mostly small records, and one in ten larger
// than a page so that overflow pages are exercised too.
func crashSize(rng *rand.Rand) int {
	if rng.IntN(10) == 0 {
		return 4000 + rng.IntN(4000)
	}
	return 64 + rng.IntN(1000)
}

// TestCrashChild is the child half of TestCrash; on its own it skips. It
// saves envelopes, draft versions and audit events in a loop, and prints a
// line for each only after the call saving it has returned nil: a printed
// line is an acknowledged save.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("the child half of TestCrash; runs only when TestCrash starts it")
	}
	prefix := os.Getenv(crashPrefixEnv)
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		fmt.Fprintf(os.Stdout, "error open: %v\n", err)
		os.Exit(3)
	}
	seed, _ := strconv.ParseUint(strings.TrimPrefix(prefix, "c"), 10, 64)
	rng := rand.New(rand.NewPCG(seed, 42))
	say := func(format string, args ...any) {
		// os.Stdout is unbuffered: one write(2) per line, so a line the
		// parent reads whole was written whole.
		if _, err := os.Stdout.WriteString(fmt.Sprintf(format, args...) + "\n"); err != nil {
			os.Exit(4)
		}
	}
	say("ready")
	draftID := prefix + "-draft"
	for i := 0; ; i++ {
		id := fmt.Sprintf("%s-%05d", prefix, i)
		switch i % 4 {
		case 1:
			// A batch: one transaction, acknowledged only as a whole.
			var batch []Envelope
			for _, sfx := range []string{"a", "b", "c"} {
				e := testEnvelope(id+sfx, crashSize(rng))
				batch = append(batch, e)
			}
			if err := s.PutEnvelopes(ctx, batch); err != nil {
				say("error put batch %s: %v", id, err)
				os.Exit(5)
			}
			for _, e := range batch {
				say("E %s %d", e.ID, len(e.Body))
			}
		case 0:
			size := crashSize(rng)
			e := testEnvelope(id, size)
			if i%8 == 0 {
				e.Priority = PriorityUrgent
			}
			if err := s.PutEnvelope(ctx, e); err != nil {
				say("error put %s: %v", id, err)
				os.Exit(5)
			}
			say("E %s %d", id, size)
		case 2:
			ct := fmt.Appendf(nil, "v=%d;", i)
			ct = append(ct, bytes.Repeat([]byte{byte(i)}, 500+rng.IntN(2000))...)
			if err := s.SaveDraft(ctx, Draft{ID: draftID, Kind: "record", Updated: testclock.Start(), Ciphertext: ct}); err != nil {
				say("error draft %s: %v", id, err)
				os.Exit(5)
			}
			say("D %s %d", draftID, i)
		case 3:
			if err := s.Audit(ctx, Event{Actor: "crash-key", Action: ActionCreated, SubjectID: id}); err != nil {
				say("error audit %s: %v", id, err)
				os.Exit(5)
			}
			say("A %s", id)
		}
	}
}

// crashAcks is everything children have acknowledged so far.
type crashAcks struct {
	envelopes map[string]int    // id -> body size
	fresh     []string          // envelopes acknowledged by the last child
	freshAud  []string          // audit subjects acknowledged by the last child
	drafts    map[string]int    // draft id -> last acknowledged version
	audits    map[string]bool   // subject ids of acknowledged audit events
	lost      map[string]string // what went missing, and how
}

// readAcks reads the child's output to EOF and records each complete line.
// A final line without its newline was cut by the kill: not acknowledged.
func (a *crashAcks) readAcks(r io.Reader, ready chan<- struct{}) error {
	br := bufio.NewReader(r)
	readySent := false
	defer func() {
		if !readySent {
			close(ready)
		}
	}()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 1 && f[0] == "ready":
			close(ready)
			readySent = true
		case len(f) == 3 && f[0] == "E":
			n, err := strconv.Atoi(f[2])
			if err != nil {
				return fmt.Errorf("bad line %q", line)
			}
			a.envelopes[f[1]] = n
			a.fresh = append(a.fresh, f[1])
		case len(f) == 3 && f[0] == "D":
			v, err := strconv.Atoi(f[2])
			if err != nil {
				return fmt.Errorf("bad line %q", line)
			}
			a.drafts[f[1]] = v
		case len(f) == 2 && f[0] == "A":
			a.audits[f[1]] = true
			a.freshAud = append(a.freshAud, f[1])
		default:
			// An error line from the child: a save failed, which must not
			// happen on a healthy disk.
			return fmt.Errorf("child: %s", strings.TrimSpace(line))
		}
	}
}

// verify opens the database after a kill and checks what the last child
// acknowledged: its envelopes read back whole and queued for the hub, the
// drafts, its audit events. With full it also checks the whole database:
// PRAGMA integrity_check, every envelope ever acknowledged, the audit
// chain. A loss or a corruption stays once it has happened, so a full check
// every few kills finds it as surely as one after each kill, only naming
// the kill less exactly; and the full check grows with the database, which
// a 10,000-kill soak cannot afford after every kill.
func (a *crashAcks) verify(t *testing.T, path string, full bool) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer s.Close()
	a.verifyLast(t, ctx, s)
	if full {
		a.verifyAll(t, ctx, s)
	}
}

// verifyLast checks the saves the last child acknowledged.
func (a *crashAcks) verifyLast(t *testing.T, ctx context.Context, s *Store) {
	t.Helper()
	for _, id := range a.fresh {
		e, err := s.GetEnvelope(ctx, id)
		if err != nil || !bytes.Equal(e.Body, testEnvelope(id, a.envelopes[id]).Body) {
			a.lost[id] = fmt.Sprintf("envelope unreadable: %v", err)
			continue
		}
		var queued int
		if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE envelope_id = ?", id).Scan(&queued); err != nil {
			t.Fatal(err)
		}
		if queued != 1 {
			a.lost[id] = fmt.Sprintf("envelope queued %d times for the hub, want once", queued)
		}
	}
	a.fresh = a.fresh[:0]
	for _, id := range a.freshAud {
		var n int
		if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM audit WHERE subject_id = ?", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			a.lost["audit "+id] = "audit event missing"
		}
	}
	a.freshAud = a.freshAud[:0]
	// Each draft holds its last acknowledged version or a later one.
	for id, v := range a.drafts {
		d, err := s.LoadDraft(ctx, id)
		if err != nil {
			a.lost[id] = fmt.Sprintf("draft missing: %v", err)
			continue
		}
		var got int
		if _, err := fmt.Sscanf(string(d.Ciphertext), "v=%d;", &got); err != nil || got < v {
			a.lost[id] = fmt.Sprintf("draft at version %d, %d was acknowledged", got, v)
		}
	}
}

// verifyAll checks the whole database is sound and holds every save ever
// acknowledged.
func (a *crashAcks) verifyAll(t *testing.T, ctx context.Context, s *Store) {
	t.Helper()
	var result string
	if err := s.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Fatalf("integrity_check after kill: %q, %v", result, err)
	}
	// Every acknowledged envelope is there with the bytes that were saved:
	// the stored hash for all of them, and the bytes themselves for the
	// ones the last child saved.
	stored := map[string][]byte{}
	rows, err := s.r.QueryContext(ctx, "SELECT id, hash FROM envelopes")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			t.Fatal(err)
		}
		stored[id] = h
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	for id, size := range a.envelopes {
		h, ok := stored[id]
		if !ok {
			a.lost[id] = "envelope missing"
			continue
		}
		want := testEnvelope(id, size)
		if wh := envelopeHash(want.Header, want.Body); !bytes.Equal(h, wh[:]) {
			a.lost[id] = "envelope changed"
		}
	}
	// Each is still queued for the hub: nothing here acknowledged any.
	var unqueued int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM envelopes e
		WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.envelope_id = e.id)`).Scan(&unqueued); err != nil {
		t.Fatal(err)
	}
	if unqueued != 0 {
		a.lost["outbox"] = fmt.Sprintf("%d envelopes left the outbox without a receipt", unqueued)
	}
	// The audit chain verifies and holds every acknowledged event.
	if err := s.VerifyAudit(ctx); err != nil {
		a.lost["audit chain"] = err.Error()
	}
	subjects := map[string]bool{}
	rows, err = s.r.QueryContext(ctx, "SELECT subject_id FROM audit")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		subjects[id] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	for id := range a.audits {
		if !subjects[id] {
			a.lost["audit "+id] = "audit event missing"
		}
	}
}

// crashDuplicates counts rows saved more than once: envelopes by id and
// audit events by subject (each child writes one event per subject).
func crashDuplicates(t *testing.T, path string) int {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var envs, audits int
	ctx := context.Background()
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) - count(DISTINCT id) FROM envelopes").Scan(&envs); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) - count(DISTINCT subject_id) FROM audit").Scan(&audits); err != nil {
		t.Fatal(err)
	}
	return envs + audits
}

// TestCrash is the headline durability test: a child process saves in a
// loop and is killed with SIGKILL at a random moment, again and again; after
// every kill the database must open, pass PRAGMA integrity_check, and hold
// every save the child had acknowledged.
func TestCrash(t *testing.T) {
	kills := 200
	if testing.Short() {
		kills = 20
	}
	if v := os.Getenv(crashKillsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", crashKillsEnv, v)
		}
		kills = n
	}
	path := filepath.Join(t.TempDir(), "p1", DBFileName)
	rng := rand.New(rand.NewPCG(rand.Uint64(), 7)) // kill times differ from run to run
	acks := &crashAcks{
		envelopes: map[string]int{},
		drafts:    map[string]int{},
		audits:    map[string]bool{},
		lost:      map[string]string{},
	}
	start := testclock.NewStopwatch()
	var early, saves int
	for k := range kills {
		prefix := fmt.Sprintf("c%d", k)
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path, crashPrefixEnv+"="+prefix)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan struct{})
		done := make(chan error, 1)
		before := len(acks.envelopes) + len(acks.audits)
		go func() { done <- acks.readAcks(out, ready) }()

		// Most kills land while the child is saving; one in six lands at a
		// random moment from process start, which can be inside Open and
		// its WAL recovery.
		if rng.IntN(6) == 0 {
			early++
			time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		} else {
			select {
			case <-ready:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatal("child did not start saving within 30 s")
			}
			time.Sleep(time.Duration(5_000+rng.IntN(45_000)) * time.Microsecond)
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
			t.Fatal(err)
		}
		// readAcks finishes at EOF, which comes when the child is dead;
		// only then may Wait close the pipe.
		if err := <-done; err != nil {
			cmd.Wait()
			t.Fatalf("kill %d: %v", k+1, err)
		}
		werr := cmd.Wait()
		var ee *exec.ExitError
		// Exit code -1 means killed by a signal; anything else means the
		// child stopped by itself, which it never should. Windows has no
		// signals: Kill is TerminateProcess with exit code 1, a code the
		// child never ends with by itself (its own exits are 3 to 5 after
		// an error line, a failed child test prints a line readAcks
		// refuses, and a panic is 2).
		killed := errors.As(werr, &ee) && (ee.ExitCode() == -1 || runtime.GOOS == "windows" && ee.ExitCode() == 1)
		if !killed {
			t.Fatalf("kill %d: child ended with %v, not by the kill", k+1, werr)
		}
		saves += len(acks.envelopes) + len(acks.audits) - before
		// Up to crashFullEvery kills, the whole database is checked
		// after each one; beyond, every crashFullEvery-th kill and the last.
		full := kills <= crashFullEvery || (k+1)%crashFullEvery == 0 || k == kills-1
		acks.verify(t, path, full)
		if kills > crashFullEvery && (k+1)%500 == 0 {
			// A long run says how far it has got (go test -v shows this
			// as it happens).
			t.Logf("%d of %d kills, %d saves acknowledged, %d lost, %.0f s", k+1, kills, saves, len(acks.lost), start.Elapsed().Seconds())
		}
	}
	dup := crashDuplicates(t, path)
	acked := len(acks.envelopes) + len(acks.drafts) + len(acks.audits)
	t.Logf("kills: %d (%d at a random moment from start); acknowledged: %d (%d envelopes, %d draft ids, %d audit events); survived: %d; lost: %d; duplicated: %d; %.1f s",
		kills, early, acked, len(acks.envelopes), len(acks.drafts), len(acks.audits), acked-len(acks.lost), len(acks.lost), dup, start.Elapsed().Seconds())
	if dup != 0 {
		t.Errorf("%d records or audit events are in the database more than once", dup)
	}
	if len(acks.lost) != 0 {
		n := 0
		for id, why := range acks.lost {
			t.Errorf("lost %s: %s", id, why)
			if n++; n == 10 {
				break
			}
		}
		t.Fatalf("%d acknowledged records lost, want 0", len(acks.lost))
	}
	if saves == 0 {
		t.Fatal("no save was acknowledged: the test exercised nothing")
	}
}
