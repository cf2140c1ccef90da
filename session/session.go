package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Clock is the source of time. The app passes SystemClock; tests pass a
// clock they move by hand.
type Clock interface{ Now() time.Time }

// SystemClock is the real wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// State is where a session is in its lifecycle.
type State string

const (
	Planned   State = "planned"
	Assessed  State = "assessed"
	Consented State = "consented"
	Live      State = "live"
	Paused    State = "paused"
	Ended     State = "ended"
	Recorded  State = "recorded"
	Signed    State = "signed"
	Cancelled State = "cancelled"
)

// MarkerKind is a one-tap marker during a live session (docs/ARCHITECTURE.md, journey 4).
type MarkerKind string

const (
	MarkDisclosure     MarkerKind = "disclosure"
	MarkThirdParty     MarkerKind = "third_party_present"
	MarkFacilitator    MarkerKind = "facilitator_joined"
	MarkRiskChanged    MarkerKind = "risk_changed"
	MarkConnectionLost MarkerKind = "connection_lost"
	MarkEscalated      MarkerKind = "escalated"
)

// Label is the marker in words.
func (k MarkerKind) Label() string {
	switch k {
	case MarkDisclosure:
		return "Disclosure"
	case MarkThirdParty:
		return "Third party present"
	case MarkFacilitator:
		return "Facilitator dropped in"
	case MarkRiskChanged:
		return "Risk changed"
	case MarkConnectionLost:
		return "Connection lost"
	case MarkEscalated:
		return "Escalated"
	}
	return string(k)
}

// Marker is something noted during the session, stamped with the time and
// how far into the session it happened.
type Marker struct {
	Kind    MarkerKind    `json:"kind"`
	At      time.Time     `json:"at"`
	Elapsed time.Duration `json:"elapsed"`
	// ExactWords of a disclosure (Annex 2 3.1): what was said, as said.
	ExactWords string `json:"exact_words,omitempty"`
	Note       string `json:"note,omitempty"`
	// IncidentID links an escalation to its incident.
	IncidentID string `json:"incident_id,omitempty"`
	// Reassessment is the in-session risk assessment a "risk changed"
	// marker carries (Annex 2 3.2).
	Reassessment *Reassessment `json:"reassessment,omitempty"`
	// Decision on a disclosure or change of risk: escalated, or no
	// safeguarding concern and why (concerns.go).
	Decision *Decision `json:"decision,omitempty"`
}

// Segment is one stretch of live time; pauses fall between segments.
type Segment struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Document is everything about one session, as stored and encrypted. It is
// plain data; Session applies the rules that change it.
type Document struct {
	ID          string     `json:"id"`
	PackID      string     `json:"pack_id"`
	PackVersion string     `json:"pack_version"`
	Author      string     `json:"author"`
	State       State      `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	Plan        Plan       `json:"plan"`
	Assessment  Assessment `json:"assessment"`
	Outcome     Outcome    `json:"outcome,omitempty"`
	Consent     *Consent   `json:"consent,omitempty"`

	Agreement []AgreementCheck `json:"agreement,omitempty"`
	// AgreementReason explains agreement points left unconfirmed.
	AgreementReason string    `json:"agreement_reason,omitempty"`
	Segments        []Segment `json:"segments,omitempty"`
	WarningsGiven   []int     `json:"warnings_given,omitempty"`
	// OverrunReason: the exceptional circumstances of an overrun (3.3).
	OverrunReason string   `json:"overrun_reason,omitempty"`
	Markers       []Marker `json:"markers,omitempty"`

	// Incidents raised from this session, with where each stands.
	Incidents []RaisedIncident `json:"incidents,omitempty"`

	// OffPlanStart is set when the session started outside the window
	// around its planned time: when, and the practitioner's reason.
	OffPlanStart *OffPlanStart `json:"off_plan_start,omitempty"`

	Record *Record `json:"record,omitempty"`
	// RecordDraft is the record as it is being typed, kept (sealed, like
	// the rest of the draft) until the record is saved or signed, so that
	// nothing typed is lost on leaving the screen (issue 20).
	RecordDraft *RecordDraft `json:"record_draft,omitempty"`
	// ConsentDraft is the customer's reply (or the reason there is none)
	// as it is being typed, kept like RecordDraft until consent is
	// recorded (issue 20 item 2).
	ConsentDraft *ConsentDraft `json:"consent_draft,omitempty"`
	SignedAt     time.Time     `json:"signed_at,omitzero"`
	CancelReason string        `json:"cancel_reason,omitempty"`
}

// Session applies the Annex 2 lifecycle to a Document.
type Session struct {
	pack  *Pack
	clock Clock
	doc   Document
}

// New starts a session from a plan. The plan must be valid.
func New(pack *Pack, clock Clock, id, author string, plan Plan) (*Session, error) {
	now := clock.Now()
	if err := pack.ValidatePlan(plan, now); err != nil {
		return nil, err
	}
	if id == "" || author == "" {
		return nil, errors.New("new session: id and author are required")
	}
	return &Session{pack: pack, clock: clock, doc: Document{
		ID: id, PackID: pack.ID, PackVersion: pack.Version, Author: author,
		State: Planned, CreatedAt: now, Plan: plan,
	}}, nil
}

// Restore rebuilds a session from a stored document, for example a draft
// autosaved before a crash.
func Restore(pack *Pack, clock Clock, doc Document) (*Session, error) {
	if doc.ID == "" || doc.State == "" {
		return nil, errors.New("restore session: the document has no id or state")
	}
	if doc.PackID != pack.ID {
		return nil, fmt.Errorf("restore session: made under policy pack %q, not %q", doc.PackID, pack.ID)
	}
	return &Session{pack: pack, clock: clock, doc: cloneDocument(doc)}, nil
}

// Document returns a copy of the session's data, safe to store or show.
func (s *Session) Document() Document { return cloneDocument(s.doc) }

// State is the current lifecycle state.
func (s *Session) State() State { return s.doc.State }

// Pack is the policy pack the session runs under.
func (s *Session) Pack() *Pack { return s.pack }

func cloneDocument(d Document) Document {
	c := d
	if d.Assessment.Answers != nil {
		c.Assessment.Answers = make(map[string]ItemAnswer, len(d.Assessment.Answers))
		for k, v := range d.Assessment.Answers {
			c.Assessment.Answers[k] = v
		}
	}
	if d.Consent != nil {
		cc := *d.Consent
		if d.Consent.Reply != nil {
			r := *d.Consent.Reply
			cc.Reply = &r
		}
		if d.Consent.Carried != nil {
			k := *d.Consent.Carried
			cc.Carried = &k
		}
		c.Consent = &cc
	}
	c.Agreement = slices.Clone(d.Agreement)
	c.Segments = slices.Clone(d.Segments)
	c.WarningsGiven = slices.Clone(d.WarningsGiven)
	c.Markers = slices.Clone(d.Markers)
	for k, m := range c.Markers {
		if m.Reassessment != nil {
			r := *m.Reassessment
			c.Markers[k].Reassessment = &r
		}
		if m.Decision != nil {
			dd := *m.Decision
			c.Markers[k].Decision = &dd
		}
	}
	c.Incidents = slices.Clone(d.Incidents)
	c.Plan.Carried = slices.Clone(d.Plan.Carried)
	if d.Plan.Group != nil {
		g := *d.Plan.Group
		c.Plan.Group = &g
	}
	if d.Record != nil {
		r := *d.Record
		r.Actions = slices.Clone(d.Record.Actions)
		if d.Record.Attendance != nil {
			n := *d.Record.Attendance
			r.Attendance = &n
		}
		c.Record = &r
	}
	if d.RecordDraft != nil {
		r := *d.RecordDraft
		r.Actions = slices.Clone(d.RecordDraft.Actions)
		c.RecordDraft = &r
	}
	if d.ConsentDraft != nil {
		v := *d.ConsentDraft
		c.ConsentDraft = &v
	}
	if d.OffPlanStart != nil {
		o := *d.OffPlanStart
		c.OffPlanStart = &o
	}
	return c
}

// Clone is an independent copy of the session. A screen tries a change on
// the copy, saves the copy's document durably, and only then Adopts it: a
// save that fails leaves the session as it was, and the same action can be
// tried again (issue 15).
func (s *Session) Clone() *Session {
	return &Session{pack: s.pack, clock: s.clock, doc: cloneDocument(s.doc)}
}

// Adopt makes the copy's document the session's own, once it is saved.
func (s *Session) Adopt(copy *Session) { s.doc = cloneDocument(copy.doc) }

func (s *Session) require(event string, allowed ...State) error {
	if slices.Contains(allowed, s.doc.State) {
		return nil
	}
	return &TransitionError{From: s.doc.State, Event: event}
}

// UpdatePlan replaces the plan. A changed plan needs a fresh risk assessment
// and consent, so the session goes back to planned (Annex 2 3.2).
func (s *Session) UpdatePlan(p Plan) error {
	if err := s.require("change the plan of", Planned, Assessed, Consented); err != nil {
		return err
	}
	if err := s.pack.ValidatePlan(p, s.clock.Now()); err != nil {
		return err
	}
	s.doc.Plan = p
	s.doc.State = Planned
	s.doc.Outcome = ""
	s.doc.Consent = nil
	return nil
}

// Assess records the pre-session risk assessment and computes its outcome.
// Only an outcome that allows the session moves it on to assessed.
func (s *Session) Assess(a Assessment) (Result, error) {
	if err := s.require("assess", Planned, Assessed); err != nil {
		return Result{}, err
	}
	r := s.pack.Assess(s.doc.Plan, a)
	a.AssessedAt = s.clock.Now()
	s.doc.Assessment = a
	s.doc.Outcome = r.Outcome
	if r.Outcome.MayProceed() {
		s.doc.State = Assessed
	} else {
		s.doc.State = Planned
	}
	return r, nil
}

// RecordConsent records the consent reply, or the reason the session goes
// ahead without one (Annex 2 1.3.6). A document that reached a later state
// without consent (restored, synced or edited) may have it recorded then;
// its state does not change.
func (s *Session) RecordConsent(c Consent) error {
	later := []State{Live, Paused, Ended, Recorded}
	if slices.Contains(later, s.doc.State) && s.consentGate() != nil {
		return s.recordConsent(c, s.doc.State)
	}
	if err := s.require("record consent for", Assessed, Consented); err != nil {
		return err
	}
	return s.recordConsent(c, Consented)
}

func (s *Session) recordConsent(c Consent, next State) error {
	now := s.clock.Now()
	switch {
	case c.Reply != nil:
		if err := s.pack.ValidateReply(*c.Reply, now); err != nil {
			return err
		}
		if err := validateCarriedConsent(c); err != nil {
			return err
		}
		c.NoConsentReason = ""
	case strings.TrimSpace(c.NoConsentReason) == "":
		return ErrConsentRequired
	default:
		c.Carried = nil // no reply: nothing was kept from the last one
	}
	c.RecordedAt = now
	s.doc.Consent = &c
	s.doc.State = next
	s.doc.ConsentDraft = nil // the consent recorded now holds what was typed
	return nil
}

// ConsentDraft is the consent form as typed, unchecked: the reply's words,
// when it came, and the reason for going ahead without one.
type ConsentDraft struct {
	Words           string `json:"words,omitempty"`
	Date            string `json:"date,omitempty"`
	Time            string `json:"time,omitempty"`
	NoConsentReason string `json:"no_consent_reason,omitempty"`
}

// KeepConsentDraft keeps what is typed into the consent form, so that
// leaving the screen loses nothing (issue 20 item 2). It changes no state.
func (s *Session) KeepConsentDraft(d ConsentDraft) error {
	if s.doc.State == Signed {
		return ErrLocked
	}
	s.doc.ConsentDraft = &d
	return nil
}

// Start takes the session live and starts its timer. It needs a valid
// plan, a risk assessment that allows it and recorded consent (or a
// reason), each checked again from the document, whatever its state says.
// An e-mail, letter or text exchange (Annex 2 1.2.1) starts with no timer.
func (s *Session) Start() error {
	if s.doc.State == Planned || s.doc.State == Assessed {
		if !s.pack.Assess(s.doc.Plan, s.doc.Assessment).Outcome.MayProceed() {
			return &TransitionError{From: s.doc.State, Event: "start (the risk assessment does not allow it)"}
		}
		return ErrConsentRequired
	}
	if err := s.require("start", Consented); err != nil {
		return err
	}
	if err := gate("start", s.liveGates()); err != nil {
		return err
	}
	if off, ok := s.OffPlan(); ok {
		return &OffPlanError{Off: off, Planned: s.doc.Plan.Start}
	}
	s.begin()
	return nil
}

// OffPlanStart records a session started away from its planned time.
type OffPlanStart struct {
	At      time.Time `json:"at"`
	Planned time.Time `json:"planned"`
	Reason  string    `json:"reason"`
}

// OffPlanError is Start refused because now is outside the window around
// the planned time (Pack.StartWindow): StartOffPlan starts it, with the
// reason.
type OffPlanError struct {
	Off     time.Duration // now minus the planned time: negative when early
	Planned time.Time
}

func (e *OffPlanError) Error() string {
	return "the session was planned for another time: confirm the change, with its reason, to start it now"
}

// OffPlan says how far now is from the planned start, and whether that is
// outside the window in which a session starts without confirming. A
// delayed-response contact (e-mail, letter, text) has no start time to
// keep.
func (s *Session) OffPlan() (time.Duration, bool) {
	if s.pack.DelayedResponse(s.doc.Plan) {
		return 0, false
	}
	off := s.clock.Now().Sub(s.doc.Plan.Start)
	return off, off > s.pack.StartWindow() || off < -s.pack.StartWindow()
}

// StartOffPlan starts a session outside the window around its planned time
// (Annex 2 1.3.1: the schedule was agreed), with the practitioner's reason;
// the record then shows the planned and the actual times. Every other gate
// of Start still applies.
func (s *Session) StartOffPlan(reason string) error {
	reason = strings.TrimSpace(reason)
	if err := s.Start(); err == nil {
		return nil
	} else if _, off := err.(*OffPlanError); !off {
		return err
	}
	if reason == "" {
		return &FieldError{Field: "off_plan_reason", Message: "Say why the session starts at another time than planned."}
	}
	s.doc.OffPlanStart = &OffPlanStart{At: s.clock.Now(), Planned: s.doc.Plan.Start, Reason: reason}
	s.begin()
	return nil
}

func (s *Session) begin() {
	if !s.pack.DelayedResponse(s.doc.Plan) {
		s.doc.Segments = append(s.doc.Segments, Segment{From: s.clock.Now()})
	}
	s.doc.State = Live
}

// Held is when the session actually ran: from its first start to its last
// end (zero times for a contact with no call, or before it started).
func (d Document) Held() (from, to time.Time) {
	if len(d.Segments) == 0 {
		return
	}
	return d.Segments[0].From, d.Segments[len(d.Segments)-1].To
}

// ErrNoCall is returned for timer steps on an e-mail, letter or text
// exchange: there is no call to pause.
var ErrNoCall = errors.New("an e-mail, letter or text has no call to pause or time")

// Pause stops the timer, for example while a lost connection is restored.
func (s *Session) Pause() error {
	if err := s.require("pause", Live); err != nil {
		return err
	}
	if s.pack.DelayedResponse(s.doc.Plan) || len(s.doc.Segments) == 0 {
		return ErrNoCall
	}
	s.doc.Segments[len(s.doc.Segments)-1].To = s.clock.Now()
	s.doc.State = Paused
	return nil
}

// Resume restarts the timer after a pause.
func (s *Session) Resume() error {
	if err := s.require("resume", Paused); err != nil {
		return err
	}
	if s.doc.stopped() {
		return ErrRiskStopped
	}
	if err := gate("resume", s.liveGates()); err != nil {
		return err
	}
	s.doc.Segments = append(s.doc.Segments, Segment{From: s.clock.Now()})
	s.doc.State = Live
	return nil
}

// ConfirmAgreement records an agreement point as read out and understood at
// the start of the session (Annex 2 2.1).
func (s *Session) ConfirmAgreement(pointID string) error {
	if err := s.require("confirm the agreement of", Live, Paused); err != nil {
		return err
	}
	if !slices.ContainsFunc(s.pack.Agreement, func(a AgreementPoint) bool { return a.ID == pointID }) {
		return fmt.Errorf("confirm agreement: %q is not an agreement point of this policy pack", pointID)
	}
	if !slices.ContainsFunc(s.doc.Agreement, func(a AgreementCheck) bool { return a.PointID == pointID }) {
		s.doc.Agreement = append(s.doc.Agreement, AgreementCheck{PointID: pointID, ConfirmedAt: s.clock.Now()})
	}
	return nil
}

// UnconfirmedAgreement lists the agreement points not yet confirmed.
func (s *Session) UnconfirmedAgreement() []AgreementPoint {
	var out []AgreementPoint
	for _, p := range s.pack.Agreement {
		if !slices.ContainsFunc(s.doc.Agreement, func(a AgreementCheck) bool { return a.PointID == p.ID && !a.ConfirmedAt.IsZero() }) {
			out = append(out, p)
		}
	}
	return out
}

// AgreementUnexplained lists the agreement points neither confirmed at the
// start of the call nor explained by a recorded reason (Annex 2 2.1: the
// agreement part of the interaction takes place). Sign refuses while any
// remain; the record screen asks for the reason then.
func (s *Session) AgreementUnexplained() []AgreementPoint {
	if strings.TrimSpace(s.doc.AgreementReason) != "" {
		return nil
	}
	return s.UnconfirmedAgreement()
}

// SetAgreementReason records why some agreement points were not confirmed.
func (s *Session) SetAgreementReason(reason string) error {
	if err := s.require("explain the agreement of", Live, Paused, Ended, Recorded); err != nil {
		return err
	}
	s.doc.AgreementReason = strings.TrimSpace(reason)
	return nil
}

// Elapsed is the live time so far, not counting pauses.
func (s *Session) Elapsed() time.Duration { return s.doc.liveTime(s.clock.Now()) }

// liveTime adds up the segments of the call, a segment still open counting
// up to now; with a zero now, an open segment does not count.
func (d Document) liveTime(now time.Time) time.Duration {
	var sum time.Duration
	for _, seg := range d.Segments {
		to := seg.To
		if to.IsZero() {
			if now.IsZero() {
				continue
			}
			to = now
		}
		sum += to.Sub(seg.From)
	}
	return sum
}

// Overran reports whether the call ran past its planned duration (Annex 2
// 3.3), from its segments: the same measure as the live Timer, for a
// document read back without a clock. A segment still open is not counted;
// an e-mail, letter or text has no segments and never overruns.
func (d Document) Overran() bool { return d.liveTime(time.Time{}) > d.Plan.Duration }

// Timer is what the live screen shows.
type Timer struct {
	Elapsed   time.Duration
	Remaining time.Duration // negative once overrunning
	Overrun   bool
	// Warnings due now and not yet acknowledged, in minutes before the end.
	Warnings []int
}

// Timer reports the session time against the planned duration (3.3).
func (s *Session) Timer() Timer {
	el := s.Elapsed()
	rem := s.doc.Plan.Duration - el
	if s.pack.DelayedResponse(s.doc.Plan) {
		return Timer{} // no call, no timer (Annex 2 1.2.1)
	}
	t := Timer{Elapsed: el, Remaining: rem, Overrun: rem < 0}
	if s.doc.State == Live || s.doc.State == Paused {
		for _, w := range s.pack.Session.WarningMinutes {
			if rem <= time.Duration(w)*time.Minute && !slices.Contains(s.doc.WarningsGiven, w) {
				t.Warnings = append(t.Warnings, w)
			}
		}
	}
	return t
}

// AcknowledgeWarnings records that the warnings shown were seen, so each is
// given once.
func (s *Session) AcknowledgeWarnings(minutes ...int) {
	for _, m := range minutes {
		if !slices.Contains(s.doc.WarningsGiven, m) {
			s.doc.WarningsGiven = append(s.doc.WarningsGiven, m)
		}
	}
}

// ErrOverrunReason is returned when an overrun session is ended without the
// reason the policy asks for (Annex 2 3.3: exceptional circumstances only).
var ErrOverrunReason = errors.New("the session ran over its planned time: record the exceptional reason before ending it")

// OverrunReasonDue reports whether the session has run over its planned
// time with no exceptional reason recorded yet (Annex 2 3.3: a meeting does
// not exceed the normal duration except in exceptional circumstances). The
// live screen asks for the reason then; End and Sign refuse without it.
func (s *Session) OverrunReasonDue() bool {
	return s.Timer().Overrun && strings.TrimSpace(s.doc.OverrunReason) == ""
}

// SetOverrunReason records why the session ran over.
func (s *Session) SetOverrunReason(reason string) error {
	if err := s.require("explain the overrun of", Live, Paused, Ended); err != nil {
		return err
	}
	s.doc.OverrunReason = strings.TrimSpace(reason)
	return nil
}

// Mark adds a one-tap marker. A disclosure needs the exact words (3.1); a
// change of risk needs the quick reassessment (3.2). Markers belong to the
// call, except escalation, which may come from any point until the record
// is signed: it links the incident to the session, and the disclosures and
// changes of risk before it that have no decision yet are escalated with
// it (the incident carries their words).
func (s *Session) Mark(m Marker) error {
	allowed := []State{Live, Paused}
	if m.Kind == MarkEscalated {
		allowed = []State{Planned, Assessed, Consented, Live, Paused, Ended, Recorded}
	}
	if err := s.require("mark", allowed...); err != nil {
		return err
	}
	m.ExactWords = strings.TrimSpace(m.ExactWords)
	if err := s.checkMarker(m); err != nil {
		return err
	}
	now := s.clock.Now()
	if m.Decision != nil {
		if err := s.checkDecision(m, *m.Decision, false); err != nil {
			return err
		}
		m.Decision.At = now
	}
	m.At = now
	m.Elapsed = s.Elapsed()
	if m.Kind == MarkEscalated && m.IncidentID != "" {
		if _, _, ok := s.doc.incident(m.IncidentID); !ok {
			s.doc.Incidents = append(s.doc.Incidents, RaisedIncident{ID: m.IncidentID, Status: IncidentDraft, RaisedAt: now})
		}
		for k := range s.doc.Markers {
			if s.doc.Markers[k].Kind.needsDecision() && s.doc.Markers[k].Decision == nil {
				s.doc.Markers[k].Decision = &Decision{Kind: DecisionEscalated, IncidentID: m.IncidentID, At: now}
			}
		}
	}
	s.doc.Markers = append(s.doc.Markers, m)
	return nil
}

// checkMarker applies the rules of each marker kind; Sign applies them
// again to markers that came in a document.
func (s *Session) checkMarker(m Marker) error {
	delayed := s.pack.DelayedResponse(s.doc.Plan)
	switch m.Kind {
	case MarkDisclosure:
		if strings.TrimSpace(m.ExactWords) == "" {
			return &FieldError{Field: "exact_words", Message: "Write down the customer's exact words, as they said them."}
		}
	case MarkRiskChanged:
		return validateReassessment(m.Reassessment)
	case MarkThirdParty:
		if delayed || s.pack.OneToMany(s.doc.Plan) {
			return &FieldError{Field: "kind", Message: "Third party present is for a one-to-one call."}
		}
	case MarkFacilitator, MarkConnectionLost:
		if delayed {
			return &FieldError{Field: "kind", Message: m.Kind.Label() + " is for a call, not an e-mail, letter or text."}
		}
	case MarkEscalated:
	default:
		return fmt.Errorf("mark: unknown marker %q", m.Kind)
	}
	return nil
}

// End stops the session. An overrun needs its reason first.
func (s *Session) End() error {
	if err := s.require("end", Live, Paused); err != nil {
		return err
	}
	if s.OverrunReasonDue() {
		return ErrOverrunReason
	}
	if s.doc.State == Live && len(s.doc.Segments) > 0 {
		s.doc.Segments[len(s.doc.Segments)-1].To = s.clock.Now()
	}
	s.doc.State = Ended
	return nil
}

// Cancel records that a planned session will not take place, and why.
func (s *Session) Cancel(reason string) error {
	if err := s.require("cancel", Planned, Assessed, Consented); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return &FieldError{Field: "cancel_reason", Message: "Say why the session is not going ahead."}
	}
	s.doc.CancelReason = strings.TrimSpace(reason)
	s.doc.State = Cancelled
	return nil
}

// Flags summarise a session for lists and reports.
type Flags struct {
	Overrun, NoConsent, Disclosure, Escalated bool
	// IncidentDiscarded: an incident raised from it was not reported.
	IncidentDiscarded bool
}

// Flags reports what a reviewer should notice about the session.
func (d Document) Flags() Flags {
	var f Flags
	f.Overrun = d.Overran()
	f.NoConsent = d.Consent != nil && !d.Consent.Given()
	for _, m := range d.Markers {
		f.Disclosure = f.Disclosure || m.Kind == MarkDisclosure
		f.Escalated = f.Escalated || m.Kind == MarkEscalated
	}
	for _, r := range d.Incidents {
		f.IncidentDiscarded = f.IncidentDiscarded || r.Status == IncidentDiscarded
	}
	return f
}
