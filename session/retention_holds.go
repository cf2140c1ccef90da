package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Legal holds (issue 16 section 2). A DSL places a hold on a record, a case
// or a customer reference, with the reason; while it stands, nothing it
// covers may be disposed of, whatever the schedule says. Placing and
// lifting are each a signed record of their own (crypto.KindHold), so a
// hold's history is never edited, only added to.

// HoldScope is what a hold covers.
type HoldScope string

const (
	// HoldRecord covers one record, by id.
	HoldRecord HoldScope = "record"
	// HoldCase covers an incident, the session it was raised from and any
	// session record that escalated to it.
	HoldCase HoldScope = "case"
	// HoldCustomer covers every record about a customer reference.
	HoldCustomer HoldScope = "customer"
)

// HoldScopes lists them in the order screens offer them.
func HoldScopes() []HoldScope { return []HoldScope{HoldRecord, HoldCase, HoldCustomer} }

// Label is the scope in plain words.
func (s HoldScope) Label() string {
	switch s {
	case HoldRecord:
		return "One record"
	case HoldCase:
		return "An incident case"
	case HoldCustomer:
		return "Everything about a customer reference"
	}
	return string(s)
}

// HoldAction is what a hold record does.
type HoldAction string

const (
	HoldPlaced HoldAction = "place"
	HoldLifted HoldAction = "lift"
)

// HoldEvent is one signed hold record: a hold placed, or a hold lifted.
type HoldEvent struct {
	ID     string     `json:"id"`
	Action HoldAction `json:"action"`
	// HoldID is the hold: a placing's own id, or the hold a lifting lifts.
	HoldID string    `json:"hold_id"`
	Scope  HoldScope `json:"scope"`
	Ref    string    `json:"ref"`
	Reason string    `json:"reason"`
	// By is who placed or lifted it (their person or key id); the record's
	// signature says the same (see FoldHolds).
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// ParentRecordID makes a lifting name the hold it lifts as its parent
// record, so the two travel and are read together.
func (e HoldEvent) ParentRecordID() string {
	if e.Action == HoldLifted {
		return e.HoldID
	}
	return ""
}

// Hold is a hold as it stands: placed, and lifted or not.
type Hold struct {
	Placed HoldEvent
	Lifted *HoldEvent
}

// Active reports whether the hold still blocks disposal.
func (h Hold) Active() bool { return h.Lifted == nil }

// holdReasonMessage is shown beside the reason of a hold or its lifting
// left empty.
const holdReasonMessage = "Say why: a legal hold and its lifting each need the reason, for the record."

// PlaceHold makes the record of a hold placed by a DSL on a record, a case
// or a customer reference.
func PlaceHold(clock Clock, by Actor, id string, scope HoldScope, ref, reason string) (HoldEvent, error) {
	if !by.Safeguarding {
		return HoldEvent{}, fmt.Errorf("place a legal hold: %w", ErrSafeguardingOnly)
	}
	if id == "" || by.ID == "" {
		return HoldEvent{}, errors.New("place a legal hold: id and the person placing it are required")
	}
	if !slices.Contains(HoldScopes(), scope) {
		return HoldEvent{}, &FieldError{Field: "scope", Message: "Choose what the hold covers: one record, an incident case or a customer reference."}
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return HoldEvent{}, &FieldError{Field: "ref", Message: fmt.Sprintf("Say which %s the hold covers.", scopeNoun(scope))}
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return HoldEvent{}, &FieldError{Field: "reason", Message: holdReasonMessage}
	}
	return HoldEvent{ID: id, Action: HoldPlaced, HoldID: id, Scope: scope, Ref: ref, Reason: reason, By: by.ID, At: clock.Now()}, nil
}

// ErrHoldLifted is returned for lifting a hold that no longer stands.
var ErrHoldLifted = errors.New("this hold has been lifted already; nothing more is needed")

// LiftHold makes the record of a DSL lifting a hold that stands.
func LiftHold(clock Clock, by Actor, id string, h Hold, reason string) (HoldEvent, error) {
	if !by.Safeguarding {
		return HoldEvent{}, fmt.Errorf("lift a legal hold: %w", ErrSafeguardingOnly)
	}
	if id == "" || by.ID == "" {
		return HoldEvent{}, errors.New("lift a legal hold: id and the person lifting it are required")
	}
	if !h.Active() {
		return HoldEvent{}, fmt.Errorf("lift a legal hold: %w (on %s)", ErrHoldLifted, h.Lifted.At.Format("2 January 2006"))
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return HoldEvent{}, &FieldError{Field: "reason", Message: holdReasonMessage}
	}
	p := h.Placed
	return HoldEvent{ID: id, Action: HoldLifted, HoldID: p.ID, Scope: p.Scope, Ref: p.Ref, Reason: reason, By: by.ID, At: clock.Now()}, nil
}

func scopeNoun(s HoldScope) string {
	switch s {
	case HoldCase:
		return "incident"
	case HoldCustomer:
		return "customer reference"
	}
	return "record"
}

// SignedHold is a hold record as opened: the event, who signed it (their
// person id, from the directory) and whether they were a DSL.
type SignedHold struct {
	Event    HoldEvent
	SignerID string
	// SignerIsDSL: only the safeguarding team places or lifts holds.
	SignerIsDSL bool
}

// FoldHolds turns hold records into holds as they stand, oldest first,
// erring on the side of keeping. A lifting signed by anyone but a DSL, or
// claiming another person than its signer, is refused and returned with the
// reason: it must never release a record for disposal. A placing signed by
// someone the directory no longer names a DSL (they have left the team)
// still stands, with a warning, until a DSL lifts it. A lifting of a hold
// not (yet) on this device is kept back, not guessed at.
func FoldHolds(records []SignedHold) ([]Hold, []error) {
	var errs []error
	rs := slices.Clone(records)
	// Placings before liftings, each oldest first: a lifting names its
	// hold, and clocks may give both the same instant.
	slices.SortStableFunc(rs, func(a, b SignedHold) int {
		if pa, pb := a.Event.Action == HoldPlaced, b.Event.Action == HoldPlaced; pa != pb {
			if pa {
				return -1
			}
			return 1
		}
		return a.Event.At.Compare(b.Event.At)
	})
	var holds []Hold
	byID := map[string]int{}
	for _, r := range rs {
		e := r.Event
		switch {
		case e.By != r.SignerID:
			errs = append(errs, fmt.Errorf("hold record %s: says it is by %s but is signed by %s; it is ignored", e.ID, e.By, r.SignerID))
			continue
		case !r.SignerIsDSL && e.Action == HoldLifted:
			errs = append(errs, fmt.Errorf("hold record %s: a lifting signed by %s, who is not a DSL; it is ignored and the hold stands", e.ID, r.SignerID))
			continue
		case !r.SignerIsDSL:
			errs = append(errs, fmt.Errorf("hold record %s: placed by %s, who is not a DSL now; it stands until a DSL lifts it", e.ID, r.SignerID))
		}
		switch e.Action {
		case HoldPlaced:
			if _, dup := byID[e.ID]; dup || e.HoldID != e.ID {
				errs = append(errs, fmt.Errorf("hold record %s: placed twice or under another id; it is ignored", e.ID))
				continue
			}
			byID[e.ID] = len(holds)
			holds = append(holds, Hold{Placed: e})
		case HoldLifted:
			i, ok := byID[e.HoldID]
			if !ok {
				errs = append(errs, fmt.Errorf("hold record %s lifts hold %s, which is not on this device yet; the hold is kept until it is", e.ID, e.HoldID))
				continue
			}
			if holds[i].Lifted == nil {
				lifted := e
				holds[i].Lifted = &lifted
			}
		default:
			errs = append(errs, fmt.Errorf("hold record %s: %q is neither place nor lift; it is ignored", e.ID, e.Action))
		}
	}
	return holds, errs
}

// Covers reports whether the hold covers a record. all are the facts of
// every record on the device, so that a hold on an incident case reaches
// the session record it was raised from, which may have been signed before
// the escalation was linked to it.
func (h Hold) Covers(f RetentionFacts, all []RetentionFacts) bool {
	ref := h.Placed.Ref
	switch h.Placed.Scope {
	case HoldRecord:
		return f.RecordID == ref
	case HoldCase:
		if slices.Contains(f.Cases, ref) {
			return true
		}
		if f.Kind != RetainSessionRecord {
			return false
		}
		for _, o := range all {
			if o.Kind == RetainIncident && o.RecordID == ref && o.SessionID != "" && o.SessionID == f.RecordID {
				return true
			}
		}
	case HoldCustomer:
		return ref != "" && strings.EqualFold(strings.TrimSpace(f.Customer.Reference), ref)
	}
	return false
}

// HoldsOn are the standing holds that cover a record.
func HoldsOn(holds []Hold, f RetentionFacts, all []RetentionFacts) []Hold {
	var out []Hold
	for _, h := range holds {
		if h.Active() && h.Covers(f, all) {
			out = append(out, h)
		}
	}
	return out
}

// ErrOnHold: disposal refused while a legal hold stands.
var ErrOnHold = errors.New("a legal hold stands on this record")

// ErrNotDue: disposal refused before the record's date.
var ErrNotDue = errors.New("this record is not yet due for disposal")

// ErrReviewFirst: the schedule says review, not dispose.
var ErrReviewFirst = errors.New("the schedule says this record is reviewed at the end of its period, not disposed of: review it, then decide")

// MayDispose says whether a record may be disposed of at now, and if not,
// why: any standing hold blocks it (naming who set it and why), then its
// date, then whether the schedule says review. Disposal itself (a signed
// instruction carried out by the hub and every device) is not built yet;
// this is the rule it will ask.
func MayDispose(r Retention, holds []Hold, now time.Time) error {
	for _, h := range holds {
		if h.Active() {
			p := h.Placed
			return fmt.Errorf("%w: set by %s on %s: %s", ErrOnHold, p.By, p.At.Format("2 January 2006"), p.Reason)
		}
	}
	if !r.Known() || now.Before(r.Due) {
		return ErrNotDue
	}
	if r.Then == EndReview {
		return ErrReviewFirst
	}
	return nil
}

// DueItem is one record in the DSL's retention list.
type DueItem struct {
	Facts     RetentionFacts
	Retention Retention
	When      DueWhen
	Holds     []Hold
	// Extension is the latest signed extension of the record, if any;
	// Disposal the signed approval of its disposal (retention_decisions.go).
	Extension *RetentionDecision
	Disposal  *RetentionDecision
}

// Held reports whether a hold blocks the record's disposal.
func (d DueItem) Held() bool { return len(d.Holds) > 0 }

// DueList works out every record's retention and where it falls as seen at
// now: soonest first, records without a date yet last. A record whose
// retention cannot be worked out is reported, not left out silently.
func DueList(packs []*Pack, records []RetentionFacts, holds []Hold, now time.Time) ([]DueItem, []error) {
	var out []DueItem
	var errs []error
	var loc *time.Location
	for _, p := range packs {
		if p != nil {
			loc = p.Location()
			break
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, f := range records {
		r, err := RetentionOf(packs, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("record %s: %w", f.RecordID, err))
			continue
		}
		out = append(out, DueItem{Facts: f, Retention: r, When: DueWindow(r.Due, now, loc), Holds: HoldsOn(holds, f, records)})
	}
	sortDue(out)
	return out, errs
}

// sortDue orders a due list soonest first, records without a date last.
func sortDue(out []DueItem) {
	slices.SortStableFunc(out, func(a, b DueItem) int {
		ad, bd := a.Due(), b.Due()
		if ad.IsZero() != bd.IsZero() {
			if !ad.IsZero() {
				return -1
			}
			return 1
		}
		if c := ad.Compare(bd); c != 0 {
			return c
		}
		return strings.Compare(a.Facts.RecordID, b.Facts.RecordID)
	})
}
