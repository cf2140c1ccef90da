package session

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// reportedCyberbullying is a written, reported cyberbullying incident about
// a 15-year-old, acknowledged by the DSL, with the DSL now using it.
func acknowledgedCyberbullying(t *testing.T) (*Incident, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: testNow()}
	inc := raised(t, clock)
	must(t, inc.SetSubject(Customer{Reference: "CUS-1505", Age: 15}, ""))
	must(t, inc.Describe("Messages in the class group chat calling her names, every night this week."))
	must(t, inc.Classify(Classification{Type: "cyberbullying", WelfareConcern: true}, ""))
	must(t, inc.SetIllegal(false, "Unkind messages; no threats, no images."))
	must(t, inc.SetImmediateRisk(false, "She is safe at home and the adviser spoke to her today."))
	must(t, inc.SetCircumstances(Circumstances{Severity: "moderate"}, ""))
	must(t, inc.Report())
	clock.Advance(40 * time.Minute)
	inc.actor = dsl
	must(t, inc.Acknowledge())
	return inc, clock
}

func TestIncidentGuidanceComesFirst(t *testing.T) {
	p := defaultPack(t)
	g := p.IncidentGuidance()
	if len(g.Contacts) == 0 || g.Contacts[0].Number != "999" {
		t.Fatalf("Annex 1: the first contact must be 999, got %+v", g.Contacts)
	}
	var text strings.Builder
	for _, pt := range g.Points {
		text.WriteString(pt.Text + " ")
		if pt.Clause == "" {
			t.Errorf("guidance %q cites no clause", pt.ID)
		}
	}
	for _, words := range []string{"Never view, copy, print, share, store or save", "ask a child to share or download", "by accident, tell the DSL",
		"Do not delete", "Tell only the DSL about the incident: not parents or carers", "Do not blame or shame", "needs to be reported", "will get support"} {
		if !strings.Contains(text.String(), words) {
			t.Errorf("Annex 1 guidance lacks %q", words)
		}
	}
	for _, c := range g.Contacts[1:] {
		if c.Number != "" || !c.FirstScreen {
			t.Errorf("contact %q: after 999 come the DSO roles from the directory", c.ID)
		}
	}

	inc, err := RaiseIncident(p, &fakeClock{t: testNow()}, "inc-1", practitioner, Origin{Kind: OriginHome}, Customer{})
	must(t, err)
	if err := inc.Describe("Something happened."); !errors.Is(err, ErrGuidanceFirst) {
		t.Errorf("Describe before the guidance: err = %v, want ErrGuidanceFirst", err)
	}
	if err := inc.Classify(Classification{Type: "cyberbullying"}, ""); !errors.Is(err, ErrGuidanceFirst) {
		t.Errorf("Classify before the guidance: err = %v, want ErrGuidanceFirst", err)
	}
	must(t, inc.ConfirmGuidance())
	must(t, inc.Describe("Something happened."))
}

func TestEscalateFromLiveSession(t *testing.T) {
	s, clock := readySession(t)
	must(t, s.Start())
	confirmAll(t, s)
	clock.Advance(20 * time.Minute)
	must(t, s.Mark(Marker{Kind: MarkDisclosure, ExactWords: "My uncle keeps asking for pictures."}))
	clock.Advance(3 * time.Minute)
	inc, err := EscalateSession(s, "inc-7", practitioner, "Customer became upset talking about her phone.")
	must(t, err)

	d := inc.Document()
	if d.Kind != OriginSession || d.SessionID != "rec-1" || d.Elapsed != 23*time.Minute || d.SessionState != Live || d.Platform != "teams" {
		t.Errorf("origin = %+v, want the live session rec-1 at 23 min on teams", d.Origin)
	}
	if d.Subject != goodPlan().Customer {
		t.Errorf("subject = %+v, want the plan's customer %+v", d.Subject, goodPlan().Customer)
	}
	if len(d.Disclosures) != 1 || d.Disclosures[0] != "My uncle keeps asking for pictures." {
		t.Errorf("disclosures = %q, want the exact words carried over", d.Disclosures)
	}
	if !d.RaisedAt.Equal(clock.Now()) || d.Author != practitioner.ID || d.Status != IncidentDraft {
		t.Errorf("raised %v by %q status %s", d.RaisedAt, d.Author, d.Status)
	}
	sd := s.Document()
	last := sd.Markers[len(sd.Markers)-1]
	if last.Kind != MarkEscalated || last.IncidentID != "inc-7" || last.Elapsed != 23*time.Minute {
		t.Errorf("the session must be marked escalated with the incident id and time, got %+v", last)
	}
	if c := inc.Chronology(); len(c) != 1 || c[0].Event != EventRaised || !strings.Contains(c[0].Detail, "23 min into the live session") {
		t.Errorf("first chronology entry = %+v", c)
	}

	// A signed record cannot be marked; it is escalated from the record.
	rec := sd
	rec.State = Signed
	inc2, err := RaiseFromRecord(defaultPack(t), clock, "inc-8", practitioner, rec, "Noticed on re-reading.")
	must(t, err)
	if d := inc2.Document(); d.Kind != OriginRecord || d.SessionID != "rec-1" || d.Subject.Reference != "CUS-4821" {
		t.Errorf("from record: %+v", d.Origin)
	}
}

func TestIncidentChronologyIsAppendOnly(t *testing.T) {
	inc, clock := acknowledgedCyberbullying(t)
	before := inc.Document()
	clock.Advance(time.Hour)
	must(t, inc.AddNote("Spoke to her form tutor."))
	must(t, inc.CompleteStep("assess_risk_to_user", "Low risk; she has support at school."))
	must(t, inc.SkipStep("block_websites", "It happened in a private chat app, not on our network."))
	_, err := inc.AddFollowUp("Check the chat has stopped", "Form tutor", clock.Now().AddDate(0, 0, 7))
	must(t, err)
	after := inc.Document()

	c := after.Chronology
	wantEvents := []ChronologyEvent{EventRaised, EventGuidanceConfirmed, EventSubject, EventDescribed, EventClassified, EventIllegal,
		EventImmediateRisk, EventCircumstances, EventReported, EventAcknowledged, EventNote, EventStepDone, EventStepSkipped, EventFollowUpSet}
	if len(c) != len(wantEvents) {
		t.Fatalf("chronology has %d entries, want %d: %+v", len(c), len(wantEvents), c)
	}
	for k, e := range c {
		if e.Event != wantEvents[k] || e.Seq != k+1 || e.By == "" || e.At.IsZero() || e.Detail == "" {
			t.Errorf("entry %d = %+v, want event %s with who, when and what", k, e, wantEvents[k])
		}
		if k > 0 && e.At.Before(c[k-1].At) {
			t.Errorf("entry %d is earlier than the one before it", k)
		}
	}
	if c[5].Rationale != "Unkind messages; no threats, no images." || c[12].Rationale == "" {
		t.Errorf("decisions must carry their rationale: %+v, %+v", c[5], c[12])
	}
	if c[1].By != practitioner.ID || c[9].By != dsl.ID {
		t.Errorf("who: guidance by %q, acknowledgement by %q", c[1].By, c[9].By)
	}

	if err := after.Extends(before); err != nil {
		t.Errorf("a later version must extend the earlier: %v", err)
	}
	rewritten := inc.Document()
	rewritten.Chronology[5].Rationale = "It was illegal after all."
	if err := rewritten.Extends(before); err == nil {
		t.Error("a version that rewrites a chronology entry must be refused")
	}
	if err := before.Extends(after); err == nil {
		t.Error("a version that loses entries must be refused")
	}
	// The copy handed out is not the incident's own.
	after.Chronology[0].Detail = "tampered"
	if inc.Chronology()[0].Detail == "tampered" {
		t.Error("Document must return a copy")
	}
}

func TestIncidentAcknowledgement(t *testing.T) {
	clock := &fakeClock{t: testNow()}
	inc := raised(t, clock)
	must(t, inc.SetSubject(Customer{Reference: "CUS-1601", Age: 16}, ""))
	must(t, inc.Describe("Disclosure in a phone call."))
	if _, ok := inc.TimeToAcknowledge(); ok {
		t.Error("not acknowledged yet")
	}
	inc.actor = dsl
	if err := inc.Acknowledge(); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("acknowledge a draft: err = %v, want a transition error", err)
	}
	inc.actor = practitioner
	clock.Advance(5 * time.Minute)
	must(t, inc.Report())
	clock.Advance(42 * time.Minute)
	if err := inc.Acknowledge(); !errors.Is(err, ErrSafeguardingOnly) {
		t.Errorf("practitioner acknowledges: err = %v, want ErrSafeguardingOnly", err)
	}
	if err := inc.Classify(Classification{Type: "cyberbullying"}, ""); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("practitioner classifies after reporting: err = %v, want a transition error", err)
	}
	// The practitioner can still add what they learn.
	must(t, inc.AddNote("She rang back to say she is safe."))

	inc.actor = dsl
	must(t, inc.Acknowledge())
	d, ok := inc.TimeToAcknowledge()
	if !ok || d != 47*time.Minute {
		t.Errorf("time to acknowledge = %v %v, want 47m from the escalation", d, ok)
	}
	c := inc.Chronology()
	if last := c[len(c)-1]; last.Event != EventAcknowledged || !strings.Contains(last.Detail, "47 min") {
		t.Errorf("acknowledgement entry = %+v", last)
	}
	if err := inc.Acknowledge(); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("acknowledge twice: err = %v", err)
	}
	// report_to_dso and referred_to_dsl are done by the report itself.
	for _, s := range inc.Requirements().Steps {
		if (s.Step.ID == "report_to_dso" || s.Step.ID == "referred_to_dsl") && !s.Done {
			t.Errorf("%s should be done by the report", s.Step.ID)
		}
	}
}

func TestIncidentFollowUpsOverdue(t *testing.T) {
	inc, clock := acknowledgedCyberbullying(t)
	tomorrow := startOfDay(clock.Now()).AddDate(0, 0, 1)
	if _, err := inc.AddFollowUp("Check in", "DSL", clock.Now().AddDate(0, 0, -2)); Fields(err).For("due") == "" {
		t.Errorf("a due date in the past: err = %v, want a due field error", err)
	}
	if _, err := inc.AddFollowUp("", "", time.Time{}); len(Fields(err)) != 3 {
		t.Errorf("empty follow-up: want what, who and due errors together, got %v", err)
	}
	id, err := inc.AddFollowUp("Check the group chat has stopped", "Form tutor", tomorrow)
	must(t, err)
	if len(inc.OverdueFollowUps()) != 0 {
		t.Error("not overdue before its day")
	}
	clock.t = tomorrow.Add(23 * time.Hour)
	if len(inc.OverdueFollowUps()) != 0 {
		t.Error("not overdue on its day")
	}
	clock.t = tomorrow.AddDate(0, 0, 1).Add(time.Minute)
	if o := inc.OverdueFollowUps(); len(o) != 1 || o[0].ID != id {
		t.Errorf("overdue the day after: %+v", o)
	}
	if err := inc.CompleteFollowUp(id, ""); Fields(err).For("follow_ups."+id) == "" {
		t.Errorf("completing without a note: err = %v", err)
	}
	must(t, inc.CompleteFollowUp(id, "The chat was closed by the school; no new messages."))
	if len(inc.OverdueFollowUps()) != 0 {
		t.Error("a done follow-up is not overdue")
	}
	if err := inc.CompleteFollowUp(id, "again"); err == nil {
		t.Error("completing twice must be refused")
	}
	// Setting a follow-up completes the Annex 1 "monitor" step.
	for _, s := range inc.Requirements().Steps {
		if s.Step.ID == "monitor" && !s.Done {
			t.Error("monitor should be done by the follow-up")
		}
	}
}

func TestIncidentCloseRules(t *testing.T) {
	// Aggravated sharing: police and children's social care are required.
	clock := &fakeClock{t: testNow()}
	inc := raised(t, clock)
	must(t, inc.SetSubject(Customer{Reference: "CUS-1507", Age: 15}, ""))
	must(t, inc.Describe("An older pupil is threatening to share her image."))
	must(t, inc.Report())
	inc.actor = dsl
	clock.Advance(10 * time.Minute)
	must(t, inc.Acknowledge())

	err := inc.Close("", "")
	fe := Fields(err)
	for _, f := range []string{"outcome", "type", "illegal", "immediate_risk"} {
		if fe.For(f) == "" {
			t.Errorf("close unclassified: want an error on %q, got %v", f, err)
		}
	}
	must(t, inc.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "aggravated"}, ""))
	must(t, inc.SetImmediateRisk(false, "The image has not been shared yet; she is at school with staff."))
	// Annex 1 "establish the severity" and 3.4.7.2's three questions must
	// be answered before closing.
	if fe := Fields(inc.Close("Handled.", "r")); fe.For("questions.severity") == "" || fe.For("questions.intent_to_harm") == "" ||
		fe.For("questions.reckless_misuse") == "" || fe.For("questions.other_party") == "" {
		t.Errorf("close with the questions unanswered: %v", fe)
	}
	must(t, inc.SetCircumstances(Circumstances{Severity: "serious", OtherParty: &OtherParty{Is: PartyChild, Age: 16, Relationship: RelPeer},
		NudeImagery: yes(), IntentToHarm: yes(), RecklessMisuse: no(), SharedWithoutConsent: no(), ThreatsOrCoercion: yes()}, ""))

	// A required route without a referral or a reason blocks closing, even
	// with a blanket reason: each decision not to refer needs its own.
	err = inc.Close("Handled.", "The family moved away.")
	if Fields(err).For("routes.police") == "" || Fields(err).For("routes.childrens_social_care") == "" {
		t.Errorf("close with required routes open: err = %v", err)
	}
	must(t, inc.RecordReferral(IncidentReferral{RouteID: "police", Reference: "CAD 1234 25/11", Note: "Spoke to the duty officer."}))
	if err := inc.DeclineRoute("childrens_social_care", ""); Fields(err).For("routes.childrens_social_care") == "" {
		t.Errorf("declining without a reason: err = %v", err)
	}
	must(t, inc.DeclineRoute("childrens_social_care", "Police are leading and have informed social care themselves."))

	// Required steps still open: listed, and closing needs a reason.
	err = inc.Close("Police investigating; image not shared.", "")
	fe = Fields(err)
	for _, f := range []string{"steps.secure_evidence", "steps.record_imagery_location", "steps.initial_review_meeting", "steps.parents_informed", "steps.allow_authorities", "reason"} {
		if fe.For(f) == "" {
			t.Errorf("close with steps outstanding: want %q, got %v", f, err)
		}
	}
	if fe.For("steps.dso_referral") != "" {
		t.Error("dso_referral is done by the police referral")
	}
	if inc.Status() != IncidentAcknowledged {
		t.Fatal("a refused close must change nothing")
	}
	// A follow-up left open is listed too.
	_, err = inc.AddFollowUp("Check with police", "DSL", clock.Now().AddDate(0, 0, 14))
	must(t, err)
	if fe := Fields(inc.Close("x", "")); fe.For("follow_ups.f1") == "" {
		t.Errorf("open follow-up not listed: %v", fe)
	}

	must(t, inc.Close("Police investigating; image not shared.", "The police asked us to take no further steps while they investigate."))
	d := inc.Document()
	if d.Status != IncidentClosed || d.CloseReason == "" || d.ClosedBy != dsl.ID {
		t.Errorf("closed: %+v", d)
	}
	if last := d.Chronology[len(d.Chronology)-1]; last.Event != EventClosed || !strings.Contains(last.Detail, "left undone") || last.Rationale == "" {
		t.Errorf("close entry = %+v", last)
	}
	for _, f := range []func() error{
		func() error { return inc.AddNote("late") },
		func() error { return inc.Close("again", "r") },
		func() error { return inc.DeclineRoute("police", "r") },
		func() error { _, err := inc.AddFollowUp("a", "b", clock.Now()); return err },
	} {
		if err := f(); !errors.Is(err, ErrIllegalTransition) {
			t.Errorf("change after close: err = %v, want a transition error", err)
		}
	}
}

func TestIncidentClosesCleanlyWhenAllIsDone(t *testing.T) {
	inc, clock := acknowledgedCyberbullying(t)
	inc.actor = practitioner
	must(t, inc.CompleteStep("assess_risk_to_user", "Low; support at school."))
	inc.actor = dsl
	must(t, inc.CompleteStep("report_relevant_person", "Safeguarding team (welfare)."))
	must(t, inc.CompleteStep("record_steps", "As in this chronology."))
	if err := inc.CompleteStep("parents_decision", ""); Fields(err).For("steps.parents_decision") == "" {
		t.Errorf("Annex 1: the DSL's decision on parents needs its reason: %v", err)
	}
	must(t, inc.CompleteStep("parents_decision", "Mother told by phone: she can help watch the chat; no risk to the child from telling her."))
	id, err := inc.AddFollowUp("Check the chat has stopped", "Form tutor", clock.Now().AddDate(0, 0, 7))
	must(t, err)
	clock.Advance(7 * 24 * time.Hour)
	must(t, inc.CompleteFollowUp(id, "No further messages."))
	must(t, inc.Close("Bullying stopped; support in place at school.", "ignored when nothing is left"))
	if d := inc.Document(); d.CloseReason != "" || d.Outcome == "" {
		t.Errorf("nothing left undone: close reason %q, outcome %q", d.CloseReason, d.Outcome)
	}
}

func TestIncidentNoAttachmentRule(t *testing.T) {
	cases := []struct {
		name  string
		class Classification
		age   int
		allow bool
		words string
		// ask: the form asks where the imagery is, never for it (Annex 1
		// guidance; Requirements.AskImagery).
		ask bool
	}{
		{"Annex 1 nothing before classification", Classification{}, 16, false, "Classify the incident first", false},
		{"3.4.5 nudes and semi-nudes", Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, 16, false, "never view, copy, print, share, store or save", true},
		{"3.4.5 nudes of an adult too", Classification{Type: "nudes_semi_nudes", Subtype: "aggravated"}, 30, false, "Record where it is", true},
		{"3.3 digital images", Classification{Type: "digital_images"}, 30, false, "never copy, store or save imagery", true},
		{"3.6f indecent images", Classification{Type: "cybercrime", Subtype: "indecent_images"}, 30, false, "never be viewed", true},
		{"Annex 1 illegal grooming: do not send materials on", Classification{Type: "grooming"}, 14, false, "do not send materials on", true},
		{"3.1 cyberbullying screenshots", Classification{Type: "cyberbullying"}, 15, true, "", false},
	}
	for _, tc := range cases {
		inc := raised(t, &fakeClock{t: testNow()})
		must(t, inc.SetSubject(Customer{Reference: "CUS-1000", Age: tc.age}, ""))
		if tc.class.Type != "" {
			must(t, inc.Classify(tc.class, ""))
		}
		ok, why := inc.AttachmentsAllowed()
		if ok != tc.allow || !strings.Contains(why, tc.words) {
			t.Errorf("%s: AttachmentsAllowed = %v %q, want %v mentioning %q", tc.name, ok, why, tc.allow, tc.words)
		}
		r := inc.Requirements()
		if r.AttachmentsAllowed != ok || r.AttachmentsReason != why {
			t.Errorf("%s: Requirements disagree with AttachmentsAllowed", tc.name)
		}
		if r.AskImagery != tc.ask {
			t.Errorf("%s: AskImagery = %v, want %v", tc.name, r.AskImagery, tc.ask)
		}
	}
}

func TestIncidentImageryAttestation(t *testing.T) {
	clock := &fakeClock{t: testNow()}
	inc := raised(t, clock)
	must(t, inc.SetSubject(Customer{Reference: "CUS-1601", Age: 16}, ""))
	must(t, inc.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, ""))

	fe := Fields(inc.RecordImagery(Imagery{}))
	if fe.For("imagery.platform") == "" || fe.For("imagery.attestation") == "" {
		t.Errorf("empty imagery: %v", fe)
	}
	fe = Fields(inc.RecordImagery(Imagery{Platform: "Snapchat", Attestation: ViewedByAccident, ViewedAt: clock.Now().Add(time.Hour)}))
	if fe.For("imagery.viewed_at") == "" || fe.For("imagery.viewed_how") == "" {
		t.Errorf("seen by accident needs when (not in the future) and how: %v", fe)
	}
	must(t, inc.RecordImagery(Imagery{Platform: "Snapchat", Account: "@pupil_a", Attestation: ViewedByAccident,
		ViewedAt: clock.Now().Add(-30 * time.Minute), ViewedHow: "The pupil held up her phone before I could stop her."}))
	d := inc.Document()
	if d.Imagery == nil || d.Imagery.RecordedBy != practitioner.ID || d.Imagery.Platform != "Snapchat" {
		t.Fatalf("imagery = %+v", d.Imagery)
	}
	last := d.Chronology[len(d.Chronology)-1]
	if last.Event != EventImagery || !strings.Contains(last.Detail, "Seen by accident") || !strings.Contains(last.Detail, "DSL") {
		t.Errorf("imagery entry = %+v", last)
	}
	for _, s := range inc.Requirements().Steps {
		if s.Step.ID == "record_imagery_location" && !s.Done {
			t.Error("record_imagery_location should be done")
		}
	}
	must(t, inc.RecordImagery(Imagery{URL: "https://example.invalid/x", Attestation: NotViewed, ViewedHow: "ignored"}))
	if im := inc.Document().Imagery; im.ViewedHow != "" || !im.ViewedAt.IsZero() {
		t.Errorf("not viewed carries no viewing details: %+v", im)
	}
}

func TestIncidentValidationMessages(t *testing.T) {
	cases := []struct {
		name  string
		do    func(*Incident) error
		field string
		words string
	}{
		{"2.9h a name is not a reference", func(i *Incident) error { return i.SetSubject(Customer{Reference: "Jane Smith", Age: 15}, "") }, "subject.reference", "not their name"},
		{"3.4.5 a 15-year-old is not an adult at risk", func(i *Incident) error {
			return i.SetSubject(Customer{Reference: "CUS-1", Age: 15, AdultAtRisk: true}, "")
		}, "subject.adult_at_risk", "a child"},
		{"1.4 type required", func(i *Incident) error { return i.Classify(Classification{}, "") }, "type", "Choose the type"},
		{"1.4 unknown category", func(i *Incident) error {
			return i.Classify(Classification{Type: "cyberbullying", Category: "comedy"}, "")
		}, "category", "content, contact, conduct or commerce"},
		{"3.4.7.2 answers that aggravate make experimental refused", func(i *Incident) error {
			if err := i.SetCircumstances(Circumstances{IntentToHarm: yes()}, ""); err != nil {
				return err
			}
			return i.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, "")
		}, "subtype", "aggravated (3.4.7.1)"},
		{"Annex 1 the other person's age must agree with adult or child", func(i *Incident) error {
			return i.SetCircumstances(Circumstances{OtherParty: &OtherParty{Is: PartyChild, Age: 24}}, "")
		}, "other_party.age", "adult, not a child"},
		{"3.4.3.2 another young person by reference, not a name", func(i *Incident) error {
			return i.SetCircumstances(Circumstances{YoungPeople: []YoungPerson{{Reference: "Sam Jones", Role: RoleShared}}}, "")
		}, "young_people[0].reference", "not their name"},
		{"3.4.3.2 another young person is not the subject again", func(i *Incident) error {
			return i.SetCircumstances(Circumstances{YoungPeople: []YoungPerson{{Reference: "CUS-1601", Role: RoleShared}}}, "")
		}, "young_people[0].reference", "already listed"},
		{"Annex 1 severity from the pack's scale", func(i *Incident) error {
			return i.SetCircumstances(Circumstances{Severity: "apocalyptic"}, "")
		}, "severity", "from the list"},
		{"Annex 1 a changed answer needs its rationale", func(i *Incident) error {
			if err := i.SetCircumstances(Circumstances{IntentToHarm: no()}, ""); err != nil {
				return err
			}
			return i.SetCircumstances(Circumstances{IntentToHarm: yes()}, "")
		}, "rationale", "intent to harm"},
		{"3.6 unknown kind", func(i *Incident) error {
			return i.Classify(Classification{Type: "cybercrime", Subtype: "experimental"}, "")
		}, "subtype", "not a kind of cybercrime"},
		{"3.4.7.2 an adult involved is never experimental", func(i *Incident) error {
			return i.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "experimental", AdultInvolved: true}, "")
		}, "subtype", "aggravated (3.4.7.1)"},
		{"3.4.5 imagery of a child cannot be answered not illegal", func(i *Incident) error {
			if err := i.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, ""); err != nil {
				return err
			}
			return i.SetIllegal(false, "They are both 16 and agreed.")
		}, "illegal", "3.4.5"},
		{"Annex 1 not illegal needs a reason", func(i *Incident) error { return i.SetIllegal(false, " ") }, "illegal_rationale", "why"},
		{"Annex 1 no immediate risk needs a reason", func(i *Incident) error { return i.SetImmediateRisk(false, "") }, "immediate_risk_rationale", "why"},
		{"Annex 1 report needs what happened", func(i *Incident) error { return i.Report() }, "description", "what happened"},
		{"Annex 1 a reclassification needs its rationale", func(i *Incident) error {
			if err := i.Classify(Classification{Type: "cyberbullying"}, ""); err != nil {
				return err
			}
			return i.Classify(Classification{Type: "grooming"}, "")
		}, "rationale", "why the classification"},
		{"Annex 1 a step done by a referral is not ticked by hand", func(i *Incident) error { return i.CompleteStep("report_to_dso", "") }, "steps.report_to_dso", "skipped with a reason"},
		{"Annex 1 a skipped step needs its reason", func(i *Incident) error { return i.SkipStep("report_to_dso", "") }, "steps.report_to_dso", "Say why"},
		{"Annex 1 a step that does not apply", func(i *Incident) error { return i.CompleteStep("secure_evidence", "") }, "steps.secure_evidence", "does not apply"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inc := raised(t, &fakeClock{t: testNow()})
			must(t, inc.SetSubject(Customer{Reference: "CUS-1601", Age: 16}, ""))
			err := tc.do(inc)
			msg := Fields(err).For(tc.field)
			if msg == "" || !strings.Contains(msg, tc.words) {
				t.Errorf("err = %v; want field %q mentioning %q", err, tc.field, tc.words)
			}
		})
	}

	// The DSL's referral form.
	inc, clock := acknowledgedCyberbullying(t)
	fe := Fields(inc.RecordReferral(IncidentReferral{RouteID: "childrens_social_care", ReferredAt: clock.Now().Add(time.Hour)}))
	if fe.For("reference") == "" || fe.For("referred_at") == "" {
		t.Errorf("referral without reference, in the future: %v", fe)
	}
	if err := inc.RecordReferral(IncidentReferral{RouteID: "ceop", Reference: "X"}); Fields(err).For("routes.ceop") == "" {
		t.Errorf("CEOP is not a route for cyberbullying: %v", err)
	}
	if err := inc.RecordReferral(IncidentReferral{RouteID: "nowhere", Reference: "X"}); Fields(err).For("route") == "" {
		t.Errorf("unknown route: %v", err)
	}
	if err := inc.SavePreventSummary(PreventSummary{}); Fields(err).For("prevent") == "" {
		t.Errorf("Prevent summary on cyberbullying: %v", err)
	}
}

func TestIncidentAdultAtRiskBranch(t *testing.T) {
	inc := raised(t, &fakeClock{t: testNow()})
	must(t, inc.SetSubject(Customer{Reference: "CUS-5511", Age: 55, AdultAtRisk: true}, ""))
	must(t, inc.Describe("Someone online is asking him for money and pictures."))
	must(t, inc.Classify(Classification{Type: "grooming", WelfareConcern: true}, ""))
	if fixed, _ := inc.IllegalFixed(); fixed {
		t.Error("3.5: grooming is fixed illegal for children only; for an adult it is a question")
	}
	must(t, inc.SetIllegal(true, "Blackmail is a crime."))
	must(t, inc.SetImmediateRisk(false, "He has stopped replying; his support worker is with him."))
	r := inc.Requirements()
	if !r.AdultAtRisk || r.Child {
		t.Errorf("branch: adult at risk %v, child %v", r.AdultAtRisk, r.Child)
	}
	checkAll(t, "required route", r.RequiredRoutes(), []string{"adult_safeguarding"}, true)
	checkAll(t, "required step", r.RequiredSteps(), []string{"care_act_criteria"}, true)
	checkAll(t, "offered route", r.OfferedRoutes(), []string{"ceop", "iwf", "report_remove", "childrens_social_care"}, false)
	checkAll(t, "offered step", r.OfferedSteps(), []string{"parents_informed", "interviews", "immediate_referral"}, false)
	for _, id := range []string{"ceop", "childrens_social_care", "parents_informed"} {
		if why := r.ExcludedReason(id); !strings.Contains(why, "adult") {
			t.Errorf("%s: reason %q should explain the adult branch", id, why)
		}
	}
	var care IncidentStep
	for _, s := range r.Steps {
		if s.Step.ID == "care_act_criteria" {
			care = s.Step
		}
	}
	for _, words := range []string{"care and support", "abuse or neglect", "cannot protect themselves"} {
		if !strings.Contains(care.Text, words) {
			t.Errorf("Care Act s42 criteria lack %q", words)
		}
	}
	// An unknown age is a child unless known to be an adult at risk.
	inc2 := raised(t, &fakeClock{t: testNow()})
	must(t, inc2.SetSubject(Customer{Reference: "CUS-0000"}, ""))
	if !inc2.Requirements().Child {
		t.Error("an unknown age counts as a child")
	}
}

func TestIncidentPreventSummary(t *testing.T) {
	s, clock := readySession(t)
	must(t, s.Start())
	clock.Advance(15 * time.Minute)
	must(t, s.Mark(Marker{Kind: MarkDisclosure, ExactWords: "They're the only ones who get it. I've been watching their videos every night."}))
	inc, err := EscalateSession(s, "inc-9", practitioner, "Talking about his friends online.")
	must(t, err)
	must(t, inc.ConfirmGuidance())
	must(t, inc.Describe("Learner shared a link to a channel posting extremist videos."))
	must(t, inc.Classify(Classification{Type: "radicalisation", WelfareConcern: true}, ""))
	must(t, inc.SetIllegal(false, "Viewing, not sharing; no terrorist material identified."))
	must(t, inc.SetImmediateRisk(false, "No plans to act; at home with family."))
	must(t, inc.AddNote("Discussed with the learner: he agreed to talk to his tutor."))
	must(t, inc.Report())
	inc.actor = dsl
	must(t, inc.Acknowledge())

	p := inc.PreventDraft()
	for _, c := range []struct{ field, got, want string }{
		{"how", p.HowConcernArose, "Talking about his friends online."},
		{"how", p.HowConcernArose, "extremist videos"},
		{"how", p.HowConcernArose, "15 min into the live session"},
		{"indicators", p.Indicators, "watching their videos every night"},
		{"indicators", p.Indicators, "Radicalisation and extremism"},
		{"online", p.OnlineActivity, "Microsoft Teams"},
		{"needs", p.Needs, "aged 16"},
		{"discussions", p.DiscussionsHeld, "agreed to talk to his tutor"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("Prevent draft %s = %q, want it to mention %q", c.field, c.got, c.want)
		}
	}
	p.OnlineActivity = ""
	if fe := Fields(inc.SavePreventSummary(p)); fe.For("prevent.online_activity") == "" {
		t.Errorf("empty online activity: %v", fe)
	}
	p.OnlineActivity = "YouTube channel; link recorded by the DSL."
	must(t, inc.SavePreventSummary(p))
	r := inc.Requirements()
	if !r.Prevent {
		t.Error("Prevent should be offered")
	}
	for _, st := range r.Steps {
		if st.Step.ID == "prevent_summary" && !st.Done {
			t.Error("prevent_summary should be done")
		}
	}
	if got := inc.PreventDraft(); got.OnlineActivity != p.OnlineActivity {
		t.Error("the saved summary is returned once saved")
	}
}

func TestIncidentDocumentRoundTrip(t *testing.T) {
	s, clock := readySession(t)
	must(t, s.Start())
	clock.Advance(10 * time.Minute)
	inc, err := EscalateSession(s, "inc-3", practitioner, "")
	must(t, err)
	must(t, inc.ConfirmGuidance())
	must(t, inc.Describe("Disclosed danger at home."))
	must(t, inc.Classify(Classification{Type: "other_concern"}, ""))
	must(t, inc.SetImmediateRisk(true, ""))
	must(t, inc.Report())

	b, err := json.Marshal(inc.Document())
	must(t, err)
	var doc IncidentDocument
	must(t, json.Unmarshal(b, &doc))
	// The case queue reads these from the decoded document.
	if doc.ID != "inc-3" || doc.Author != practitioner.ID || doc.Category != "contact" || doc.Type != "other_concern" ||
		doc.ImmediateRisk == nil || !*doc.ImmediateRisk || doc.SessionID != "rec-1" || !doc.RaisedAt.Equal(inc.Document().RaisedAt) {
		t.Errorf("decoded incident = %+v", doc)
	}
	back, err := RestoreIncident(defaultPack(t), clock, doc, dsl)
	must(t, err)
	if err := back.Document().Extends(inc.Document()); err != nil {
		t.Errorf("restored document: %v", err)
	}
	must(t, back.Acknowledge())
	if _, err := RestoreIncident(defaultPack(t), clock, IncidentDocument{ID: "x"}, dsl); err == nil {
		t.Error("restoring a document without status or chronology must fail")
	}
	other := doc
	other.PackID = "another-pack"
	if _, err := RestoreIncident(defaultPack(t), clock, other, dsl); err == nil {
		t.Error("restoring under another pack must fail")
	}
}

// 3.4.5: classifying as nude imagery of a child after answering "not
// illegal" writes the policy's answer in, so the record never contradicts
// itself.
func TestIncidentReclassificationFixesIllegal(t *testing.T) {
	inc := raised(t, &fakeClock{t: testNow()})
	must(t, inc.SetSubject(Customer{Reference: "CUS-1601", Age: 16}, ""))
	must(t, inc.Classify(Classification{Type: "cyberbullying"}, ""))
	must(t, inc.SetIllegal(false, "Name-calling only."))
	must(t, inc.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, "An image was shared in the chat."))
	d := inc.Document()
	if d.Illegal == nil || !*d.Illegal {
		t.Fatalf("illegal = %v, want yes", d.Illegal)
	}
	if last := d.Chronology[len(d.Chronology)-1]; last.Event != EventIllegal || !strings.Contains(last.Rationale, "3.4.5") {
		t.Errorf("the change must be chronicled with its reason: %+v", last)
	}
	if r := inc.Requirements(); r.Branch != BranchIllegal || !r.IllegalFixed {
		t.Errorf("branch %s fixed %v", r.Branch, r.IllegalFixed)
	}
}

func TestAckLate(t *testing.T) {
	raised := testNow()
	cases := []struct {
		name string
		doc  IncidentDocument
		now  time.Time
		late bool
	}{
		{"Annex 1 waiting within a day", IncidentDocument{RaisedAt: raised, Status: IncidentReported}, raised.Add(23 * time.Hour), false},
		{"Annex 1 still waiting after a day", IncidentDocument{RaisedAt: raised, Status: IncidentReported}, raised.Add(25 * time.Hour), true},
		{"Annex 1 acknowledged in time", IncidentDocument{RaisedAt: raised, AcknowledgedAt: raised.Add(2 * time.Hour)}, raised.Add(72 * time.Hour), false},
		{"Annex 1 acknowledged late", IncidentDocument{RaisedAt: raised, AcknowledgedAt: raised.Add(30 * time.Hour)}, raised.Add(31 * time.Hour), true},
		{"closed without acknowledgement is not waiting", IncidentDocument{RaisedAt: raised, Status: IncidentClosed}, raised.Add(72 * time.Hour), false},
	}
	for _, tc := range cases {
		if got := tc.doc.AckLate(tc.now); got != tc.late {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.late)
		}
	}
}
