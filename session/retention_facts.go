package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Retention facts shared with the DSLs (issue 16). A session record is
// sealed to its author, their line managers and recovery (Annex 2 3.4:
// "kept secure"), so the DSL who alone may approve disposal cannot read it
// and its retention would never end (UK GDPR Art 5(1)(e), storage
// limitation). When a record is signed, the author's app therefore also
// seals a small record of what retention needs to the DSLs: which record,
// when it was made, the facts its schedule row reads, and the row and date
// its author's app worked out; never a word of its content.
//
// What goes in, and why each:
//   - the record's id, kind, pack and signing date: the schedule row and
//     its start (Annex 2 3.4, the pack's retention schedule);
//   - the customer's date of birth, or their age on the day when no date
//     is recorded, and whether they are an adult at risk: the schedule's
//     subject (child, adult at risk, adult) and, for a child, the date the
//     period runs from (IRMS: date of birth + 25 years);
//   - the customer reference and the incidents the session escalated to:
//     a legal hold on a customer reference or a case must block disposal of
//     this record too (Hold.Covers); without them a DSL could dispose of a
//     record under a hold they cannot see. The reference is the
//     organisation's pseudonymous customer number, which the DSL already
//     holds for every incident; no name, no summary, no actions.
//
// The DSL's device works the date out again from its own schedule
// (RetentionOf): the row and date carried here are what the author's app
// showed, for the record, not what decides.

// RetentionFactsRecord is the record of one session record's retention
// facts, sealed to its publisher, every DSL and recovery.
type RetentionFactsRecord struct {
	// ID is this record's own id; RecordID the session record it is
	// about, its parent: a tombstone for the record takes it too.
	ID          string       `json:"id"`
	RecordID    string       `json:"record_id"`
	Kind        RetainedKind `json:"kind"`
	PackID      string       `json:"pack_id"`
	PackVersion string       `json:"pack_version"`
	Made        time.Time    `json:"made"`
	Reference   string       `json:"customer_reference"`
	DateOfBirth time.Time    `json:"date_of_birth,omitzero"`
	Age         int          `json:"age,omitempty"`
	AdultAtRisk bool         `json:"adult_at_risk"`
	Cases       []string     `json:"cases,omitempty"`
	// Row and Due are what the publisher's app worked out ("" and zero
	// when it could not).
	Row string    `json:"row,omitempty"`
	Due time.Time `json:"due,omitzero"`
	// By published it (the author, or a line manager for a record signed
	// before facts were shared), At when.
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// ParentRecordID is the session record the facts are about.
func (r RetentionFactsRecord) ParentRecordID() string { return r.RecordID }

// Errors of retention facts.
var (
	// ErrFactsUnsigned: facts are shared only for a signed record; a
	// draft's retention has not begun.
	ErrFactsUnsigned = errors.New("retention facts are shared only for a signed session record")
	// ErrFactsNotYours: only the record's author, or one of their line
	// managers (who can read it), publishes its facts.
	ErrFactsNotYours = errors.New("only the record's author or their line manager shares its retention facts")
	// ErrFactsMalformed: a facts record that does not say what retention
	// needs is not used.
	ErrFactsMalformed = errors.New("these retention facts are incomplete")
)

// FactsSharer is who shares a record's facts: their person id, and what
// the directory says of them and the record's verified signer.
type FactsSharer struct {
	ID string
	// Author: they signed the record; LineManager: they manage who did.
	Author, LineManager bool
}

// ShareRetentionFacts makes the retention facts record of a signed session
// record, as its author, or as the author's line manager sharing for a
// record signed before facts were shared (both can read it; nobody else
// can, and nobody else may speak for it).
func ShareRetentionFacts(clock Clock, by FactsSharer, id string, d Document, packs []*Pack) (RetentionFactsRecord, error) {
	if d.SignedAt.IsZero() || d.State != Signed {
		return RetentionFactsRecord{}, ErrFactsUnsigned
	}
	if by.ID == "" || (!by.Author && !by.LineManager) {
		return RetentionFactsRecord{}, ErrFactsNotYours
	}
	f := SessionRetentionFacts(d)
	c := f.Customer
	r := RetentionFactsRecord{ID: id, RecordID: f.RecordID, Kind: f.Kind, PackID: f.PackID, PackVersion: f.PackVersion,
		Made: f.Made, Reference: strings.TrimSpace(c.Reference), AdultAtRisk: c.AdultAtRisk, Cases: slices.Clone(f.Cases),
		By: by.ID, At: clock.Now()}
	if !c.DateOfBirth.IsZero() {
		r.DateOfBirth = c.DateOfBirth
	} else {
		r.Age = c.Age
	}
	if ret, err := RetentionOf(packs, f); err == nil {
		r.Row, r.Due = ret.Row.Describe(), ret.Due
	}
	return r, r.Validate()
}

// Validate refuses facts that do not say what retention needs.
func (r RetentionFactsRecord) Validate() error {
	switch {
	case r.ID == "" || r.RecordID == "" || r.ID == r.RecordID:
		return fmt.Errorf("%w: it must name itself and the record it is about", ErrFactsMalformed)
	case r.Kind != RetainSessionRecord:
		return fmt.Errorf("%w: only session records' facts are shared (a DSL reads every incident)", ErrFactsMalformed)
	case r.Made.IsZero():
		return fmt.Errorf("%w: it must say when the record was made", ErrFactsMalformed)
	case r.By == "" || r.At.IsZero():
		return fmt.Errorf("%w: it must say who shared it and when", ErrFactsMalformed)
	case r.Age < 0 || r.Age > 130:
		return fmt.Errorf("%w: the age is not an age", ErrFactsMalformed)
	}
	return nil
}

// Facts are the retention facts the schedule reads.
func (r RetentionFactsRecord) Facts() RetentionFacts {
	return RetentionFacts{RecordID: r.RecordID, Kind: r.Kind, PackID: r.PackID, PackVersion: r.PackVersion,
		Customer: Customer{Reference: r.Reference, DateOfBirth: r.DateOfBirth, Age: r.Age, AdultAtRisk: r.AdultAtRisk},
		Made:     r.Made, Cases: slices.Clone(r.Cases)}
}

// MergeRetentionFacts is what a DSL's Retention screen lists: the facts of
// every record it reads itself (own), then those shared for records it
// cannot read. For one record the facts read from the record itself win;
// among shared ones, the one shared last (a line manager's correction
// after an addendum, say). A malformed shared record is returned as an
// error, not used.
func MergeRetentionFacts(own []RetentionFacts, shared []RetentionFactsRecord) ([]RetentionFacts, []error) {
	out := slices.Clone(own)
	seen := map[string]bool{}
	for _, f := range own {
		seen[f.RecordID] = true
	}
	var errs []error
	latest := map[string]RetentionFactsRecord{}
	var order []string
	for _, r := range shared {
		if err := r.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("retention facts %s: %w", r.ID, err))
			continue
		}
		if seen[r.RecordID] {
			continue
		}
		prev, ok := latest[r.RecordID]
		if !ok {
			order = append(order, r.RecordID)
		}
		if !ok || r.At.After(prev.At) || (r.At.Equal(prev.At) && r.ID > prev.ID) {
			latest[r.RecordID] = r
		}
	}
	for _, id := range order {
		out = append(out, latest[id].Facts())
	}
	return out, errs
}

// MissingRetentionFacts are the signed session records among docs that no
// shared facts record names yet: the ones a practitioner's or line
// manager's app shares facts for when it opens (records signed before
// facts were shared, or whose facts were not saved).
// have holds the ids of the records facts were shared for.
func MissingRetentionFacts(docs []Document, have map[string]bool) []Document {
	var out []Document
	for _, d := range docs {
		if d.State == Signed && !d.SignedAt.IsZero() && !have[d.ID] {
			out = append(out, d)
		}
	}
	return out
}
