package session

import (
	"strconv"
	"strings"
	"time"
)

// Answers to the questions the rules need, and where any imagery is, as
// chosen and typed on the incident screen and not yet taken in (issue 20
// item 2): kept with the rest of what is typed (IncidentTyping), sealed to
// the raiser as they are chosen, and taken in by ApplyTyping when the
// incident is reported. There is no Save to press: a choice made is never
// lost by leaving the screen or closing the app.

// Choice is a yes or no answer as chosen: empty while unanswered, never
// "no" by default.
type Choice string

const (
	ChoiceYes Choice = "yes"
	ChoiceNo  Choice = "no"
)

func choiceOf(b *bool) Choice {
	switch {
	case b == nil:
		return ""
	case *b:
		return ChoiceYes
	}
	return ChoiceNo
}

func (c Choice) answer() *bool {
	if c == "" {
		return nil
	}
	v := c == ChoiceYes
	return &v
}

// AnswersTyping is the answers as chosen and typed, unchecked. Every field
// is plain text, so that two of them compare with ==.
type AnswersTyping struct {
	Severity             string       `json:"severity,omitempty"`
	OtherParty           PartyAge     `json:"other_party,omitempty"`
	OtherAge             string       `json:"other_age,omitempty"`
	Relationship         Relationship `json:"relationship,omitempty"`
	NudeImagery          Choice       `json:"nude_imagery,omitempty"`
	IntentToHarm         Choice       `json:"intent_to_harm,omitempty"`
	RecklessMisuse       Choice       `json:"reckless_misuse,omitempty"`
	SharedWithoutConsent Choice       `json:"shared_without_consent,omitempty"`
	ThreatsOrCoercion    Choice       `json:"threats_or_coercion,omitempty"`
	CompanySystems       Choice       `json:"company_systems,omitempty"`
	Platform             string       `json:"platform,omitempty"`
	// Sharers and Harmed are young people's references as typed,
	// separated by commas, semicolons or spaces.
	Sharers string `json:"sharers,omitempty"`
	Harmed  string `json:"harmed,omitempty"`
}

// AnswersOf is c as the screen shows it.
func AnswersOf(c Circumstances) AnswersTyping {
	a := AnswersTyping{Severity: c.Severity, Platform: c.Platform,
		NudeImagery: choiceOf(c.NudeImagery), IntentToHarm: choiceOf(c.IntentToHarm), RecklessMisuse: choiceOf(c.RecklessMisuse),
		SharedWithoutConsent: choiceOf(c.SharedWithoutConsent), ThreatsOrCoercion: choiceOf(c.ThreatsOrCoercion), CompanySystems: choiceOf(c.CompanySystems)}
	if op := c.OtherParty; op != nil {
		a.OtherParty, a.Relationship = op.Is, op.Relationship
		if op.Age > 0 {
			a.OtherAge = strconv.Itoa(op.Age)
		}
	}
	var sharers, harmed []string
	for _, y := range c.YoungPeople {
		if y.Role == RoleShared {
			sharers = append(sharers, y.Reference)
		} else {
			harmed = append(harmed, y.Reference)
		}
	}
	a.Sharers, a.Harmed = strings.Join(sharers, ", "), strings.Join(harmed, ", ")
	return a
}

// Circumstances reads the answers; unanswered questions stay unanswered.
// Only what cannot be read is refused here (an age that is not a number);
// SetCircumstances checks the rest.
func (a AnswersTyping) Circumstances() (Circumstances, error) {
	c := Circumstances{Severity: a.Severity, Platform: strings.TrimSpace(a.Platform),
		NudeImagery: a.NudeImagery.answer(), IntentToHarm: a.IntentToHarm.answer(), RecklessMisuse: a.RecklessMisuse.answer(),
		SharedWithoutConsent: a.SharedWithoutConsent.answer(), ThreatsOrCoercion: a.ThreatsOrCoercion.answer(), CompanySystems: a.CompanySystems.answer()}
	if a.OtherParty != "" {
		op := &OtherParty{Is: a.OtherParty, Relationship: a.Relationship}
		if s := strings.TrimSpace(a.OtherAge); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return c, &FieldError{Field: "other_party.age", Message: "Enter the other person's age in whole years, for example 16, or leave it empty."}
			}
			op.Age = n
		}
		c.OtherParty = op
	}
	refs := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	}
	for _, ref := range refs(a.Sharers) {
		c.YoungPeople = append(c.YoungPeople, YoungPerson{Reference: ref, Role: RoleShared})
	}
	for _, ref := range refs(a.Harmed) {
		c.YoungPeople = append(c.YoungPeople, YoungPerson{Reference: ref, Role: RoleHarmed})
	}
	return c, nil
}

// ViewedAtLayout is how the time imagery was seen by accident is typed.
const ViewedAtLayout = "02/01/2006 15:04"

// ImageryTyping is where the imagery is, as typed, unchecked.
type ImageryTyping struct {
	Platform    string      `json:"platform,omitempty"`
	Account     string      `json:"account,omitempty"`
	URL         string      `json:"url,omitempty"`
	Attestation Attestation `json:"attestation,omitempty"`
	// When (ViewedAtLayout) and How it was seen, by accident.
	When string `json:"when,omitempty"`
	How  string `json:"how,omitempty"`
}

func imageryTypingOf(im *Imagery, loc *time.Location) ImageryTyping {
	if im == nil {
		return ImageryTyping{}
	}
	t := ImageryTyping{Platform: im.Platform, Account: im.Account, URL: im.URL, Attestation: im.Attestation, How: im.ViewedHow}
	if !im.ViewedAt.IsZero() {
		t.When = im.ViewedAt.In(loc).Format(ViewedAtLayout)
	}
	return t
}

// imagery reads where the imagery is; RecordImagery checks it.
func (t ImageryTyping) imagery(loc *time.Location) (Imagery, error) {
	im := Imagery{Platform: t.Platform, Account: t.Account, URL: t.URL, Attestation: t.Attestation}
	if t.Attestation == ViewedByAccident {
		im.ViewedHow = t.How
		if w := strings.TrimSpace(t.When); w != "" {
			at, err := time.ParseInLocation(ViewedAtLayout, w, loc)
			if err != nil {
				return im, &FieldError{Field: "imagery.viewed_at", Message: "Enter when it was seen as day/month/year hours:minutes, for example 03/12/2026 14:30."}
			}
			im.ViewedAt = at
		}
	}
	return im, nil
}

// applyTypedImagery records where the imagery is, as typed, if that is
// typed and changed.
func (i *Incident) applyTypedImagery(t ImageryTyping) error {
	if t == (ImageryTyping{}) || t == imageryTypingOf(i.doc.Imagery, i.pack.Location()) {
		return nil
	}
	im, err := t.imagery(i.pack.Location())
	if err != nil {
		return err
	}
	return i.RecordImagery(im)
}

// applyTypedAnswers records the answers as chosen, if they changed.
func (i *Incident) applyTypedAnswers(a AnswersTyping, rationale string) error {
	if a == AnswersOf(i.doc.Circumstances) {
		return nil
	}
	c, err := a.Circumstances()
	if err != nil {
		return err
	}
	return i.SetCircumstances(c, rationale)
}

// RequirementsAsTyped is what the flow demands with the answers as chosen
// and where the imagery is as typed (kept by KeepTyping, not yet taken
// in): the screen shows the questions they bring, the routes they decide
// and the steps they do at once, with no Save to press. Answers that
// cannot be taken in as they stand (a child of 24) give the incident's
// own requirements and the reason; imagery not yet fully typed is simply
// not yet recorded.
func (i *Incident) RequirementsAsTyped(rationale string) (Requirements, error) {
	t := i.Typing()
	if t.Answers == AnswersOf(i.doc.Circumstances) && t.Imagery == imageryTypingOf(i.doc.Imagery, i.pack.Location()) {
		return i.Requirements(), nil
	}
	preview := &Incident{pack: i.pack, clock: i.clock, actor: i.actor, doc: cloneIncident(i.doc)}
	if preview.applyTypedImagery(t.Imagery) != nil {
		preview.doc.Imagery = cloneIncident(i.doc).Imagery
	}
	if err := preview.applyTypedAnswers(t.Answers, rationale); err != nil {
		return i.Requirements(), err
	}
	return preview.Requirements(), nil
}

// ApplyTypedSubject takes in whom the incident is about as typed, and
// leaves the rest typed (Enter in the subject's boxes: a child or an adult
// decides the rules).
func (i *Incident) ApplyTypedSubject(rationale string) error {
	t := i.Typing()
	c, err := i.typedSubject(t)
	if err != nil {
		return err
	}
	if c != i.doc.Subject && (c.Reference != "" || i.doc.Subject.Reference != "") {
		if err := i.SetSubject(c, rationale); err != nil {
			return err
		}
	}
	return i.KeepTyping(t)
}

func (i *Incident) typedSubject(t IncidentTyping) (Customer, error) {
	c := Customer{Reference: strings.TrimSpace(t.Reference), AdultAtRisk: t.AdultAtRisk, DateOfBirth: i.doc.Subject.DateOfBirth}
	if a := strings.TrimSpace(t.Age); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil {
			return c, &FieldError{Field: "subject.age", Message: "Enter the age in whole years, for example 15."}
		}
		c.Age = n
	}
	return c, nil
}
