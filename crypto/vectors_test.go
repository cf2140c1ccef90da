package crypto

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	agetest "c2sp.org/CCTV/age"
	"filippo.io/age"
)

// TestC2SPVectors runs every C2SP age test vector through decryptAge, the
// function Open decrypts with. Each must succeed or fail exactly as the
// vector says, and a failing vector must hand no plaintext to the caller:
// several "payload failure" vectors decrypt some chunks before the error,
// which age's streaming reader would release (Trust model: "a truncated age
// file can release plaintext before it fails").
func TestC2SPVectors(t *testing.T) {
	entries, err := fs.ReadDir(agetest.Vectors, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 100 {
		t.Fatalf("only %d vectors found; the module looks incomplete", len(entries))
	}
	seen := map[string]int{}
	var streamingLeaks int // failing vectors where plain age.Decrypt hands out bytes
	for _, entry := range entries {
		contents, err := fs.ReadFile(agetest.Vectors, entry.Name())
		if err != nil {
			t.Fatal(err)
		}
		v := parseVector(t, entry.Name(), contents)
		seen[v.expect]++
		if v.expect == "payload failure" {
			if r, err := age.Decrypt(bytes.NewReader(v.file), v.identities...); err == nil {
				if leaked, err := io.ReadAll(r); err != nil && len(leaked) > 0 {
					streamingLeaks++
				}
			}
		}
		t.Run(entry.Name(), func(t *testing.T) {
			t.Parallel()
			pt, err := decryptAge(bytes.NewReader(v.file), v.armored, v.identities...)
			if v.expect == "success" {
				if err != nil {
					t.Fatalf("expected success, got %v", err)
				}
				if sha256.Sum256(pt) != v.payloadHash {
					t.Fatalf("payload hash mismatch")
				}
				return
			}
			if pt != nil {
				t.Fatalf("failing vector (%s) released %d bytes of plaintext", v.expect, len(pt))
			}
			if err == nil {
				t.Fatalf("expected %s, got success", v.expect)
			}
			var want []error
			switch v.expect {
			case "no match":
				want = []error{ErrNotRecipient}
			case "HMAC failure":
				want = []error{ErrDecrypt, errAgeHeader}
				if !strings.HasSuffix(err.Error(), "bad header MAC") {
					t.Errorf("expected a header MAC failure, got %v", err)
				}
			case "header failure":
				want = []error{ErrDecrypt, errAgeHeader}
			case "payload failure":
				want = []error{ErrDecrypt, errAgePayload}
			case "armor failure":
				want = []error{ErrDecrypt, errAgeArmor}
			default:
				t.Fatalf("unknown expectation %q", v.expect)
			}
			for _, w := range want {
				if !errors.Is(err, w) {
					t.Errorf("expected %s (%v), got %v", v.expect, w, err)
				}
			}
			if v.expect != "no match" && errors.Is(err, ErrNotRecipient) {
				t.Errorf("expected %s, got no match: %v", v.expect, err)
			}
		})
	}
	t.Logf("vectors by expectation: %v", seen)
	// The no-plaintext check above only means something if some vectors
	// really do make a streaming reader release bytes before failing.
	if streamingLeaks == 0 {
		t.Errorf("no vector releases partial plaintext through plain age.Decrypt; the leak check tests nothing")
	}
	t.Logf("%d payload-failure vectors release partial plaintext through a streaming reader; decryptAge released none", streamingLeaks)
}

type vector struct {
	expect      string
	payloadHash [32]byte
	identities  []age.Identity
	armored     bool
	file        []byte
}

// parseVector reads the C2SP vector format: "key: value" lines, a blank
// line, then the file (optionally zlib-compressed).
func parseVector(t *testing.T, name string, contents []byte) *vector {
	t.Helper()
	v := &vector{}
	rest := contents
	compressed := false
	for {
		line, after, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			t.Fatalf("%s: no blank line before the file", name)
		}
		rest = after
		if len(line) == 0 {
			break
		}
		key, value, _ := strings.Cut(string(line), ": ")
		switch key {
		case "expect":
			v.expect = value
		case "payload":
			h, err := hex.DecodeString(value)
			if err != nil || len(h) != 32 {
				t.Fatalf("%s: bad payload hash", name)
			}
			copy(v.payloadHash[:], h)
		case "identity":
			var id age.Identity
			id, err := age.ParseX25519Identity(value)
			if err != nil {
				id, err = age.ParseHybridIdentity(value)
			}
			if err != nil {
				t.Fatalf("%s: identity: %v", name, err)
			}
			v.identities = append(v.identities, id)
		case "passphrase":
			id, err := age.NewScryptIdentity(value)
			if err != nil {
				t.Fatal(err)
			}
			v.identities = append(v.identities, id)
		case "armored":
			v.armored = true
		case "compressed":
			if value != "zlib" {
				t.Fatalf("%s: unknown compression %q", name, value)
			}
			compressed = true
		case "file key", "comment":
		default:
			t.Fatalf("%s: unknown header %q", name, key)
		}
	}
	v.file = rest
	if compressed {
		r, err := zlib.NewReader(bytes.NewReader(rest))
		if err != nil {
			t.Fatal(err)
		}
		if v.file, err = io.ReadAll(r); err != nil {
			t.Fatal(err)
		}
	}
	return v
}
