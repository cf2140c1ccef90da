package crypto

import (
	"bytes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// A KeyCache remembers the age file key of each record its owner has
// already verified and opened, sealed (XChaCha20-Poly1305) under a key
// derived from the owner's identity, so that opening the record again (at
// every unlock, for every inbox) costs symmetric work only. Without it a
// list of 10,000 records costs 10,000 ML-KEM-768 + X25519 decapsulations and
// Ed25519 verifications every time it is shown (issue 4).
//
// A remembered key is bound to the exact signed header and signature of the
// envelope it was made for. A cache entry opens only with the owner's
// identity and only for that header, and an entry is made only after the
// envelope passed every check Open makes (or, by Seal, for an envelope its
// owner just signed). So an entry that opens proves the signature was
// already checked on this device, and the signature check can be skipped.
// Everything else is still checked on every open: the directory knows the
// author and had not revoked the key at the record's date, the ciphertext
// has the signed hash and length, age's header MAC and every payload chunk
// authenticate under the key, and the inner metadata matches the header.
// An entry that fails to open (damaged, another person's, another header) is
// ignored and the record is opened the full way.
//
// Entries are at rest what the record is: unreadable without the identity.
// A KeyCache is safe for concurrent use.
type KeyCache struct{ aead cipher.AEAD }

// keyCacheInfo separates the cache key from every other use of the
// identity's secrets.
const keyCacheInfo = "safeguard-companion file-key cache v1"

// NewKeyCache derives owner's cache key from both halves of their identity.
func NewKeyCache(owner *Identity) (*KeyCache, error) {
	ikm := append([]byte(owner.age.String()+"\n"), owner.sign.Seed()...)
	defer clear(ikm)
	key, err := hkdf.Key(sha256.New, ikm, nil, keyCacheInfo, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("deriving the key cache key: %w", err)
	}
	defer clear(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("deriving the key cache key: %w", err)
	}
	return &KeyCache{aead: aead}, nil
}

// remember returns the cache entry for fileKey, bound to e.
func (c *KeyCache) remember(e *Envelope, fileKey []byte) []byte {
	out := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+len(fileKey)+chacha20poly1305.Overhead)
	rand.Read(out) // never fails (crypto/rand)
	return c.aead.Seal(out, out, fileKey, c.binding(e))
}

// recall opens an entry made by remember for e. It returns nil if the entry
// is not one this cache made for exactly this signed header.
func (c *KeyCache) recall(e *Envelope, entry []byte) []byte {
	if len(entry) != chacha20poly1305.NonceSizeX+fileKeySize+chacha20poly1305.Overhead {
		return nil
	}
	nonce, sealed := entry[:chacha20poly1305.NonceSizeX], entry[chacha20poly1305.NonceSizeX:]
	key, err := c.aead.Open(nil, nonce, sealed, c.binding(e))
	if err != nil {
		return nil
	}
	return key
}

// binding is what an entry is bound to: the signed header and its
// signature, as the signature itself covers them (with the context).
func (c *KeyCache) binding(e *Envelope) []byte {
	b := make([]byte, 0, len(e.headerRaw)+len(e.signature))
	return append(append(b, e.headerRaw...), e.signature...)
}

// fileKeySize is the size of an age file key.
const fileKeySize = 16

// capturingIdentity passes Unwrap through and keeps a copy of the file key
// it returned; the caller uses the copy only if the whole header then
// authenticates.
type capturingIdentity struct {
	age.Identity
	key *[]byte
}

func (c capturingIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	k, err := c.Identity.Unwrap(stanzas)
	if err == nil {
		*c.key = bytes.Clone(k)
	}
	return k, err
}

// capturingRecipient passes Wrap through (with age's labels, so hybrid
// recipients still refuse to be mixed with classical ones) and keeps a copy
// of the file key, for Seal to remember.
type capturingRecipient struct {
	age.Recipient
	key *[]byte
}

func (c capturingRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	*c.key = bytes.Clone(fileKey)
	return c.Recipient.Wrap(fileKey)
}

func (c capturingRecipient) WrapWithLabels(fileKey []byte) ([]*age.Stanza, []string, error) {
	*c.key = bytes.Clone(fileKey)
	if r, ok := c.Recipient.(age.RecipientWithLabels); ok {
		return r.WrapWithLabels(fileKey)
	}
	s, err := c.Recipient.Wrap(fileKey)
	return s, nil, err
}
