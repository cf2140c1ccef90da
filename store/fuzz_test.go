package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard/companion/testclock"
)

// The store parses what it finds on disk (a database file that may be
// damaged, or from another version), and takes ids, kinds, keys and audit
// events from the rest of the app, and audit chains from other devices.
// Each has a fuzz target; `make fuzz-smoke` runs each for a few seconds
// besides these seeds.

// storeKinds are the errors the store names its refusals with: whatever
// it is given, a refusal is one of them, never a bare driver error.
var storeKinds = []error{ErrCorrupt, ErrDiskFull, ErrReadOnly, ErrNewerSchema, ErrConflict, ErrNotFound, ErrTampered, ErrInvalid, ErrClosed}

func named(err error) bool {
	for _, k := range storeKinds {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// realDatabase is the bytes of a small store with records, drafts, an
// outbox and an audit chain, checkpointed into the one file.
func realDatabase(f *testing.F) []byte {
	f.Helper()
	path := filepath.Join(f.TempDir(), DBFileName)
	s, err := Open(path, WithClock(testclock.New().Now))
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		if err := s.PutEnvelope(ctx, testEnvelope(fmt.Sprintf("e%d", i), 300)); err != nil {
			f.Fatal(err)
		}
		if err := s.Audit(ctx, Event{Actor: "key-1", Action: ActionSigned, SubjectID: fmt.Sprintf("e%d", i)}); err != nil {
			f.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzOpenDatabaseFile: a database file as a failing disk, a copy cut
// short or another program might leave it. Open refuses it with a named
// error or opens it; an opened one is checked and read, and anything
// wrong is named too. Nothing panics.
func FuzzOpenDatabaseFile(f *testing.F) {
	real := realDatabase(f)
	f.Add(real)
	f.Add([]byte{})
	f.Add(real[:len(real)/2])
	f.Add([]byte(sqliteMagic + "not really"))
	newer := bytes.Clone(real)
	binary.BigEndian.PutUint32(newer[60:64], 999) // user_version from a newer app
	f.Add(newer)
	damaged := bytes.Clone(real)
	copy(damaged[4096:], bytes.Repeat([]byte{0xA5}, 512))
	f.Add(damaged)
	f.Add([]byte("plain text, not a database at all\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), DBFileName)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err != nil {
			if !named(err) {
				t.Fatalf("Open refused the file with an unnamed error: %v", err)
			}
			return
		}
		defer s.Close()
		ctx := context.Background()
		if err := s.Check(ctx); err != nil && !named(err) {
			t.Fatalf("Check: an unnamed error: %v", err)
		}
		if _, err := s.ListEnvelopes(ctx, Filter{}); err != nil && !named(err) {
			t.Fatalf("ListEnvelopes: an unnamed error: %v", err)
		}
		if err := s.VerifyAudit(ctx); err != nil && !named(err) {
			t.Fatalf("VerifyAudit: an unnamed error: %v", err)
		}
	})
}

// FuzzEnvelopeFields: what the app hands the store to keep in clear (id,
// kind, author key, parent) must be short tokens, so that free text, which
// could be content, never lands in a plaintext column; what it accepts
// reads back byte for byte.
func FuzzEnvelopeFields(f *testing.F) {
	s, err := Open(filepath.Join(f.TempDir(), DBFileName))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	f.Add("rec-1", "session_record", "key-abc", "", []byte("hdr"), []byte("body"))
	f.Add("rec-2", "addendum", "key-abc", "rec-1", []byte("h"), []byte("b"))
	f.Add("with space", "kind", "key", "", []byte("h"), []byte("b"))
	f.Add("rec-3", "kind\n", "key", "", []byte("h"), []byte("b"))
	f.Add("rec-4", "kind", "key", "rec-4", []byte("h"), []byte("b"))
	f.Add("rec-5", "kind", "kéy", "", []byte("h"), []byte{})
	f.Add(strings.Repeat("x", 201), "kind", "key", "", []byte(nil), []byte("b"))
	f.Fuzz(func(t *testing.T, id, kind, author, parent string, header, body []byte) {
		ctx := context.Background()
		e := Envelope{ID: id, Kind: kind, AuthorKey: author, ParentID: parent, Header: header, Body: body,
			Created: time.UnixMilli(1_700_000_000_000).UTC()}
		err := s.PutEnvelope(ctx, e)
		if errors.Is(err, ErrConflict) {
			return // the fuzzer reused an id with other bytes
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("refused with an unnamed error: %v", err)
			}
			return
		}
		for _, tok := range []string{id, kind, author, parent} {
			for i := 0; i < len(tok); i++ {
				if c := tok[i]; c <= ' ' || c > '~' || len(tok) > maxToken {
					t.Fatalf("accepted %q, which is not a short printable token, for a plaintext column", tok)
				}
			}
		}
		got, err := s.GetEnvelope(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Header, header) || !bytes.Equal(got.Body, body) || got.Kind != kind || got.ParentID != parent {
			t.Fatalf("read back %+v for %+v", got, e)
		}
	})
}

// FuzzCheckChain: a colleague's audit chain as it arrives. Any change to
// any field of any event is caught (ErrTampered); the chain as written is
// accepted.
func FuzzCheckChain(f *testing.F) {
	s, err := Open(filepath.Join(f.TempDir(), DBFileName), WithClock(testclock.New().Now))
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	for i, a := range []string{ActionCreated, ActionSigned, ActionViewed, ActionExported} {
		if err := s.Audit(ctx, Event{Actor: "key-1", Action: a, SubjectID: fmt.Sprintf("rec-%d", i)}); err != nil {
			f.Fatal(err)
		}
	}
	chain, err := s.AuditEvents(ctx, 0, 100)
	s.Close()
	if err != nil || len(chain) != 4 {
		f.Fatalf("the chain: %d events, %v", len(chain), err)
	}
	f.Add(uint8(0), uint8(0), []byte{})         // unchanged
	f.Add(uint8(1), uint8(1), []byte("key-2"))  // another actor
	f.Add(uint8(2), uint8(2), []byte("closed")) // another action
	f.Add(uint8(3), uint8(3), []byte(""))       // the subject removed
	f.Add(uint8(1), uint8(4), []byte{1})        // the time moved
	f.Add(uint8(2), uint8(5), []byte{1})        // renumbered
	f.Add(uint8(0), uint8(6), []byte{0x80})     // the link altered
	f.Add(uint8(3), uint8(7), []byte{1, 2, 3})  // the hash altered
	f.Add(uint8(1), uint8(8), []byte{})         // an event removed
	f.Add(uint8(0), uint8(9), []byte{})         // two events swapped
	f.Fuzz(func(t *testing.T, idx, field uint8, data []byte) {
		recs := slicesClone(chain)
		i := int(idx) % len(recs)
		r := &recs[i]
		n := int64(0) // at most four bytes: a shift that cannot overflow
		for _, c := range data[:min(len(data), 4)] {
			n = n<<8 | int64(c)
		}
		xor := func(h *[32]byte) {
			for j, c := range data {
				h[j%32] ^= c
			}
		}
		switch field % 10 {
		case 1:
			r.Actor = string(data)
		case 2:
			r.Action = string(data)
		case 3:
			r.SubjectID = string(data)
		case 4:
			r.At = r.At.Add(time.Duration(n) * time.Millisecond)
		case 5:
			r.Seq += n
		case 6:
			xor(&r.PrevHash)
		case 7:
			xor(&r.Hash)
		case 8:
			recs = append(recs[:i], recs[i+1:]...)
		case 9:
			j := (i + 1) % len(recs)
			recs[i], recs[j] = recs[j], recs[i]
		}
		changed := len(recs) != len(chain)
		for k := 0; !changed && k < len(recs); k++ {
			changed = recs[k] != chain[k]
		}
		err := CheckChain([32]byte{}, recs)
		if field%10 == 8 && i == len(chain)-1 {
			// Cutting off the last event leaves a shorter, genuine chain:
			// only the next batch's link to it shows the gap.
			changed = false
		}
		switch {
		case changed && !errors.Is(err, ErrTampered):
			t.Fatalf("a changed chain (field %d of event %d) was accepted: %v", field%10, i, err)
		case !changed && err != nil:
			t.Fatalf("the chain as written was refused: %v", err)
		}
	})
}

func slicesClone(rs []AuditRecord) []AuditRecord { return append([]AuditRecord(nil), rs...) }

// FuzzPersonFolder: the person id names a folder under the app's data
// folder; whatever is accepted stays one folder inside it.
func FuzzPersonFolder(f *testing.F) {
	for _, s := range []string{"alice", "..", ".", "a/b", `a\b`, "", "sam.o'neil", "dana-2", "ünïcode", strings.Repeat("p", 129)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, person string) {
		env := func(string) string { return "/data" }
		p, err := defaultPath("linux", env, "/home/u", person)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("refused %q with an unnamed error: %v", person, err)
			}
			return
		}
		want := filepath.Join("/data", AppDirName, person, DBFileName)
		if p != want || filepath.Dir(filepath.Dir(p)) != filepath.Join("/data", AppDirName) || strings.ContainsAny(person, `/\`) {
			t.Fatalf("person %q gives %q, outside its own folder", person, p)
		}
	})
}
