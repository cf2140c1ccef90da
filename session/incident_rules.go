package session

import (
	"slices"
	"strings"
)

// applies reports whether an item is shown: offered or required, and not
// excluded.
func applies(r Rule, facts map[string]bool) bool {
	if holds(r.Never, facts) {
		return false
	}
	return len(r.Offer) == 0 || holds(r.Offer, facts) || holds(r.Require, facts)
}

// Branch is where the incident is in the Annex 1 decision tree.
type Branch string

const (
	// BranchUndecided: "is it illegal?" is not answered yet.
	BranchUndecided Branch = "undecided"
	// BranchImmediateRisk: immediate danger; social care or police now.
	BranchImmediateRisk Branch = "immediate_risk"
	// BranchIllegal: illegal, no immediate risk (or not yet known).
	BranchIllegal Branch = "illegal"
	// BranchNotIllegal: the risk to the user, the report to the relevant
	// person, and the responses.
	BranchNotIllegal Branch = "not_illegal"
)

// Label is the branch in words.
func (b Branch) Label() string {
	switch b {
	case BranchImmediateRisk:
		return "Immediate risk: report to social care or the police now"
	case BranchIllegal:
		return "Illegal: secure the evidence; the DSO refers as appropriate"
	case BranchNotIllegal:
		return "Not illegal: assess the risk to the user and respond"
	}
	return "Answer the questions to see the steps"
}

// StepStatus is one step as the flow stands: whether it is required and
// whether it is done or skipped.
type StepStatus struct {
	Step     IncidentStep
	Required bool
	// Why it is required, in the policy's words, where the pack says.
	Why     string
	Done    bool
	Skipped bool
	// Record is the latest record of the step, if any; a step done by an
	// event (a referral, the report) has none.
	Record *StepRecord
}

// ContactStatus is a contact and whether the flow requires telling them.
type ContactStatus struct {
	Contact  IncidentContact
	Required bool
	// Why: why it is required, or else what the contact is for.
	Why string
}

// RouteDecisionKind is what has been decided about a referral route.
type RouteDecisionKind string

const (
	RouteOpen     RouteDecisionKind = "open"
	RouteReferred RouteDecisionKind = "referred"
	RouteDeclined RouteDecisionKind = "declined"
)

// RouteStatus is a referral route the flow offers, with what was done.
type RouteStatus struct {
	Route    ReferralRoute
	Required bool
	// Why: why the route is required, in the policy's words, or else what
	// it is for (its purpose), so the screen shows beside each route why it
	// is there.
	Why       string
	Referrals []IncidentReferral
	// Declined is the latest decision not to refer, if any.
	Declined *RouteDecision
}

// Decision says whether the route was referred to, declined, or is open. A
// referral wins over an earlier decision not to refer.
func (r RouteStatus) Decision() RouteDecisionKind {
	switch {
	case len(r.Referrals) > 0:
		return RouteReferred
	case r.Declined != nil:
		return RouteDeclined
	}
	return RouteOpen
}

// Excluded is an item the flow must not offer for this incident, and why:
// the children's routes for an adult at risk, deleting imagery.
type Excluded struct {
	Kind   string // "step", "contact" or "route"
	ID     string
	Label  string
	Reason string
	Clause Clause
}

// Requirements is what the flow demands of this incident as it stands. The
// screens show it; Close checks it. It changes as the incident is
// classified and the questions answered, so screens ask for it again after
// every change.
type Requirements struct {
	Branch Branch
	// IllegalFixed: the policy settles "is it illegal?"; IllegalReason
	// replaces the question on screen.
	IllegalFixed  bool
	IllegalReason string
	Steps         []StepStatus
	Contacts      []ContactStatus
	Routes        []RouteStatus
	Excluded      []Excluded
	// AttachmentsAllowed is false for imagery, and before classification,
	// with the reason in words.
	AttachmentsAllowed bool
	AttachmentsReason  string
	// AskImagery: ask where the imagery is and whether it was seen, never
	// for the imagery itself (Annex 1 guidance). Asked once the incident is
	// classified and nothing may be attached.
	AskImagery bool
	// Prevent: offer the Prevent referral summary.
	Prevent bool
	// Child and AdultAtRisk say which branch of safeguarding applies.
	Child, AdultAtRisk bool
	// Questions are the questions whose answers change the route for this
	// incident; the required ones must be answered before it can close.
	Questions []QuestionStatus
	// Advice is the type's guidance on what to do and say.
	Advice []string
}

// Requirements computes the steps, contacts and referral routes the policy
// demands for this incident, those it offers, and those it must not offer.
func (i *Incident) Requirements() Requirements {
	facts := i.facts()
	var r Requirements
	r.IllegalFixed, r.IllegalReason = i.IllegalFixed()
	switch {
	case facts["immediate_risk"]:
		r.Branch = BranchImmediateRisk
	case facts["illegal"]:
		r.Branch = BranchIllegal
	case facts["not_illegal"]:
		r.Branch = BranchNotIllegal
	default:
		r.Branch = BranchUndecided
	}
	r.AttachmentsAllowed, r.AttachmentsReason = i.AttachmentsAllowed()
	r.AskImagery = !r.AttachmentsAllowed && i.doc.Type != ""
	r.Child, r.AdultAtRisk = facts["child"], facts["adult_at_risk"]
	r.Prevent = facts["prevent"]
	r.Questions = i.questions(facts)
	if t, ok := i.pack.IncidentType(i.doc.Type); ok {
		r.Advice = t.Advice
	}
	ip := i.pack.Incident

	for _, s := range ip.Steps {
		if holds(s.Never, facts) {
			r.Excluded = append(r.Excluded, Excluded{"step", s.ID, s.Text, s.NeverReason, s.Clause})
			continue
		}
		if !applies(s.Rule, facts) {
			continue
		}
		st := StepStatus{Step: s, Required: holds(s.Require, facts), Why: s.requireReason(facts)}
		st.Done, _ = i.stepDone(s)
		if rec, ok := i.stepRecord(s.ID); ok {
			st.Record = &rec
			st.Skipped = !st.Done && rec.Skipped()
		}
		r.Steps = append(r.Steps, st)
	}
	for _, c := range ip.Contacts {
		if holds(c.Never, facts) {
			r.Excluded = append(r.Excluded, Excluded{"contact", c.ID, c.Label, c.NeverReason, c.Clause})
			continue
		}
		if applies(c.Rule, facts) {
			cs := ContactStatus{Contact: c, Required: holds(c.Require, facts), Why: c.Purpose}
			if why := c.requireReason(facts); cs.Required && why != "" {
				cs.Why = why
			}
			r.Contacts = append(r.Contacts, cs)
		}
	}
	// A route referred to stays listed even if a later reclassification
	// would not offer it, so the record of what was done is never hidden.
	for _, rt := range ip.Routes {
		rs := RouteStatus{Route: rt, Required: holds(rt.Require, facts), Why: rt.Purpose}
		if why := rt.requireReason(facts); rs.Required && why != "" {
			rs.Why = why
		}
		for _, ref := range i.doc.Referrals {
			if ref.RouteID == rt.ID {
				rs.Referrals = append(rs.Referrals, ref)
			}
		}
		for k := len(i.doc.Declined) - 1; k >= 0; k-- {
			if i.doc.Declined[k].RouteID == rt.ID {
				d := i.doc.Declined[k]
				rs.Declined = &d
				break
			}
		}
		switch {
		case holds(rt.Never, facts):
			r.Excluded = append(r.Excluded, Excluded{"route", rt.ID, rt.Label, rt.NeverReason, rt.Clause})
			if len(rs.Referrals) > 0 {
				rs.Required = false
				r.Routes = append(r.Routes, rs)
			}
		case applies(rt.Rule, facts), len(rs.Referrals) > 0:
			r.Routes = append(r.Routes, rs)
		}
	}
	return r
}

// stepDone reports whether a step is done, by hand or by one of its events,
// and which.
func (i *Incident) stepDone(s IncidentStep) (bool, string) {
	if rec, ok := i.stepRecord(s.ID); ok && !rec.Skipped() {
		return true, "by hand"
	}
	d := i.doc
	for _, ev := range s.CompletedBy {
		switch route, isRef := strings.CutPrefix(ev, completedByReferral); {
		case isRef:
			if slices.ContainsFunc(d.Referrals, func(r IncidentReferral) bool { return r.RouteID == route }) {
				return true, ev
			}
		case ev == CompletedByReport && !d.ReportedAt.IsZero(),
			ev == CompletedByAck && !d.AcknowledgedAt.IsZero(),
			ev == CompletedByImagery && d.Imagery != nil,
			ev == CompletedByPrevent && d.Prevent != nil,
			ev == CompletedByFollowUp && len(d.FollowUps) > 0,
			ev == CompletedBySeverity && d.Circumstances.Severity != "":
			return true, ev
		}
	}
	return false, ""
}
