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
	// KindFigures is a line manager's quarterly session figures, shared
	// with the DSLs for the Board's quarterly report (policy 9.1): facts
	// about sessions, never their content.
	KindFigures Kind = "figures"
	// KindAudit is a run of one device's audit chain (who opened or
	// exported which record, when: ids and times, never content), shared
	// with the DSLs for the access audit.
	KindAudit Kind = "audit"
	// KindHold is a DSL placing or lifting a legal hold on a record, a
	// case or a customer reference (issue 16): sealed like an incident, to
	// the DSLs and recovery, since every DSL must see what is held.
	KindHold Kind = "legal_hold"
	// KindRetention is a DSL's batch decision on records that fall due:
	// disposal approved, or kept longer for a reason (issue 16). Sealed
	// like a hold, to the DSLs and recovery.
	KindRetention Kind = "retention_decision"
	// KindSubjectAccess is a step of a subject access request (opened,
	// extended, answered; issue 16), sealed to the DSLs and recovery.
	KindSubjectAccess Kind = "subject_access"
	// KindTransfer is a safeguarding file sent to another provider's DSL,
	// or their confirmation of receipt (issue 16), sealed to the DSLs and
	// recovery.
	KindTransfer Kind = "file_transfer"
	// KindRetentionFacts is what retention needs to know of a signed
	// session record (its id, dates, the customer's date of birth or age,
	// reference and cases; never its content), sealed to its publisher,
	// every DSL and recovery, so that the DSL who alone approves disposal
	// can see it fall due (issue 16). Its parent is the session record: a
	// tombstone for the record takes it too.
	KindRetentionFacts Kind = "retention_facts"
)

// Kinds lists every kind, for tests and for UIs that enumerate them.
func Kinds() []Kind {
	return []Kind{KindSessionRecord, KindAddendum, KindDraft, KindIncident, KindReview, KindFigures, KindAudit, KindHold, KindRetention, KindSubjectAccess, KindTransfer, KindRetentionFacts}
}

func (k Kind) valid() bool {
	switch k {
	case KindSessionRecord, KindAddendum, KindDraft, KindIncident, KindReview, KindFigures, KindAudit, KindHold, KindRetention, KindSubjectAccess, KindTransfer, KindRetentionFacts:
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
// author at time at, with no subject named; see RecipientsFor.
func (d *Directory) Recipients(k Kind, authorID string, at time.Time) ([]Recipient, error) {
	return d.RecipientsFor(k, authorID, "", at)
}

// RecipientsFor returns whom the policy names for a record of kind k written
// by author at time at about subject (a person id, or "" for none; see
// Record.Subject), following the Trust model in docs/ARCHITECTURE.md:
//
//   - draft: the author only;
//   - session_record, addendum: the author and their line managers;
//   - review: the reviewer (author) and their line managers; when a subject
//     is named, the reviewer, the practitioner whose record was reviewed and
//     that person's line managers instead, so that the person reviewed can
//     read the review;
//   - incident: the author (so they can read what they escalated), every
//     DSL in the organisation (Annex 1: "tell only the DSL") and, when a
//     subject is named, whoever raised the incident, so that a DSL's later
//     step stays readable by the person who raised it;
//   - figures: the author (a line manager) and every DSL, who put the
//     Board's quarterly report together (policy 9.1);
//   - audit: the author and every DSL, who keeps the access audit;
//   - legal_hold: the author and every DSL, who must all see what is held;
//   - retention_facts: the author and every DSL, who decide on disposal;
//   - and always the organisation's recovery recipient, last.
//
// A subject is accepted only for reviews and incidents, and must be in the
// directory. Only current, unrevoked keys are used. The author comes first,
// because the author is the likeliest reader and age tries stanzas in order.
// Every key appears once. A named reader without a current key is skipped
// (the recovery recipient still covers the record); an author without one
// is an error.
func (d *Directory) RecipientsFor(k Kind, authorID, subjectID string, at time.Time) ([]Recipient, error) {
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
	var subject *Person
	if subjectID != "" {
		if k != KindReview && k != KindIncident {
			return nil, fmt.Errorf("%w: a %s record cannot name a subject; only reviews and incidents do", ErrMalformed, k)
		}
		if subject, ok = d.people[subjectID]; !ok {
			return nil, fmt.Errorf("%w: the record's subject %q is not in the directory", ErrMalformed, subjectID)
		}
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
	case KindSessionRecord, KindAddendum:
		for _, m := range author.Managers {
			addPerson(m)
		}
	case KindReview:
		// With a subject, the review belongs to the reviewed record's line of
		// management, not the reviewer's own.
		managers := author.Managers
		if subject != nil {
			addPerson(subject.ID)
			managers = subject.Managers
		}
		for _, m := range managers {
			addPerson(m)
		}
	case KindIncident, KindFigures, KindAudit, KindHold, KindRetention, KindSubjectAccess, KindTransfer, KindRetentionFacts:
		for i := range d.People {
			if d.People[i].HasRole(RoleDSL) {
				addPerson(d.People[i].ID)
			}
		}
		if subject != nil {
			addPerson(subject.ID)
		}
	}
	out = append(out, Recipient{KeyID: d.Recovery.ID, age: d.recipients[d.Recovery.ID]})
	return out, nil
}
