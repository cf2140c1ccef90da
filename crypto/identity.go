package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"filippo.io/age"
)

// KeyID is a short, stable name for one person's key pair (or for the
// recovery recipient): the first 16 bytes of a domain-separated SHA-256 over
// the public keys, as 32 lowercase hex digits. It travels in envelope headers
// instead of names, so routing data identifies no one by itself.
type KeyID string

var keyIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Valid reports whether k has the shape of a KeyID.
func (k KeyID) Valid() bool { return keyIDPattern.MatchString(string(k)) }

// String returns the hex form.
func (k KeyID) String() string { return string(k) }

// personKeyID binds both public keys: a directory entry cannot pair someone's
// age recipient with someone else's signing key under the same id.
func personKeyID(ageRecipient string, signPub ed25519.PublicKey) KeyID {
	h := sha256.New()
	h.Write([]byte("safeguard-companion keyid v1 person\n"))
	h.Write([]byte(ageRecipient))
	h.Write([]byte{'\n'})
	h.Write(signPub)
	return KeyID(hex.EncodeToString(h.Sum(nil)[:16]))
}

// RecoveryKeyID names the organisation's recovery recipient, which has no
// signing key. The domain differs from person ids so the two never collide.
func RecoveryKeyID(ageRecipient string) KeyID {
	h := sha256.New()
	h.Write([]byte("safeguard-companion keyid v1 recovery\n"))
	h.Write([]byte(ageRecipient))
	return KeyID(hex.EncodeToString(h.Sum(nil)[:16]))
}

// AdminKeyID names an Ed25519 admin public key, for display when pinning.
func AdminKeyID(pub ed25519.PublicKey) KeyID {
	h := sha256.New()
	h.Write([]byte("safeguard-companion keyid v1 admin\n"))
	h.Write(pub)
	return KeyID(hex.EncodeToString(h.Sum(nil)[:16]))
}

// Identity is one person's secret key pair: a post-quantum hybrid age
// identity (ML-KEM-768 + X25519) for reading records and an Ed25519 key for
// signing them. It implements age.Identity, so it can be passed to Open and
// to age.Decrypt directly.
type Identity struct {
	age  *age.HybridIdentity
	sign ed25519.PrivateKey
	kid  KeyID // computed once: it takes a Bech32 encoding of the ~1.2 KB public key
}

// GenerateIdentity makes a fresh identity.
func GenerateIdentity() (*Identity, error) {
	a, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, fmt.Errorf("generating age identity: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating signing key: %w", err)
	}
	return newIdentity(a, priv), nil
}

// String names the identity by key id only, so that a stray %v or %s in a
// log line can never print secret key material.
func (id *Identity) String() string { return "crypto.Identity(" + string(id.KeyID()) + ")" }

// GoString does the same for %#v.
func (id *Identity) GoString() string { return id.String() }

// Unwrap implements age.Identity.
func (id *Identity) Unwrap(stanzas []*age.Stanza) ([]byte, error) { return id.age.Unwrap(stanzas) }

// AgeIdentity returns the age half, for export to the age command-line tool.
func (id *Identity) AgeIdentity() *age.HybridIdentity { return id.age }

// SigningPublicKey returns the Ed25519 public key, e.g. to pin an admin key.
func (id *Identity) SigningPublicKey() ed25519.PublicKey {
	return id.sign.Public().(ed25519.PublicKey)
}

func newIdentity(a *age.HybridIdentity, sign ed25519.PrivateKey) *Identity {
	id := &Identity{age: a, sign: sign}
	id.kid = personKeyID(a.Recipient().String(), id.SigningPublicKey())
	return id
}

// KeyID returns the stable id of this key pair.
func (id *Identity) KeyID() KeyID {
	if id.kid != "" {
		return id.kid
	}
	return personKeyID(id.age.Recipient().String(), id.SigningPublicKey())
}

// PublicKey returns the public half as it appears in the directory, with no
// validity window set; the admin fills that in when publishing it.
func (id *Identity) PublicKey() PublicKey {
	return PublicKey{
		ID:      id.KeyID(),
		Age:     id.age.Recipient().String(),
		Ed25519: id.SigningPublicKey(),
	}
}

func (id *Identity) signMessage(msg []byte) []byte { return ed25519.Sign(id.sign, msg) }

// Keystore serialisation. A small text form rather than JSON so that the
// secret never passes through reflection-based encoders that might be
// logged on error.
const identityMagic = "safeguard-companion identity v1"

func (id *Identity) marshalSecret() []byte {
	var b bytes.Buffer
	b.WriteString(identityMagic + "\n")
	b.WriteString(id.age.String() + "\n")
	b.WriteString(base64.StdEncoding.EncodeToString(id.sign.Seed()) + "\n")
	return b.Bytes()
}

func parseSecret(b []byte) (*Identity, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) != 4 || lines[0] != identityMagic || lines[3] != "" {
		return nil, fmt.Errorf("%w: stored identity has an unknown format", ErrMalformed)
	}
	a, err := age.ParseHybridIdentity(lines[1])
	if err != nil {
		// Deliberately not wrapping err: age's message could quote key material.
		return nil, fmt.Errorf("%w: stored age identity does not parse", ErrMalformed)
	}
	seed, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: stored signing key does not parse", ErrMalformed)
	}
	return newIdentity(a, ed25519.NewKeyFromSeed(seed)), nil
}
