package crypto

import (
	"crypto/sha256"
	"fmt"
)

// Checked is an envelope this process has verified against a directory:
// Verify's checks (a directory key signed it, the signature holds, the
// ciphertext is the one signed, the key was valid and not revoked at the
// record's date) all passed. It lives in memory only, and no other package
// can make one: the only way to get one is Check, so holding one proves the
// check was made here, in this process, on exactly these bytes. It lets the
// verification at a pull and the open that follows it (to remember the
// record's file key and index it) share one signature check. A mark read
// from disk could be forged by editing the database; this cannot, and
// nothing of it is ever stored.
//
// A Checked aliases the bytes it was made from: they must not change while
// it is in use.
type Checked struct {
	env    *Envelope
	wire   []byte
	author *Person
	dir    *Directory
	sum    [sha256.Size]byte // of wire
}

// Check parses and verifies a whole envelope (its wire form b) against dir,
// as ParseEnvelope then Verify do, without copying b, and hashes b (Sum).
func Check(b []byte, dir *Directory) (*Checked, error) {
	if dir == nil {
		return nil, fmt.Errorf("%w: there is no organisation directory to check it against", ErrUnknownSigner)
	}
	e, err := parseEnvelope(b, nil)
	if err != nil {
		return nil, err
	}
	author, err := Verify(e, dir)
	if err != nil {
		return nil, err
	}
	return &Checked{env: e, wire: b, author: author, dir: dir, sum: sha256.Sum256(b)}, nil
}

// Sum is SHA-256 of the whole envelope, as EnvelopeHash gives it in hex:
// what the hub names the record by.
func (c *Checked) Sum() [sha256.Size]byte { return c.sum }

// Header returns a copy of the verified routing header.
func (c *Checked) Header() Header { return c.env.Header() }

// Envelope returns the verified envelope. It aliases the bytes c was made
// from.
func (c *Checked) Envelope() *Envelope { return c.env }

// OpenChecked decrypts an envelope Check verified, without checking its
// signature again, and returns its file key sealed by keys for the store to
// keep beside it (nil when keys is nil), as OpenRemembered returns a fresh
// one. Everything after the signature is checked as Open checks it: the
// age header and every payload chunk authenticate and the inner metadata
// matches the signed header. When c was checked against another directory
// than the Opener's, every check is made again with the Opener's.
func (o *Opener) OpenChecked(keys *KeyCache, c *Checked) (*Opened, []byte, error) {
	author := c.author
	if c.dir != o.dir {
		var err error
		if author, err = Verify(c.env, o.dir); err != nil {
			return nil, nil, err
		}
	}
	head := c.wire[:len(c.wire)-len(c.env.ciphertext)]
	var key []byte
	var capture *[]byte
	if keys != nil {
		capture = &key
	}
	opened, err := o.openAs(c.env, author, head, c.env.ciphertext, &c.sum, capture)
	if err != nil {
		return nil, nil, err
	}
	defer clear(key)
	var fresh []byte
	if len(key) == fileKeySize {
		fresh = keys.remember(c.env, key)
	}
	return opened, fresh, nil
}
