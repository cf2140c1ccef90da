package session

import (
	"errors"
	"fmt"
	"strings"
)

// Every gate of the Annex 2 lifecycle is checked again, from the document
// itself, when a step depends on it. A document can arrive by other roads
// than the screens: restored after a crash, synced from another device,
// edited on disk. Its State says where it claims to be; the gates say
// whether it may be there.

// GateError is returned when a step's policy gates do not hold on the
// document. It matches ErrIllegalTransition and each of its problems, so
// errors.Is(err, ErrConsentRequired) finds a missing consent.
type GateError struct {
	Event    string
	Problems []error
}

func (e *GateError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Error()
	}
	return fmt.Sprintf("cannot %s this session: %s", e.Event, strings.Join(parts, "; "))
}

func (e *GateError) Unwrap() []error { return e.Problems }

func (e *GateError) Is(target error) bool { return target == ErrIllegalTransition }

// ErrAssessmentBlocks is returned when the risk assessment, worked out
// again from its answers, does not allow the session (Annex 2 3.2).
var ErrAssessmentBlocks = errors.New("the risk assessment does not allow this session: finish it, or do not proceed")

// ErrNeverLive is returned when a call's record is signed with no live time
// on it.
var ErrNeverLive = errors.New("this session has no record of going live: a call is recorded and signed after it took place")

func gate(event string, problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	return &GateError{Event: event, Problems: problems}
}

// liveGates are what a session needs to be live (Annex 2 1.3, 1.3.6, 3.2):
// a valid plan, a risk assessment whose outcome, worked out again now,
// allows it, and consent recorded or the reason it was not.
func (s *Session) liveGates() []error {
	var out []error
	d := s.doc
	// The plan is checked as of its own start: a draft resumed late is not
	// refused for being in the past.
	if err := s.pack.ValidatePlan(d.Plan, d.Plan.Start); err != nil {
		out = append(out, fmt.Errorf("the plan is not complete: %w", err))
	}
	if r := s.pack.Assess(d.Plan, d.Assessment); !r.Outcome.MayProceed() {
		var why []string
		for _, c := range r.Concerns {
			why = append(why, c.Message)
		}
		if len(r.Unanswered) > 0 {
			why = append(why, fmt.Sprintf("%d question(s) not answered", len(r.Unanswered)))
		}
		out = append(out, fmt.Errorf("%w (%s)", ErrAssessmentBlocks, strings.Join(why, " ")))
	}
	if err := s.consentGate(); err != nil {
		out = append(out, err)
	}
	return out
}

func (s *Session) consentGate() error {
	c := s.doc.Consent
	switch {
	case c == nil:
		return ErrConsentRequired
	case c.Reply != nil:
		if err := s.pack.ValidateReply(*c.Reply, s.clock.Now()); err != nil {
			return fmt.Errorf("%w: %w", ErrConsentRequired, err)
		}
	case strings.TrimSpace(c.NoConsentReason) == "":
		return ErrConsentRequired
	}
	return nil
}

// ReadyToSign lists everything that stops the record being signed, all at
// once, so the screen can show them together. Nil means it may be signed.
func (s *Session) ReadyToSign() error {
	if s.doc.State == Signed {
		return ErrLocked
	}
	if err := s.require("sign", Recorded); err != nil {
		return err
	}
	return gate("sign", s.signGates())
}

func (s *Session) signGates() []error {
	d := s.doc
	out := s.liveGates()
	realTime := !s.pack.DelayedResponse(d.Plan)
	if realTime && len(d.Segments) == 0 {
		out = append(out, ErrNeverLive)
	}
	if s.OverrunReasonDue() {
		out = append(out, ErrOverrunReason)
	}
	if len(s.AgreementUnexplained()) > 0 {
		out = append(out, ErrAgreementIncomplete)
	}
	if d.Record == nil {
		out = append(out, errors.New("the meeting record is not written"))
	} else if err := s.pack.ValidateRecordFor(d, *d.Record); err != nil {
		out = append(out, fmt.Errorf("the record is not complete: %w", err))
	}
	for k, m := range d.Markers {
		if err := s.checkMarker(m); err != nil {
			out = append(out, fmt.Errorf("%s at %s: %w", m.Kind.Label(), m.At.Format("15:04"), err))
			continue
		}
		if !m.Kind.needsDecision() {
			continue
		}
		if m.Decision == nil {
			out = append(out, fmt.Errorf("%w (%s at %s)", ErrDecisionNeeded, m.Kind.Label(), m.At.Format("15:04")))
		} else if err := s.checkDecision(m, *m.Decision, true); err != nil {
			out = append(out, fmt.Errorf("%s %d: %w", m.Kind.Label(), k+1, err))
		}
	}
	for _, r := range d.Incidents {
		switch {
		case r.Open():
			out = append(out, fmt.Errorf("%w (incident %s)", ErrIncidentOpen, r.ID))
		case r.Status == IncidentDiscarded && strings.TrimSpace(r.DiscardReason) == "":
			out = append(out, fmt.Errorf("incident %s was discarded without a reason: record why it was not reported", r.ID))
		}
	}
	return out
}

// hadConcern reports whether the session had a disclosure or a change of
// risk, after which the record must say what the concerns were.
func (d Document) hadConcern() bool {
	for _, m := range d.Markers {
		if m.Kind.needsDecision() {
			return true
		}
	}
	return false
}

// ValidateRecordFor checks a meeting record against its session: the fields
// every record needs (ValidateRecord), the concerns after a disclosure or a
// change of risk, and the attendance of a webinar (Annex 2 3.4, 3.10).
func (pk *Pack) ValidateRecordFor(d Document, r Record) error {
	errs := Fields(pk.ValidateRecord(r, d.Plan.Start))
	if d.hadConcern() && strings.TrimSpace(r.Concerns) == "" {
		errs.add("concerns", "There was a disclosure or a change of risk: write what the concerns were and what you did.")
	}
	switch {
	case pk.OneToMany(d.Plan) && r.Attendance == nil:
		errs.add("attendance", "Enter how many people attended (Annex 2 3.10).")
	case pk.OneToMany(d.Plan) && *r.Attendance < 0:
		errs.add("attendance", "Attendance cannot be below zero.")
	case !pk.OneToMany(d.Plan) && r.Attendance != nil:
		errs.add("attendance", "Attendance is counted only for a webinar or live broadcast.")
	}
	return errs.err()
}
