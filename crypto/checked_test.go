package crypto

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestOpenChecked is issue 18's one signature check per pulled record: an
// envelope Check verified opens with OpenChecked as Open opens it, and
// hands back a file key that opens it again (KeyCache); Check refuses what
// Verify refuses; and a mark made against one directory is not trusted
// with another: a record by a key the newer directory revoked at its date
// is refused by an Opener on that directory, as Open refuses it.
func TestOpenChecked(t *testing.T) {
	f := newFixture(t)
	keys, err := NewKeyCache(f.ids["dana"])
	if err != nil {
		t.Fatal(err)
	}
	rec := Record{ID: "inc-1", Kind: KindIncident, Created: fixedNow.Add(-time.Hour), Body: []byte(`{"summary":"x"}`)}
	b := f.seal(t, "alice", f.v1, rec)

	c, err := Check(b, f.v1)
	if err != nil {
		t.Fatal(err)
	}
	got, fresh, err := NewOpener(f.v1, f.ids["dana"]).OpenChecked(keys, c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Open(b, f.v1, f.ids["dana"])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body, want.Body) || got.Hash != want.Hash || got.Header.ID != "inc-1" {
		t.Fatalf("OpenChecked gave %+v, Open %+v", got, want)
	}
	head, ct := b[:len(b)-len(c.Envelope().Ciphertext())], c.Envelope().Ciphertext()
	again, more, err := NewOpener(f.v1, f.ids["dana"]).OpenRemembered(keys, head, ct, fresh)
	if err != nil || more != nil || !bytes.Equal(again.Body, want.Body) {
		t.Fatalf("the remembered key did not open the record: %v, fresh %v", err, more != nil)
	}

	// Not a recipient: no key to hand back.
	if _, k, err := NewOpener(f.v1, f.ids["eve"]).OpenChecked(keys, c); !errors.Is(err, ErrNotRecipient) || k != nil {
		t.Errorf("eve: %v, key %v", err, k != nil)
	}

	// Check refuses a bad signature and an unknown signer.
	bad := bytes.Clone(b)
	bad[len(bad)-len(ct)-1] ^= 1 // the signature's last byte
	if _, err := Check(bad, f.v1); !errors.Is(err, ErrBadSignature) {
		t.Errorf("bad signature: %v", err)
	}
	if _, err := Check(b, nil); !errors.Is(err, ErrUnknownSigner) {
		t.Errorf("no directory: %v", err)
	}

	// leo's record dated after his revocation, checked against v1 (which
	// did not know it), is refused by an Opener on v2.
	leo := f.seal(t, "leo", f.v1, Record{ID: "inc-new", Kind: KindIncident, Created: leoRevokedAt.Add(time.Hour), Body: []byte("x")})
	lc, err := Check(leo, f.v1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := NewOpener(f.v2, f.ids["dana"]).OpenChecked(keys, lc); !errors.Is(err, ErrRevokedSigner) {
		t.Errorf("a mark made against v1 was trusted with v2: %v", err)
	}
}
