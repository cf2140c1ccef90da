package session

import (
	"fmt"
	"regexp"
	"slices"
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
	// MeetingLink is the link the customer joins by (1.3.4), kept with
	// the rest of the plan in the sealed document, never in an index or a
	// log (issue 19: "Copy link" beside "Start").
	MeetingLink string `json:"meeting_link,omitempty"`
	// ParentCarerInformed (1.3.5): how, or "" if not.
	ParentCarerInformed string `json:"parent_carer_informed,omitempty"`
	// CrisisPlan: what happens if a crisis arises during the session (1.3.3).
	CrisisPlan string `json:"crisis_plan"`
	// Group is set for a webinar or live broadcast (Annex 2 3.10) and only
	// then. Customer then describes the audience: Reference is the event's
	// reference, Age the youngest attendee's age and AdultAtRisk whether any
	// attendee is an adult at risk, so the age and audience rules still hold.
	Group *Group `json:"group,omitempty"`
	// Carried are the facts carried from the customer's last session
	// (carryover.go), each to be reconfirmed.
	Carried []CarriedFact `json:"carried,omitempty"`
}

// Group is what a one-to-many session adds to its plan (Annex 2 3.10).
type Group struct {
	ExpectedAttendees int       `json:"expected_attendees"`
	Recording         Recording `json:"recording"`
}

// Recording is the decision Annex 2 3.10 asks for: a webinar or live
// broadcast is recorded where possible and stored in line with GDPR; when
// it is not, the reason is recorded.
type Recording struct {
	Recorded bool `json:"recorded"`
	// WhyNot: why it is not recorded (3.10 "where possible").
	WhyNot string `json:"why_not,omitempty"`
	// StoredWhere: where the recording is kept (3.10 "in line with GDPR").
	StoredWhere string `json:"stored_where,omitempty"`
	// AttendeesTold: how attendees were told it is recorded (2.1 GDPR).
	AttendeesTold string `json:"attendees_told,omitempty"`
}

// PlanFields are the plan fields a checklist item can require (its
// requires_plan): answering the item as met says the field is filled in.
var PlanFields = []string{"facilitator", "parent_carer_informed", "crisis_plan", "how_notified", "accessibility_needs"}

// Field returns a text field of the plan by its JSON name, for the
// checklist's requires_plan.
func (p Plan) Field(name string) (string, bool) {
	switch name {
	case "facilitator":
		return p.Facilitator, true
	case "parent_carer_informed":
		return p.ParentCarerInformed, true
	case "crisis_plan":
		return p.CrisisPlan, true
	case "how_notified":
		return p.HowNotified, true
	case "accessibility_needs":
		return p.AccessibilityNeeds, true
	}
	return "", false
}

// planFieldLabel names a plan field as the plan form does.
var planFieldLabel = map[string]string{
	"facilitator":           "the facilitator invited",
	"parent_carer_informed": "how a parent or carer was told",
	"crisis_plan":           "the crisis plan",
	"how_notified":          "how the customer was told",
	"accessibility_needs":   "the accessibility needs",
}

// OneToMany reports whether the plan is for a webinar or live broadcast
// (Annex 2 3.10).
func (pk *Pack) OneToMany(p Plan) bool {
	m, ok := pk.Method(p.Method)
	return ok && m.OneToMany
}

// DelayedResponse reports whether the plan is for an e-mail, letter or text
// exchange (Annex 2 1.2.1): a contact with no call and so no timer.
func (pk *Pack) DelayedResponse(p Plan) bool {
	m, ok := pk.Method(p.Method)
	return ok && m.Mode == Delayed
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
	pk.validateCarried(p, &errs)
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
	method, okMethod := pk.Method(p.Method)
	normal := pk.NormalDuration()
	switch {
	case okMethod && method.Mode == Delayed:
		// An e-mail, letter or text has no call to time (Annex 2 1.2.1).
		if p.Duration < 0 || p.Duration > 4*normal {
			errs.add("duration", "An e-mail, letter or text has no session length; leave it empty.")
		}
	case p.Duration < 5*time.Minute:
		errs.add("duration", "A session must be planned for at least 5 minutes.")
	case p.Duration > 4*normal:
		errs.add("duration", fmt.Sprintf("A session cannot be planned for more than %d minutes.", 4*pk.Session.NormalDurationMinutes))
	}
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
	switch {
	case okMethod && method.OneToMany && p.Group == nil:
		errs.add("group.expected_attendees", "Say how many people are expected to attend (Annex 2 3.10).")
		errs.add("group.recording", "Say whether the webinar will be recorded, and if not, why not (Annex 2 3.10).")
	case okMethod && method.OneToMany:
		g := p.Group
		if g.ExpectedAttendees < 1 {
			errs.add("group.expected_attendees", "Say how many people are expected to attend (Annex 2 3.10).")
		}
		r := g.Recording
		if r.Recorded {
			if strings.TrimSpace(r.StoredWhere) == "" {
				errs.add("group.recording.stored_where", "Say where the recording will be stored, in line with GDPR (Annex 2 3.10).")
			}
			if strings.TrimSpace(r.AttendeesTold) == "" {
				errs.add("group.recording.attendees_told", "Say how attendees were told it will be recorded (Annex 2 2.1, 3.10).")
			}
		} else if strings.TrimSpace(r.WhyNot) == "" {
			errs.add("group.recording.why_not", "Webinars and live broadcasts are recorded where possible: say why this one will not be (Annex 2 3.10).")
		}
	case p.Group != nil:
		errs.add("group", "Group details are only for a webinar or live broadcast; choose that method or remove them.")
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

// ItemAnswer is an answer with the note it needs: for "not met", the
// mitigation; for "not applicable", why the item does not apply. One field
// serves both so that stored assessments and callers keep their shape.
type ItemAnswer struct {
	Answer     Answer `json:"answer"`
	Mitigation string `json:"mitigation,omitempty"`
	// Source is where an answer the practitioner was not asked came from
	// (KnownAnswer): "" for one they gave.
	Source string `json:"source,omitempty"`
}

// Reason is why the item does not apply, for a "not applicable" answer.
func (a ItemAnswer) Reason() string {
	if a.Answer != NotApplicable {
		return ""
	}
	return strings.TrimSpace(a.Mitigation)
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
		case c.Delivery == OneToOne && method.OneToMany:
		case c.Delivery == GroupOnly && !method.OneToMany:
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
//   - "not applicable" needs a reason, and an item that always applies
//     cannot be answered so (1.2, 1.3.3, 3.6);
//   - "met" must agree with the plan: an item that names a plan field
//     (a facilitator invited, 3.5; a parent or carer told, 1.3.5) needs it
//     filled in;
//   - an unmet item needs a mitigation; it blocks if the pack says so, and
//     always when its clause says "must" (3.7, 3.9);
//   - a platform whose minimum age is above the customer's blocks (3.6);
//   - a call outside agreed hours, or longer than the normal duration,
//     needs a reason (3.3); an e-mail, letter or text is not a meeting and
//     has no length (1.2.1).
func (pk *Pack) Assess(p Plan, a Assessment) Result {
	var r Result
	blocking := func(item ChecklistItem, msg string) {
		r.Concerns = append(r.Concerns, Concern{item.ID, item.Clause, msg, true})
	}
	for _, item := range pk.Items(p) {
		ans := a.Answers[item.ID]
		switch ans.Answer {
		case Met:
			if item.RequiresPlan == "" {
				break
			}
			if v, _ := p.Field(item.RequiresPlan); strings.TrimSpace(v) == "" {
				blocking(item, fmt.Sprintf("Answered yes, but the plan does not record %s: fill it in, or change the answer.", planFieldLabel[item.RequiresPlan]))
			}
		case NotApplicable:
			switch {
			case item.AlwaysApplies:
				blocking(item, "This always applies and cannot be answered not applicable: answer yes or no. "+item.Text)
			case ans.Reason() == "":
				// Not yet a reason to stop, but not an answer either.
				r.Concerns = append(r.Concerns, Concern{item.ID, item.Clause, "Not applicable: say why it does not apply to this session.", false})
			}
		case NotMet:
			switch {
			case item.Obligation == Must:
				blocking(item, "Not met, and the policy says this must be so: the session cannot go ahead, and a mitigation cannot stand in for it. "+item.Text)
			case item.IfUnmet == Block:
				blocking(item, "Not met, and the policy does not allow the session without it: "+item.Text)
			case strings.TrimSpace(ans.Mitigation) == "":
				blocking(item, "Not met and no mitigation recorded: say how you will reduce the risk, or do not proceed.")
			default:
				r.Mitigations = append(r.Mitigations, Concern{item.ID, item.Clause, ans.Mitigation, false})
			}
		default:
			r.Unanswered = append(r.Unanswered, item.ID)
		}
	}
	if pl, ok := pk.Platform(p.Platform); ok {
		if age, known := p.Customer.AgeOn(p.Start); known && age < pl.MinimumAge {
			who := "the customer is"
			if pk.OneToMany(p) {
				who = "the youngest attendee is"
			}
			r.Concerns = append(r.Concerns, Concern{"platform", pl.Clause,
				fmt.Sprintf("%s is for ages %d and over; %s %d. Choose a platform suitable for their age.", pl.Label, pl.MinimumAge, who, age), true})
		}
	}
	if !pk.DelayedResponse(p) {
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
	}
	blocked := slices.ContainsFunc(r.Concerns, func(c Concern) bool { return c.Blocking })
	switch {
	case blocked:
		r.Outcome = DoNotProceed
	case len(r.Unanswered) > 0 || len(r.Concerns) > 0:
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
