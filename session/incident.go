package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The Annex 1 incident flow. A screen uses it in this order:
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

// Classification is the incident by the four Cs (1.4) and by type (3, 4),
// with the facts that decide its branch.
type Classification struct {
	Category string `json:"category,omitempty"`
	Type     string `json:"type,omitempty"`
	// Subtype: experimental or aggravated sharing (3.4.7), the kind of
	// cybercrime (3.6 a-g).
	Subtype string `json:"subtype,omitempty"`
	// AdultInvolved: an adult took part, so sharing is never experimental
	// (3.4.7.2) and images of a child made by an adult go to the police
	// (3.4.2.1).
	AdultInvolved bool `json:"adult_involved,omitempty"`
	// WelfareConcern: a concern for the user's welfare (Annex 1 report to
	// Safeguarding).
	WelfareConcern bool `json:"welfare_concern,omitempty"`
}

// Attestation is what the person recording imagery says about seeing it.
type Attestation string

const (
	NotViewed        Attestation = "not_viewed"
	ViewedByAccident Attestation = "viewed_by_accident"
)

// Imagery records where imagery is, instead of the imagery itself, and
// whether it was seen (Annex 1: never view; if seen by accident, tell the
// DSL).
type Imagery struct {
	Platform    string      `json:"platform,omitempty"`
	Account     string      `json:"account,omitempty"`
	URL         string      `json:"url,omitempty"`
	Attestation Attestation `json:"attestation"`
	// ViewedAt and ViewedHow when it was seen by accident.
	ViewedAt   time.Time `json:"viewed_at,omitzero"`
	ViewedHow  string    `json:"viewed_how,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
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

// IncidentReferral is a referral to an agency: which route, the agency's
// reference number and when it was made.
type IncidentReferral struct {
	RouteID    string    `json:"route_id"`
	Reference  string    `json:"reference,omitempty"`
	ReferredAt time.Time `json:"referred_at"`
	Note       string    `json:"note,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	By         string    `json:"by"`
}

// RouteDecision is a decision not to refer to a route, with its reason.
type RouteDecision struct {
	RouteID string    `json:"route_id"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

// IncidentFollowUp is a monitoring check the DSL sets (Annex 1: monitor the
// situation for developments or recurrence).
type IncidentFollowUp struct {
	ID     string    `json:"id"`
	What   string    `json:"what"`
	Who    string    `json:"who"`
	Due    time.Time `json:"due"`
	SetAt  time.Time `json:"set_at"`
	SetBy  string    `json:"set_by"`
	DoneAt time.Time `json:"done_at,omitzero"`
	DoneBy string    `json:"done_by,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// Open reports whether the follow-up is still to do.
func (f IncidentFollowUp) Open() bool { return f.DoneAt.IsZero() }

// Overdue reports whether an open follow-up's due day has passed at now.
func (f IncidentFollowUp) Overdue(now time.Time) bool {
	return f.Open() && f.Due.Before(startOfDay(now))
}

// PreventSummary is what a Prevent referral asks for (section 4), pre-filled
// from the incident by PreventDraft and completed by the DSL.
type PreventSummary struct {
	HowConcernArose string    `json:"how_concern_arose"`
	Indicators      string    `json:"indicators"`
	OnlineActivity  string    `json:"online_activity"`
	Needs           string    `json:"needs"`
	DiscussionsHeld string    `json:"discussions_held"`
	SavedAt         time.Time `json:"saved_at,omitzero"`
	SavedBy         string    `json:"saved_by,omitempty"`
}

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

// RaiseIncident starts an incident. It is the one click: nothing but who and
// where is needed, and the first chronology entry is written at once.
func RaiseIncident(pack *Pack, clock Clock, id string, by Actor, origin Origin, subject Customer) (*Incident, error) {
	if id == "" || by.ID == "" {
		return nil, errors.New("raise incident: id and the person raising it are required")
	}
	switch origin.Kind {
	case OriginSession, OriginRecord:
		if origin.SessionID == "" {
			return nil, errors.New("raise incident: an escalation from a session or record names it")
		}
	case OriginHome:
	default:
		return nil, fmt.Errorf("raise incident: unknown origin %q", origin.Kind)
	}
	origin.Context = strings.TrimSpace(origin.Context)
	now := clock.Now()
	i := &Incident{pack: pack, clock: clock, actor: by, doc: IncidentDocument{
		ID: id, PackID: pack.ID, PackVersion: pack.Version, Status: IncidentDraft,
		Author: by.ID, RaisedAt: now, Origin: origin, Subject: subject,
	}}
	i.log(EventRaised, i.originText(), "")
	return i, nil
}

// EscalateSession raises an incident from a session in one click: the
// session is marked as escalated, with the time and the incident id, and
// its customer, elapsed time, platform and disclosures are carried into the
// incident. context is what was happening, and may be empty.
func EscalateSession(s *Session, id string, by Actor, context string) (*Incident, error) {
	d := s.doc
	if err := s.Mark(Marker{Kind: MarkEscalated, IncidentID: id, Note: strings.TrimSpace(context)}); err != nil {
		return nil, fmt.Errorf("escalate session: %w", err)
	}
	o := Origin{Kind: OriginSession, SessionID: d.ID, SessionState: d.State, Elapsed: s.Elapsed(),
		Method: d.Plan.Method, Platform: d.Plan.Platform, Context: context, Disclosures: disclosures(d.Markers)}
	return RaiseIncident(s.pack, s.clock, id, by, o, d.Plan.Customer)
}

// RaiseFromRecord raises an incident about a past session record.
func RaiseFromRecord(pack *Pack, clock Clock, id string, by Actor, rec Document, context string) (*Incident, error) {
	o := Origin{Kind: OriginRecord, SessionID: rec.ID, SessionState: rec.State,
		Method: rec.Plan.Method, Platform: rec.Plan.Platform, Context: context, Disclosures: disclosures(rec.Markers)}
	return RaiseIncident(pack, clock, id, by, o, rec.Plan.Customer)
}

func disclosures(ms []Marker) []string {
	var out []string
	for _, m := range ms {
		if m.Kind == MarkDisclosure && m.ExactWords != "" {
			out = append(out, m.ExactWords)
		}
	}
	return out
}

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

// IncidentGuidance is the first screen of an escalation: the Annex 1
// guidance and the contacts to call, before any form.
type IncidentGuidance struct {
	Points []GuidancePoint
	// Contacts: the emergency number first, then the safeguarding roles the
	// app resolves from the directory.
	Contacts []IncidentContact
}

// IncidentGuidance returns the guidance screen's content. It needs nothing
// but the pack, so it works offline and before any incident exists.
func (p *Pack) IncidentGuidance() IncidentGuidance {
	g := IncidentGuidance{Points: slices.Clone(p.Incident.Guidance)}
	for _, c := range p.Incident.Contacts {
		if c.FirstScreen && c.Number != "" {
			g.Contacts = append(g.Contacts, c)
		}
	}
	for _, c := range p.Incident.Contacts {
		if c.FirstScreen && c.Number == "" {
			g.Contacts = append(g.Contacts, c)
		}
	}
	return g
}

// Guidance is the pack's guidance screen for this incident.
func (i *Incident) Guidance() IncidentGuidance { return i.pack.IncidentGuidance() }

// ConfirmGuidance records that the guidance was shown and read. Until then
// nothing else can be written.
func (i *Incident) ConfirmGuidance() error {
	if i.doc.Status != IncidentDraft {
		return &IncidentTransitionError{From: i.doc.Status, Event: "confirm the guidance of"}
	}
	if !i.doc.GuidanceConfirmedAt.IsZero() {
		return nil
	}
	i.doc.GuidanceConfirmedAt = i.clock.Now()
	i.log(EventGuidanceConfirmed, "Annex 1 guidance and emergency contacts shown and read", "")
	return nil
}

// SetSubject records who the incident is about, by reference (names never
// enter the app). rationale is needed to change it once set.
func (i *Incident) SetSubject(c Customer, rationale string) error {
	if err := i.editable("change the customer of"); err != nil {
		return err
	}
	c.Reference = strings.TrimSpace(c.Reference)
	var errs FieldErrors
	switch {
	case c.Reference == "":
		errs.add("subject.reference", "Enter the customer's reference number.")
	case !referencePattern.MatchString(c.Reference):
		errs.add("subject.reference", "Use the customer's reference, not their name: 3 to 32 letters, numbers, dashes or slashes, no spaces.")
	}
	now := i.clock.Now()
	switch {
	case !c.DateOfBirth.IsZero() && (c.DateOfBirth.After(now) || now.Year()-c.DateOfBirth.Year() > 120):
		errs.add("subject.date_of_birth", "The date of birth is not possible; check it.")
	case c.DateOfBirth.IsZero() && (c.Age < 0 || c.Age > 120):
		errs.add("subject.age", "Enter an age between 1 and 120, or leave it empty if you do not know.")
	}
	if age, known := c.AgeOn(i.doc.RaisedAt); known && age < adultAge && c.AdultAtRisk {
		errs.add("subject.adult_at_risk", fmt.Sprintf("The customer is %d: a child, not an adult at risk. Check the age, or clear adult at risk.", age))
	}
	if err := errs.err(); err != nil {
		return err
	}
	if i.doc.Subject.Reference != "" && i.doc.Subject != c && strings.TrimSpace(rationale) == "" {
		return &FieldError{Field: "rationale", Message: "Say why the customer details are changing."}
	}
	i.doc.Subject = c
	i.log(EventSubject, subjectText(c, i.doc.RaisedAt), rationale)
	return nil
}

func subjectText(c Customer, on time.Time) string {
	var b strings.Builder
	b.WriteString("Customer " + c.Reference)
	if age, known := c.AgeOn(on); known {
		fmt.Fprintf(&b, ", aged %d", age)
	} else {
		b.WriteString(", age not known (treated as a child)")
	}
	if c.AdultAtRisk {
		b.WriteString(", adult at risk")
	}
	return b.String()
}

// Describe records what happened, in the raiser's words. Later additions are
// notes (AddNote), so the first account stays as given.
func (i *Incident) Describe(text string) error {
	if err := i.may("describe", false, IncidentDraft); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return &FieldError{Field: "description", Message: "Say what happened, using the person's exact words where you can."}
	}
	i.doc.Description = text
	i.log(EventDescribed, text, "")
	return nil
}

// Classify records the category, type and subtype. The category defaults to
// the type's. A change to an earlier classification needs its rationale.
func (i *Incident) Classify(c Classification, rationale string) error {
	if err := i.editable("classify"); err != nil {
		return err
	}
	var errs FieldErrors
	t, ok := i.pack.IncidentType(c.Type)
	if !ok {
		errs.add("type", "Choose the type of incident.")
	}
	if c.Category == "" && ok {
		c.Category = t.Category
	}
	if _, ok := i.pack.IncidentCategory(c.Category); !ok {
		errs.add("category", "Choose content, contact, conduct or commerce (policy 1.4).")
	}
	if ok {
		switch _, known := t.Subtype(c.Subtype); {
		case c.Subtype == "" && t.SubtypeRequired:
			errs.add("subtype", fmt.Sprintf("Choose which kind of %s this is (%s).", strings.ToLower(t.Label), t.Clause))
		case c.Subtype != "" && !known:
			errs.add("subtype", fmt.Sprintf("That is not a kind of %s.", strings.ToLower(t.Label)))
		}
	}
	if c.Subtype == "experimental" {
		next := i.doc
		next.Classification = c
		if factsOf(i.pack, &next, false)["aggravated"] {
			errs.add("subtype", "With an adult involved, intent to harm, reckless misuse, sharing without consent or threats, the incident is not experimental (3.4.7.2): classify it as aggravated (3.4.7.1).")
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	prev := i.doc.Classification
	if prev.Type != "" && prev == c {
		// Nothing changed (a screen re-sending the same choice): nothing to
		// record.
		return nil
	}
	if prev.Type != "" && prev != c && strings.TrimSpace(rationale) == "" {
		return &FieldError{Field: "rationale", Message: "Say why the classification is changing."}
	}
	i.doc.Classification = c
	i.log(EventClassified, i.classificationText(), rationale)
	// A "not illegal" answered before the classification made it illegal
	// would leave the record contradicting itself; the policy's answer is
	// written in, with its reason.
	i.settle()
	return nil
}

func (i *Incident) classificationText() string {
	c := i.doc.Classification
	t, _ := i.pack.IncidentType(c.Type)
	cat, _ := i.pack.IncidentCategory(c.Category)
	s := fmt.Sprintf("%s (%s), %s (%s)", cat.Label, cat.Clause, t.Label, t.Clause)
	if st, ok := t.Subtype(c.Subtype); ok {
		s += fmt.Sprintf(": %s (%s)", st.Label, st.Clause)
	}
	if c.AdultInvolved {
		s += "; an adult involved"
	}
	if c.WelfareConcern {
		s += "; concern for the user's welfare"
	}
	return s
}

// IllegalFixed reports whether the policy settles "is it illegal?" for this
// incident, and why.
func (i *Incident) IllegalFixed() (bool, string) {
	return illegalFixed(i.pack, i.baseFacts(), i.doc.Type)
}

// illegalFixed: the type's rule first, then the pack's rule for every
// type (imagery of an under-18 is illegal whatever the incident is filed
// as, 3.4.5).
func illegalFixed(p *Pack, base map[string]bool, typeID string) (bool, string) {
	if t, ok := p.IncidentType(typeID); ok && holds(t.IllegalWhen, base) {
		return true, t.IllegalReason
	}
	if typeID != "" && holds(p.Incident.IllegalWhen, base) {
		return true, p.Incident.IllegalReason
	}
	return false, ""
}

// SetIllegal answers the first question of the flowchart (Annex 1 illegal):
// is the material accessed or the action performed illegal? Answering no is a decision not to take the
// illegal branch, and needs its rationale; where the policy makes it
// illegal, no is refused with the reason.
func (i *Incident) SetIllegal(yes bool, rationale string) error {
	if err := i.editable("decide the branch of"); err != nil {
		return err
	}
	if fixed, why := i.IllegalFixed(); fixed && !yes {
		return &FieldError{Field: "illegal", Message: why}
	}
	if !yes && strings.TrimSpace(rationale) == "" {
		return &FieldError{Field: "illegal_rationale", Message: "Say why the material or action is not illegal."}
	}
	i.doc.Illegal = &yes
	i.log(EventIllegal, "Illegal: "+yesNo(yes), rationale)
	return nil
}

// SetImmediateRisk answers the second question: is there an immediate risk
// (Annex 1 immediate risk, Annex 1 no immediate risk)? No needs its rationale.
func (i *Incident) SetImmediateRisk(yes bool, rationale string) error {
	if err := i.editable("decide the risk of"); err != nil {
		return err
	}
	if !yes && strings.TrimSpace(rationale) == "" {
		return &FieldError{Field: "immediate_risk_rationale", Message: "Say why no one is at immediate risk."}
	}
	i.doc.ImmediateRisk = &yes
	detail := "Immediate risk: " + yesNo(yes)
	if yes {
		detail += ". Call 999 if anyone is in danger now."
	}
	i.log(EventImmediateRisk, detail, rationale)
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// AttachmentsAllowed reports whether a file may be attached to this
// incident, and if not, why, in words for the screen. Until the incident is
// classified nothing may be attached: the imagery rule cannot be checked
// yet, and a wrong attachment cannot be undone. Illegal material is never
// attached either: Annex 1 says to preserve evidence where it is and not
// send it on.
func (i *Incident) AttachmentsAllowed() (bool, string) {
	t, ok := i.pack.IncidentType(i.doc.Type)
	if !ok {
		return false, "Classify the incident first. If it involves nude or semi-nude imagery, nothing can ever be attached (Annex 1)."
	}
	// Imagery follows what is recorded, whatever the type.
	facts := i.facts()
	if facts["imagery"] {
		if st, ok := t.Subtype(i.doc.Subtype); ok && st.NoAttachments {
			return false, st.NoAttachmentsReason
		}
		if t.NoAttachments {
			return false, t.NoAttachmentsReason
		}
		if why := i.pack.Incident.ImageryReason; why != "" {
			return false, why
		}
		return false, "No image or file can be attached: imagery is involved. Never view, copy, print, share, store or save it (Annex 1). Record where it is instead."
	}
	if facts["illegal"] {
		return false, "No file can be attached: the material is illegal. Secure and preserve the evidence and hardware where they are, and do not send materials on; attaching them here would send them on (Annex 1)."
	}
	return true, ""
}

// RecordImagery records where imagery is and the attestation about seeing
// it. Nothing of the imagery itself is ever held.
func (i *Incident) RecordImagery(im Imagery) error {
	if err := i.may("record the imagery of", false, IncidentDraft, IncidentReported, IncidentAcknowledged); err != nil {
		return err
	}
	im.Platform, im.Account, im.URL, im.ViewedHow = strings.TrimSpace(im.Platform), strings.TrimSpace(im.Account), strings.TrimSpace(im.URL), strings.TrimSpace(im.ViewedHow)
	now := i.clock.Now()
	var errs FieldErrors
	if im.Platform == "" && im.Account == "" && im.URL == "" {
		errs.add("imagery.platform", "Say where the imagery is: the platform, the account or the link. Do not open it to find out.")
	}
	switch im.Attestation {
	case NotViewed:
		im.ViewedAt, im.ViewedHow = time.Time{}, ""
	case ViewedByAccident:
		switch {
		case im.ViewedAt.IsZero():
			errs.add("imagery.viewed_at", "Say when it was seen.")
		case im.ViewedAt.After(now):
			errs.add("imagery.viewed_at", "That time is in the future; check it.")
		}
		if im.ViewedHow == "" {
			errs.add("imagery.viewed_how", "Say how it came to be seen.")
		}
	default:
		errs.add("imagery.attestation", "Confirm that you have not viewed the imagery, or say when and how it was seen by accident.")
	}
	if err := errs.err(); err != nil {
		return err
	}
	im.RecordedAt, im.RecordedBy = now, i.actor.ID
	i.doc.Imagery = &im
	detail := "Imagery is at: " + strings.Join(nonEmpty(im.Platform, im.Account, im.URL), ", ") + ". Not viewed."
	if im.Attestation == ViewedByAccident {
		detail = fmt.Sprintf("Imagery is at: %s. Seen by accident at %s: %s. The DSL is told by this report (Annex 1).",
			strings.Join(nonEmpty(im.Platform, im.Account, im.URL), ", "), im.ViewedAt.In(i.pack.Location()).Format("2 Jan 2006 15:04"), im.ViewedHow)
	}
	i.log(EventImagery, detail, "")
	return nil
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

// Report sends the incident to the safeguarding team. It needs only what
// the DSL must have to act: who it is about and what happened. The caller
// seals it to the safeguarding team and the recovery recipient and puts it
// at the front of the sync queue.
func (i *Incident) Report() error {
	if err := i.may("report", false, IncidentDraft); err != nil {
		return err
	}
	var errs FieldErrors
	if i.doc.Subject.Reference == "" {
		errs.add("subject.reference", "Enter the customer's reference number.")
	}
	if i.doc.Description == "" {
		errs.add("description", "Say what happened, using the person's exact words where you can.")
	}
	if err := errs.err(); err != nil {
		return err
	}
	i.doc.ReportedAt = i.clock.Now()
	i.doc.Status = IncidentReported
	detail := "Reported to the safeguarding team"
	if i.doc.ImmediateRisk != nil && *i.doc.ImmediateRisk {
		detail += "; immediate risk: phone the DSL as well, and 999 if anyone is in danger now"
	}
	i.log(EventReported, detail, "")
	return nil
}

// Acknowledge records that the DSL has the incident, and how long it waited.
func (i *Incident) Acknowledge() error {
	if err := i.may("acknowledge", true, IncidentReported); err != nil {
		return err
	}
	now := i.clock.Now()
	i.doc.AcknowledgedAt, i.doc.AcknowledgedBy = now, i.actor.ID
	i.doc.Status = IncidentAcknowledged
	i.log(EventAcknowledged, "Acknowledged "+waitText(now.Sub(i.doc.RaisedAt))+" after it was raised", "")
	return nil
}

// TimeToAcknowledge is the time from the escalation (the one click) to the
// DSL's acknowledgement; false until acknowledged.
func (i *Incident) TimeToAcknowledge() (time.Duration, bool) {
	if i.doc.AcknowledgedAt.IsZero() {
		return 0, false
	}
	return i.doc.AcknowledgedAt.Sub(i.doc.RaisedAt), true
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

// RecordReferral records a referral to one of the routes the flow offers.
// ReferredAt defaults to now; the agency's reference number is needed, or a
// note saying why there is none yet (for example a 999 call).
func (i *Incident) RecordReferral(r IncidentReferral) error {
	if err := i.may("record a referral on", true, IncidentAcknowledged); err != nil {
		return err
	}
	route, err := i.routeFor(r.RouteID)
	if err != nil {
		return err
	}
	now := i.clock.Now()
	r.Reference, r.Note = strings.TrimSpace(r.Reference), strings.TrimSpace(r.Note)
	if r.ReferredAt.IsZero() {
		r.ReferredAt = now
	}
	var errs FieldErrors
	if r.Reference == "" && r.Note == "" {
		errs.add("reference", "Enter the agency's reference number, or say in the note why there is none yet.")
	}
	if r.ReferredAt.After(now) {
		errs.add("referred_at", "That time is in the future; check it.")
	}
	if r.ReferredAt.Before(i.doc.RaisedAt.Add(-24 * time.Hour)) {
		errs.add("referred_at", "That is before the incident was raised; check it.")
	}
	if err := errs.err(); err != nil {
		return err
	}
	r.RecordedAt, r.By = now, i.actor.ID
	i.doc.Referrals = append(i.doc.Referrals, r)
	detail := fmt.Sprintf("Referred to %s at %s", route.Label, r.ReferredAt.In(i.pack.Location()).Format("2 Jan 2006 15:04"))
	if r.Reference != "" {
		detail += ", reference " + r.Reference
	}
	i.log(EventReferral, detail, r.Note)
	return nil
}

// DeclineRoute records a decision not to refer to a route, with its reason.
func (i *Incident) DeclineRoute(routeID, reason string) error {
	if err := i.may("decide a referral on", true, IncidentAcknowledged); err != nil {
		return err
	}
	route, err := i.routeFor(routeID)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return &FieldError{Field: "routes." + routeID, Message: "Say why this referral is not being made."}
	}
	i.doc.Declined = append(i.doc.Declined, RouteDecision{RouteID: routeID, Reason: reason, At: i.clock.Now(), By: i.actor.ID})
	i.log(EventRouteDeclined, "Not referred to "+route.Label, reason)
	return nil
}

func (i *Incident) routeFor(id string) (ReferralRoute, error) {
	r, ok := i.pack.Route(id)
	if !ok {
		return r, &FieldError{Field: "route", Message: "Choose the agency."}
	}
	facts := i.facts()
	if holds(r.Never, facts) {
		return r, &FieldError{Field: "routes." + id, Message: r.NeverReason}
	}
	if !applies(r.Rule, facts) {
		return r, &FieldError{Field: "routes." + id, Message: r.Label + " is not a route for this incident as it stands; check the classification and answers."}
	}
	return r, nil
}

// AddFollowUp sets a monitoring check with its due date, and returns its id.
func (i *Incident) AddFollowUp(what, who string, due time.Time) (string, error) {
	if err := i.may("set a follow-up on", true, IncidentAcknowledged); err != nil {
		return "", err
	}
	now := i.clock.Now()
	what, who = strings.TrimSpace(what), strings.TrimSpace(who)
	var errs FieldErrors
	if what == "" {
		errs.add("what", "Say what will be checked.")
	}
	if who == "" {
		errs.add("who", "Say who will check it.")
	}
	switch {
	case due.IsZero():
		errs.add("due", "Give the date it is due.")
	case due.Before(startOfDay(now)):
		errs.add("due", "The due date has passed; choose today or later.")
	}
	if err := errs.err(); err != nil {
		return "", err
	}
	id := fmt.Sprintf("f%d", len(i.doc.FollowUps)+1)
	i.doc.FollowUps = append(i.doc.FollowUps, IncidentFollowUp{ID: id, What: what, Who: who, Due: due, SetAt: now, SetBy: i.actor.ID})
	// The chronology is read by people: the follow-up by what it checks,
	// never by its id (issue 20 item 8).
	i.log(EventFollowUpSet, fmt.Sprintf("Follow-up set: %s (%s), due %s", what, who, due.In(i.pack.Location()).Format("2 Jan 2006")), "")
	return id, nil
}

// CompleteFollowUp records a follow-up as done, with what was found.
func (i *Incident) CompleteFollowUp(id, note string) error {
	if err := i.may("complete a follow-up on", true, IncidentAcknowledged); err != nil {
		return err
	}
	k := slices.IndexFunc(i.doc.FollowUps, func(f IncidentFollowUp) bool { return f.ID == id })
	switch {
	case k < 0:
		return &FieldError{Field: "follow_ups", Message: "Choose the follow-up that is done."}
	case !i.doc.FollowUps[k].Open():
		return &FieldError{Field: "follow_ups." + id, Message: "This follow-up is already done."}
	case strings.TrimSpace(note) == "":
		return &FieldError{Field: "follow_ups." + id, Message: "Say what the check found."}
	}
	f := &i.doc.FollowUps[k]
	f.DoneAt, f.DoneBy, f.Note = i.clock.Now(), i.actor.ID, strings.TrimSpace(note)
	i.log(EventFollowUpDone, "Follow-up done: "+f.What, f.Note)
	return nil
}

// FollowUps lists the follow-ups, and OverdueFollowUps those whose due day
// has passed, by the clock.
func (i *Incident) FollowUps() []IncidentFollowUp { return slices.Clone(i.doc.FollowUps) }

// OverdueFollowUps are the open follow-ups whose due day has passed.
func (i *Incident) OverdueFollowUps() []IncidentFollowUp {
	now := i.clock.Now()
	var out []IncidentFollowUp
	for _, f := range i.doc.FollowUps {
		if f.Overdue(now) {
			out = append(out, f)
		}
	}
	return out
}

// PreventDraft is the Prevent referral summary pre-filled from the incident:
// the saved summary if there is one, otherwise what the record already says,
// for the DSL to check and complete.
func (i *Incident) PreventDraft() PreventSummary {
	if i.doc.Prevent != nil {
		return *i.doc.Prevent
	}
	d := i.doc
	loc := i.pack.Location()
	var p PreventSummary

	how := []string{i.originText() + ", raised " + d.RaisedAt.In(loc).Format("Mon 2 Jan 2006 15:04") + "."}
	how = append(how, nonEmpty(d.Context, d.Description)...)
	p.HowConcernArose = strings.Join(how, "\n")

	var ind []string
	if d.Type != "" {
		ind = append(ind, "Classified as "+i.classificationText()+".")
	}
	for _, w := range d.Disclosures {
		ind = append(ind, "Said: \""+w+"\"")
	}
	p.Indicators = strings.Join(ind, "\n")

	var online []string
	if pl, ok := i.pack.Platform(d.Platform); ok {
		online = append(online, "Session platform: "+pl.Label+".")
	}
	if im := d.Imagery; im != nil {
		online = append(online, "Material is at: "+strings.Join(nonEmpty(im.Platform, im.Account, im.URL), ", ")+".")
	}
	p.OnlineActivity = strings.Join(online, "\n")

	if d.Subject.Reference != "" {
		needs := subjectText(d.Subject, d.RaisedAt) + "."
		if d.WelfareConcern {
			needs += " There is a concern for their welfare."
		}
		p.Needs = needs
	}

	var talk []string
	for _, e := range d.Chronology {
		if e.Event == EventNote {
			talk = append(talk, e.At.In(loc).Format("2 Jan 15:04")+": "+e.Detail)
		}
	}
	p.DiscussionsHeld = strings.Join(talk, "\n")
	return p
}

// SavePreventSummary saves the completed Prevent referral summary.
func (i *Incident) SavePreventSummary(p PreventSummary) error {
	if err := i.may("write the Prevent summary of", true, IncidentAcknowledged); err != nil {
		return err
	}
	if !i.facts()["prevent"] {
		if r, ok := i.pack.Route("prevent"); !ok || !applies(r.Rule, i.facts()) {
			return &FieldError{Field: "prevent", Message: "A Prevent summary is for a concern about radicalisation or extremism (section 4); check the classification."}
		}
	}
	var errs FieldErrors
	for _, f := range []struct{ field, value, msg string }{
		{"how_concern_arose", p.HowConcernArose, "Say how the concern arose."},
		{"indicators", p.Indicators, "List the indicators seen or heard."},
		{"online_activity", p.OnlineActivity, "Describe the online activity: sites, platforms, accounts, material."},
		{"needs", p.Needs, "Describe the person's needs and vulnerabilities."},
		{"discussions_held", p.DiscussionsHeld, "Say what discussions have been held, and with whom."},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs.add("prevent."+f.field, f.msg)
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	p.SavedAt, p.SavedBy = i.clock.Now(), i.actor.ID
	i.doc.Prevent = &p
	i.log(EventPrevent, "Prevent referral summary written", "")
	return nil
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

// Close ends the incident with its outcome. It is refused while the
// incident is not classified or a question is unanswered, and while any
// required referral route has neither a referral nor a recorded decision
// not to refer. Required steps not done and open follow-ups are listed;
// closing with them needs reason.
func (i *Incident) Close(outcome, reason string) error {
	if err := i.may("close", true, IncidentAcknowledged); err != nil {
		return err
	}
	outcome, reason = strings.TrimSpace(outcome), strings.TrimSpace(reason)
	var errs FieldErrors
	if outcome == "" {
		errs.add("outcome", "Write the outcome: what was done and why the incident can close.")
	}
	if i.doc.Type == "" {
		errs.add("type", "Classify the incident before closing it.")
	}
	if i.doc.Illegal == nil {
		if fixed, _ := i.IllegalFixed(); !fixed {
			errs.add("illegal", "Answer: is the material or action illegal?")
		}
	}
	if i.doc.ImmediateRisk == nil {
		errs.add("immediate_risk", "Answer: is there an immediate risk?")
	}
	req := i.Requirements()
	for _, q := range req.Questions {
		if q.Required && !q.Answered {
			errs.add("questions."+q.Question.ID, "Answer: "+q.Question.Text)
		}
	}
	for _, r := range req.Routes {
		if r.Required && r.Decision() == RouteOpen {
			errs.add("routes."+r.Route.ID, r.Route.Label+": record the referral, or the reason for not making it.")
		}
	}
	var left FieldErrors
	for _, s := range req.Steps {
		if s.Required && !s.Done && !s.Skipped {
			left.add("steps."+s.Step.ID, "Not done: "+s.Step.Text)
		}
	}
	for _, f := range i.doc.FollowUps {
		if f.Open() {
			left.add("follow_ups."+f.ID, "Follow-up still open: "+f.What)
		}
	}
	if reason == "" {
		errs = append(errs, left...)
		if len(left) > 0 {
			errs.add("reason", "Some required steps or follow-ups are not done: finish them, or give the reason the incident closes without them.")
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	if len(left) == 0 {
		reason = ""
	}
	i.doc.ClosedAt, i.doc.ClosedBy, i.doc.Outcome, i.doc.CloseReason = i.clock.Now(), i.actor.ID, outcome, reason
	i.doc.Status = IncidentClosed
	detail := "Closed: " + outcome
	if len(left) > 0 {
		// In words, without the field names (issue 20 item 8).
		var undone []string
		for _, e := range left {
			undone = append(undone, strings.TrimSuffix(e.Message, "."))
		}
		detail += " (left undone: " + strings.Join(undone, "; ") + ")"
	}
	i.log(EventClosed, detail, reason)
	return nil
}

func (i *Incident) originText() string {
	o := i.doc.Origin
	switch o.Kind {
	// Where it came from in words; the session's id is in the document
	// (SessionID), never in the chronology people read (issue 20 item 8).
	case OriginSession:
		s := "Escalated from a session"
		if pl, ok := i.pack.Platform(o.Platform); ok {
			s += " on " + pl.Label
		}
		if o.SessionState == Live || o.SessionState == Paused {
			s += fmt.Sprintf(", %s into the live session", waitText(o.Elapsed))
		}
		return s
	case OriginRecord:
		return "Escalated from the record of a session"
	}
	return "Raised from home"
}
