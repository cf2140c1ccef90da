package crypto

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// splitWire splits an envelope as the store keeps it: everything before the
// age file, and the age file.
func splitWire(t testing.TB, env []byte) (head, ct []byte) {
	t.Helper()
	e, err := ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	n := len(env) - len(e.Ciphertext())
	return bytes.Clone(env[:n]), bytes.Clone(env[n:])
}

func keyCache(t testing.TB, id *Identity) *KeyCache {
	t.Helper()
	c, err := NewKeyCache(id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A record sealed with SealRemembered opens with its entry and no reader
// key at all (so no decapsulation happened), to the same content, author
// and hash as the full open.
func TestKeyCacheSealRemembered(t *testing.T) {
	f := newFixture(t)
	alice := keyCache(t, f.ids["alice"])
	sealed, entry, err := SealRemembered(f.ids["alice"], f.v1, record("rec-1", KindSessionRecord, "remembered body"), alice)
	if err != nil {
		t.Fatal(err)
	}
	env := sealed.Bytes()
	if again, err := ParseEnvelope(env); err != nil || again.Header().ID != sealed.Header().ID {
		t.Fatalf("the envelope SealRemembered returns does not parse back: %v", err)
	}
	if len(entry) == 0 {
		t.Fatal("SealRemembered returned no entry")
	}
	full, err := Open(env, f.v1, f.ids["alice"])
	if err != nil {
		t.Fatal(err)
	}
	head, ct := splitWire(t, env)
	got, fresh, err := NewOpener(f.v1).OpenRemembered(alice, head, ct, entry)
	if err != nil {
		t.Fatalf("open with the remembered key and no reader keys: %v", err)
	}
	if fresh != nil {
		t.Error("a remembered open returned a fresh entry to store")
	}
	if !bytes.Equal(got.Body, full.Body) || got.Hash != full.Hash || got.Author.ID != "alice" || got.Header.ID != "rec-1" {
		t.Errorf("remembered open = %+v, full open = %+v", got, full)
	}
	// The envelope is still an ordinary one for everyone else.
	if _, err := Open(env, f.v1, f.ids["mike"]); err != nil {
		t.Errorf("the manager cannot open a record sealed with SealRemembered: %v", err)
	}
}

// The first full open hands back an entry; the second open uses it.
func TestKeyCacheFullOpenThenRemembered(t *testing.T) {
	f := newFixture(t)
	mike := keyCache(t, f.ids["mike"])
	env := f.seal(t, "alice", f.v1, record("rec-2", KindSessionRecord, "for the manager"))
	head, ct := splitWire(t, env)
	op := NewOpener(f.v1, f.ids["mike"])
	first, fresh, err := op.OpenRemembered(mike, head, ct, nil)
	if err != nil || fresh == nil {
		t.Fatalf("full open: %v, entry %d bytes", err, len(fresh))
	}
	second, again, err := NewOpener(f.v1).OpenRemembered(mike, head, ct, fresh)
	if err != nil || again != nil {
		t.Fatalf("remembered open: %v, fresh %v", err, again != nil)
	}
	if !bytes.Equal(first.Body, second.Body) {
		t.Error("remembered open differs from the full open")
	}
}

// An entry never stands in for a check it does not cover, and an entry that
// does not open is ignored: the record is then opened the full way (which,
// with no reader keys offered, is ErrNotRecipient; with keys, a fresh entry).
func TestKeyCacheRefusals(t *testing.T) {
	f := newFixture(t)
	alice := keyCache(t, f.ids["alice"])
	seal := func(id string, author string, created time.Time, c *KeyCache) ([]byte, []byte) {
		env, entry, err := SealRemembered(f.ids[author], f.v1, Record{ID: id, Kind: KindSessionRecord, Created: created, Body: []byte("x")}, c)
		if err != nil {
			t.Fatal(err)
		}
		return env.Bytes(), entry
	}
	env, entry := seal("rec-a", "alice", fixedNow, alice)
	other, otherEntry := seal("rec-b", "alice", fixedNow, alice)
	_, bobEntry := seal("rec-a", "bob", fixedNow, keyCache(t, f.ids["bob"]))
	leo := keyCache(t, f.ids["leo"])
	leoEnv, leoEntry := seal("inc-late", "leo", leoRevokedAt.Add(time.Hour), leo)

	flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 1; return b }
	head, ct := splitWire(t, env)
	otherHead, _ := splitWire(t, other)
	leoHead, leoCt := splitWire(t, leoEnv)
	sigAt := len(head) - 1 // the signature ends the head

	for _, tc := range []struct {
		name     string
		c        *KeyCache
		dir      *Directory
		head, ct []byte
		entry    []byte
		want     error // with no reader keys offered
	}{
		{"entry for another record", alice, f.v1, head, ct, otherEntry, ErrNotRecipient},
		{"entry made by another person's cache", alice, f.v1, head, ct, bobEntry, ErrNotRecipient},
		{"entry opened by another person's cache", keyCache(t, f.ids["mike"]), f.v1, head, ct, entry, ErrNotRecipient},
		{"damaged entry", alice, f.v1, head, ct, flip(entry, len(entry)-1), ErrNotRecipient},
		{"truncated entry", alice, f.v1, head, ct, entry[:len(entry)-1], ErrNotRecipient},
		{"entry moved to another header", alice, f.v1, otherHead, ct, entry, ErrCiphertextMismatch},
		{"altered signature", alice, f.v1, flip(head, sigAt), ct, entry, ErrBadSignature},
		{"altered ciphertext", alice, f.v1, head, flip(ct, len(ct)-1), entry, ErrCiphertextMismatch},
		{"author revoked before the record's date", leo, f.v2, leoHead, leoCt, leoEntry, ErrRevokedSigner},
		{"author not in the directory", alice, &Directory{}, head, ct, entry, ErrUnknownSigner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, fresh, err := NewOpener(tc.dir).OpenRemembered(tc.c, tc.head, tc.ct, tc.entry)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if fresh != nil {
				t.Error("a refused record produced an entry")
			}
		})
	}

	// A damaged entry with the reader's key: the full open succeeds and
	// replaces it.
	_, fresh, err := NewOpener(f.v1, f.ids["alice"]).OpenRemembered(alice, head, ct, flip(entry, 30))
	if err != nil || fresh == nil {
		t.Fatalf("full open after a damaged entry: %v, fresh %v", err, fresh != nil)
	}
	if _, again, err := NewOpener(f.v1).OpenRemembered(alice, head, ct, fresh); err != nil || again != nil {
		t.Errorf("the replacement entry does not open: %v", err)
	}
}

// BenchmarkOpenRemembered: one 4 KB record opened the full way (signature,
// hybrid decapsulation) and with its remembered file key.
func BenchmarkOpenRemembered(b *testing.B) {
	f := newFixture(b)
	alice := keyCache(b, f.ids["alice"])
	env, entry, err := SealRemembered(f.ids["alice"], f.v1, record("rec-bench", KindSessionRecord, string(bytes.Repeat([]byte("x"), 4000))), alice)
	if err != nil {
		b.Fatal(err)
	}
	head, ct := splitWire(b, env.Bytes())
	op := NewOpener(f.v1, f.ids["alice"])
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := op.OpenRemembered(alice, head, ct, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := op.OpenRemembered(alice, head, ct, entry); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// On the remembered path age's header is not parsed again, so its MAC and
// every payload chunk are checked there: each altered file, re-signed by
// its author (so the signature and hash hold) and given an entry for
// exactly that header, is refused by the remembered path and then by the
// full path it falls back to. An intact file whose entry
// holds the wrong key still opens, the full way, and gets a new entry.
func TestRememberedPathChecksMACAndPayload(t *testing.T) {
	f := newFixture(t)
	alice := keyCache(t, f.ids["alice"])
	env, fileKey := sealCapturing(t, f, "rec-mac")
	ct := func() []byte { e, _ := ParseEnvelope(env); return bytes.Clone(e.Ciphertext()) }()
	footer := bytes.Index(ct, []byte("\n--- ")) + len("\n--- ")
	stanza := bytes.Index(ct, []byte("\n-> ")) + len("\n-> mlkem768x25519 ")
	for _, tc := range []struct {
		name string
		edit func(ct []byte) []byte
		key  []byte
	}{
		{"header MAC altered", func(ct []byte) []byte { ct[footer] ^= 1; return ct }, fileKey},
		{"stanza altered", func(ct []byte) []byte { ct[stanza] ^= 1; return ct }, fileKey},
		{"payload altered", func(ct []byte) []byte { ct[len(ct)-1] ^= 1; return ct }, fileKey},
		{"payload truncated", func(ct []byte) []byte { return ct[:len(ct)-1] }, fileKey},
		{"no footer", func(ct []byte) []byte { return ct[:footer-len("\n--- ")] }, fileKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forged := resign(t, env, f.ids["alice"], func(h *Header, c *[]byte) {
				*c = tc.edit(bytes.Clone(ct))
				setCiphertext(h, *c)
			})
			e, err := ParseEnvelope(forged)
			if err != nil {
				t.Fatal(err)
			}
			entry := alice.remember(e, tc.key)
			head, body := splitWire(t, forged)
			// The remembered path alone (no reader keys to fall back on).
			if _, _, err := NewOpener(f.v1).OpenRemembered(alice, head, body, entry); err == nil {
				t.Error("opened on the remembered path")
			}
			// With the reader's key, the full path refuses it as well.
			if _, _, err := NewOpener(f.v1, f.ids["alice"]).OpenRemembered(alice, head, body, entry); !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrNotRecipient) {
				t.Errorf("err = %v, want ErrDecrypt or ErrNotRecipient", err)
			}
		})
	}
	// The wrong key in an entry for an intact file.
	intact := resign(t, env, f.ids["alice"], func(*Header, *[]byte) {})
	ie, _ := ParseEnvelope(intact)
	ih, ib := splitWire(t, intact)
	wrong := alice.remember(ie, bytes.Repeat([]byte{1}, fileKeySize))
	if _, fresh, err := NewOpener(f.v1, f.ids["alice"]).OpenRemembered(alice, ih, ib, wrong); err != nil || fresh == nil {
		t.Errorf("an intact record with a wrong remembered key: %v, fresh entry %v", err, fresh != nil)
	}
	// And the untouched file, re-signed the same way, opens.
	same := resign(t, env, f.ids["alice"], func(*Header, *[]byte) {})
	e, _ := ParseEnvelope(same)
	head, body := splitWire(t, same)
	if _, _, err := NewOpener(f.v1).OpenRemembered(alice, head, body, alice.remember(e, fileKey)); err != nil {
		t.Errorf("the untouched file: %v", err)
	}
}

// sealCapturing seals a record by alice and returns it with its file key.
func sealCapturing(t *testing.T, f *fixture, id string) ([]byte, []byte) {
	t.Helper()
	var key []byte
	env, err := Seal(f.ids["alice"], f.v1, record(id, KindSessionRecord, "mac body"))
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ParseEnvelope(env)
	if _, err := openAge(e.Ciphertext(), nil, capturingIdentity{Identity: f.ids["alice"], key: &key}); err != nil {
		t.Fatal(err)
	}
	return env, key
}
