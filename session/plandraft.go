package session

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// PlanDraft is a plan as it is being typed, before it is first saved
// (issue 19: a plan half done is never lost). It is kept sealed to its
// author like every draft, and opened again where it was left: the text of
// each field as typed, unchecked (a time half typed is kept as typed), the
// checklist answers given and the facts carried from the customer's last
// session with their "still true?".
type PlanDraft struct {
	// ID is the id the session takes when the plan is saved; for changes
	// to a saved plan, EditDraftID of the session's.
	ID string `json:"id"`
	// Edits is the id of the saved session whose plan this changes, ""
	// for a plan never saved. The changes stay in the draft, and the
	// session keeps the plan and the assessment it was saved with, until
	// the practitioner saves them: then Session.UpdatePlan takes the
	// session back to planned, to be assessed again (Annex 2 3.2) and,
	// if it was consented, consented again (1.3.6).
	Edits       string `json:"edits,omitempty"`
	PackID      string `json:"pack_id"`
	PackVersion string `json:"pack_version"`
	// Fields are the form's fields by name, as typed.
	Fields  map[string]string     `json:"fields"`
	Answers map[string]ItemAnswer `json:"answers,omitempty"`
	Carried []CarriedFact         `json:"carried,omitempty"`
	// Focus is the field that had the focus, to put it back there.
	Focus     string    `json:"focus,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Reference is the customer reference typed so far, "" if none.
func (d PlanDraft) Reference() string { return strings.TrimSpace(d.Fields["reference"]) }

// Empty reports whether nothing was typed or answered: such a draft is not
// worth keeping (a form opened and left at once).
func (d PlanDraft) Empty(defaults map[string]string) bool {
	return d.Unchanged(PlanDraft{Fields: defaults})
}

// EditDraftID is the id of the draft of changes to the saved plan of the
// session id: one per session, never the session's own (a draft of the
// same id would replace the saved session).
func EditDraftID(id string) string { return id + ".plan-edit" }

// Unchanged reports whether the draft holds nothing beyond base, the
// form as it was opened (a saved plan) or saved last: such a draft is not
// worth keeping. Answers the app knows are left out of both.
func (d PlanDraft) Unchanged(base PlanDraft) bool {
	for k, v := range d.Fields {
		if strings.TrimSpace(v) != strings.TrimSpace(base.Fields[k]) {
			return false
		}
	}
	return maps.Equal(d.Answers, base.Answers) && slices.EqualFunc(d.Carried, base.Carried, func(a, b CarriedFact) bool {
		return a.Field == b.Field && a.Reconfirmed == b.Reconfirmed
	})
}

// Stands reports whether a draft of changes still applies to doc, the
// session it edits: only while its plan may still change (planned,
// assessed or consented). Once the session has started, the plan it ran
// with is the plan, and the changes are dropped.
func (d PlanDraft) Stands(doc Document) bool {
	return d.Edits == doc.ID && slices.Contains([]State{Planned, Assessed, Consented}, doc.State)
}
