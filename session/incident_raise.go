package session

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Raising and reporting an incident (Annex 1): what the practitioner does,
// from the one-click escalation through the guidance and the form to the
// report. The facts written here (subject, description, classification,
// the branch questions, where any imagery is) may be corrected by the DSL
// once the incident is acknowledged (see editable in incident.go).

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

// Describe records what happened, in the raiser's words. Until the incident
// is reported the raiser may still put their account right (nobody else
// has seen it): the description is then the whole account as it now
// stands, and the chronology says it was updated. Once reported, later
// additions are notes (AddNote), so the account reported stays as given.
func (i *Incident) Describe(text string) error {
	if err := i.may("describe", false, IncidentDraft); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return &FieldError{Field: "description", Message: "Say what happened, using the person's exact words where you can."}
	}
	if text == i.doc.Description {
		return nil
	}
	detail := text
	if i.doc.Description != "" {
		detail = "Description updated before reporting: " + text
	}
	i.doc.Description = text
	i.log(EventDescribed, detail, "")
	return nil
}

// ErrTypingPending is returned by Report while typed words are not yet
// taken in (ApplyTyping): a report never leaves them behind.
var ErrTypingPending = errors.New("what is typed is not yet taken into the incident")

// IncidentTyping is what the raiser has typed in the incident's boxes, as
// typed: what happened and whom it is about (issue 20).
type IncidentTyping struct {
	Description string `json:"description,omitempty"`
	Reference   string `json:"reference,omitempty"`
	Age         string `json:"age,omitempty"`
	AdultAtRisk bool   `json:"adult_at_risk,omitempty"`
	// Answers and Imagery are the questions' answers and where any
	// imagery is, as chosen (incident_answers.go).
	Answers AnswersTyping `json:"answers,omitzero"`
	Imagery ImageryTyping `json:"imagery,omitzero"`
	// IllegalWhy and RiskWhy are the reasons typed for a "no" to the two
	// Annex 1 questions, before the answer is chosen or taken in.
	IllegalWhy string `json:"illegal_why,omitempty"`
	RiskWhy    string `json:"risk_why,omitempty"`
}

// Typing is what is typed and not yet taken in: the typed words if any are
// kept, else the incident's own description and subject.
func (i *Incident) Typing() IncidentTyping {
	if i.doc.Typed != nil {
		return *i.doc.Typed
	}
	t := IncidentTyping{Description: i.doc.Description, Reference: i.doc.Subject.Reference, AdultAtRisk: i.doc.Subject.AdultAtRisk,
		Answers: AnswersOf(i.doc.Circumstances), Imagery: imageryTypingOf(i.doc.Imagery, i.pack.Location())}
	if i.doc.Subject.Age > 0 {
		t.Age = strconv.Itoa(i.doc.Subject.Age)
	}
	// The reasons last given for the two questions, as recorded.
	for _, e := range i.doc.Chronology {
		switch e.Event {
		case EventIllegal:
			t.IllegalWhy = e.Rationale
		case EventImmediateRisk:
			t.RiskWhy = e.Rationale
		}
	}
	return t
}

// KeepTyping keeps what is typed, unchecked and without a chronology
// entry, so that words half written are never lost (issue 20). Only the
// raiser's draft keeps typing.
func (i *Incident) KeepTyping(t IncidentTyping) error {
	if err := i.may("write in", false, IncidentDraft); err != nil {
		return err
	}
	i.doc.Typed = nil
	if t != i.Typing() {
		i.doc.Typed = &t
	}
	return nil
}

// ApplyTyping takes what is typed into the incident: the description as
// the account now stands (Describe), whom it is about (SetSubject,
// rationale being why it changed) if that changed, where any imagery is
// (RecordImagery) and the answers to the questions (SetCircumstances,
// the same rationale for an answer given before that changes). Typed
// words that cannot be taken in (a name for a reference) stay typed, with
// the reason.
func (i *Incident) ApplyTyping(rationale string) error {
	t := i.doc.Typed
	if t == nil {
		return nil
	}
	c, err := i.typedSubject(*t)
	if err != nil {
		return err
	}
	var errs []error
	if text := strings.TrimSpace(t.Description); text != "" {
		errs = append(errs, i.Describe(text))
	}
	if c != i.doc.Subject && (c.Reference != "" || i.doc.Subject.Reference != "") {
		errs = append(errs, i.SetSubject(c, rationale))
	}
	// Where the imagery is before the answers: an answer of "only words"
	// contradicts imagery recorded, and SetCircumstances says so.
	errs = append(errs, i.applyTypedImagery(t.Imagery), i.applyTypedAnswers(t.Answers, rationale))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	i.doc.Typed = nil
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

// Report sends the incident to the safeguarding team. It needs only what
// the DSL must have to act: who it is about and what happened. The caller
// seals it to the safeguarding team and the recovery recipient and puts it
// at the front of the sync queue.
func (i *Incident) Report() error {
	if err := i.may("report", false, IncidentDraft); err != nil {
		return err
	}
	if i.doc.Typed != nil {
		return ErrTypingPending
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
