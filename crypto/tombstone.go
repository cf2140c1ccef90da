package crypto

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A tombstone is what is left of a record disposed of at the end of its
// retention (issue 16): its id, kind and dates and who approved disposal,
// never its content, signed by that DSL. The hub deletes the record's
// envelopes on a tombstone it has verified and keeps the tombstone; every
// device that syncs deletes its copies on the same tombstone, verified
// against its own directory. It is not encrypted: it says nothing a
// routing header does not.

// Tombstone is the signed statement that a record is disposed of.
type Tombstone struct {
	// RecordID is the record disposed of; Envelopes the envelopes of it
	// the approving DSL's device held. Every envelope under the record
	// goes, named here or not: the hub and each device follow the signed
	// headers' parent links from the record (reviews and addenda sealed
	// only to managers, retention facts).
	RecordID  string   `json:"record_id"`
	Kind      Kind     `json:"kind"`
	Envelopes []string `json:"envelopes"`
	// Made is when the record was made, Due when its retention ended.
	Made time.Time `json:"made"`
	Due  time.Time `json:"due"`
	// DecisionID is the signed retention decision that approved it.
	DecisionID string `json:"decision_id"`
	// ApprovedBy is the DSL's person id; Signer the key that signed.
	ApprovedBy string    `json:"approved_by"`
	ApprovedAt time.Time `json:"approved_at"`
	Signer     KeyID     `json:"signer"`
}

// signedTombstone is a tombstone on the wire: its canonical body and the
// signature over the domain-separated body.
type signedTombstone struct {
	Body []byte `json:"body"`
	Sig  []byte `json:"sig"`
}

const tombstoneDomain = "safeguard-companion tombstone v1\n"

// Tombstone errors.
var (
	// ErrTombstone: the tombstone is malformed or its signature is bad.
	ErrTombstone = errors.New("this disposal instruction is damaged or its signature does not match")
	// ErrTombstoneNotDSL: signed by someone the directory does not name a
	// DSL; only a DSL disposes of records.
	ErrTombstoneNotDSL = errors.New("this disposal instruction is not signed by a Designated Safeguarding Lead")
)

// maxTombstoneEnvelopes bounds one record's envelopes.
const maxTombstoneEnvelopes = 10000

// SignTombstone signs a tombstone as the DSL whose identity is id.
func SignTombstone(id *Identity, t Tombstone) ([]byte, error) {
	t.Signer = id.KeyID()
	t.Made, t.Due, t.ApprovedAt = t.Made.UTC(), t.Due.UTC(), t.ApprovedAt.UTC()
	if err := t.check(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("sign tombstone: %w", err)
	}
	sig := id.signMessage(append([]byte(tombstoneDomain), body...))
	return json.Marshal(signedTombstone{Body: body, Sig: sig})
}

func (t Tombstone) check() error {
	switch {
	case !textOK(t.RecordID, true) || len(t.RecordID) > 200:
		return fmt.Errorf("%w: no record id", ErrTombstone)
	case !t.Kind.valid():
		return fmt.Errorf("%w: unknown kind %q", ErrTombstone, t.Kind)
	case len(t.Envelopes) == 0 || len(t.Envelopes) > maxTombstoneEnvelopes || !slices.Contains(t.Envelopes, t.RecordID):
		return fmt.Errorf("%w: it must list the record's envelopes, the record's own first among them", ErrTombstone)
	case t.ApprovedBy == "" || t.ApprovedAt.IsZero() || t.DecisionID == "":
		return fmt.Errorf("%w: it must say who approved disposal, when and by which decision", ErrTombstone)
	}
	for _, e := range t.Envelopes {
		if !textOK(e, true) || len(e) > 200 {
			return fmt.Errorf("%w: an envelope id is not valid", ErrTombstone)
		}
	}
	return nil
}

// VerifyTombstone checks a signed tombstone against the directory: the
// signature is good, by a key the directory publishes, valid and not
// revoked when it was approved, belonging to the person it names, who is a
// DSL. Anything else is refused.
func VerifyTombstone(b []byte, dir *Directory) (Tombstone, error) {
	var st signedTombstone
	if err := strictUnmarshal(b, &st); err != nil || len(st.Body) == 0 || len(st.Sig) != ed25519.SignatureSize {
		return Tombstone{}, fmt.Errorf("%w: not a signed tombstone", ErrTombstone)
	}
	var t Tombstone
	if err := strictUnmarshal(st.Body, &t); err != nil {
		return Tombstone{}, fmt.Errorf("%w: %v", ErrTombstone, err)
	}
	if err := t.check(); err != nil {
		return Tombstone{}, err
	}
	if dir == nil {
		return Tombstone{}, fmt.Errorf("%w: no directory to check it against", ErrUnknownSigner)
	}
	person, key, ok := dir.Key(t.Signer)
	if !ok {
		return Tombstone{}, fmt.Errorf("%w (key %s)", ErrUnknownSigner, t.Signer)
	}
	if !ed25519.Verify(key.Ed25519, append([]byte(tombstoneDomain), st.Body...), st.Sig) {
		return Tombstone{}, fmt.Errorf("%w: the signature does not match", ErrTombstone)
	}
	if a := t.ApprovedAt; a.Before(key.ValidFrom) || (key.ValidUntil != nil && !a.Before(*key.ValidUntil)) {
		return Tombstone{}, fmt.Errorf("%w (approved %s, outside the key's validity)", ErrOutsideValidity, a.Format(time.RFC3339))
	}
	if at, revoked := dir.RevokedAt(key.ID); revoked && !t.ApprovedAt.Before(at) {
		return Tombstone{}, fmt.Errorf("%w (revoked %s)", ErrRevokedSigner, at.Format(time.RFC3339))
	}
	if person.ID != t.ApprovedBy {
		return Tombstone{}, fmt.Errorf("%w: it names %s as approver but is signed by %s", ErrTombstone, t.ApprovedBy, person.ID)
	}
	if !person.HasRole(RoleDSL) {
		return Tombstone{}, fmt.Errorf("%w (signed by %s)", ErrTombstoneNotDSL, person.ID)
	}
	return t, nil
}
