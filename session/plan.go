package session

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// adultAge is the age at which a customer is no longer a child for the
// policy's purposes (3.4.5: a child is anyone under 18).
const adultAge = 18

// Customer identifies the person the session is for by a pseudonymous
// reference only: names never enter the app (policy 2.9 h).
type Customer struct {
	Reference string `json:"reference"`
	// Either Age or DateOfBirth; DateOfBirth wins when both are given.
	Age         int       `json:"age,omitempty"`
	DateOfBirth time.Time `json:"date_of_birth,omitzero"`
	AdultAtRisk bool      `json:"adult_at_risk"`
}

// AgeOn returns the customer's age on a date and whether it is known.
func (c Customer) AgeOn(day time.Time) (int, bool) {
	if !c.DateOfBirth.IsZero() {
		y1, m1, d1 := c.DateOfBirth.Date()
		y2, m2, d2 := day.Date()
		age := y2 - y1
		if m2 < m1 || (m2 == m1 && d2 < d1) {
			age--
		}
		return age, true
	}
	if c.Age > 0 {
		return c.Age, true
	}
	return 0, false
}

// Plan is what is agreed before a session (Annex 2 1.3).
type Plan struct {
	Customer Customer      `json:"customer"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	// DurationReason justifies a planned length beyond the normal duration
	// (Annex 2 3.3: exceptional circumstances).
	DurationReason string `json:"duration_reason,omitempty"`
	// OutOfHoursReason justifies a time outside the agreed hours (3.3).
	OutOfHoursReason string `json:"out_of_hours_reason,omitempty"`
	Method           string `json:"method"`
	Platform         string `json:"platform"`
	// AccessibilityNeeds (1.3.2), free text; "" means none known.
	AccessibilityNeeds string `json:"accessibility_needs,omitempty"`
	// Facilitator invited to drop in (3.5): who, by role not name.
	Facilitator string `json:"facilitator,omitempty"`
	// HowNotified: how the customer was told and how to join (1.3.4).
	HowNotified string `json:"how_notified"`
	// ParentCarerInformed (1.3.5): how, or "" if not.
	ParentCarerInformed string `json:"parent_carer_informed,omitempty"`
	// CrisisPlan: what happens if a crisis arises during the session (1.3.3).
	CrisisPlan string `json:"crisis_plan"`
}

// referencePattern accepts case references like "CUS-4821" or "NEET/22/118"
// and refuses anything with spaces, which is how a name would be typed.
var referencePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9/_-]{2,31}$`)

// Vulnerable reports whether the customer is a child or an adult at risk on
// the planned day; Annex 2 applies its extra steps to them.
func (p Plan) Vulnerable() bool {
	age, known := p.Customer.AgeOn(p.Start)
	return p.Customer.AdultAtRisk || !known || age < adultAge
}

// Child reports whether the customer is under 18 on the planned day. An
// unknown age counts as a child: the safer assumption.
func (p Plan) Child() bool {
	age, known := p.Customer.AgeOn(p.Start)
	return !known || age < adultAge
}

// ValidatePlan checks the plan's own fields (Annex 2 1.3) and returns every
// problem at once, in words for the practitioner. now is the clock's time.
func (pk *Pack) ValidatePlan(p Plan, now time.Time) error {
	var errs FieldErrors
	ref := strings.TrimSpace(p.Customer.Reference)
	switch {
	case ref == "":
		errs.add("customer.reference", "Enter the customer's reference number.")
	case !referencePattern.MatchString(ref):
		errs.add("customer.reference", "Use the customer's reference, not their name: 3 to 32 letters, numbers, dashes or slashes, no spaces.")
	}
	c := p.Customer
	switch {
	case c.DateOfBirth.IsZero() && c.Age == 0:
		errs.add("customer.age", "Enter the customer's age or date of birth.")
	case !c.DateOfBirth.IsZero() && (c.DateOfBirth.After(now) || now.Year()-c.DateOfBirth.Year() > 120):
		errs.add("customer.date_of_birth", "The date of birth is not possible; check it.")
	case c.DateOfBirth.IsZero() && (c.Age < 5 || c.Age > 120):
		errs.add("customer.age", "Enter an age between 5 and 120.")
	}
	switch {
	case p.Start.IsZero():
		errs.add("start", "Choose the date and time of the session.")
	case p.Start.Before(now.Add(-24 * time.Hour)):
		errs.add("start", "The session date is in the past; check it.")
	}
	normal := pk.NormalDuration()
	switch {
	case p.Duration < 5*time.Minute:
		errs.add("duration", "A session must be planned for at least 5 minutes.")
	case p.Duration > 4*normal:
		errs.add("duration", fmt.Sprintf("A session cannot be planned for more than %d minutes.", 4*pk.Session.NormalDurationMinutes))
	}
	method, okMethod := pk.Method(p.Method)
	if !okMethod {
		errs.add("method", "Choose how the session will be delivered.")
	}
	if pl, ok := pk.Platform(p.Platform); !ok {
		errs.add("platform", "Choose the platform.")
	} else if okMethod && pl.Method != method.ID {
		errs.add("platform", fmt.Sprintf("%s is not a %s platform; choose another.", pl.Label, strings.ToLower(method.Label)))
	}
	if strings.TrimSpace(p.HowNotified) == "" {
		errs.add("how_notified", "Say how the customer was told about the session and how to join (Annex 2 1.3.4).")
	}
	if okMethod && method.Mode == RealTime && strings.TrimSpace(p.CrisisPlan) == "" {
		errs.add("crisis_plan", "Write what you will do if a crisis arises during the session (Annex 2 1.3.3).")
	}
	return errs.err()
}

// Answer is the practitioner's answer to one checklist item.
type Answer string

const (
	Unanswered    Answer = ""
	Met           Answer = "met"
	NotMet        Answer = "not_met"
	NotApplicable Answer = "not_applicable"
)

// ItemAnswer is an answer with the mitigation an unmet item needs.
type ItemAnswer struct {
	Answer     Answer `json:"answer"`
	Mitigation string `json:"mitigation,omitempty"`
}

// Assessment is the pre-session risk assessment (Annex 2 3.2): the answers by
// checklist item id.
type Assessment struct {
	Answers    map[string]ItemAnswer `json:"answers"`
	AssessedAt time.Time             `json:"assessed_at,omitzero"`
}

// Outcome is what the risk assessment allows.
type Outcome string

const (
	// Incomplete: some applicable item has no answer yet.
	Incomplete Outcome = "incomplete"
	Proceed    Outcome = "proceed"
	// ProceedWithMitigations: every unmet item has a recorded mitigation.
	ProceedWithMitigations Outcome = "proceed_with_mitigations"
	DoNotProceed           Outcome = "do_not_proceed"
)

// Concern is one reason behind an outcome, tied to the item or plan field
// that raised it and its clause.
type Concern struct {
	ItemID  string `json:"item_id"`
	Clause  Clause `json:"clause"`
	Message string `json:"message"`
	// Blocking concerns make the outcome DoNotProceed.
	Blocking bool `json:"blocking"`
}

// Result is the computed risk assessment outcome with its reasons.
type Result struct {
	Outcome     Outcome
	Concerns    []Concern
	Unanswered  []string // item ids still to answer
	Mitigations []Concern
}

// Items lists the checklist items that apply to a plan: the pack's checklist
// filtered by audience and delivery mode, then the chosen platform's privacy
// checks (Annex 2 3.6).
func (pk *Pack) Items(p Plan) []ChecklistItem {
	method, _ := pk.Method(p.Method)
	var out []ChecklistItem
	add := func(c ChecklistItem) {
		switch {
		case c.Audience == Vulnerable && !p.Vulnerable():
		case c.Audience == Children && !p.Child():
		case c.RealTimeOnly && method.Mode == Delayed:
		default:
			out = append(out, c)
		}
	}
	for _, c := range pk.Checklist {
		add(c)
	}
	if pl, ok := pk.Platform(p.Platform); ok {
		for _, c := range pl.PrivacyChecks {
			add(c)
		}
	}
	return out
}

// Assess computes the outcome of a risk assessment for a plan. It is the one
// place the Annex 2 pre-session rules are applied:
//   - every applicable item must be answered (3.2);
//   - an unmet item needs a mitigation, or blocks if the pack says so;
//   - a platform whose minimum age is above the customer's blocks (3.6);
//   - a time outside agreed hours, or a length beyond the normal duration,
//     needs a reason (3.3).
func (pk *Pack) Assess(p Plan, a Assessment) Result {
	var r Result
	for _, item := range pk.Items(p) {
		ans := a.Answers[item.ID]
		switch ans.Answer {
		case Met, NotApplicable:
		case NotMet:
			switch {
			case item.IfUnmet == Block:
				r.Concerns = append(r.Concerns, Concern{item.ID, item.Clause, "Not met, and the policy does not allow the session without it: " + item.Text, true})
			case strings.TrimSpace(ans.Mitigation) == "":
				r.Concerns = append(r.Concerns, Concern{item.ID, item.Clause, "Not met and no mitigation recorded: say how you will reduce the risk, or do not proceed.", true})
			default:
				r.Mitigations = append(r.Mitigations, Concern{item.ID, item.Clause, ans.Mitigation, false})
			}
		default:
			r.Unanswered = append(r.Unanswered, item.ID)
		}
	}
	if pl, ok := pk.Platform(p.Platform); ok {
		if age, known := p.Customer.AgeOn(p.Start); known && age < pl.MinimumAge {
			r.Concerns = append(r.Concerns, Concern{"platform", pl.Clause,
				fmt.Sprintf("%s is for ages %d and over; the customer is %d. Choose a platform suitable for their age.", pl.Label, pl.MinimumAge, age), true})
		}
	}
	if !p.Start.IsZero() && p.Duration > 0 && !pk.WithinAgreedHours(p.Start, p.Duration) {
		if strings.TrimSpace(p.OutOfHoursReason) == "" {
			r.Concerns = append(r.Concerns, Concern{"out_of_hours", pk.Session.AgreedHours.Clause, "The session falls outside the agreed hours: give the reason, or move it.", true})
		} else {
			r.Mitigations = append(r.Mitigations, Concern{"out_of_hours", pk.Session.AgreedHours.Clause, p.OutOfHoursReason, false})
		}
	}
	if p.Duration > pk.NormalDuration() {
		if strings.TrimSpace(p.DurationReason) == "" {
			r.Concerns = append(r.Concerns, Concern{"duration", pk.Session.Clause,
				fmt.Sprintf("Longer than the normal %d minutes: give the exceptional reason, or shorten it.", pk.Session.NormalDurationMinutes), true})
		} else {
			r.Mitigations = append(r.Mitigations, Concern{"duration", pk.Session.Clause, p.DurationReason, false})
		}
	}
	switch {
	case len(r.Concerns) > 0:
		r.Outcome = DoNotProceed
	case len(r.Unanswered) > 0:
		r.Outcome = Incomplete
	case len(r.Mitigations) > 0:
		r.Outcome = ProceedWithMitigations
	default:
		r.Outcome = Proceed
	}
	return r
}

// MayProceed reports whether an outcome allows the session to go ahead.
func (o Outcome) MayProceed() bool { return o == Proceed || o == ProceedWithMitigations }

// Label is the outcome in words for the screen.
func (o Outcome) Label() string {
	switch o {
	case Proceed:
		return "Proceed"
	case ProceedWithMitigations:
		return "Proceed with mitigations"
	case DoNotProceed:
		return "Do not proceed"
	}
	return "Not finished"
}
