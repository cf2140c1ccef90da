package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// Envelope wire format, version 1 (all integers big-endian):
//
//	magic        "SGC-ENVELOPE-1\n" (15 bytes)
//	header_len   uint32, 1..64 KiB
//	header       canonical JSON of Header, header_len bytes
//	signature    64 bytes, Ed25519 by the author over
//	             "safeguard-companion envelope v1\n" || header_len || header
//	ciphertext   the rest: an ordinary age file (binary, not armored)
//
// The header carries the SHA-256 and length of the ciphertext, so the one
// signature covers header, hash and length (Trust model: "the author's
// signature covers the header and the hash and length of the age file").
const (
	envelopeMagic  = "SGC-ENVELOPE-1\n"
	envelopeSigCtx = "safeguard-companion envelope v1\n"
	maxHeaderLen   = 64 << 10
	maxEnvelope    = 512 << 20
	maxRecipients  = 1024
	maxMetaLen     = maxHeaderLen
)

// Header is the non-identifying routing data of a record, readable without
// decrypting (docs/ARCHITECTURE.md Trust model). It names keys, never people.
type Header struct {
	ID               string    `json:"id"`
	Kind             Kind      `json:"kind"`
	Author           KeyID     `json:"author"`
	Recipients       []KeyID   `json:"recipients"`
	Created          time.Time `json:"created"`
	ParentID         string    `json:"parent_id,omitempty"`
	ParentHash       string    `json:"parent_hash,omitempty"` // EnvelopeHash of the parent
	PolicyVersion    string    `json:"policy_version,omitempty"`
	CiphertextLen    int64     `json:"ciphertext_len"`
	CiphertextSHA256 string    `json:"ciphertext_sha256"`
}

// Envelope is a parsed, not yet verified, record.
type Envelope struct {
	header     Header
	headerRaw  []byte
	signature  []byte
	ciphertext []byte
}

// Header returns a copy of the routing header. Until Verify or Open
// succeeds, nothing in it is authenticated.
func (e *Envelope) Header() Header {
	h := e.header
	h.Recipients = slices.Clone(h.Recipients)
	return h
}

// Ciphertext returns the age file inside the envelope. It can be written to
// a file and opened with the age command-line tool by any recipient.
func (e *Envelope) Ciphertext() []byte { return e.ciphertext }

// Bytes returns the wire encoding.
func (e *Envelope) Bytes() []byte {
	out := make([]byte, 0, len(envelopeMagic)+4+len(e.headerRaw)+len(e.signature)+len(e.ciphertext))
	out = append(out, envelopeMagic...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(e.headerRaw)))
	out = append(out, e.headerRaw...)
	out = append(out, e.signature...)
	return append(out, e.ciphertext...)
}

// EnvelopeHash is the hash an addendum or review quotes as ParentHash: the
// SHA-256 of the parent envelope's bytes, as lowercase hex.
func EnvelopeHash(envelope []byte) string {
	h := sha256.Sum256(envelope)
	return hex.EncodeToString(h[:])
}

// ParseEnvelope splits and strictly checks the wire format. It verifies
// nothing cryptographic; use Verify or Open for that. Every refusal wraps
// ErrMalformed.
func ParseEnvelope(b []byte) (*Envelope, error) {
	e, err := parseEnvelope(b, nil)
	if err != nil {
		return nil, err
	}
	// Copy so the caller may reuse b.
	e.headerRaw = bytes.Clone(e.headerRaw)
	e.signature = bytes.Clone(e.signature)
	e.ciphertext = bytes.Clone(e.ciphertext)
	return e, nil
}

// parseEnvelope parses without copying: the result aliases its input. With
// ct nil, b is a whole envelope; otherwise b is everything before the age
// file (as the store keeps it) and ct is the age file.
func parseEnvelope(b, ct []byte) (*Envelope, error) {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrMalformed, why) }
	if len(b)+len(ct) > maxEnvelope {
		return nil, bad("too large")
	}
	rest, ok := bytes.CutPrefix(b, []byte(envelopeMagic))
	if !ok {
		return nil, bad("not an envelope (wrong magic)")
	}
	if len(rest) < 4 {
		return nil, bad("truncated before header length")
	}
	n := binary.BigEndian.Uint32(rest)
	rest = rest[4:]
	if n == 0 || n > maxHeaderLen || uint64(n) > uint64(len(rest)) {
		return nil, bad("header length out of range")
	}
	raw, rest := rest[:n], rest[n:]
	if ct == nil {
		if len(rest) < ed25519.SignatureSize+1 {
			return nil, bad("truncated signature or empty ciphertext")
		}
		rest, ct = rest[:ed25519.SignatureSize], rest[ed25519.SignatureSize:]
	}
	if len(rest) != ed25519.SignatureSize || len(ct) == 0 {
		return nil, bad("truncated signature or empty ciphertext")
	}
	sig := rest
	e := &Envelope{headerRaw: raw, signature: sig, ciphertext: ct}
	// json.Unmarshal then re-encoding must give back raw exactly: that one
	// comparison refuses unknown or repeated fields, other spellings of a
	// key, whitespace and trailing data, and is cheaper than a strict
	// decoder followed by the same comparison.
	if err := json.Unmarshal(raw, &e.header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if again, err := json.Marshal(e.header); err != nil || !bytes.Equal(again, raw) {
		return nil, bad("header is not in canonical form")
	}
	if err := e.header.check(); err != nil {
		return nil, err
	}
	return e, nil
}

var (
	recordIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	sha256Hex       = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// check validates header fields; shared by Seal (never produce what we would
// refuse) and ParseEnvelope.
func (h *Header) check() error {
	bad := func(why string) error { return fmt.Errorf("%w: header: %s", ErrMalformed, why) }
	switch {
	case !recordIDPattern.MatchString(h.ID):
		return bad("record id missing or malformed")
	case !h.Kind.valid():
		return bad("unknown record kind")
	case !h.Author.Valid():
		return bad("author key id malformed")
	case len(h.Recipients) == 0 || len(h.Recipients) > maxRecipients:
		return bad("recipient count out of range")
	case h.Created.IsZero() || h.Created.Location() != time.UTC:
		return bad("created time missing or not UTC")
	case (h.ParentID == "") != (h.ParentHash == ""):
		return bad("parent id and parent hash must come together")
	case h.ParentID != "" && (!recordIDPattern.MatchString(h.ParentID) || !sha256Hex.MatchString(h.ParentHash)):
		return bad("parent malformed")
	case h.Kind == KindAddendum && h.ParentID == "":
		return bad("an addendum must name its parent record")
	case len(h.PolicyVersion) > 64 || !utf8.ValidString(h.PolicyVersion):
		return bad("policy version malformed")
	case h.CiphertextLen <= 0 || h.CiphertextLen > maxEnvelope:
		return bad("ciphertext length out of range")
	case !sha256Hex.MatchString(h.CiphertextSHA256):
		return bad("ciphertext hash malformed")
	}
	seen := make(map[KeyID]bool, len(h.Recipients))
	for _, r := range h.Recipients {
		if !r.Valid() || seen[r] {
			return bad("recipient key id malformed or repeated")
		}
		seen[r] = true
	}
	return nil
}

func (e *Envelope) signedMessage() []byte {
	m := make([]byte, 0, len(envelopeSigCtx)+4+len(e.headerRaw))
	m = append(m, envelopeSigCtx...)
	m = binary.BigEndian.AppendUint32(m, uint32(len(e.headerRaw)))
	return append(m, e.headerRaw...)
}

// Record is what an author seals.
type Record struct {
	ID            string
	Kind          Kind
	Created       time.Time // stored in UTC, to the millisecond
	ParentID      string    // addenda (required) and reviews: the record they refer to
	ParentHash    string    // EnvelopeHash of that record's envelope
	PolicyVersion string    // the policy pack version the record was made under
	// Subject is the person id of the person the record is about, when that
	// is not the author: the practitioner whose record a review countersigns,
	// or whoever raised an incident a DSL now records a later step of. It
	// widens the recipients (see Directory.RecipientsFor). It is kept in the
	// encrypted metadata, not the header, which names keys, never people.
	Subject string
	Body    []byte
}

// innerMeta is the first line of the plaintext. It repeats the routing data
// so that a header re-signed by someone else, or a ciphertext moved under
// another header, is caught after decryption (ErrInnerMismatch).
type innerMeta struct {
	V             int       `json:"v"`
	ID            string    `json:"id"`
	Kind          Kind      `json:"kind"`
	Author        KeyID     `json:"author"`
	Recipients    []KeyID   `json:"recipients"`
	Created       time.Time `json:"created"`
	ParentID      string    `json:"parent_id,omitempty"`
	ParentHash    string    `json:"parent_hash,omitempty"`
	PolicyVersion string    `json:"policy_version,omitempty"`
	BodyLen       int       `json:"body_len"`
	// Subject comes last so that records sealed before it existed, which
	// end at body_len, keep exactly the encoding checkInner expects.
	Subject string `json:"subject,omitempty"`
}

// Seal signs and encrypts rec as author, to the recipients the directory's
// policy names for rec.Kind (see Directory.Recipients), and returns the
// envelope bytes. The plaintext inside the age file is one line of JSON
// metadata, a newline, the body, then zero padding (see pad.go), so a reader
// using the plain age tool sees the record's metadata and content.
func Seal(author *Identity, dir *Directory, rec Record) ([]byte, error) {
	env, _, err := seal(author, dir, rec, nil)
	if err != nil {
		return nil, err
	}
	return env.Bytes(), nil
}

// SealRemembered is Seal for the author's own store. It returns the
// envelope parsed, as ParseEnvelope would give it (so a save need not parse
// what it just made), and the record's file key remembered in c (see
// KeyCache), so that the author never pays a decapsulation to read back
// what they wrote. With c nil, nothing is remembered.
func SealRemembered(author *Identity, dir *Directory, rec Record, c *KeyCache) (envelope *Envelope, remembered []byte, err error) {
	return seal(author, dir, rec, c)
}

func seal(author *Identity, dir *Directory, rec Record, c *KeyCache) (*Envelope, []byte, error) {
	created := rec.Created.UTC().Truncate(time.Millisecond)
	kid := author.KeyID()
	person, _, ok := dir.Key(kid)
	if !ok {
		return nil, nil, fmt.Errorf("%w: your key is not in the organisation directory", ErrUnknownSigner)
	}
	if _, revoked := dir.RevokedAt(kid); revoked {
		return nil, nil, ErrRevokedSigner
	}
	if !slices.ContainsFunc(dir.CurrentKeys(person.ID, created), func(k *PublicKey) bool { return k.ID == kid }) {
		return nil, nil, fmt.Errorf("%w: your key is not valid at %s", ErrNoValidKey, created.Format(time.RFC3339))
	}
	if rec.Subject != "" {
		if _, ok := dir.Person(rec.Subject); !ok {
			return nil, nil, fmt.Errorf("%w: the record's subject %q is not in the organisation directory", ErrMalformed, rec.Subject)
		}
	}
	recips, err := dir.RecipientsFor(rec.Kind, person.ID, rec.Subject, created)
	if err != nil {
		return nil, nil, err
	}
	h := Header{
		ID:            rec.ID,
		Kind:          rec.Kind,
		Author:        kid,
		Created:       created,
		ParentID:      rec.ParentID,
		ParentHash:    rec.ParentHash,
		PolicyVersion: rec.PolicyVersion,
	}
	ageRecips := make([]age.Recipient, len(recips))
	for i, r := range recips {
		h.Recipients = append(h.Recipients, r.KeyID)
		ageRecips[i] = r.age
	}
	meta, err := json.Marshal(innerMeta{
		V: 1, ID: h.ID, Kind: h.Kind, Author: h.Author, Recipients: h.Recipients,
		Created: h.Created, ParentID: h.ParentID, ParentHash: h.ParentHash,
		PolicyVersion: h.PolicyVersion, BodyLen: len(rec.Body), Subject: rec.Subject,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("encoding record metadata: %w", err)
	}
	n := len(meta) + 1 + len(rec.Body)
	pt := make([]byte, 0, paddedLen(n))
	pt = append(pt, meta...)
	pt = append(pt, '\n')
	pt = append(pt, rec.Body...)
	pt = pt[:paddedLen(n)] // zero-filled by make
	defer clear(pt)

	var all age.Recipient = allRecipients(ageRecips)
	var fileKey []byte
	if c != nil {
		all = capturingRecipient{Recipient: all, key: &fileKey}
		defer func() { clear(fileKey) }()
	}
	// Sized for the whole age file (each post-quantum stanza is about
	// 1.5 KB of text), so it is not grown and copied along the way.
	var ct bytes.Buffer
	ct.Grow(len(pt) + len(pt)/streamChunk*chacha20poly1305.Overhead + 256 + 1600*len(ageRecips))
	w, err := age.Encrypt(&ct, all)
	if err != nil {
		return nil, nil, fmt.Errorf("encrypting record: %w", err)
	}
	if _, err := w.Write(pt); err != nil {
		return nil, nil, fmt.Errorf("encrypting record: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, nil, fmt.Errorf("encrypting record: %w", err)
	}
	sum := sha256.Sum256(ct.Bytes())
	h.CiphertextLen = int64(ct.Len())
	h.CiphertextSHA256 = hex.EncodeToString(sum[:])
	// Validate only now: the ciphertext fields are part of the check.
	if err := h.check(); err != nil {
		return nil, nil, err
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding header: %w", err)
	}
	if len(raw) > maxHeaderLen {
		return nil, nil, fmt.Errorf("%w: header too large (too many recipients)", ErrMalformed)
	}
	e := &Envelope{header: h, headerRaw: raw, ciphertext: ct.Bytes()}
	e.signature = author.signMessage(e.signedMessage())
	var remembered []byte
	if c != nil && len(fileKey) == fileKeySize {
		remembered = c.remember(e, fileKey)
	}
	return e, remembered, nil
}

// Verify authenticates a parsed envelope without decrypting it: the signer
// must be a key in the directory, the signature must hold, the ciphertext
// must be exactly the one signed, and the signing key must not have been
// revoked at the record's created time. It returns the author.
//
// The signing key must also have been valid at the record's created time
// (valid_from <= created < valid_until). The created time is the author's
// claim; a revoked key's holder could backdate it. The hub's receipt time
// bounds that: see CheckReceived.
func Verify(e *Envelope, dir *Directory) (*Person, error) { return verify(e, dir, true) }

// verify is Verify; with checkSignature false it makes every check but the
// signature's, for a record whose signature this device already checked
// (see KeyCache).
func verify(e *Envelope, dir *Directory, checkSignature bool) (*Person, error) {
	person, key, ok := dir.Key(e.header.Author)
	if !ok {
		return nil, fmt.Errorf("%w (key %s)", ErrUnknownSigner, e.header.Author)
	}
	if checkSignature && !ed25519.Verify(key.Ed25519, e.signedMessage(), e.signature) {
		return nil, ErrBadSignature
	}
	// The one hash of the ciphertext; Open relies on it and hashes no more.
	sum := sha256.Sum256(e.ciphertext)
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	if int64(len(e.ciphertext)) != e.header.CiphertextLen || string(hexSum[:]) != e.header.CiphertextSHA256 {
		return nil, ErrCiphertextMismatch
	}
	// valid_from <= created < valid_until: a key signs only within its
	// validity window (Trust model), so a record dated before its key was
	// published, or after a rotation retired it, is refused.
	if c := e.header.Created; c.Before(key.ValidFrom) || (key.ValidUntil != nil && !c.Before(*key.ValidUntil)) {
		until := "open-ended"
		if key.ValidUntil != nil {
			until = key.ValidUntil.Format(time.RFC3339)
		}
		return nil, fmt.Errorf("%w (record dated %s; key valid from %s until %s)", ErrOutsideValidity,
			c.Format(time.RFC3339), key.ValidFrom.Format(time.RFC3339), until)
	}
	if at, revoked := dir.RevokedAt(key.ID); revoked && !e.header.Created.Before(at) {
		return nil, fmt.Errorf("%w (revoked %s, record dated %s)", ErrRevokedSigner,
			at.Format(time.RFC3339), e.header.Created.Format(time.RFC3339))
	}
	return person, nil
}

// Opened is a verified, decrypted record.
type Opened struct {
	Header Header
	Author *Person // a copy of the author's entry in the directory used to verify
	Body   []byte
	// Subject is the person the record is about, as its author named it in
	// the encrypted metadata (Record.Subject); "" when none was named.
	Subject string
	Hash    string // EnvelopeHash of the envelope, for a later addendum or review to quote
}

// Open parses, verifies and decrypts an envelope, in that order: nothing is
// decrypted until the signature and the ciphertext hash are good, and the
// body is returned only when the whole age file has authenticated and its
// inner metadata matches the signed header. readers are the caller's age
// identities: an *Identity, or the organisation's recovery identity.
//
// To open many records, use an Opener: it reuses its buffers.
func Open(envelope []byte, dir *Directory, readers ...age.Identity) (*Opened, error) {
	return NewOpener(dir, readers...).Open(envelope)
}

// checkInner parses the decrypted plaintext strictly and compares it with
// the header. It returns a copy of the body and the subject the metadata
// names.
//
// The metadata line must be exactly the canonical encoding Seal writes for
// this header, so instead of decoding it, it is compared with that encoding
// (made from the verified header) up to the fields the header lacks: the
// body length, a canonical decimal, then the subject, if any, a canonical
// JSON string. This accepts and refuses what decoding, re-encoding and
// comparing field by field would for every line Seal produces, at a
// fraction of the cost.
func checkInner(pt []byte, h *Header) (body []byte, subject string, err error) {
	line, _, ok := bytes.Cut(pt[:min(len(pt), maxMetaLen+1)], []byte{'\n'})
	if !ok {
		return nil, "", fmt.Errorf("%w: no metadata line", ErrInnerMismatch)
	}
	rest := pt[len(line)+1:]
	want, err := json.Marshal(innerMeta{
		V: 1, ID: h.ID, Kind: h.Kind, Author: h.Author, Recipients: h.Recipients,
		Created: h.Created, ParentID: h.ParentID, ParentHash: h.ParentHash,
		PolicyVersion: h.PolicyVersion, BodyLen: 0,
	})
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrInnerMismatch, err)
	}
	tail, ok := bytes.CutPrefix(line, want[:len(want)-len("0}")]) // up to "body_len":
	if !ok {
		return nil, "", ErrInnerMismatch
	}
	notCanonical := fmt.Errorf("%w: metadata not canonical", ErrInnerMismatch)
	n := 0
	for n < len(tail) && n <= 10 && '0' <= tail[n] && tail[n] <= '9' {
		n++
	}
	bodyLen, err := strconv.Atoi(string(tail[:n]))
	if err != nil || strconv.Itoa(bodyLen) != string(tail[:n]) {
		return nil, "", notCanonical
	}
	switch tail = tail[n:]; {
	case string(tail) == "}":
	case bytes.HasPrefix(tail, []byte(`,"subject":"`)) && bytes.HasSuffix(tail, []byte(`"}`)):
		quoted := tail[len(`,"subject":`) : len(tail)-1]
		if err := json.Unmarshal(quoted, &subject); err != nil || subject == "" {
			return nil, "", notCanonical
		}
		if again, err := json.Marshal(subject); err != nil || !bytes.Equal(again, quoted) {
			return nil, "", notCanonical
		}
	default:
		return nil, "", notCanonical
	}
	if bodyLen > len(rest) || len(pt) != paddedLen(len(line)+1+bodyLen) {
		return nil, "", fmt.Errorf("%w: body length or padding wrong", ErrInnerMismatch)
	}
	body, pad := rest[:bodyLen], rest[bodyLen:]
	for _, c := range pad {
		if c != 0 {
			return nil, "", fmt.Errorf("%w: padding is not zero", ErrInnerMismatch)
		}
	}
	return bytes.Clone(body), subject, nil
}
