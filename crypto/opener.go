package crypto

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"filippo.io/age"
)

// An Opener opens envelopes for one set of readers, as Open does, but is
// made for opening thousands (an inbox at unlock): it works out once which
// key ids its readers answer to, reuses one plaintext buffer, and shares one
// copy of each author's directory entry between the records it opens.
//
// An Opener is not safe for concurrent use: give each goroutine its own.
type Opener struct {
	dir     *Directory
	readers []reader
	scratch []byte            // plaintext, wiped after every record
	authors map[KeyID]*Person // copies handed out, one per author key
	tries   []age.Identity    // reused per record
}

// reader is one of the caller's identities and the key ids it is known by.
// ids is nil when the identity's kind gives no way to tell (a plugin, an
// X25519 or scrypt identity): such a reader is offered every stanza.
type reader struct {
	id  age.Identity
	ids []KeyID
}

// NewOpener makes an Opener for readers (an *Identity, or the
// organisation's recovery identity as an *age.HybridIdentity), trusting dir.
func NewOpener(dir *Directory, readers ...age.Identity) *Opener {
	o := &Opener{dir: dir, authors: map[KeyID]*Person{}}
	for _, r := range readers {
		o.readers = append(o.readers, reader{id: r, ids: keyIDsOf(r, dir)})
	}
	return o
}

// keyIDsOf names the keys an identity can read as, as they appear in a
// record header's recipient list.
func keyIDsOf(r age.Identity, dir *Directory) []KeyID {
	switch r := r.(type) {
	case *Identity:
		return []KeyID{r.KeyID()}
	case *age.HybridIdentity:
		// The recovery identity, or the age half of a person's key.
		recip := r.Recipient().String()
		ids := []KeyID{RecoveryKeyID(recip)}
		if dir != nil {
			for i := range dir.People {
				for _, k := range dir.People[i].Keys {
					if k.Age == recip {
						ids = append(ids, k.ID)
					}
				}
			}
		}
		return ids
	}
	return nil
}

// Open parses, verifies and decrypts a whole envelope; see the package
// function Open.
func (o *Opener) Open(envelope []byte) (*Opened, error) {
	e, err := parseEnvelope(envelope, nil)
	if err != nil {
		return nil, err
	}
	return o.open(e, envelope, nil)
}

// OpenSplit does the same for an envelope kept in two parts, as the store
// keeps it: head is everything before the age file (magic, header length,
// header, signature) and ciphertext the age file, so head followed by
// ciphertext is the envelope. Neither is modified or retained.
func (o *Opener) OpenSplit(head, ciphertext []byte) (*Opened, error) {
	e, err := parseEnvelope(head, ciphertext)
	if err != nil {
		return nil, err
	}
	return o.open(e, head, ciphertext)
}

// OpenRemembered is OpenSplit for a record whose file key c may remember:
// remembered is the entry stored with the record last time, or nil. When
// the entry opens, the record is opened with it (see KeyCache for what that
// skips and what is still checked) and fresh is nil. Otherwise the record
// is opened the full way and fresh is a new entry to store with it; a
// failure returns neither. A remembered key never makes a record less
// readable: if the age file does not decrypt with it, the record is opened
// the full way too. With c nil, this is OpenSplit.
func (o *Opener) OpenRemembered(c *KeyCache, head, ciphertext, remembered []byte) (opened *Opened, fresh []byte, err error) {
	e, err := parseEnvelope(head, ciphertext)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		opened, err := o.open(e, head, ciphertext)
		return opened, nil, err
	}
	if remembered != nil {
		if key := c.recall(e, remembered); key != nil {
			defer clear(key)
			author, err := verify(e, o.dir, false)
			if err != nil {
				return nil, nil, err
			}
			if pt, err := openAgeWithKey(e.ciphertext, o.scratch, key); err == nil {
				opened, err := o.finish(e, author, head, ciphertext, nil, pt)
				return opened, nil, err
			}
		}
	}
	var key []byte
	opened, err = o.openCapturing(e, head, ciphertext, &key)
	if err != nil {
		return nil, nil, err
	}
	defer clear(key)
	if len(key) == fileKeySize {
		fresh = c.remember(e, key)
	}
	return opened, fresh, nil
}

// open verifies e, then decrypts it. part1 followed by part2 is the
// envelope's wire form, hashed for Opened.Hash.
func (o *Opener) open(e *Envelope, part1, part2 []byte) (*Opened, error) {
	return o.openCapturing(e, part1, part2, nil)
}

// openCapturing is open; if key is not nil, it receives the file key of a
// record that opened.
func (o *Opener) openCapturing(e *Envelope, part1, part2 []byte, key *[]byte) (*Opened, error) {
	author, err := Verify(e, o.dir)
	if err != nil {
		return nil, err
	}
	return o.openAs(e, author, part1, part2, nil, key)
}

// openAs decrypts e, already verified as written by author; see
// openCapturing. sum, if not nil, is SHA-256 of part1 followed by part2,
// already computed.
func (o *Opener) openAs(e *Envelope, author *Person, part1, part2 []byte, sum *[sha256.Size]byte, key *[]byte) (*Opened, error) {
	if len(o.readers) == 0 {
		return nil, fmt.Errorf("%w: no keys were offered", ErrNotRecipient)
	}
	ids, err := o.identitiesFor(&e.header)
	if err != nil {
		return nil, err
	}
	if key != nil {
		for i, id := range ids {
			ids[i] = capturingIdentity{Identity: id, key: key}
		}
	}
	opened, err := o.decrypt(e, author, part1, part2, sum, ids...)
	clear(o.tries) // drop references to this record's wrappers
	if err != nil && key != nil {
		clear(*key)
		*key = nil
	}
	return opened, err
}

// decrypt decrypts a verified envelope with ids and checks its content
// against the header.
func (o *Opener) decrypt(e *Envelope, author *Person, part1, part2 []byte, sum *[sha256.Size]byte, ids ...age.Identity) (*Opened, error) {
	pt, err := openAge(e.ciphertext, o.scratch, ids...)
	if err != nil {
		return nil, err
	}
	return o.finish(e, author, part1, part2, sum, pt)
}

// finish checks decrypted plaintext pt against e's header and makes the
// Opened; pt is wiped.
func (o *Opener) finish(e *Envelope, author *Person, part1, part2 []byte, known *[sha256.Size]byte, pt []byte) (*Opened, error) {
	if cap(pt) > cap(o.scratch) {
		o.scratch = pt[:0]
	}
	defer clear(pt)
	body, subject, err := checkInner(pt, &e.header)
	if err != nil {
		return nil, err
	}
	var sum [sha256.Size]byte
	if known != nil {
		sum = *known
	} else {
		h := sha256.New()
		h.Write(part1)
		h.Write(part2)
		h.Sum(sum[:0])
	}
	// The parsed header aliases the caller's bytes only through raw and
	// ciphertext; its own fields are fresh, so it can be handed out as it is.
	return &Opened{
		Header:  e.header,
		Author:  o.author(e.header.Author, author),
		Body:    body,
		Subject: subject,
		Hash:    hex.EncodeToString(sum[:]),
	}, nil
}

// identitiesFor lists what to offer age for a record: each reader whose key
// the signed header names, restricted to its own stanza (Seal writes one
// stanza per header recipient, in the same order), then every reader whose
// key ids are unknown. A reader whose key the header does not name is left
// out, so a record addressed to others costs no key decapsulation at all;
// when no reader is left, the record is not addressed to this person.
func (o *Opener) identitiesFor(h *Header) ([]age.Identity, error) {
	o.tries = o.tries[:0]
	for _, r := range o.readers {
		if r.ids == nil {
			o.tries = append(o.tries, r.id)
			continue
		}
		for i, k := range h.Recipients {
			if slices.Contains(r.ids, k) {
				o.tries = append(o.tries, stanzaAt{id: r.id, i: i})
			}
		}
	}
	if len(o.tries) == 0 {
		return nil, fmt.Errorf("%w: the record names none of your keys among its recipients", ErrNotRecipient)
	}
	return o.tries, nil
}

// author returns the shared copy of the author's directory entry.
func (o *Opener) author(k KeyID, p *Person) *Person {
	c, ok := o.authors[k]
	if !ok {
		c = p.clone()
		o.authors[k] = c
	}
	return c
}

// stanzaAt is an identity tried first on stanza i alone. A hybrid identity
// costs a full ML-KEM-768 + X25519 decapsulation per stanza it tries (the
// KEM rejects implicitly, so a wrong stanza is found out only afterwards),
// so a reader listed second would otherwise pay twice. If stanza i does not
// open (a file Seal did not make), every stanza is tried, as age would.
type stanzaAt struct {
	id age.Identity
	i  int
}

func (s stanzaAt) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	if s.i < len(stanzas) {
		if key, err := s.id.Unwrap(stanzas[s.i : s.i+1]); err == nil {
			return key, nil
		}
	}
	return s.id.Unwrap(stanzas)
}
