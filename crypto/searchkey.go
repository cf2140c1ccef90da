package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"
)

// A SearchKey makes the keyed tags of a device's blind search index
// (docs/search-index.md): HMAC-SHA256 of a normalised search term under a
// key derived from the owner's identity, so that the index on disk says
// nothing readable and nothing an attacker without the identity can test a
// guessed word against. Like the KeyCache key, it is never stored: it is
// derived again from the identity (held in the OS keyring) whenever the
// vault opens. A SearchKey is safe for concurrent use.
type SearchKey struct{ pool sync.Pool }

// searchKeyInfo separates the search key from every other use of the
// identity's secrets.
const searchKeyInfo = "safeguard-companion search index v1"

// NewSearchKey derives owner's search key from both halves of their
// identity.
func NewSearchKey(owner *Identity) (*SearchKey, error) {
	ikm := append([]byte(owner.age.String()+"\n"), owner.sign.Seed()...)
	defer clear(ikm)
	key, err := hkdf.Key(sha256.New, ikm, nil, searchKeyInfo, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("deriving the search key: %w", err)
	}
	k := &SearchKey{}
	// The key lives only in memory, for the vault's life, as the
	// KeyCache's does.
	k.pool.New = func() any { return hmac.New(sha256.New, key) }
	return k, nil
}

// Tag is the keyed tag of one normalised term.
func (k *SearchKey) Tag(term string) [sha256.Size]byte {
	m := k.pool.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(term))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	k.pool.Put(m)
	return out
}
