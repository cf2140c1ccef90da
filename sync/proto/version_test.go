package proto

import (
	"crypto/sha256"
	"errors"
	"testing"
)

// Every body names its format's version in its magic; one from a later
// version than this build knows is named as such (the peer is newer), so
// the app can say which side to update. An older one is refused plainly.
func TestNewerFormatsAreNamed(t *testing.T) {
	receipt := func(b []byte) error { _, err := parseReceipt(b); return err }
	pull := func(b []byte) error { _, err := ParsePull(b); return err }
	push := func(b []byte) error { _, err := ParsePush(b); return err }
	answer := func(b []byte) error { _, err := ParsePushAnswer(b); return err }
	pad := make([]byte, 64)
	for _, c := range []struct {
		name  string
		parse func([]byte) error
		body  string
		newer bool
	}{
		{"a pull page of version 3", pull, "SGC-PULL-3\n", true},
		{"a pull page of version 12", pull, "SGC-PULL-12\n", true},
		{"a pull page of version 1 (an older hub)", pull, "SGC-PULL-1\n", false},
		{"a pull page with no version number", pull, "SGC-PULL-\n", false},
		{"a pull page with a version that is not a number", pull, "SGC-PULL-x\n", false},
		{"a push of version 2", push, "SGC-PUSH-2\n", true},
		{"push receipts of version 3", answer, "SGC-RECEIPTS-3\n", true},
		{"push receipts of version 1", answer, "SGC-RECEIPTS-1\n", false},
		{"a receipt of version 3", receipt, "SGC-RECEIPT-3\n", true},
		{"a receipt of version 1", receipt, "SGC-RECEIPT-1\n", false},
		{"something else", pull, "GIF89a\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.parse(append([]byte(c.body), pad...))
			if err == nil {
				t.Fatal("accepted")
			}
			if got := errors.Is(err, ErrNewerFormat); got != c.newer {
				t.Fatalf("newer format: %v (%v); want %v", got, err, c.newer)
			}
		})
	}
}

func TestContentDigest(t *testing.T) {
	sum := sha256.Sum256([]byte("body"))
	good := FormatDigest(sum)
	if got, err := ParseDigest(good); err != nil || got != sum {
		t.Fatalf("round trip of %q: %x, %v", good, got, err)
	}
	for _, bad := range []string{
		"", "sha-256=" + good[len("sha-256="):len(good)-1], "sha-512=:" + good[len("sha-256=:"):],
		"sha-256=:AAAA:", good + ",sha-512=:AAAA:", "SHA-256" + good[len("sha-256"):],
		"sha-256=:" + "A" + good[len("sha-256=:")+1:len(good)-2] + "_:", // not standard base64
	} {
		if _, err := ParseDigest(bad); !errors.Is(err, ErrDigest) {
			t.Errorf("ParseDigest(%q) = %v; want ErrDigest", bad, err)
		}
	}
}

// FuzzParseDigest: the digest header is read before anything else is
// known about the request.
func FuzzParseDigest(f *testing.F) {
	f.Add(FormatDigest(sha256.Sum256(nil)))
	f.Add("sha-256=:AAAA:")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		sum, err := ParseDigest(h)
		if err == nil && FormatDigest(sum) != h {
			t.Fatalf("accepted %q, which is not the one spelling of %x", h, sum)
		}
	})
}
