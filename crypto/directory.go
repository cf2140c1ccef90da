package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
	"unicode/utf8"

	"filippo.io/age"
)

// Role is what a person does in the organisation; it drives who receives
// which records.
type Role string

// The roles of docs/ARCHITECTURE.md "Who uses it".
const (
	RolePractitioner Role = "practitioner"
	RoleLineManager  Role = "line_manager"
	RoleDSL          Role = "dsl" // Designated Safeguarding Officer / Lead
	RoleAdmin        Role = "admin"
)

func (r Role) valid() bool {
	switch r {
	case RolePractitioner, RoleLineManager, RoleDSL, RoleAdmin:
		return true
	}
	return false
}

// PublicKey is one published key pair of a person. A person may hold several
// over time (rotation): each is usable for new records from ValidFrom until
// ValidUntil (open-ended when nil), unless revoked.
type PublicKey struct {
	ID         KeyID             `json:"id"`
	Age        string            `json:"age"`     // age1pq1... hybrid recipient
	Ed25519    ed25519.PublicKey `json:"ed25519"` // base64 in JSON
	ValidFrom  time.Time         `json:"valid_from"`
	ValidUntil *time.Time        `json:"valid_until,omitempty"`
}

// Person is one member of staff.
type Person struct {
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	Roles    []Role      `json:"roles"`
	Team     string      `json:"team,omitempty"`
	Managers []string    `json:"managers,omitempty"` // person ids of line managers
	Phone    string      `json:"phone,omitempty"`
	Email    string      `json:"email,omitempty"`
	Keys     []PublicKey `json:"keys"`
}

// clone copies p so that callers cannot alter a verified directory.
func (p *Person) clone() *Person {
	c := *p
	c.Roles = slices.Clone(p.Roles)
	c.Managers = slices.Clone(p.Managers)
	c.Keys = slices.Clone(p.Keys)
	return &c
}

// HasRole reports whether p holds role r.
func (p *Person) HasRole(r Role) bool { return slices.Contains(p.Roles, r) }

// Recovery is the organisation's recovery recipient: an age hybrid recipient
// whose identity is held offline by the organisation, added to every record
// so that none is lost with a laptop or a leaver's key.
type Recovery struct {
	ID  KeyID  `json:"id"`
	Age string `json:"age"`
}

// Revocation marks a key as revoked from a moment on. Records signed with it
// before that moment stay valid; records signed at or after it are refused.
type Revocation struct {
	KeyID     KeyID     `json:"key_id"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason,omitempty"`
}

// Directory is the organisation directory. It is only trusted once it has
// come through VerifyDirectory (Trust model: "signed by the organisation's
// admin key, pinned at set-up").
type Directory struct {
	Org      string       `json:"org"`
	Version  uint64       `json:"version"` // strictly increasing per publication
	IssuedAt time.Time    `json:"issued_at"`
	People   []Person     `json:"people"`
	Recovery Recovery     `json:"recovery"`
	Revoked  []Revocation `json:"revoked,omitempty"`

	// Filled by validate; never serialised.
	people     map[string]*Person
	keys       map[KeyID]keyRef
	recipients map[KeyID]*age.HybridRecipient
	revoked    map[KeyID]time.Time
	digest     [32]byte // of the canonical bytes, to spot a fork at the same version
}

type keyRef struct {
	person *Person
	key    *PublicKey
}

// Limits that keep a hostile directory from exhausting memory or time.
const (
	maxSignedDirectory = 16 << 20
	maxTextField       = 256
)

const directorySigContext = "safeguard-companion directory v1\n"

// signedDirectory is the wire form: the canonical directory bytes exactly as
// signed, the signer's key id and the signature.
type signedDirectory struct {
	Directory json.RawMessage `json:"directory"`
	Signer    KeyID           `json:"signer"`
	Signature []byte          `json:"signature"`
}

// canonical returns the canonical JSON encoding: struct field order, times
// in UTC, no insignificant whitespace. Parsing re-encodes and insists on the
// same bytes, so there is exactly one accepted encoding per directory.
func (d *Directory) canonical() ([]byte, error) {
	return json.Marshal(d)
}

// SignDirectory validates d and signs its canonical encoding with the admin
// key. Times are normalised to UTC and whole seconds first, so that what is
// signed is what every reader re-encodes.
func SignDirectory(d *Directory, admin *Identity) ([]byte, error) {
	normaliseDirectory(d)
	if err := d.validate(); err != nil {
		return nil, err
	}
	canon, err := d.canonical()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDirectoryInvalid, err)
	}
	d.digest = sha256.Sum256(canon)
	sig := admin.signMessage(append([]byte(directorySigContext), canon...))
	return json.Marshal(signedDirectory{
		Directory: canon,
		Signer:    AdminKeyID(admin.SigningPublicKey()),
		Signature: sig,
	})
}

func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func normaliseDirectory(d *Directory) {
	d.IssuedAt = normTime(d.IssuedAt)
	for i := range d.People {
		for j := range d.People[i].Keys {
			k := &d.People[i].Keys[j]
			k.ValidFrom = normTime(k.ValidFrom)
			if k.ValidUntil != nil {
				u := normTime(*k.ValidUntil)
				k.ValidUntil = &u
			}
		}
	}
	for i := range d.Revoked {
		d.Revoked[i].RevokedAt = normTime(d.Revoked[i].RevokedAt)
	}
}

// VerifyDirectory checks a signed directory against the pinned admin key and
// the directory already held (nil at set-up), and returns it ready to use.
// A directory signed by any other key wraps ErrDirectorySignature; one with
// a lower version than held, or the same version with different content,
// wraps ErrDirectoryRollback.
func VerifyDirectory(signed []byte, pinned ed25519.PublicKey, held *Directory) (*Directory, error) {
	if len(pinned) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: the pinned administrator key is not a valid key", ErrDirectorySignature)
	}
	sd, err := parseSignedDirectory(signed)
	if err != nil {
		return nil, err
	}
	if sd.Signer != AdminKeyID(pinned) {
		return nil, fmt.Errorf("%w (signed by key %s)", ErrDirectorySignature, sd.Signer)
	}
	if !ed25519.Verify(pinned, append([]byte(directorySigContext), sd.Directory...), sd.Signature) {
		return nil, ErrDirectorySignature
	}
	d, err := parseDirectory(sd.Directory)
	if err != nil {
		return nil, err
	}
	if held != nil {
		if d.Version < held.Version {
			return nil, fmt.Errorf("%w (offered version %d, held version %d)", ErrDirectoryRollback, d.Version, held.Version)
		}
		if d.Version == held.Version && d.digest != held.digest {
			return nil, fmt.Errorf("%w (version %d was already published with different content)", ErrDirectoryRollback, d.Version)
		}
	}
	return d, nil
}

// parseSignedDirectory parses the outer wrapper strictly.
func parseSignedDirectory(b []byte) (*signedDirectory, error) {
	if len(b) > maxSignedDirectory {
		return nil, fmt.Errorf("%w: too large", ErrDirectoryInvalid)
	}
	var sd signedDirectory
	if err := strictUnmarshal(b, &sd); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDirectoryInvalid, err)
	}
	if !sd.Signer.Valid() || len(sd.Signature) != ed25519.SignatureSize || len(sd.Directory) == 0 {
		return nil, fmt.Errorf("%w: missing or malformed signature", ErrDirectoryInvalid)
	}
	return &sd, nil
}

// parseDirectory parses canonical directory bytes strictly and validates
// them. It does not check any signature.
func parseDirectory(canon []byte) (*Directory, error) {
	var d Directory
	if err := strictUnmarshal(canon, &d); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDirectoryInvalid, err)
	}
	again, err := d.canonical()
	if err != nil || !bytes.Equal(again, canon) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrDirectoryInvalid)
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	d.digest = sha256.Sum256(canon)
	return &d, nil
}

// strictUnmarshal refuses unknown fields and trailing data.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

func textOK(s string, required bool) bool {
	if required && s == "" {
		return false
	}
	return len(s) <= maxTextField && utf8.ValidString(s)
}

// canonicalTime reports whether t is in the form SignDirectory and Seal
// produce: UTC, whole seconds. Re-encoding alone would accept "+01:00".
func canonicalTime(t time.Time) bool {
	return !t.IsZero() && t.Location() == time.UTC && t.Nanosecond() == 0
}

// validate checks internal consistency and builds the lookup maps.
func (d *Directory) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrDirectoryInvalid}, a...)...)
	}
	if d.Version == 0 {
		return bad("version must be at least 1")
	}
	if !textOK(d.Org, true) {
		return bad("organisation name missing or too long")
	}
	if !canonicalTime(d.IssuedAt) {
		return bad("issue time missing or not in UTC whole seconds")
	}
	d.people = make(map[string]*Person, len(d.People))
	d.keys = make(map[KeyID]keyRef)
	d.recipients = make(map[KeyID]*age.HybridRecipient)
	d.revoked = make(map[KeyID]time.Time, len(d.Revoked))

	rr, err := age.ParseHybridRecipient(d.Recovery.Age)
	if err != nil {
		return bad("recovery recipient is not a post-quantum age recipient")
	}
	if d.Recovery.ID != RecoveryKeyID(d.Recovery.Age) {
		return bad("recovery key id does not match its key")
	}
	d.recipients[d.Recovery.ID] = rr

	for i := range d.People {
		p := &d.People[i]
		if !textOK(p.ID, true) || !textOK(p.Name, true) || !textOK(p.Team, false) ||
			!textOK(p.Phone, false) || !textOK(p.Email, false) {
			return bad("person %d has a missing or over-long field", i)
		}
		if _, dup := d.people[p.ID]; dup {
			return bad("person id %q appears twice", p.ID)
		}
		d.people[p.ID] = p
		if len(p.Roles) == 0 {
			return bad("person %q has no role", p.ID)
		}
		for _, r := range p.Roles {
			if !r.valid() {
				return bad("person %q has unknown role %q", p.ID, r)
			}
		}
		for j := range p.Keys {
			k := &p.Keys[j]
			if len(k.Ed25519) != ed25519.PublicKeySize {
				return bad("key %d of %q has a malformed signing key", j, p.ID)
			}
			r, err := age.ParseHybridRecipient(k.Age)
			if err != nil {
				return bad("key %d of %q is not a post-quantum age recipient", j, p.ID)
			}
			if k.ID != personKeyID(k.Age, k.Ed25519) {
				return bad("key id %q does not match its keys", k.ID)
			}
			if !canonicalTime(k.ValidFrom) || (k.ValidUntil != nil &&
				(!canonicalTime(*k.ValidUntil) || !k.ValidUntil.After(k.ValidFrom))) {
				return bad("key %q has an empty validity window", k.ID)
			}
			if _, dup := d.keys[k.ID]; dup || k.ID == d.Recovery.ID {
				return bad("key id %q appears twice", k.ID)
			}
			d.keys[k.ID] = keyRef{person: p, key: k}
			d.recipients[k.ID] = r
		}
	}
	for _, p := range d.People {
		for _, m := range p.Managers {
			if _, ok := d.people[m]; !ok || m == p.ID {
				return bad("person %q names unknown manager %q", p.ID, m)
			}
		}
	}
	for _, r := range d.Revoked {
		if _, ok := d.keys[r.KeyID]; !ok {
			return bad("revocation of unknown key %q", r.KeyID)
		}
		if _, dup := d.revoked[r.KeyID]; dup {
			return bad("key %q is revoked twice", r.KeyID)
		}
		if !canonicalTime(r.RevokedAt) || !textOK(r.Reason, false) {
			return bad("revocation of %q is malformed", r.KeyID)
		}
		d.revoked[r.KeyID] = r.RevokedAt
	}
	return nil
}

// Person returns the person with the given id.
func (d *Directory) Person(id string) (*Person, bool) {
	p, ok := d.people[id]
	return p, ok
}

// Key finds a person's published key by id.
func (d *Directory) Key(id KeyID) (*Person, *PublicKey, bool) {
	r, ok := d.keys[id]
	return r.person, r.key, ok
}

// RevokedAt returns when a key was revoked, if it was.
func (d *Directory) RevokedAt(id KeyID) (time.Time, bool) {
	t, ok := d.revoked[id]
	return t, ok
}

// CurrentKeys returns a person's keys usable for new records at time at:
// inside their validity window and never revoked. A leaver's revoked key is
// excluded even before its revocation time, because new records are made now.
func (d *Directory) CurrentKeys(personID string, at time.Time) []*PublicKey {
	p, ok := d.people[personID]
	if !ok {
		return nil
	}
	var out []*PublicKey
	for i := range p.Keys {
		k := &p.Keys[i]
		if _, revoked := d.revoked[k.ID]; revoked {
			continue
		}
		if at.Before(k.ValidFrom) || (k.ValidUntil != nil && !at.Before(*k.ValidUntil)) {
			continue
		}
		out = append(out, k)
	}
	return out
}
