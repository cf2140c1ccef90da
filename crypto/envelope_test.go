package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// TestRecipientsByKind checks the Trust model's recipient policy: author and
// line managers for records, addenda and reviews; author and every DSL for
// incidents (Annex 1: tell only the DSL); author only for drafts; always the
// recovery recipient, last; never a revoked key; author first.
func TestRecipientsByKind(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		kind   Kind
		author string
		dir    *Directory
		want   []string // person ids, "recovery" for the recovery recipient
	}{
		{KindSessionRecord, "alice", f.v2, []string{"alice", "mike", "recovery"}},
		{KindAddendum, "alice", f.v2, []string{"alice", "mike", "recovery"}},
		{KindReview, "alice", f.v2, []string{"alice", "mike", "recovery"}},
		{KindReview, "mike", f.v2, []string{"mike", "recovery"}},
		{KindDraft, "alice", f.v2, []string{"alice", "recovery"}},
		{KindSessionRecord, "eve", f.v2, []string{"eve", "nina", "recovery"}},
		{KindIncident, "alice", f.v1, []string{"alice", "dana", "leo", "recovery"}},
		// Leo's key is revoked in v2: new incidents no longer reach it.
		{KindIncident, "alice", f.v2, []string{"alice", "dana", "recovery"}},
		// A DSL reporting an incident is listed once, first.
		{KindIncident, "dana", f.v2, []string{"dana", "recovery"}},
		// A line manager's quarterly figures go to the DSLs (policy 9.1),
		// not to the manager's practitioners.
		{KindFigures, "mike", f.v2, []string{"mike", "dana", "recovery"}},
		// Each device's audit goes to the DSLs, who keep the access audit.
		{KindAudit, "alice", f.v2, []string{"alice", "dana", "recovery"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.author+"/v"+string(rune('0'+tt.dir.Version)), func(t *testing.T) {
			rs, err := tt.dir.Recipients(tt.kind, tt.author, fixedNow)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				if r.PersonID == "" {
					if r.KeyID != tt.dir.Recovery.ID {
						t.Errorf("recipient without a person is not the recovery key")
					}
					got = append(got, "recovery")
				} else {
					got = append(got, r.PersonID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("recipients = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := f.v2.Recipients(KindIncident, "leo", fixedNow); !errors.Is(err, ErrNoValidKey) {
		t.Errorf("revoked author: got %v, want ErrNoValidKey", err)
	}
	if _, err := f.v2.Recipients("gossip", "alice", fixedNow); err == nil {
		t.Errorf("unknown kind accepted")
	}
}

// TestRoundTripEveryKind seals one record of every kind and checks exactly
// who can open it ("readable by exactly the people the policy names").
func TestRoundTripEveryKind(t *testing.T) {
	f := newFixture(t)
	readers := map[string]age.Identity{"recovery": f.recovery, "outsider": f.outsider}
	for id, ident := range f.ids {
		readers[id] = ident
	}
	tests := []struct {
		kind    Kind
		author  string
		canOpen []string
	}{
		{KindSessionRecord, "alice", []string{"alice", "mike", "recovery"}},
		{KindAddendum, "alice", []string{"alice", "mike", "recovery"}},
		{KindReview, "bob", []string{"bob", "mike", "recovery"}},
		{KindDraft, "alice", []string{"alice", "recovery"}},
		{KindIncident, "alice", []string{"alice", "dana", "recovery"}},
		{KindSessionRecord, "eve", []string{"eve", "nina", "recovery"}},
		{KindIncident, "dana", []string{"dana", "recovery"}},
		{KindFigures, "nina", []string{"nina", "dana", "recovery"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.author, func(t *testing.T) {
			body := "summary: discussed options for college; concern: none; kind=" + string(tt.kind)
			env := f.seal(t, tt.author, f.v2, record("rec-"+string(tt.kind), tt.kind, body))
			for name, reader := range readers {
				got, err := Open(env, f.v2, reader)
				if slices.Contains(tt.canOpen, name) {
					if err != nil {
						t.Errorf("%s cannot open: %v", name, err)
						continue
					}
					if string(got.Body) != body || got.Author.ID != tt.author || got.Header.Kind != tt.kind {
						t.Errorf("%s opened wrong content: %+v", name, got.Header)
					}
				} else if !errors.Is(err, ErrNotRecipient) || got != nil {
					t.Errorf("%s: got (%v, %v), want ErrNotRecipient", name, got, err)
				}
			}
		})
	}
}

func TestRoundTripBodies(t *testing.T) {
	f := newFixture(t)
	for _, n := range []int{0, 1, 4000, 4096, 70000, 1 << 20} {
		body := bytes.Repeat([]byte{0xA5}, n)
		env := f.seal(t, "alice", f.v2, Record{ID: "r1", Kind: KindSessionRecord, Created: fixedNow, Body: body})
		got, err := Open(env, f.v2, f.ids["mike"])
		if err != nil || !bytes.Equal(got.Body, body) {
			t.Fatalf("body of %d bytes: err %v", n, err)
		}
	}
}

func TestPaddedLen(t *testing.T) {
	for _, tt := range []struct{ in, want int }{
		{0, 4096}, {1, 4096}, {4096, 4096}, {4097, 8192}, {65536, 65536},
		{65537, 67584}, {1 << 20, 1 << 20}, {1<<20 + 1, 1<<20 + 32<<10},
	} {
		if got := paddedLen(tt.in); got != tt.want {
			t.Errorf("paddedLen(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
	// Monotone, never shrinks, overhead bounded.
	prev := 0
	for n := 0; n < 4<<20; n += 997 {
		p := paddedLen(n)
		if p < n || p < prev || (n > padLinearTo && float64(p) > float64(n)*1.125) {
			t.Fatalf("paddedLen(%d) = %d (previous %d)", n, p, prev)
		}
		prev = p
	}
}

// TestSealRefuses: an author cannot seal with a key the directory does not
// know, or has revoked, and an addendum must name its parent.
func TestSealRefuses(t *testing.T) {
	f := newFixture(t)
	if _, err := Seal(f.outsider, f.v2, record("r", KindSessionRecord, "x")); !errors.Is(err, ErrUnknownSigner) {
		t.Errorf("outsider: %v", err)
	}
	if _, err := Seal(f.ids["leo"], f.v2, record("r", KindIncident, "x")); !errors.Is(err, ErrRevokedSigner) {
		t.Errorf("revoked: %v", err)
	}
	if _, err := Seal(f.ids["alice"], f.v2, Record{ID: "r", Kind: KindAddendum, Created: fixedNow}); !errors.Is(err, ErrMalformed) {
		t.Errorf("addendum without parent: %v", err)
	}
	if _, err := Seal(f.ids["alice"], f.v2, Record{ID: "bad id with spaces", Kind: KindDraft, Created: fixedNow}); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad id: %v", err)
	}
}

// resign rebuilds an envelope with a modified header and/or ciphertext and
// signs it with signer: what a recipient-turned-forger could do.
func resign(t *testing.T, env []byte, signer *Identity, edit func(h *Header, ct *[]byte)) []byte {
	t.Helper()
	e, err := ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	h, ct := e.Header(), bytes.Clone(e.Ciphertext())
	edit(&h, &ct)
	raw, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	ne := &Envelope{header: h, headerRaw: raw, ciphertext: ct}
	ne.signature = signer.signMessage(ne.signedMessage())
	return ne.Bytes()
}

func setCiphertext(h *Header, ct []byte) {
	sum := sha256.Sum256(ct)
	h.CiphertextLen, h.CiphertextSHA256 = int64(len(ct)), hex.EncodeToString(sum[:])
}

// TestTamper: each tamper is refused with its own error (Promises: "a
// tampered record, or one from an unknown or revoked signer, is refused with
// a clear message and never shown as genuine").
func TestTamper(t *testing.T) {
	f := newFixture(t)
	env := f.seal(t, "alice", f.v2, record("rec-1", KindSessionRecord, "record one"))
	other := f.seal(t, "alice", f.v2, record("rec-2", KindSessionRecord, "record two"))
	big := f.seal(t, "alice", f.v2, record("rec-big", KindSessionRecord, strings.Repeat("long record ", 30000)))
	hdrLen := int(binary.BigEndian.Uint32(env[len(envelopeMagic):]))
	hdrStart := len(envelopeMagic) + 4
	sigStart := hdrStart + hdrLen
	ctStart := sigStart + 64
	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 0x01; return c }
	ctOf := func(b []byte) []byte { e, _ := ParseEnvelope(b); return e.Ciphertext() }

	// A record Leo signed before revocation, and one claiming a later time
	// (sealed against v1, which did not yet revoke him).
	leoBefore := f.seal(t, "leo", f.v1, Record{ID: "inc-old", Kind: KindIncident, Created: leoRevokedAt.Add(-time.Hour), Body: []byte("x")})
	leoAfter := f.seal(t, "leo", f.v1, Record{ID: "inc-new", Kind: KindIncident, Created: leoRevokedAt.Add(time.Hour), Body: []byte("x")})
	if _, err := Open(leoBefore, f.v2, f.recovery); err != nil {
		t.Fatalf("record signed before revocation must stay valid: %v", err)
	}

	tests := []struct {
		name   string
		env    []byte
		reader age.Identity
		want   error
	}{
		{"flipped byte in magic", flip(env, 0), f.ids["mike"], ErrMalformed},
		{"flipped byte in header JSON syntax", flip(env, hdrStart), f.ids["mike"], ErrMalformed},
		{"flipped byte in header value", flip(env, hdrStart+8), f.ids["mike"], ErrBadSignature},
		{"flipped byte in signature", flip(env, sigStart+10), f.ids["mike"], ErrBadSignature},
		{"flipped byte in age header", flip(env, ctStart+40), f.ids["mike"], ErrCiphertextMismatch},
		{"flipped byte in age payload", flip(env, len(env)-5), f.ids["mike"], ErrCiphertextMismatch},
		{"truncated ciphertext", env[:len(env)-100], f.ids["mike"], ErrCiphertextMismatch},
		{"trailing bytes", append(bytes.Clone(env), 0), f.ids["mike"], ErrCiphertextMismatch},
		{"truncated into header", env[:hdrStart+10], f.ids["mike"], ErrMalformed},
		{"empty", nil, f.ids["mike"], ErrMalformed},
		{"ciphertext swapped between records", append(bytes.Clone(env[:ctStart]), ctOf(other)...), f.ids["mike"], ErrCiphertextMismatch},
		{"whole envelopes swapped: header of 1, signature and ciphertext of 2", append(bytes.Clone(env[:sigStart]), other[sigStart:]...), f.ids["mike"], ErrBadSignature},
		// The author re-signs record 2's ciphertext under record 1's id: the
		// inner id gives it away.
		{"ciphertext moved under another id and re-signed", resign(t, env, f.ids["alice"], func(h *Header, ct *[]byte) {
			*ct = bytes.Clone(ctOf(other))
			setCiphertext(h, *ct)
		}), f.ids["mike"], ErrInnerMismatch},
		// Mike (a recipient) re-signs Alice's record as his own: the inner
		// author gives it away.
		{"re-signed by another member", resign(t, env, f.ids["mike"], func(h *Header, _ *[]byte) {
			h.Author = f.ids["mike"].KeyID()
		}), f.ids["mike"], ErrInnerMismatch},
		{"recipient list edited and re-signed", resign(t, env, f.ids["alice"], func(h *Header, _ *[]byte) {
			h.Recipients = h.Recipients[:len(h.Recipients)-1]
		}), f.ids["mike"], ErrInnerMismatch},
		{"header signed by someone else under author's id", resign(t, env, f.ids["mike"], func(*Header, *[]byte) {}), f.ids["mike"], ErrBadSignature},
		{"unknown signer", resign(t, env, f.outsider, func(h *Header, _ *[]byte) { h.Author = f.outsider.KeyID() }), f.ids["mike"], ErrUnknownSigner},
		{"revoked signer (signed after revocation)", leoAfter, f.recovery, ErrRevokedSigner},
		// The author herself signs a truncated age file (a bug or a crash
		// mid-write): signature and hash hold, age fails, and the chunks
		// before the cut are not released.
		{"truncated age file signed by its author", resign(t, big, f.ids["alice"], func(h *Header, ct *[]byte) {
			*ct = (*ct)[:len(*ct)-(64<<10)]
			setCiphertext(h, *ct)
		}), f.ids["mike"], ErrDecrypt},
		{"non-recipient reader", env, f.ids["dana"], ErrNotRecipient},
		{"no reader keys at all", env, nil, ErrNotRecipient},
		{"outsider reader", env, f.outsider, ErrNotRecipient},
	}
	sentinels := []error{ErrMalformed, ErrBadSignature, ErrCiphertextMismatch, ErrUnknownSigner,
		ErrRevokedSigner, ErrNotRecipient, ErrDecrypt, ErrInnerMismatch}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var readers []age.Identity
			if tt.reader != nil {
				readers = append(readers, tt.reader)
			}
			got, err := Open(tt.env, f.v2, readers...)
			if got != nil {
				t.Fatalf("tampered record opened: %q", got.Body)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			for _, s := range sentinels {
				if s != tt.want && errors.Is(err, s) {
					t.Errorf("error also matches %v; errors must be distinct", s)
				}
			}
			if strings.Contains(err.Error(), "record one") {
				t.Errorf("error leaks content")
			}
		})
	}
}

// TestVerifyBeforeDecrypt: a tampered ciphertext is refused by Verify alone,
// without any identity, so no age code ever sees it.
func TestVerifyBeforeDecrypt(t *testing.T) {
	f := newFixture(t)
	env := f.seal(t, "alice", f.v2, record("rec-1", KindSessionRecord, "x"))
	env[len(env)-1] ^= 1
	e, err := ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(e, f.v2); !errors.Is(err, ErrCiphertextMismatch) {
		t.Fatalf("Verify: %v", err)
	}
}

// TestRotation: a person rotates keys; new records go to the new key only;
// old records stay readable with the old key and through recovery.
func TestRotation(t *testing.T) {
	f := newFixture(t)
	old := f.seal(t, "alice", f.v2, record("old", KindSessionRecord, "before rotation"))

	alice2, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	rotatedAt := fixedNow.Add(time.Hour)
	d := f.baseDirectory(3, []Revocation{{KeyID: f.ids["leo"].KeyID(), RevokedAt: leoRevokedAt}})
	for i := range d.People {
		if d.People[i].ID == "alice" {
			d.People[i].Keys[0].ValidUntil = &rotatedAt
			k := alice2.PublicKey()
			k.ValidFrom = rotatedAt
			d.People[i].Keys = append(d.People[i].Keys, k)
		}
	}
	signed, err := SignDirectory(d, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	v3, err := VerifyDirectory(signed, f.admin.SigningPublicKey(), f.v2)
	if err != nil {
		t.Fatal(err)
	}
	later := Record{ID: "new", Kind: KindSessionRecord, Created: rotatedAt.Add(time.Minute), Body: []byte("after rotation")}
	if _, err := Seal(f.ids["alice"], v3, later); !errors.Is(err, ErrNoValidKey) {
		t.Errorf("sealing with a superseded key: %v", err)
	}
	env, err := Seal(alice2, v3, later)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ParseEnvelope(env)
	if h := e.Header(); slices.Contains(h.Recipients, f.ids["alice"].KeyID()) || h.Recipients[0] != alice2.KeyID() {
		t.Errorf("new record recipients %v: want new key first, old key absent", h.Recipients)
	}
	if _, err := Open(env, v3, f.ids["alice"]); !errors.Is(err, ErrNotRecipient) {
		t.Errorf("old key opened a new record: %v", err)
	}
	for name, r := range map[string]age.Identity{"new key": alice2, "mike": f.ids["mike"], "recovery": f.recovery} {
		if _, err := Open(env, v3, r); err != nil {
			t.Errorf("%s cannot open new record: %v", name, err)
		}
	}
	// Old record under the new directory: old key and recovery still read it.
	for name, r := range map[string]age.Identity{"old key": f.ids["alice"], "recovery": f.recovery} {
		if _, err := Open(old, v3, r); err != nil {
			t.Errorf("%s cannot open old record: %v", name, err)
		}
	}
	// A reader holding both keys (from the keystore) opens both.
	for _, x := range [][]byte{old, env} {
		if _, err := Open(x, v3, f.ids["alice"], alice2); err != nil {
			t.Errorf("reader with both keys: %v", err)
		}
	}
}

// TestRevokedLeaverRecordsReadable: after Leo is revoked, incidents he could
// read before remain readable through recovery and Dana.
func TestRevokedLeaverRecordsReadable(t *testing.T) {
	f := newFixture(t)
	inc := f.seal(t, "alice", f.v1, Record{ID: "inc", Kind: KindIncident, Created: leoRevokedAt.Add(-time.Hour), Body: []byte("x")})
	for name, r := range map[string]age.Identity{"recovery": f.recovery, "dana": f.ids["dana"]} {
		if _, err := Open(inc, f.v2, r); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestInnerStrict feeds checkInner padded plaintexts that decrypt fine but
// are wrong inside.
func TestInnerStrict(t *testing.T) {
	h := &Header{ID: "r", Kind: KindDraft, Author: KeyID(strings.Repeat("a", 32)),
		Recipients: []KeyID{KeyID(strings.Repeat("a", 32))}, Created: fixedNow}
	meta := func(bodyLen int) []byte {
		b, _ := json.Marshal(innerMeta{V: 1, ID: h.ID, Kind: h.Kind, Author: h.Author, Recipients: h.Recipients, Created: h.Created, BodyLen: bodyLen})
		return b
	}
	build := func(m []byte, body string, total int) []byte {
		pt := append(append(bytes.Clone(m), '\n'), body...)
		return append(pt, make([]byte, total-len(pt))...)
	}
	good := build(meta(5), "hello", 4096)
	if b, subject, err := checkInner(good, h); err != nil || string(b) != "hello" || subject != "" {
		t.Fatalf("good: %q %q %v", b, subject, err)
	}
	withSubject := func(m []byte, subject string) []byte {
		return append(bytes.TrimSuffix(bytes.Clone(m), []byte("}")), []byte(`,"subject":`+subject+`}`)...)
	}
	if b, subject, err := checkInner(build(withSubject(meta(5), `"sam"`), "hello", 4096), h); err != nil || string(b) != "hello" || subject != "sam" {
		t.Fatalf("good with subject: %q %q %v", b, subject, err)
	}
	// The fast comparison must agree with the encoder about what is canonical.
	if m, _ := json.Marshal(innerMeta{V: 1, ID: h.ID, Kind: h.Kind, Author: h.Author, Recipients: h.Recipients,
		Created: h.Created, BodyLen: 5, Subject: "sam"}); !bytes.Equal(m, withSubject(meta(5), `"sam"`)) {
		t.Fatalf("encoder writes %s", m)
	}
	nonzero := bytes.Clone(good)
	nonzero[4000] = 1
	for name, pt := range map[string][]byte{
		"non-zero padding":  nonzero,
		"short padding":     good[:4095],
		"extra padding":     append(bytes.Clone(good), make([]byte, 4096)...),
		"body length lies":  build(meta(4090), "hello", 4096),
		"no newline":        bytes.Repeat([]byte{'x'}, 4096),
		"non-canonical":     build(append([]byte(" "), meta(5)...), "hello", 4096),
		"empty":             nil,
		"different id":      build(bytes.Replace(meta(5), []byte(`"id":"r"`), []byte(`"id":"s"`), 1), "hello", 4096),
		"unknown field":     build(bytes.Replace(meta(5), []byte(`{"v":1`), []byte(`{"x":0,"v":1`), 1), "hello", 4096),
		"negative body len": build(meta(-1), "", 4096),
		"leading zero":      build(bytes.Replace(meta(5), []byte(`:5}`), []byte(`:05}`), 1), "hello", 4096),
		"plus sign":         build(bytes.Replace(meta(5), []byte(`:5}`), []byte(`:+5}`), 1), "hello", 4096),
		"exponent":          build(bytes.Replace(meta(5), []byte(`:5}`), []byte(`:5e0}`), 1), "hello", 4096),
		"trailing field":    build(bytes.Replace(meta(5), []byte(`:5}`), []byte(`:5,"x":1}`), 1), "hello", 4096),
		"empty subject":     build(withSubject(meta(5), `""`), "hello", 4096),
		"escaped subject":   build(withSubject(meta(5), `"\u0073am"`), "hello", 4096),
		"subject not text":  build(withSubject(meta(5), `1`), "hello", 4096),
		"subject then more": build(withSubject(meta(5), `"sam","x":1`), "hello", 4096),
		"subject twice":     build(withSubject(meta(5), `"sam","subject":"priya"`), "hello", 4096),
		"subject first":     build(bytes.Replace(meta(5), []byte(`{"v":1`), []byte(`{"subject":"sam","v":1`), 1), "hello", 4096),
	} {
		if _, _, err := checkInner(pt, h); !errors.Is(err, ErrInnerMismatch) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
