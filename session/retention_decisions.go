package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The DSL's decisions on records that fall due (issue 16 section 2): in a
// batch, approve their disposal, or keep them longer with the reason.
// Each decision is a signed record of its own (crypto.KindRetention), so
// nothing is edited, only added to.
//
// UK GDPR Art 5(1)(e) (storage limitation) is why records past their date
// are disposed of; Art 5(2) (accountability) is why every decision says
// who made it, when and why. A legal hold wins over both: a held record is
// never offered for disposal, and a decision that names one is refused.

// RetentionChoice is what a decision does.
type RetentionChoice string

const (
	// ChoiceDispose approves disposal of records past their date. For a
	// row whose end is review, the DSL's approval is that review.
	ChoiceDispose RetentionChoice = "dispose"
	// ChoiceExtend keeps records until a later date, for a reason.
	ChoiceExtend RetentionChoice = "extend"
)

// DecidedRecord is one record a decision covers: its routing facts and
// dates, never its content. A disposal's tombstone is made of these.
type DecidedRecord struct {
	RecordID string       `json:"record_id"`
	Kind     RetainedKind `json:"kind"`
	Made     time.Time    `json:"made"`
	// Due is the date it fell due (after any extension), and Then what
	// the schedule said should happen then.
	Due   time.Time    `json:"due"`
	Then  RetentionEnd `json:"then"`
	RowID string       `json:"row_id"`
}

// RetentionDecision is one signed batch decision.
type RetentionDecision struct {
	ID      string          `json:"id"`
	Choice  RetentionChoice `json:"choice"`
	Records []DecidedRecord `json:"records"`
	// Reason is required to extend; optional (a note) to dispose.
	Reason string `json:"reason,omitempty"`
	// Until is the new date for an extension.
	Until time.Time `json:"until,omitzero"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// ErrAlreadyApproved: the record's disposal is approved already.
var ErrAlreadyApproved = errors.New("its disposal is approved already")

// extendReasonMessage is shown when an extension's reason is left empty.
const extendReasonMessage = "Say why the records are kept longer: storage limitation (UK GDPR Art 5(1)(e)) allows it only for a reason, and the reason is kept with the decision."

// Due is the date the record falls due now: its schedule's date, or the
// latest extension's.
func (d DueItem) Due() time.Time {
	if d.Extension != nil && d.Extension.Until.After(d.Retention.Due) {
		return d.Extension.Until
	}
	return d.Retention.Due
}

// MayApproveDisposal says whether a record may be offered to the DSL for
// disposal at now, and if not, why: a standing hold blocks it (who set it
// and why), then an approval already made, then its date. Unlike
// MayDispose, a row whose end is review is offered: the DSL looking at it
// and approving is the review.
func MayApproveDisposal(it DueItem, now time.Time) error {
	for _, h := range it.Holds {
		if h.Active() {
			p := h.Placed
			return fmt.Errorf("%w: set by %s on %s: %s", ErrOnHold, p.By, p.At.Format("2 January 2006"), p.Reason)
		}
	}
	if it.Disposal != nil {
		return ErrAlreadyApproved
	}
	due := it.Due()
	if due.IsZero() || now.Before(due) {
		return ErrNotDue
	}
	return nil
}

// DecideRetention makes a DSL's batch decision on records from the due
// list: approve their disposal, or keep them until a later date for a
// reason. The whole batch is refused, naming the records, if any of them
// may not be disposed of (held, not yet due, approved already): a held
// record is never disposed of, whatever else is ticked with it.
func DecideRetention(clock Clock, by Actor, id string, choice RetentionChoice, items []DueItem, reason string, until time.Time) (RetentionDecision, error) {
	if !by.Safeguarding {
		return RetentionDecision{}, fmt.Errorf("decide on retention: %w", ErrSafeguardingOnly)
	}
	if id == "" || by.ID == "" {
		return RetentionDecision{}, errors.New("decide on retention: id and the person deciding are required")
	}
	if len(items) == 0 {
		return RetentionDecision{}, &FieldError{Field: "records", Message: "Tick the records to decide on first."}
	}
	now := clock.Now()
	reason = strings.TrimSpace(reason)
	d := RetentionDecision{ID: id, Choice: choice, Reason: reason, By: by.ID, At: now}
	seen := map[string]bool{}
	var refused []string
	for _, it := range items {
		f := it.Facts
		if seen[f.RecordID] {
			continue
		}
		seen[f.RecordID] = true
		if choice == ChoiceDispose {
			if err := MayApproveDisposal(it, now); err != nil {
				refused = append(refused, fmt.Sprintf("%s (%s)", f.RecordID, disposalRefusal(err)))
				continue
			}
		}
		d.Records = append(d.Records, DecidedRecord{RecordID: f.RecordID, Kind: f.Kind, Made: f.Made, Due: it.Due(), Then: it.Retention.Then, RowID: it.Retention.Row.ID})
	}
	switch choice {
	case ChoiceDispose:
		if len(refused) > 0 {
			return RetentionDecision{}, &FieldError{Field: "records", Message: "Not approved: these may not be disposed of: " + strings.Join(refused, "; ") + ". Untick them and approve the rest."}
		}
	case ChoiceExtend:
		if reason == "" {
			return RetentionDecision{}, &FieldError{Field: "reason", Message: extendReasonMessage}
		}
		if until.IsZero() {
			return RetentionDecision{}, &FieldError{Field: "until", Message: "Say until when the records are kept."}
		}
		if !until.After(now) {
			return RetentionDecision{}, &FieldError{Field: "until", Message: "The new date must be after today."}
		}
		if until.After(now.AddDate(maxRetentionYears, 0, 0)) {
			return RetentionDecision{}, &FieldError{Field: "until", Message: fmt.Sprintf("The new date must be within %d years.", maxRetentionYears)}
		}
		for _, r := range d.Records {
			if !until.After(r.Due) {
				refused = append(refused, fmt.Sprintf("%s (due %s already)", r.RecordID, r.Due.Format("2 January 2006")))
			}
		}
		if len(refused) > 0 {
			return RetentionDecision{}, &FieldError{Field: "until", Message: "That date is no extension for: " + strings.Join(refused, "; ") + "."}
		}
		d.Until = until
	default:
		return RetentionDecision{}, &FieldError{Field: "choice", Message: "Choose dispose or extend."}
	}
	return d, nil
}

// disposalRefusal is why one record may not be disposed of, in words.
func disposalRefusal(err error) string {
	switch {
	case errors.Is(err, ErrOnHold):
		return "legal hold " + strings.TrimPrefix(err.Error(), ErrOnHold.Error()+": ")
	case errors.Is(err, ErrNotDue):
		return "not yet due"
	case errors.Is(err, ErrAlreadyApproved):
		return "approved already"
	}
	return err.Error()
}

// SignedDecision is a decision record as opened: who signed it and whether
// the directory names them a DSL.
type SignedDecision struct {
	Decision    RetentionDecision
	SignerID    string
	SignerIsDSL bool
}

// ApplyDecisions puts the DSL's decisions against the due list: the latest
// extension of each record moves its date (and the window it falls in), an
// approved disposal is marked. A decision signed by anyone but a DSL, or
// claiming another person than its signer, is ignored and returned with
// the reason. A disposal approved for a record that is held since is
// marked but MayCarryOut refuses it: the hold wins.
func ApplyDecisions(items []DueItem, decisions []SignedDecision, now time.Time, loc *time.Location) ([]DueItem, []error) {
	var errs []error
	out := slices.Clone(items)
	idx := map[string]int{}
	for i, it := range out {
		idx[it.Facts.RecordID] = i
	}
	ds := slices.Clone(decisions)
	slices.SortStableFunc(ds, func(a, b SignedDecision) int { return a.Decision.At.Compare(b.Decision.At) })
	for _, sd := range ds {
		d := sd.Decision
		switch {
		case d.By != sd.SignerID:
			errs = append(errs, fmt.Errorf("retention decision %s: says it is by %s but is signed by %s; it is ignored", d.ID, d.By, sd.SignerID))
			continue
		case !sd.SignerIsDSL:
			errs = append(errs, fmt.Errorf("retention decision %s: signed by %s, who is not a DSL; it is ignored", d.ID, sd.SignerID))
			continue
		}
		for _, r := range d.Records {
			i, ok := idx[r.RecordID]
			if !ok {
				continue
			}
			dc := d
			switch d.Choice {
			case ChoiceExtend:
				if out[i].Extension == nil || d.Until.After(out[i].Extension.Until) {
					out[i].Extension = &dc
				}
			case ChoiceDispose:
				if out[i].Disposal == nil {
					out[i].Disposal = &dc
				}
			}
		}
	}
	for i := range out {
		out[i].When = DueWindow(out[i].Due(), now, loc)
	}
	sortDue(out)
	return out, errs
}

// MayCarryOut says whether an approved disposal may be carried out now:
// only while no hold stands on the record. A hold placed after the
// approval wins.
func MayCarryOut(it DueItem) error {
	if it.Disposal == nil {
		return errors.New("its disposal is not approved")
	}
	for _, h := range it.Holds {
		if h.Active() {
			p := h.Placed
			return fmt.Errorf("%w: set by %s on %s: %s", ErrOnHold, p.By, p.At.Format("2 January 2006"), p.Reason)
		}
	}
	return nil
}
