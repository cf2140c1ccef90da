package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"filippo.io/age"
)

// Fuzz targets for the two parsers that read bytes from outside (the hub,
// another device, a file a person picked). Seed corpora live in
// testdata/fuzz/<FuzzName>/; regenerate them with
// COMPANION_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./crypto.
//
//	go test -run '^$' -fuzz FuzzParseEnvelope -fuzztime 60s -fuzzminimizetime 3s ./crypto
//	go test -run '^$' -fuzz FuzzDirectory -fuzztime 60s -fuzzminimizetime 3s ./crypto
//
// The seeds are large (a directory holds ~2 KB per post-quantum key), and
// minimising a large interesting input can take minutes; -fuzzminimizetime
// keeps the fuzzer fuzzing.

var envelopeErrors = []error{ErrMalformed, ErrBadSignature, ErrCiphertextMismatch, ErrUnknownSigner,
	ErrRevokedSigner, ErrNotRecipient, ErrDecrypt, ErrInnerMismatch}

func FuzzParseEnvelope(f *testing.F) {
	fx := newFixture(f)
	genuine := [][]byte{
		fx.seal(f, "alice", fx.v2, record("fuzz-1", KindDraft, "fuzz body")),
		fx.seal(f, "alice", fx.v2, record("fuzz-2", KindAddendum, "")),
	}
	for _, g := range genuine {
		f.Add(g)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEnvelope(data)
		if err != nil {
			if e != nil || !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseEnvelope: (%v, %v)", e != nil, err)
			}
		} else if !bytes.Equal(e.Bytes(), data) {
			// Strict: exactly one encoding per envelope.
			t.Fatalf("accepted envelope does not re-encode to the same bytes")
		}
		got, err := Open(data, fx.v2, fx.ids["alice"])
		if err == nil {
			if !slices.ContainsFunc(genuine, func(g []byte) bool { return bytes.Equal(g, data) }) {
				t.Fatalf("Open accepted bytes other than the genuine envelope")
			}
			return
		}
		if got != nil {
			t.Fatalf("Open returned content with an error")
		}
		matched := 0
		for _, s := range envelopeErrors {
			if errors.Is(err, s) {
				matched++
			}
		}
		if matched != 1 {
			t.Fatalf("error %v matches %d sentinels, want exactly 1", err, matched)
		}
	})
}

func FuzzDirectory(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.v2Signed)
	canon, err := fx.v2.canonical()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(canon)
	f.Fuzz(func(t *testing.T, data []byte) {
		// The unsigned parser, as reached after a good signature.
		if d, err := parseDirectory(data); err == nil {
			again, err := d.canonical()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("accepted directory is not canonical")
			}
		} else if d != nil || !errors.Is(err, ErrDirectoryInvalid) {
			t.Fatalf("parseDirectory: (%v, %v)", d != nil, err)
		}
		// The outer wrapper and the whole verification.
		if sd, err := parseSignedDirectory(data); err == nil {
			_, _ = parseDirectory(sd.Directory)
		}
		d, err := VerifyDirectory(data, fx.admin.SigningPublicKey(), fx.v1)
		if err == nil {
			if !bytes.Equal(data, fx.v2Signed) {
				t.Fatalf("VerifyDirectory accepted bytes the admin never signed")
			}
			return
		}
		if d != nil || !(errors.Is(err, ErrDirectoryInvalid) || errors.Is(err, ErrDirectorySignature) ||
			errors.Is(err, ErrDirectoryRollback)) {
			t.Fatalf("VerifyDirectory: (%v, %v)", d != nil, err)
		}
	})
}

// TestWriteFuzzSeeds regenerates the committed seed corpora.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("COMPANION_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set COMPANION_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz seeds")
	}
	fx := newFixture(t)
	env := fx.seal(t, "alice", fx.v2, record("seed-1", KindSessionRecord, "seed body"))
	inc := fx.seal(t, "bob", fx.v2, record("seed-2", KindIncident, "incident seed"))
	add := fx.seal(t, "alice", fx.v2, record("seed-3", KindAddendum, "addendum seed"))
	hdrEnd := len(envelopeMagic) + 4
	write(t, "FuzzParseEnvelope", map[string][]byte{
		"valid-session-record": env,
		"valid-incident":       inc,
		"valid-addendum":       add,
		"magic-only":           []byte(envelopeMagic),
		"header-length-huge":   append([]byte(envelopeMagic), 0xff, 0xff, 0xff, 0xff),
		"truncated-header":     env[:hdrEnd+20],
		"no-ciphertext":        env[:len(env)-len(mustParse(t, env).Ciphertext())],
		"empty":                {},
	})
	canon, _ := fx.v2.canonical()
	write(t, "FuzzDirectory", map[string][]byte{
		"signed-v1":        fx.v1Signed,
		"signed-v2":        fx.v2Signed,
		"canonical-v2":     canon,
		"empty-object":     []byte(`{}`),
		"signed-wrapper":   []byte(`{"directory":{},"signer":"00000000000000000000000000000000","signature":""}`),
		"not-json":         []byte("version 3"),
		"minimal-unsigned": []byte(`{"org":"x","version":1,"issued_at":"2026-01-01T00:00:00Z","people":[],"recovery":{"id":"","age":""}}`),
	})
}

func mustParse(t *testing.T, b []byte) *Envelope {
	e, err := ParseEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func write(t *testing.T, target string, seeds map[string][]byte) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fuzzIdentity is a fixed, test-only X25519 identity, so that saved corpus
// entries stay meaningful from one run to the next.
const fuzzIdentity = "AGE-SECRET-KEY-1Y0VGDQ6X34T8RV0KDPQ4UGK23SFAQQ5ETJT6ELDEMLTN0CD5R4NS72T4H3"

// FuzzOpenAgeWithKey: the remembered path reads an age file with a known
// file key without parsing its header (see openAgeWithKey). Whatever the
// bytes, it must not panic, and it must never accept a file that age itself
// would refuse, or give other plaintext than age gives.
//
//	go test -run '^$' -fuzz FuzzOpenAgeWithKey -fuzztime 60s ./crypto
func FuzzOpenAgeWithKey(f *testing.F) {
	id, err := age.ParseX25519Identity(fuzzIdentity)
	if err != nil {
		f.Fatal(err)
	}
	for _, size := range []int{0, 1, 100, streamChunk, streamChunk + 1} {
		var key []byte
		var ct bytes.Buffer
		w, err := age.Encrypt(&ct, capturingRecipient{Recipient: id.Recipient(), key: &key})
		if err != nil {
			f.Fatal(err)
		}
		w.Write(bytes.Repeat([]byte{'r'}, size))
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		f.Add(key, ct.Bytes())
	}
	f.Fuzz(func(t *testing.T, key, ct []byte) {
		pt, err := openAgeWithKey(ct, nil, key)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("refusal does not wrap ErrDecrypt: %v", err)
			}
			return
		}
		r, err := age.Decrypt(bytes.NewReader(ct), id)
		if err != nil {
			t.Fatalf("accepted a file age refuses: %v", err)
		}
		want, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("accepted a file age refuses: %v", err)
		}
		if !bytes.Equal(pt, want) {
			t.Fatal("plaintext differs from age's")
		}
	})
}
