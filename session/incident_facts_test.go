package session

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// Issue 13 2.5: a fact the rules read but no input sets is a dead rule.
// Every incident the public API can build from a range of inputs is
// collected; every fact a rule of the default pack names must be seen to
// hold (and, where a rule negates it, not to hold), and so must every fact
// the flow lists.
func TestNoDeadFacts(t *testing.T) {
	p := defaultPack(t)
	seenTrue, seenFalse := map[string]bool{}, map[string]bool{}
	note := func(inc *Incident) {
		got := inc.Facts()
		for _, f := range got {
			seenTrue[f] = true
		}
		for _, f := range IncidentFacts {
			if !slices.Contains(got, f) {
				seenFalse[f] = true
			}
		}
	}
	subjects := []Customer{child16, {Reference: "CUS-3030", Age: 30}, adultRisk, {Reference: "CUS-9999"}}
	circs := []Circumstances{
		{},
		experimentalAnswers,
		{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStaff}, NudeImagery: yes(), IntentToHarm: yes(), RecklessMisuse: yes(), SharedWithoutConsent: yes(), ThreatsOrCoercion: yes(), CompanySystems: yes()},
		{OtherParty: &OtherParty{Is: PartyUnknown, Relationship: RelFamily}, NudeImagery: no(), YoungPeople: []YoungPerson{{Reference: "CUS-7001", Role: RoleShared}}},
		{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStrangerOnline}},
		{OtherParty: &OtherParty{Is: PartyChild, Relationship: RelPartner}},
	}
	k := 0
	for _, subject := range subjects {
		for _, ty := range p.Incident.Types {
			subs := []string{""}
			for _, st := range ty.Subtypes {
				subs = append(subs, st.ID)
			}
			for _, sub := range subs {
				for ci, c := range circs {
					for _, answer := range []bool{true, false} {
						k++
						inc := raised(t, &fakeClock{t: testNow()})
						must(t, inc.SetSubject(subject, ""))
						if inc.Classify(Classification{Type: ty.ID, Subtype: sub, WelfareConcern: answer}, "") != nil {
							continue
						}
						c.Severity = p.Incident.Severities[k%len(p.Incident.Severities)].ID
						_ = inc.SetCircumstances(c, "")
						_ = inc.SetIllegal(answer, "Considered.")
						_ = inc.SetImmediateRisk(answer != (ci%2 == 0), "Considered.")
						note(inc)
					}
				}
			}
		}
	}
	// Raised from a live session.
	s, clock := readySession(t)
	must(t, s.Start())
	clock.Advance(5 * time.Minute)
	inc, err := EscalateSession(s, "inc-live", practitioner, "")
	must(t, err)
	note(inc)

	// Facts named anywhere in the pack's rules.
	named := map[string]bool{} // fact -> negated somewhere
	use := func(conds []Condition) {
		for _, c := range conds {
			terms, err := parseCondition(c)
			if err != nil {
				t.Errorf("condition %q: %v", c, err)
				continue
			}
			for _, tm := range terms {
				named[tm.fact] = named[tm.fact] || tm.not
			}
		}
	}
	rule := func(r Rule) { use(r.Offer); use(r.Require); use(r.Never) }
	use(p.Incident.IllegalWhen)
	for _, ty := range p.Incident.Types {
		use(ty.IllegalWhen)
	}
	for _, c := range p.Incident.Contacts {
		rule(c.Rule)
	}
	for _, s := range p.Incident.Steps {
		rule(s.Rule)
	}
	for _, r := range p.Incident.Routes {
		rule(r.Rule)
	}
	for _, q := range p.Incident.Questions {
		rule(q.Rule)
	}
	for _, f := range IncidentFacts {
		if _, ok := named[f]; !ok {
			named[f] = false
		}
	}
	for f, negated := range named {
		if !seenTrue[f] {
			t.Errorf("fact %q is named by a rule but no input sets it", f)
		}
		if negated && !seenFalse[f] && !strings.Contains(f, ":") {
			t.Errorf("fact %q is negated by a rule but never fails to hold", f)
		}
	}
}

// Issue 13 2.1: the questions are asked in plain words, each with why it
// matters and its clause; 3.4.7.2's three (adult, intent to harm, reckless
// misuse) are all asked of a nudes incident involving a child.
func TestIncidentQuestionsFromThePolicy(t *testing.T) {
	p := defaultPack(t)
	for _, q := range p.Incident.Questions {
		if q.Text == "" || q.Why == "" || q.Clause == "" {
			t.Errorf("question %q lacks text, why or clause", q.ID)
		}
	}
	inc := raised(t, &fakeClock{t: testNow()})
	must(t, inc.SetSubject(child16, ""))
	must(t, inc.Classify(Classification{Type: "nudes_semi_nudes"}, ""))
	checkAll(t, "3.4.7.2 required question", inc.Requirements().RequiredQuestions(), []string{"other_party", "intent_to_harm", "reckless_misuse", "severity", "nude_imagery"}, true)

	// Annex 1 severity is on a scale the pack defines.
	if len(p.Incident.Severities) < 3 {
		t.Errorf("Annex 1: the severity scale has %d levels", len(p.Incident.Severities))
	}
}

// 3.4.7.2 3.4.7.1: an "experimental" classification becomes aggravated
// when the answers show an abusive element, and says so in the chronology.
func TestAnswersTurnExperimentalIntoAggravated(t *testing.T) {
	inc := raised(t, &fakeClock{t: testNow()})
	must(t, inc.SetSubject(child16, ""))
	must(t, inc.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, ""))
	must(t, inc.SetCircumstances(with(experimentalAnswers, func(c *Circumstances) { c.ThreatsOrCoercion = yes() }), ""))
	d := inc.Document()
	if d.Subtype != "aggravated" {
		t.Errorf("subtype = %q, want aggravated", d.Subtype)
	}
	last := d.Chronology[len(d.Chronology)-1]
	if last.Event != EventClassified || !strings.Contains(last.Rationale, "3.4.7.1") {
		t.Errorf("the change is not in the chronology with its reason: %+v", last)
	}
	checkAll(t, "required route", inc.Requirements().RequiredRoutes(), []string{"police"}, true)
}

// Annex 1 3.4.5: once imagery is recorded as involved, whatever the type,
// nothing can be attached and "evidenced and removed" is never offered.
func TestImageryRuleFollowsTheRecord(t *testing.T) {
	for _, how := range []string{"answered", "location recorded"} {
		inc := raised(t, &fakeClock{t: testNow()})
		must(t, inc.SetSubject(Customer{Reference: "CUS-3030", Age: 30}, ""))
		must(t, inc.Classify(Classification{Type: "cyberbullying"}, ""))
		must(t, inc.SetIllegal(false, "Unkind messages."))
		if ok, _ := inc.AttachmentsAllowed(); !ok {
			t.Fatalf("%s: cyberbullying without imagery should allow screenshots", how)
		}
		if how == "answered" {
			must(t, inc.SetCircumstances(Circumstances{NudeImagery: yes()}, ""))
		} else {
			must(t, inc.RecordImagery(Imagery{Platform: "Instagram", Attestation: NotViewed}))
		}
		r := inc.Requirements()
		if r.AttachmentsAllowed || !strings.Contains(r.AttachmentsReason, "never view") {
			t.Errorf("%s: attachments %v %q", how, r.AttachmentsAllowed, r.AttachmentsReason)
		}
		if slices.Contains(r.OfferedSteps(), "evidence_and_remove") || r.ExcludedReason("evidence_and_remove") == "" {
			t.Errorf("%s: evidenced and removed must be excluded with its reason", how)
		}
	}
}

// 3.4.7: aggravated nudes incidents are always referred to the police;
// only the DSL can record a decision not to, with the reason, and the
// decision is what the Board's report counts (AggravatedNotReferred).
func TestAggravatedNotReferredToPoliceIsTheDSLsDecision(t *testing.T) {
	clock := &fakeClock{t: testNow()}
	inc := raised(t, clock)
	must(t, inc.SetSubject(child15, ""))
	must(t, inc.Describe("Her image was sent round the year group."))
	must(t, inc.Classify(Classification{Type: "nudes_semi_nudes"}, ""))
	must(t, inc.SetCircumstances(with(experimentalAnswers, func(c *Circumstances) { c.SharedWithoutConsent = yes() }), ""))
	p := defaultPack(t)
	if got := inc.Requirements().RouteWhy("police"); !strings.Contains(got, "should always be referred to the police") {
		t.Errorf("police route why = %q, want the words of 3.4.7", got)
	}
	must(t, inc.Report())
	inc.actor = dsl
	must(t, inc.Acknowledge())
	inc.actor = practitioner
	if err := inc.DeclineRoute("police", "The school is handling it."); !errors.Is(err, ErrSafeguardingOnly) {
		t.Errorf("a practitioner declining the police: err = %v, want ErrSafeguardingOnly", err)
	}
	inc.actor = dsl
	if err := inc.DeclineRoute("police", " "); Fields(err).For("routes.police") == "" {
		t.Errorf("a decision not to refer with no reason: %v", err)
	}
	must(t, inc.DeclineRoute("police", "Images deleted from all devices under police advice line guidance; both pupils supported."))
	if got := p.AggravatedNotReferred(inc.Document()); len(got) != 1 || got[0].By != dsl.ID {
		t.Errorf("AggravatedNotReferred = %+v, want the DSL's one decision", got)
	}
	must(t, inc.RecordReferral(IncidentReferral{RouteID: "police", Reference: "CAD 77"}))
	if got := p.AggravatedNotReferred(inc.Document()); len(got) != 0 {
		t.Errorf("after a referral nothing is counted: %+v", got)
	}

	// An experimental incident not referred is not counted.
	exp := raised(t, clock)
	must(t, exp.SetSubject(child16, ""))
	must(t, exp.Describe("Two 16-year-olds exchanged images."))
	must(t, exp.Classify(Classification{Type: "nudes_semi_nudes"}, ""))
	must(t, exp.SetCircumstances(experimentalAnswers, ""))
	must(t, exp.Report())
	exp.actor = dsl
	must(t, exp.Acknowledge())
	must(t, exp.DeclineRoute("police", "Experimental, handled in school (3.4.7)."))
	if got := p.AggravatedNotReferred(exp.Document()); len(got) != 0 {
		t.Errorf("experimental counted as aggravated: %+v", got)
	}
}

// 1.4.2 sextortion: the guidance says do not pay, do not delete, report,
// and no text of the incident flow blames the person it happened to (most
// victims are boys aged 14 to 18).
func TestSextortionAdviceAndNoVictimBlaming(t *testing.T) {
	inc := raised(t, &fakeClock{t: testNow()})
	must(t, inc.SetSubject(child15, ""))
	must(t, inc.Classify(Classification{Type: "sextortion"}, ""))
	advice := strings.ToLower(strings.Join(inc.Requirements().Advice, " "))
	for _, want := range []string{"do not pay", "do not delete", "report"} {
		if !strings.Contains(advice, want) {
			t.Errorf("sextortion advice lacks %q: %s", want, advice)
		}
	}
	p := defaultPack(t)
	var texts []string
	ip := p.Incident
	for _, g := range ip.Guidance {
		texts = append(texts, g.Text)
	}
	for _, ty := range ip.Types {
		texts = append(texts, ty.Label, ty.Help, ty.IllegalReason, ty.NoAttachmentsReason)
		texts = append(texts, ty.Advice...)
		for _, st := range ty.Subtypes {
			texts = append(texts, st.Label, st.Help)
		}
	}
	for _, s := range ip.Steps {
		texts = append(texts, s.Text, s.NeverReason)
		texts = append(texts, s.RequireReasons...)
	}
	for _, r := range ip.Routes {
		texts = append(texts, r.Purpose, r.NeverReason)
		texts = append(texts, r.RequireReasons...)
	}
	for _, q := range ip.Questions {
		texts = append(texts, q.Text, q.Why)
	}
	blaming := []string{"should have", "shouldn't have", "should not have", "careless", "stupid", "naive", "silly", "foolish",
		"your fault", "their fault", "asked for it", "why did you", "irresponsible", "fell for", "gullible", "let themselves"}
	for _, text := range texts {
		low := strings.ToLower(text)
		for _, w := range blaming {
			if strings.Contains(low, w) {
				t.Errorf("Annex 1 do not blame and shame: %q says %q", text, w)
			}
		}
	}
}

// Annex 1: for incidents about a child other than nudes, "tell only the
// DSL" stands; whether parents are told is the DSL's decision, recorded
// with its reason. In a nudes incident the UKCIS initial response applies.
func TestParentsAreTheDSLsDecisionOutsideNudes(t *testing.T) {
	inc, _ := acknowledgedCyberbullying(t)
	r := inc.Requirements()
	checkAll(t, "required step", r.RequiredSteps(), []string{"parents_decision"}, true)
	if r.ExcludedReason("parents_informed") == "" {
		t.Error("parents_informed should be excluded with its reason for cyberbullying")
	}
	if err := inc.CompleteStep("parents_decision", ""); Fields(err).For("steps.parents_decision") == "" {
		t.Errorf("the decision without its reason: %v", err)
	}
	must(t, inc.CompleteStep("parents_decision", "Not told: she asked us not to, and the bullying is by classmates, not at home."))
}
