package crypto

import (
	"fmt"
	"time"

	"filippo.io/age"
)

// Kind is the kind of record an envelope carries; it decides the recipients.
type Kind string

// Record kinds.
const (
	KindSessionRecord Kind = "session_record" // policy 3.4
	KindAddendum      Kind = "addendum"       // signed change to a locked record
	KindDraft         Kind = "draft"          // autosave during a live session
	KindIncident      Kind = "incident"       // Annex 1 incident flow
	KindReview        Kind = "review"         // manager's countersignature
)

// Kinds lists every kind, for tests and for UIs that enumerate them.
func Kinds() []Kind {
	return []Kind{KindSessionRecord, KindAddendum, KindDraft, KindIncident, KindReview}
}

func (k Kind) valid() bool {
	switch k {
	case KindSessionRecord, KindAddendum, KindDraft, KindIncident, KindReview:
		return true
	}
	return false
}

// Recipient is one key a record is encrypted to.
type Recipient struct {
	KeyID    KeyID
	PersonID string // empty for the recovery recipient
	age      *age.HybridRecipient
}

// Recipients returns whom the policy names for a record of kind k written by
// author at time at (Trust model, DESIGN.md):
//
//   - draft: the author only;
//   - session_record, addendum, review: the author and their line managers;
//   - incident: the author (so they can read what they escalated) and every
//     DSL in the organisation (Annex 1: "tell only the DSL");
//   - and always the organisation's recovery recipient, last.
//
// Only current, unrevoked keys are used. The author comes first, because the
// author is the likeliest reader and age tries stanzas in order. A named
// reader without a current key is skipped (the recovery recipient still
// covers the record); an author without one is an error.
func (d *Directory) Recipients(k Kind, authorID string, at time.Time) ([]Recipient, error) {
	if !k.valid() {
		return nil, fmt.Errorf("%w: unknown record kind %q", ErrMalformed, k)
	}
	author, ok := d.people[authorID]
	if !ok {
		return nil, fmt.Errorf("%w: %q is not in the directory", ErrUnknownSigner, authorID)
	}
	if len(d.CurrentKeys(authorID, at)) == 0 {
		return nil, fmt.Errorf("%w (%q)", ErrNoValidKey, authorID)
	}
	var out []Recipient
	seen := map[KeyID]bool{}
	addPerson := func(id string) {
		for _, key := range d.CurrentKeys(id, at) {
			if !seen[key.ID] {
				seen[key.ID] = true
				out = append(out, Recipient{KeyID: key.ID, PersonID: id, age: d.recipients[key.ID]})
			}
		}
	}
	addPerson(author.ID)
	switch k {
	case KindDraft:
	case KindSessionRecord, KindAddendum, KindReview:
		for _, m := range author.Managers {
			addPerson(m)
		}
	case KindIncident:
		for i := range d.People {
			if d.People[i].HasRole(RoleDSL) {
				addPerson(d.People[i].ID)
			}
		}
	}
	out = append(out, Recipient{KeyID: d.Recovery.ID, age: d.recipients[d.Recovery.ID]})
	return out, nil
}
