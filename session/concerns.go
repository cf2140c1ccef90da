package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// What a session must settle about the concerns raised in it before its
// record is signed (issue 13):
//
//   - every incident raised from it is reported to the safeguarding team,
//     or discarded with a reason that goes into the record and into the
//     incident's chronology;
//   - every disclosure (Annex 2 3.1) and every "risk changed" (3.2) has a
//     decision: escalated, linked to a reported incident, or "no
//     safeguarding concern" with the reason in the practitioner's words;
//   - a "risk changed" carries the in-session reassessment 3.2 asks for
//     ("pro-actively during the session"): what changed, the new outcome,
//     and what the practitioner did.

// IncidentDiscarded is an incident abandoned before it was reported, with
// the reason in its chronology. Only a draft can be discarded: once the
// safeguarding team has it, it is theirs to close.
const IncidentDiscarded IncidentStatus = "discarded"

// EventDiscarded is the chronology entry of a discarded draft.
const EventDiscarded ChronologyEvent = "discarded"

// RaisedIncident is an incident raised from this session, as the session
// knows it: signing waits while it is a draft.
type RaisedIncident struct {
	ID       string         `json:"id"`
	Status   IncidentStatus `json:"status"`
	RaisedAt time.Time      `json:"raised_at"`
	// DiscardReason is the practitioner's reason for not reporting it.
	DiscardReason string    `json:"discard_reason,omitempty"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
}

// Open reports whether the incident is still being written.
func (r RaisedIncident) Open() bool { return r.Status == IncidentDraft || r.Status == "" }

// Reported reports whether the safeguarding team has the incident.
func (r RaisedIncident) Reported() bool {
	return r.Status == IncidentReported || r.Status == IncidentAcknowledged || r.Status == IncidentClosed
}

// ErrIncidentOpen is returned when a record is signed while an incident
// raised from the session is still a draft.
var ErrIncidentOpen = errors.New("an incident raised from this session is still being written: report it to the safeguarding team, or discard it with the reason")

// ErrDecisionNeeded is returned when a disclosure or a change of risk has
// no recorded decision at signing.
var ErrDecisionNeeded = errors.New("a disclosure or a change of risk has no decision: say whether it was escalated or why it is no safeguarding concern")

// ErrConcernsEmpty is returned when a session with a disclosure or a change
// of risk is recorded with no concerns.
var ErrConcernsEmpty = errors.New("this session had a disclosure or a change of risk: the record's concerns cannot be empty")

// incident returns the raised incident with the id.
func (d Document) incident(id string) (RaisedIncident, int, bool) {
	for k, r := range d.Incidents {
		if r.ID == id {
			return r, k, true
		}
	}
	return RaisedIncident{}, -1, false
}

// OpenIncidents lists the incidents raised from the session that are still
// drafts.
func (d Document) OpenIncidents() []RaisedIncident {
	var out []RaisedIncident
	for _, r := range d.Incidents {
		if r.Open() {
			out = append(out, r)
		}
	}
	return out
}

// IncidentReported tells the session that an incident raised from it has
// been reported (the app calls it once the report is stored).
func (s *Session) IncidentReported(id string) error {
	if s.doc.State == Signed {
		return ErrLocked
	}
	r, k, ok := s.doc.incident(id)
	if !ok {
		return fmt.Errorf("incident %s was not raised from this session", id)
	}
	if r.Status == IncidentDiscarded {
		return fmt.Errorf("incident %s was discarded; raise a new one", id)
	}
	s.doc.Incidents[k].Status = IncidentReported
	s.doc.Incidents[k].UpdatedAt = s.clock.Now()
	return nil
}

// DiscardIncident abandons an incident raised from s that was never
// reported. The reason goes into the session's record and the incident's
// chronology; decisions that pointed at the incident are cleared so the
// practitioner decides them again.
func DiscardIncident(s *Session, inc *Incident, reason string) error {
	reason = strings.TrimSpace(reason)
	if s.doc.State == Signed {
		return ErrLocked
	}
	id := inc.doc.ID
	if _, _, ok := s.doc.incident(id); !ok || inc.doc.Origin.SessionID != s.doc.ID {
		return fmt.Errorf("discard incident: %s was not raised from this session", id)
	}
	if inc.doc.Status != IncidentDraft {
		return &IncidentTransitionError{From: inc.doc.Status, Event: "discard"}
	}
	if reason == "" {
		return &FieldError{Field: "discard_reason", Message: "Say why this incident is not being reported: it goes in the record."}
	}
	now := s.clock.Now()
	inc.doc.Status = IncidentDiscarded
	inc.log(EventDiscarded, "Discarded before it was reported", reason)
	_, k, _ := s.doc.incident(id)
	s.doc.Incidents[k].Status = IncidentDiscarded
	s.doc.Incidents[k].DiscardReason = reason
	s.doc.Incidents[k].UpdatedAt = now
	for j := range s.doc.Markers {
		if d := s.doc.Markers[j].Decision; d != nil && d.Kind == DecisionEscalated && d.IncidentID == id {
			s.doc.Markers[j].Decision = nil
		}
	}
	return nil
}

// DecisionKind is what became of a disclosure or a change of risk.
type DecisionKind string

const (
	// DecisionEscalated: passed to the safeguarding team as an incident.
	DecisionEscalated DecisionKind = "escalated"
	// DecisionNoConcern: no safeguarding concern, for the reason given.
	DecisionNoConcern DecisionKind = "no_safeguarding_concern"
)

// Decision is the practitioner's decision on a disclosure or a change of
// risk.
type Decision struct {
	Kind DecisionKind `json:"kind"`
	// IncidentID links an escalation to its incident.
	IncidentID string `json:"incident_id,omitempty"`
	// Reason, in the practitioner's words, for "no safeguarding concern".
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// needsDecision: the markers whose outcome a reviewer must be able to see.
func (k MarkerKind) needsDecision() bool { return k == MarkDisclosure || k == MarkRiskChanged }

// Decide records the decision on a disclosure or change-of-risk marker,
// named by its position in the document's markers. A later decision
// replaces an earlier one until the record is signed.
func (s *Session) Decide(marker int, d Decision) error {
	if s.doc.State == Signed {
		return ErrLocked
	}
	if err := s.require("decide on a marker of", Live, Paused, Ended, Recorded); err != nil {
		return err
	}
	if marker < 0 || marker >= len(s.doc.Markers) || !s.doc.Markers[marker].Kind.needsDecision() {
		return fmt.Errorf("decide: marker %d is not a disclosure or a change of risk", marker)
	}
	d.Reason = strings.TrimSpace(d.Reason)
	if err := s.checkDecision(s.doc.Markers[marker], d, false); err != nil {
		return err
	}
	d.At = s.clock.Now()
	s.doc.Markers[marker].Decision = &d
	return nil
}

// checkDecision applies the decision rules. atSign also asks that an
// escalation's incident has reached the safeguarding team.
func (s *Session) checkDecision(m Marker, d Decision, atSign bool) error {
	switch d.Kind {
	case DecisionEscalated:
		r, _, ok := s.doc.incident(d.IncidentID)
		switch {
		case !ok:
			return &FieldError{Field: "decision.incident_id", Message: "Escalated: choose the incident raised from this session, or press Escalate to raise one."}
		case r.Status == IncidentDiscarded:
			return &FieldError{Field: "decision.incident_id", Message: "That incident was discarded: escalate again, or record why there is no safeguarding concern."}
		case atSign && r.Open():
			return fmt.Errorf("%w (incident %s)", ErrIncidentOpen, r.ID)
		}
	case DecisionNoConcern:
		if strings.TrimSpace(d.Reason) == "" {
			return &FieldError{Field: "decision.reason", Message: "Say, in your own words, why this is no safeguarding concern."}
		}
		if m.Reassessment != nil && m.Reassessment.Action == RiskEscalate {
			return &FieldError{Field: "decision.kind", Message: "You recorded that you escalated this change of risk: link the incident."}
		}
	default:
		return &FieldError{Field: "decision.kind", Message: "Choose escalated, or no safeguarding concern."}
	}
	return nil
}

// RiskAction is what the practitioner did when the risk changed (3.2: "take
// action or change their approach accordingly").
type RiskAction string

const (
	RiskContinue       RiskAction = "continue"
	RiskChangeApproach RiskAction = "change_approach"
	RiskEndSession     RiskAction = "end_session"
	RiskEscalate       RiskAction = "escalate"
)

// RiskActions lists the actions in the order a screen offers them.
var RiskActions = []RiskAction{RiskContinue, RiskChangeApproach, RiskEndSession, RiskEscalate}

// Label is the action in words.
func (a RiskAction) Label() string {
	switch a {
	case RiskContinue:
		return "Carry on as planned"
	case RiskChangeApproach:
		return "Change my approach"
	case RiskEndSession:
		return "End the session"
	case RiskEscalate:
		return "Escalate"
	}
	return string(a)
}

// Reassessment is the quick in-session risk assessment a "risk changed"
// marker carries (Annex 2 3.2).
type Reassessment struct {
	WhatChanged string     `json:"what_changed"`
	Outcome     Outcome    `json:"outcome"`
	Action      RiskAction `json:"action"`
	// Approach: how the approach changed, or the mitigation in place.
	Approach string `json:"approach,omitempty"`
}

// ReassessmentOutcomes are the outcomes a reassessment may reach.
var ReassessmentOutcomes = []Outcome{Proceed, ProceedWithMitigations, DoNotProceed}

func validateReassessment(r *Reassessment) error {
	var errs FieldErrors
	if r == nil {
		errs.add("reassessment.what_changed", "Say what changed (Annex 2 3.2).")
		errs.add("reassessment.outcome", "Choose the new outcome: proceed, proceed with mitigations, or do not proceed.")
		errs.add("reassessment.action", "Say what you did: carry on, change your approach, end the session or escalate.")
		return errs
	}
	if strings.TrimSpace(r.WhatChanged) == "" {
		errs.add("reassessment.what_changed", "Say what changed (Annex 2 3.2).")
	}
	if !slices.Contains(ReassessmentOutcomes, r.Outcome) {
		errs.add("reassessment.outcome", "Choose the new outcome: proceed, proceed with mitigations, or do not proceed.")
	}
	switch {
	case !slices.Contains(RiskActions, r.Action):
		errs.add("reassessment.action", "Say what you did: carry on, change your approach, end the session or escalate.")
	case r.Outcome == DoNotProceed && (r.Action == RiskContinue || r.Action == RiskChangeApproach):
		errs.add("reassessment.action", "The new outcome is do not proceed: end the session or escalate.")
	case strings.TrimSpace(r.Approach) == "" && (r.Action == RiskChangeApproach || r.Outcome == ProceedWithMitigations):
		errs.add("reassessment.approach", "Say how you changed your approach, or the mitigation now in place.")
	}
	return errs.err()
}

// stopped reports whether the latest change of risk says the session must
// not go on.
func (d Document) stopped() bool {
	for k := len(d.Markers) - 1; k >= 0; k-- {
		if r := d.Markers[k].Reassessment; d.Markers[k].Kind == MarkRiskChanged && r != nil {
			return r.Outcome == DoNotProceed
		}
	}
	return false
}

// ErrRiskStopped is returned when a session is resumed after a change of
// risk whose outcome is do not proceed.
var ErrRiskStopped = errors.New("the risk was reassessed as do not proceed: end the session or escalate; it cannot carry on")
