package session

import (
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
	// ID is the id the session takes when the plan is saved.
	ID          string `json:"id"`
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
	for k, v := range d.Fields {
		if strings.TrimSpace(v) != strings.TrimSpace(defaults[k]) {
			return false
		}
	}
	return len(d.Answers) == 0 && len(d.Carried) == 0
}
