package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The Annex 1 incident flow, in three files by role:
//
//   - incident.go (this file): the incident document, its chronology, who
//     may do what, and what both sides do (the steps, notes);
//   - incident_raise.go: raising and reporting, by the practitioner (and
//     the facts the DSL may correct once acknowledged);
//   - incident_casework.go: the DSL's case work after the report.
//
// A screen uses it in this order:
//
//  1. Escalate (one click): EscalateSession from a session, RaiseFromRecord
//     from a past record, RaiseIncident from home. Pack.IncidentGuidance
//     works before any incident exists, offline.
//  2. Guidance screen: Guidance, then ConfirmGuidance. Nothing else can be
//     written before it (ErrGuidanceFirst).
//  3. Form: SetSubject, Describe, Classify, SetIllegal, SetImmediateRisk,
//     RecordImagery when Requirements().Steps asks for it; the attach button
//     follows AttachmentsAllowed. Requirements is asked again after each
//     change: it lists the steps, contacts and routes the policy demands,
//     those it offers, and those it must not offer (Excluded, with reasons).
//  4. Report: sends it to the safeguarding team (the caller seals and syncs).
//  5. The DSL: Acknowledge, then CompleteStep or SkipStep, RecordReferral or
//     DeclineRoute, AddFollowUp and CompleteFollowUp, PreventDraft and
//     SavePreventSummary, and Close. AddNote at any point until closed.
//
// Every change appends to the chronology; Document returns the data to
// store, and RestoreIncident picks it up on another device.

// IncidentStatus is where an incident is in the Annex 1 flow.
type IncidentStatus string

const (
	// IncidentDraft: raised, being written by whoever raised it.
	IncidentDraft IncidentStatus = "draft"
	// IncidentReported: sent to the safeguarding team, not yet acknowledged.
	IncidentReported IncidentStatus = "reported"
	// IncidentAcknowledged: the DSL has it and is working it.
	IncidentAcknowledged IncidentStatus = "acknowledged"
	IncidentClosed       IncidentStatus = "closed"
)

// Label is the status in words.
func (s IncidentStatus) Label() string {
	switch s {
	case IncidentDraft:
		return "Being written"
	case IncidentReported:
		return "Waiting for the safeguarding team"
	case IncidentAcknowledged:
		return "With the safeguarding team"
	case IncidentClosed:
		return "Closed"
	case IncidentDiscarded:
		return "Discarded before it was reported"
	}
	return string(s)
}

// OriginKind is where an escalation started (issue 6: one click from a
// session, from home, or from a past record).
type OriginKind string

const (
	OriginSession OriginKind = "session"
	OriginHome    OriginKind = "home"
	OriginRecord  OriginKind = "record"
)

// Origin is what an incident was raised from, carried into it so the DSL
// sees the context without opening the session. Its JSON fields sit at the
// top level of the incident, where the case queue reads session_id.
type Origin struct {
	Kind      OriginKind `json:"origin"`
	SessionID string     `json:"session_id,omitempty"`
	// SessionState and Elapsed: how far into the session it was raised.
	SessionState State         `json:"session_state,omitempty"`
	Elapsed      time.Duration `json:"session_elapsed,omitempty"`
	Method       string        `json:"session_method,omitempty"`
	Platform     string        `json:"session_platform,omitempty"`
	// Context is what was happening, in the raiser's words.
	Context string `json:"origin_context,omitempty"`
	// Disclosures are the exact words of the session's disclosure markers
	// (Annex 2 3.1), copied so they are never retyped.
	Disclosures []string `json:"disclosures,omitempty"`
}

// Actor is the person using the incident: their person or key id, and
// whether the organisation directory gives them the safeguarding (DSL/DSO)
// role. The app fills it from the signed directory; the DSL's side of the
// flow is refused to anyone else.
type Actor struct {
	ID           string
	Safeguarding bool
}

// StepRecord is a step done, or skipped with its reason. The latest record
// of a step is its status.
type StepRecord struct {
	StepID     string    `json:"step_id"`
	At         time.Time `json:"at"`
	By         string    `json:"by"`
	Note       string    `json:"note,omitempty"`
	SkipReason string    `json:"skip_reason,omitempty"`
}

// Skipped reports whether the record is a decision not to do the step.
func (r StepRecord) Skipped() bool { return r.SkipReason != "" }

// ChronologyEvent names what a chronology entry records.
type ChronologyEvent string

const (
	EventRaised            ChronologyEvent = "raised"
	EventGuidanceConfirmed ChronologyEvent = "guidance_confirmed"
	EventSubject           ChronologyEvent = "subject"
	EventDescribed         ChronologyEvent = "described"
	EventClassified        ChronologyEvent = "classified"
	EventIllegal           ChronologyEvent = "illegal_decided"
	EventImmediateRisk     ChronologyEvent = "immediate_risk_decided"
	EventCircumstances     ChronologyEvent = "circumstances"
	EventImagery           ChronologyEvent = "imagery_recorded"
	EventStepDone          ChronologyEvent = "step_done"
	EventStepSkipped       ChronologyEvent = "step_skipped"
	EventReported          ChronologyEvent = "reported"
	EventAcknowledged      ChronologyEvent = "acknowledged"
	EventReferral          ChronologyEvent = "referral"
	EventRouteDeclined     ChronologyEvent = "route_declined"
	EventFollowUpSet       ChronologyEvent = "follow_up_set"
	EventFollowUpDone      ChronologyEvent = "follow_up_done"
	EventPrevent           ChronologyEvent = "prevent_summary"
	EventNote              ChronologyEvent = "note"
	EventClosed            ChronologyEvent = "closed"
)

// ChronologyEntry is one step, decision or note: who, when, what and why.
type ChronologyEntry struct {
	Seq       int             `json:"seq"`
	At        time.Time       `json:"at"`
	By        string          `json:"by"`
	Event     ChronologyEvent `json:"event"`
	Detail    string          `json:"detail"`
	Rationale string          `json:"rationale,omitempty"`
}

// IncidentDocument is everything about one incident, as stored and
// encrypted. It is plain data; Incident applies the rules that change it.
// The fields the case queue reads (id, author, raised_at, category, type,
// immediate_risk, session_id) are at the top level of its JSON.
type IncidentDocument struct {
	ID          string         `json:"id"`
	PackID      string         `json:"pack_id"`
	PackVersion string         `json:"pack_version"`
	Status      IncidentStatus `json:"status"`
	// Author raised the incident; RaisedAt is the moment of the one click.
	Author   string    `json:"author"`
	RaisedAt time.Time `json:"raised_at"`
	Origin
	// Subject is the customer, by pseudonymous reference only.
	Subject     Customer `json:"subject"`
	Description string   `json:"description,omitempty"`
	// Typed is what the raiser has typed about what happened and whom it
	// is about and not yet taken into the incident (issue 20): kept,
	// sealed to them, as they type, taken in by ApplyTyping, and never
	// part of a reported incident.
	Typed *IncidentTyping `json:"typed,omitempty"`
	Classification
	// Illegal and ImmediateRisk are the Annex 1 questions; nil until
	// answered.
	Illegal       *bool    `json:"illegal,omitempty"`
	ImmediateRisk *bool    `json:"immediate_risk,omitempty"`
	Imagery       *Imagery `json:"imagery,omitempty"`
	// Circumstances are the answers to the questions the rules need.
	Circumstances Circumstances `json:"circumstances"`

	GuidanceConfirmedAt time.Time          `json:"guidance_confirmed_at,omitzero"`
	Steps               []StepRecord       `json:"steps,omitempty"`
	Referrals           []IncidentReferral `json:"referrals,omitempty"`
	Declined            []RouteDecision    `json:"declined,omitempty"`
	FollowUps           []IncidentFollowUp `json:"follow_ups,omitempty"`
	Prevent             *PreventSummary    `json:"prevent,omitempty"`

	ReportedAt     time.Time `json:"reported_at,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	AcknowledgedBy string    `json:"acknowledged_by,omitempty"`
	ClosedAt       time.Time `json:"closed_at,omitzero"`
	ClosedBy       string    `json:"closed_by,omitempty"`
	Outcome        string    `json:"outcome,omitempty"`
	// CloseReason explains closing with required steps or follow-ups left.
	CloseReason string `json:"close_reason,omitempty"`

	// Chronology is append-only: every method that changes the incident
	// adds to it, and nothing removes from it (see Extends).
	Chronology []ChronologyEntry `json:"chronology"`

	// Sharing records every referral or disclosure to another agency:
	// what, with whom, why and on what basis (sharing.go).
	Sharing []InformationSharing `json:"sharing,omitempty"`
}

// Incident applies the Annex 1 flow to an IncidentDocument on behalf of one
// person.
type Incident struct {
	pack  *Pack
	clock Clock
	actor Actor
	doc   IncidentDocument
}

// IncidentTransitionError is returned for a step the incident flow does not
// allow from its current status. It matches ErrIllegalTransition.
type IncidentTransitionError struct {
	From  IncidentStatus
	Event string
}

func (e *IncidentTransitionError) Error() string {
	return fmt.Sprintf("cannot %s an incident that is %s", e.Event, e.From.Label())
}

func (e *IncidentTransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// ErrGuidanceFirst is returned for any change before the Annex 1 guidance has
// been shown and confirmed: the guidance comes before any form.
var ErrGuidanceFirst = errors.New("read the Annex 1 guidance first: it comes before anything is written")

// ErrSafeguardingOnly is returned when someone without the safeguarding role
// tries the DSL's side of the flow.
var ErrSafeguardingOnly = errors.New("only the safeguarding team (DSL or DSO) can do this")

// RestoreIncident rebuilds an incident from a stored document for the person
// now using it.
func RestoreIncident(pack *Pack, clock Clock, doc IncidentDocument, by Actor) (*Incident, error) {
	if doc.ID == "" || doc.Status == "" || len(doc.Chronology) == 0 {
		return nil, errors.New("restore incident: the document has no id, status or chronology")
	}
	if doc.PackID != pack.ID {
		return nil, fmt.Errorf("restore incident: made under policy pack %q, not %q", doc.PackID, pack.ID)
	}
	if by.ID == "" {
		return nil, errors.New("restore incident: who is using it is required")
	}
	return &Incident{pack: pack, clock: clock, actor: by, doc: cloneIncident(doc)}, nil
}

// Document returns a copy of the incident's data, safe to store or show.
func (i *Incident) Document() IncidentDocument { return cloneIncident(i.doc) }

// Status is where the incident is in the flow.
func (i *Incident) Status() IncidentStatus { return i.doc.Status }

// Chronology returns a copy of the chronology, oldest first.
func (i *Incident) Chronology() []ChronologyEntry { return slices.Clone(i.doc.Chronology) }

func cloneIncident(d IncidentDocument) IncidentDocument {
	c := d
	c.Disclosures = slices.Clone(d.Disclosures)
	if d.Illegal != nil {
		v := *d.Illegal
		c.Illegal = &v
	}
	if d.ImmediateRisk != nil {
		v := *d.ImmediateRisk
		c.ImmediateRisk = &v
	}
	if d.Imagery != nil {
		v := *d.Imagery
		c.Imagery = &v
	}
	if d.Prevent != nil {
		v := *d.Prevent
		c.Prevent = &v
	}
	if d.Typed != nil {
		v := *d.Typed
		c.Typed = &v
	}
	c.Circumstances = cloneCircumstances(d.Circumstances)
	c.Steps = slices.Clone(d.Steps)
	c.Sharing = slices.Clone(d.Sharing)
	c.Referrals = slices.Clone(d.Referrals)
	c.Declined = slices.Clone(d.Declined)
	c.FollowUps = slices.Clone(d.FollowUps)
	c.Chronology = slices.Clone(d.Chronology)
	return c
}

// Extends checks that d is a later version of prev: the same incident, with
// prev's chronology unchanged at its start. The store and sync use it to
// refuse a version that rewrites history.
func (d IncidentDocument) Extends(prev IncidentDocument) error {
	if d.ID != prev.ID {
		return fmt.Errorf("incident %q is not a later version of %q", d.ID, prev.ID)
	}
	if len(d.Chronology) < len(prev.Chronology) {
		return fmt.Errorf("incident %s: the chronology lost %d entries", d.ID, len(prev.Chronology)-len(d.Chronology))
	}
	for k, e := range prev.Chronology {
		n := d.Chronology[k]
		if n.Seq != e.Seq || !n.At.Equal(e.At) || n.By != e.By || n.Event != e.Event || n.Detail != e.Detail || n.Rationale != e.Rationale {
			return fmt.Errorf("incident %s: chronology entry %d was changed", d.ID, e.Seq)
		}
	}
	return nil
}

// log appends to the chronology. It is the only writer of it.
func (i *Incident) log(ev ChronologyEvent, detail, rationale string) {
	i.doc.Chronology = append(i.doc.Chronology, ChronologyEntry{
		Seq: len(i.doc.Chronology) + 1, At: i.clock.Now(), By: i.actor.ID,
		Event: ev, Detail: detail, Rationale: strings.TrimSpace(rationale),
	})
}

// may checks the status and, for the DSL's side, the role.
func (i *Incident) may(event string, dslOnly bool, allowed ...IncidentStatus) error {
	if !slices.Contains(allowed, i.doc.Status) {
		return &IncidentTransitionError{From: i.doc.Status, Event: event}
	}
	if i.doc.GuidanceConfirmedAt.IsZero() && i.doc.Status == IncidentDraft {
		return ErrGuidanceFirst
	}
	if dslOnly && !i.actor.Safeguarding {
		return ErrSafeguardingOnly
	}
	return nil
}

// editable is who may change the facts of the incident: whoever is writing
// it until it is reported, then the safeguarding team once acknowledged.
func (i *Incident) editable(event string) error {
	if i.doc.Status == IncidentAcknowledged {
		return i.may(event, true, IncidentAcknowledged)
	}
	return i.may(event, false, IncidentDraft)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CompleteStep records a step as done. Steps the flow completes itself (a
// referral, the report) cannot be ticked by hand, so the record always says
// what really happened.
func (i *Incident) CompleteStep(id, note string) error {
	s, err := i.stepFor(id, "complete a step of")
	if err != nil {
		return err
	}
	if len(s.CompletedBy) > 0 {
		return &FieldError{Field: "steps." + id, Message: "This step is done by recording it where it happens (" + strings.Join(s.CompletedBy, ", ") + "), or skipped with a reason."}
	}
	if r, ok := i.stepRecord(id); ok && !r.Skipped() {
		return nil
	}
	if s.NoteRequired && strings.TrimSpace(note) == "" {
		return &FieldError{Field: "steps." + id, Message: "Say what was decided and why: " + s.Text}
	}
	i.doc.Steps = append(i.doc.Steps, StepRecord{StepID: id, At: i.clock.Now(), By: i.actor.ID, Note: strings.TrimSpace(note)})
	i.log(EventStepDone, s.Text, note)
	return nil
}

// SkipStep records a decision not to do a step, with its reason.
func (i *Incident) SkipStep(id, reason string) error {
	s, err := i.stepFor(id, "skip a step of")
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return &FieldError{Field: "steps." + id, Message: "Say why this step is not being taken."}
	}
	if done, _ := i.stepDone(s); done {
		return &FieldError{Field: "steps." + id, Message: "This step is already done."}
	}
	i.doc.Steps = append(i.doc.Steps, StepRecord{StepID: id, At: i.clock.Now(), By: i.actor.ID, SkipReason: reason})
	i.log(EventStepSkipped, s.Text, reason)
	return nil
}

func (i *Incident) stepFor(id, event string) (IncidentStep, error) {
	s, ok := i.pack.IncidentStep(id)
	if !ok {
		return s, fmt.Errorf("incident: %q is not a step of this policy pack", id)
	}
	if s.Actor == ByDSL {
		if err := i.may(event, true, IncidentAcknowledged); err != nil {
			return s, err
		}
	} else if err := i.may(event, false, IncidentDraft, IncidentReported, IncidentAcknowledged); err != nil {
		return s, err
	}
	facts := i.facts()
	if holds(s.Never, facts) {
		return s, &FieldError{Field: "steps." + id, Message: s.NeverReason}
	}
	if !applies(s.Rule, facts) {
		return s, &FieldError{Field: "steps." + id, Message: "This step does not apply to this incident as it stands."}
	}
	return s, nil
}

func (i *Incident) stepRecord(id string) (StepRecord, bool) {
	for k := len(i.doc.Steps) - 1; k >= 0; k-- {
		if i.doc.Steps[k].StepID == id {
			return i.doc.Steps[k], true
		}
	}
	return StepRecord{}, false
}

func waitText(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h >= 48:
		// Past two days the minutes are noise: "155 days", as the
		// screens say it.
		return fmt.Sprintf("%d days", h/24)
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

// AddNote adds a note to the chronology: something said, a discussion held,
// a call made. Anyone working the incident may add one until it closes.
func (i *Incident) AddNote(text string) error {
	if err := i.may("add a note to", false, IncidentDraft, IncidentReported, IncidentAcknowledged); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return &FieldError{Field: "note", Message: "Write the note."}
	}
	i.log(EventNote, text, "")
	return nil
}
