package session

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Issue 13, section 1: the Annex 2 rules at their edges. Each test names the
// clause it comes from; the cases are written from the clause, not from one
// scenario.

var adviser = Actor{ID: "key-adviser"}

// endedSession is a session taken live, with every agreement point
// confirmed, 30 minutes in and ended.
func endedSession(t *testing.T, during func(s *Session, c *fakeClock)) (*Session, *fakeClock) {
	t.Helper()
	s, clock := readySession(t)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	confirmAll(t, s)
	clock.Advance(10 * time.Minute)
	if during != nil {
		during(s, clock)
	}
	clock.Advance(20 * time.Minute)
	if s.State() == Live || s.State() == Paused {
		if err := s.End(); err != nil {
			t.Fatal(err)
		}
	}
	return s, clock
}

func recordWith(concerns string) Record {
	return Record{Method: "video", Summary: "Talked through college applications", Concerns: concerns}
}

func disclose(t *testing.T, s *Session) {
	t.Helper()
	if err := s.Mark(Marker{Kind: MarkDisclosure, ExactWords: "my stepdad hits me when he's drunk"}); err != nil {
		t.Fatal(err)
	}
}

// reportable fills in an incident enough for Report.
func reportable(t *testing.T, inc *Incident) {
	t.Helper()
	if err := inc.ConfirmGuidance(); err != nil {
		t.Fatal(err)
	}
	if err := inc.Describe("Customer disclosed violence at home."); err != nil {
		t.Fatal(err)
	}
}

func TestSignRefusedWhileAnIncidentIsADraft(t *testing.T) {
	cases := []struct {
		name    string
		settle  func(t *testing.T, s *Session, inc *Incident) error
		wantErr error // from Sign; nil means it signs
	}{
		{"Annex 1, Annex 2 3.4 incident still a draft: signing refused", func(t *testing.T, s *Session, inc *Incident) error { return nil }, ErrIncidentOpen},
		{"Annex 1 incident reported: the record can be signed", func(t *testing.T, s *Session, inc *Incident) error {
			reportable(t, inc)
			if err := inc.Report(); err != nil {
				return err
			}
			return s.IncidentReported(inc.Document().ID)
		}, nil},
		{"Annex 2 3.4 incident discarded with a reason: the record can be signed", func(t *testing.T, s *Session, inc *Incident) error {
			return DiscardIncident(s, inc, "Pressed Escalate by mistake; nothing had been said")
		}, nil},
		{"Annex 2 3.4 a discard needs a reason", func(t *testing.T, s *Session, inc *Incident) error {
			if err := DiscardIncident(s, inc, "  "); Fields(err).For("discard_reason") == "" {
				t.Errorf("discard without reason: %v", err)
			}
			return nil
		}, ErrIncidentOpen},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var inc *Incident
			s, _ := endedSession(t, func(s *Session, c *fakeClock) {
				var err error
				if inc, err = EscalateSession(s, "inc-1", adviser, ""); err != nil {
					t.Fatal(err)
				}
				if err := s.Decide(len(s.Document().Markers)-1, Decision{}); err == nil {
					t.Error("an escalation marker is not a disclosure and takes no decision")
				}
			})
			if err := tc.settle(t, s, inc); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveRecord(recordWith("")); err != nil {
				t.Fatal(err)
			}
			err := s.Sign()
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("sign: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || s.State() == Signed {
				t.Fatalf("sign = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestDiscardedIncidentReasonInRecordAndChronology(t *testing.T) {
	var inc *Incident
	s, _ := endedSession(t, func(s *Session, c *fakeClock) {
		inc, _ = EscalateSession(s, "inc-9", adviser, "")
	})
	const why = "Raised on the wrong session; the real one is inc-10"
	if err := DiscardIncident(s, inc, why); err != nil {
		t.Fatal(err)
	}
	d := s.Document()
	if len(d.Incidents) != 1 || d.Incidents[0].Status != IncidentDiscarded || d.Incidents[0].DiscardReason != why {
		t.Errorf("Annex 2 3.4: the record does not carry the discard: %+v", d.Incidents)
	}
	if !d.Flags().IncidentDiscarded {
		t.Error("a discarded incident must be flagged for the reviewer")
	}
	ch := inc.Chronology()
	last := ch[len(ch)-1]
	if last.Event != EventDiscarded || last.Rationale != why || inc.Status() != IncidentDiscarded {
		t.Errorf("Annex 1 chronology: last entry %+v, status %s", last, inc.Status())
	}
	if err := inc.Report(); err == nil {
		t.Error("a discarded incident was reported")
	}
	if err := DiscardIncident(s, inc, why); err == nil {
		t.Error("discarded twice")
	}
	if err := s.IncidentReported("inc-9"); err == nil {
		t.Error("a discarded incident became reported on the session")
	}

	// Only a draft can be discarded: a reported incident is the team's.
	var inc2 *Incident
	s2, _ := endedSession(t, func(s *Session, c *fakeClock) { inc2, _ = EscalateSession(s, "inc-2", adviser, "") })
	reportable(t, inc2)
	if err := inc2.Report(); err != nil {
		t.Fatal(err)
	}
	if err := DiscardIncident(s2, inc2, "changed my mind"); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("Annex 1: discard after reporting = %v", err)
	}
	// An incident from another session cannot be discarded through this one.
	other, _ := RaiseIncident(s.Pack(), &fakeClock{t: testNow()}, "inc-3", adviser, Origin{Kind: OriginHome}, Customer{})
	if err := DiscardIncident(s2, other, "not mine"); err == nil {
		t.Error("discarded an incident not raised from the session")
	}
}

func TestDisclosureAndRiskNeedADecisionBeforeSigning(t *testing.T) {
	changed := func(action RiskAction) Marker {
		return Marker{Kind: MarkRiskChanged, Reassessment: &Reassessment{WhatChanged: "Customer said someone is outside the house", Outcome: DoNotProceed, Action: action}}
	}
	cases := []struct {
		name     string
		during   func(t *testing.T, s *Session)
		after    func(t *testing.T, s *Session) error // before SaveRecord
		concerns string
		saveErr  string // field SaveRecord must name
		wantErr  error  // from Sign
		wantSign bool
	}{
		{name: "Annex 2 3.1 disclosure with no decision: refused", during: disclose,
			concerns: "Disclosure of violence at home", wantErr: ErrDecisionNeeded},
		{name: "Annex 2 3.1 disclosure, no safeguarding concern with the reason: signs", during: disclose,
			after: func(t *testing.T, s *Session) error {
				return s.Decide(0, Decision{Kind: DecisionNoConcern, Reason: "Quoting a film line; checked with the customer, who laughed it off"})
			}, concerns: "Disclosure checked: a film quote", wantSign: true},
		{name: "Annex 2 3.1 no safeguarding concern needs the practitioner's reason", during: disclose,
			after: func(t *testing.T, s *Session) error {
				if err := s.Decide(0, Decision{Kind: DecisionNoConcern, Reason: " "}); Fields(err).For("decision.reason") == "" {
					t.Errorf("blank reason accepted: %v", err)
				}
				return nil
			}, concerns: "x", wantErr: ErrDecisionNeeded},
		{name: "Annex 2 3.1 a decision must be one of the two", during: disclose,
			after: func(t *testing.T, s *Session) error {
				if err := s.Decide(0, Decision{Kind: "maybe"}); Fields(err).For("decision.kind") == "" {
					t.Errorf("unknown decision accepted: %v", err)
				}
				return nil
			}, concerns: "x", wantErr: ErrDecisionNeeded},
		{name: "Annex 2 3.1 the record's concerns cannot be empty after a disclosure", during: disclose,
			after: func(t *testing.T, s *Session) error {
				return s.Decide(0, Decision{Kind: DecisionNoConcern, Reason: "A film quote"})
			}, concerns: "", saveErr: "concerns"},
		{name: "Annex 2 3.1 escalated: the escalation links the disclosure to its incident", during: func(t *testing.T, s *Session) {
			disclose(t, s)
			inc, err := EscalateSession(s, "inc-1", adviser, "")
			if err != nil {
				t.Fatal(err)
			}
			if d := s.Document().Markers[0].Decision; d == nil || d.Kind != DecisionEscalated || d.IncidentID != "inc-1" {
				t.Errorf("disclosure not linked to the escalation: %+v", d)
			}
			reportable(t, inc)
			if err := inc.Report(); err != nil {
				t.Fatal(err)
			}
			if err := s.IncidentReported("inc-1"); err != nil {
				t.Fatal(err)
			}
		}, concerns: "Disclosure escalated to the DSL as inc-1", wantSign: true},
		{name: "Annex 2 3.1 escalated to an incident that was then discarded: decide again", during: func(t *testing.T, s *Session) {
			disclose(t, s)
			inc, _ := EscalateSession(s, "inc-1", adviser, "")
			if err := DiscardIncident(s, inc, "Escalated the wrong session"); err != nil {
				t.Fatal(err)
			}
		}, after: func(t *testing.T, s *Session) error {
			if err := s.Decide(0, Decision{Kind: DecisionEscalated, IncidentID: "inc-1"}); Fields(err).For("decision.incident_id") == "" {
				t.Errorf("escalated to a discarded incident: %v", err)
			}
			return nil
		}, concerns: "x", wantErr: ErrDecisionNeeded},
		{name: "Annex 2 3.1 escalated to an incident not raised from this session: refused", during: disclose,
			after: func(t *testing.T, s *Session) error {
				if err := s.Decide(0, Decision{Kind: DecisionEscalated, IncidentID: "inc-elsewhere"}); Fields(err).For("decision.incident_id") == "" {
					t.Errorf("linked to an unknown incident: %v", err)
				}
				return nil
			}, concerns: "x", wantErr: ErrDecisionNeeded},
		{name: "Annex 2 3.2 risk changed with no decision: refused", during: func(t *testing.T, s *Session) {
			if err := s.Mark(changed(RiskEndSession)); err != nil {
				t.Fatal(err)
			}
		}, concerns: "Ended early: someone outside", wantErr: ErrDecisionNeeded},
		{name: "Annex 2 3.2 risk changed and escalated cannot be decided as no concern", during: func(t *testing.T, s *Session) {
			if err := s.Mark(changed(RiskEscalate)); err != nil {
				t.Fatal(err)
			}
		}, after: func(t *testing.T, s *Session) error {
			if err := s.Decide(0, Decision{Kind: DecisionNoConcern, Reason: "fine"}); Fields(err).For("decision.kind") == "" {
				t.Errorf("no concern accepted after escalating: %v", err)
			}
			return nil
		}, concerns: "x", wantErr: ErrDecisionNeeded},
		{name: "Annex 2 3.2 the record's concerns cannot be empty after a change of risk", during: func(t *testing.T, s *Session) {
			if err := s.Mark(changed(RiskEndSession)); err != nil {
				t.Fatal(err)
			}
		}, after: func(t *testing.T, s *Session) error {
			return s.Decide(0, Decision{Kind: DecisionNoConcern, Reason: "A neighbour; customer safe"})
		}, concerns: "", saveErr: "concerns"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := endedSession(t, func(s *Session, c *fakeClock) { tc.during(t, s) })
			if tc.after != nil {
				if err := tc.after(t, s); err != nil {
					t.Fatal(err)
				}
			}
			err := s.SaveRecord(recordWith(tc.concerns))
			if tc.saveErr != "" {
				if Fields(err).For(tc.saveErr) == "" {
					t.Fatalf("save record = %v, want a message for %q", err, tc.saveErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = s.Sign()
			if tc.wantSign {
				if err != nil {
					t.Fatalf("sign: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || s.State() == Signed {
				t.Fatalf("sign = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestRiskChangedAsksForAReassessment(t *testing.T) {
	cases := []struct {
		name  string
		r     *Reassessment
		field string // "" = accepted
	}{
		{"Annex 2 3.2 no reassessment at all", nil, "reassessment.what_changed"},
		{"Annex 2 3.2 what changed", &Reassessment{Outcome: Proceed, Action: RiskContinue}, "reassessment.what_changed"},
		{"Annex 2 3.2 the new outcome", &Reassessment{WhatChanged: "x", Action: RiskContinue}, "reassessment.outcome"},
		{"Annex 2 3.2 an outcome not on the scale", &Reassessment{WhatChanged: "x", Outcome: Incomplete, Action: RiskContinue}, "reassessment.outcome"},
		{"Annex 2 3.2 what the practitioner did", &Reassessment{WhatChanged: "x", Outcome: Proceed}, "reassessment.action"},
		{"Annex 2 3.2 do not proceed cannot carry on", &Reassessment{WhatChanged: "x", Outcome: DoNotProceed, Action: RiskContinue}, "reassessment.action"},
		{"Annex 2 3.2 do not proceed cannot carry on with another approach", &Reassessment{WhatChanged: "x", Outcome: DoNotProceed, Action: RiskChangeApproach, Approach: "y"}, "reassessment.action"},
		{"Annex 2 3.2 a changed approach says how", &Reassessment{WhatChanged: "x", Outcome: Proceed, Action: RiskChangeApproach}, "reassessment.approach"},
		{"Annex 2 3.2 proceed with mitigations names them", &Reassessment{WhatChanged: "x", Outcome: ProceedWithMitigations, Action: RiskContinue}, "reassessment.approach"},
		{"Annex 2 3.2 continue after a minor change", &Reassessment{WhatChanged: "Mum came into the room", Outcome: Proceed, Action: RiskContinue}, ""},
		{"Annex 2 3.2 change approach", &Reassessment{WhatChanged: "Customer upset", Outcome: ProceedWithMitigations, Action: RiskChangeApproach, Approach: "Paused the topic; talked about next steps"}, ""},
		{"Annex 2 3.2 end the session", &Reassessment{WhatChanged: "Customer intoxicated", Outcome: DoNotProceed, Action: RiskEndSession}, ""},
		{"Annex 2 3.2 escalate", &Reassessment{WhatChanged: "Adult voice threatening the customer", Outcome: DoNotProceed, Action: RiskEscalate}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := readySession(t)
			s.Start()
			err := s.Mark(Marker{Kind: MarkRiskChanged, Reassessment: tc.r})
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got := s.Document().Markers[0].Reassessment; got == nil || got.WhatChanged != tc.r.WhatChanged {
					t.Errorf("reassessment not kept: %+v", got)
				}
				return
			}
			if Fields(err).For(tc.field) == "" {
				t.Fatalf("err = %v, want a message for %q", err, tc.field)
			}
		})
	}
}

func TestDoNotProceedReassessmentStopsTheSession(t *testing.T) {
	s, _ := readySession(t)
	s.Start()
	s.Pause()
	if err := s.Mark(Marker{Kind: MarkRiskChanged, Reassessment: &Reassessment{WhatChanged: "Customer intoxicated", Outcome: DoNotProceed, Action: RiskEndSession}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Resume(); !errors.Is(err, ErrRiskStopped) {
		t.Fatalf("Annex 2 3.2 resume after do not proceed = %v", err)
	}
	if err := s.End(); err != nil {
		t.Fatalf("ending must always be possible: %v", err)
	}
}

func TestChecklistAgreesWithThePlan(t *testing.T) {
	p := defaultPack(t)
	cases := []struct {
		name    string
		plan    func(*Plan)
		answers func(Assessment)
		want    Outcome
		item    string // the item the outcome must name
	}{
		{"Annex 2 3.5 facilitator invited answered yes with no facilitator named", func(pl *Plan) { pl.Facilitator = "" }, nil, DoNotProceed, "facilitator_invited"},
		{"Annex 2 3.5 facilitator named and answered yes", nil, nil, Proceed, ""},
		{"Annex 2 3.5 no facilitator named and answered no with a mitigation", func(pl *Plan) { pl.Facilitator = "" },
			func(a Assessment) {
				a.Answers["facilitator_invited"] = ItemAnswer{Answer: NotMet, Mitigation: "Customer is 17 and declined; DSO on standby"}
			}, ProceedWithMitigations, ""},
		{"Annex 2 1.3.5 parent or carer told answered yes with nothing recorded", func(pl *Plan) { pl.ParentCarerInformed = " " }, nil, DoNotProceed, "parent_carer_informed"},
		{"Annex 2 1.3.3 crisis process answered yes with no crisis plan", func(pl *Plan) { pl.CrisisPlan = "" }, nil, DoNotProceed, "crisis_plan"},
		{"Annex 2 3.2 not applicable without a reason is not an answer", nil,
			func(a Assessment) { a.Answers["device_location"] = ItemAnswer{Answer: NotApplicable} }, Incomplete, "device_location"},
		{"Annex 2 3.2 not applicable with a reason", nil,
			func(a Assessment) {
				a.Answers["device_location"] = ItemAnswer{Answer: NotApplicable, Mitigation: "Customer joins from the school careers room"}
			}, Proceed, ""},
		{"Annex 2 1.2 training can never be not applicable", nil,
			func(a Assessment) {
				a.Answers["training_current"] = ItemAnswer{Answer: NotApplicable, Mitigation: "Experienced adviser"}
			}, DoNotProceed, "training_current"},
		{"Annex 2 1.2 knowing the DSO can never be not applicable", nil,
			func(a Assessment) {
				a.Answers["know_dso"] = ItemAnswer{Answer: NotApplicable, Mitigation: "New to the team"}
			}, DoNotProceed, "know_dso"},
		{"Annex 2 1.3.3 a crisis process can never be not applicable", nil,
			func(a Assessment) {
				a.Answers["crisis_plan"] = ItemAnswer{Answer: NotApplicable, Mitigation: "Low risk customer"}
			}, DoNotProceed, "crisis_plan"},
		{"Annex 2 3.6 platform suitability can never be not applicable", nil,
			func(a Assessment) {
				a.Answers["platform_suitable"] = ItemAnswer{Answer: NotApplicable, Mitigation: "Usual platform"}
			}, DoNotProceed, "platform_suitable"},
		{"Annex 2 3.6 a platform privacy check can never be not applicable", nil,
			func(a Assessment) {
				a.Answers["teams_lobby"] = ItemAnswer{Answer: NotApplicable, Mitigation: "Customer knows the link"}
			}, DoNotProceed, "teams_lobby"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := goodPlan()
			if tc.plan != nil {
				tc.plan(&plan)
			}
			a := allMet(p, plan)
			if tc.answers != nil {
				tc.answers(a)
			}
			r := p.Assess(plan, a)
			if r.Outcome != tc.want {
				t.Fatalf("outcome = %s, want %s (%+v)", r.Outcome, tc.want, r.Concerns)
			}
			if tc.item == "" {
				return
			}
			for _, c := range r.Concerns {
				if c.ItemID == tc.item && c.Message != "" && c.Clause != "" {
					return
				}
			}
			t.Errorf("the outcome does not name %q: %+v", tc.item, r.Concerns)
		})
	}
}

func TestMustMeansMust(t *testing.T) {
	p := defaultPack(t)
	byID := map[string]ChecklistItem{}
	for _, it := range p.Items(goodPlan()) {
		byID[it.ID] = it
	}
	for _, id := range []string{"clothing", "language"} {
		if byID[id].Obligation != Must {
			t.Errorf("Annex 2 3.7, 3.9 say must: %s is %q", id, byID[id].Obligation)
		}
	}
	// Every must item of the pack, unmet with a mitigation, still blocks.
	for _, it := range p.Items(goodPlan()) {
		if it.Obligation != Must {
			continue
		}
		t.Run("Annex 2 "+string(it.Clause)+" must: "+it.ID+" unmet blocks whatever the mitigation", func(t *testing.T) {
			a := allMet(p, goodPlan())
			a.Answers[it.ID] = ItemAnswer{Answer: NotMet, Mitigation: "I will ask them to change before we start"}
			r := p.Assess(goodPlan(), a)
			if r.Outcome != DoNotProceed {
				t.Fatalf("outcome %s", r.Outcome)
			}
			for _, m := range r.Mitigations {
				if m.ItemID == it.ID {
					t.Errorf("the mitigation was accepted in place of a must: %+v", m)
				}
			}
		})
	}
	// The pack cannot mark a must item as mitigable.
	bad := *p
	bad.Checklist = append([]ChecklistItem(nil), p.Checklist...)
	for k := range bad.Checklist {
		if bad.Checklist[k].ID == "clothing" {
			bad.Checklist[k].IfUnmet = Mitigate
		}
	}
	if err := bad.Validate(); !errors.Is(err, ErrInvalidPack) || !strings.Contains(err.Error(), "must") {
		t.Errorf("Annex 2 3.7 a must item with if_unmet mitigate: %v", err)
	}
	// Each item of the default pack says how its clause words it.
	for _, it := range append(append([]ChecklistItem(nil), p.Checklist...), platformChecks(p)...) {
		if it.Obligation != Must && it.Obligation != Should {
			t.Errorf("%s (%s) does not state its obligation", it.ID, it.Clause)
		}
	}
}

func platformChecks(p *Pack) []ChecklistItem {
	var out []ChecklistItem
	for _, pl := range p.Platforms {
		out = append(out, pl.PrivacyChecks...)
	}
	return out
}

func TestPackChecksItemFields(t *testing.T) {
	p := defaultPack(t)
	cases := []struct {
		name  string
		edit  func(*ChecklistItem)
		field string
	}{
		{"Annex 2 3.7 obligation must be must or should", func(c *ChecklistItem) { c.Obligation = "ought" }, "obligation"},
		{"Annex 2 3.5 requires_plan names a plan field", func(c *ChecklistItem) { c.RequiresPlan = "tutor" }, "requires_plan"},
		{"Annex 2 3.10 delivery is one_to_one or group", func(c *ChecklistItem) { c.Delivery = "crowd" }, "delivery"},
	}
	for _, tc := range cases {
		bad := *p
		bad.Checklist = append([]ChecklistItem(nil), p.Checklist...)
		tc.edit(&bad.Checklist[0])
		err := bad.Validate()
		var pe *PackError
		if !errors.As(err, &pe) || !strings.HasSuffix(pe.Field, tc.field) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// signable is a complete, signable document, taken through the lifecycle.
// The gate tests edit it, as a draft edited on disk would be.
func signable(t *testing.T) (Document, *fakeClock) {
	t.Helper()
	s, clock := endedSession(t, nil)
	if err := s.SaveRecord(recordWith("")); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadyToSign(); err != nil {
		t.Fatalf("the control document cannot be signed: %v", err)
	}
	return s.Document(), clock
}

func TestGatesAreCheckedFromTheDocument(t *testing.T) {
	p := defaultPack(t)
	type step struct {
		name string
		do   func(*Session) error
	}
	start := step{"start", (*Session).Start}
	resume := step{"resume", (*Session).Resume}
	sign := step{"sign", (*Session).Sign}
	noConsent := func(d *Document) { d.Consent = nil }
	cases := []struct {
		name  string
		state State
		edit  func(*Document)
		step  step
		want  error
	}{
		{"Annex 2 1.3.6 consented with no consent: cannot start", Consented, noConsent, start, ErrConsentRequired},
		{"Annex 2 1.3.6 consent reply without the exact words: cannot start", Consented, func(d *Document) { d.Consent.Reply.ExactWords = "" }, start, ErrConsentRequired},
		{"Annex 2 1.3.6 consent with neither reply nor reason: cannot start", Consented, func(d *Document) { d.Consent = &Consent{RecordedAt: d.CreatedAt} }, start, ErrConsentRequired},
		{"Annex 2 3.2 stored outcome says proceed, answers say do not: cannot start", Consented, func(d *Document) {
			d.Assessment.Answers["training_current"] = ItemAnswer{Answer: NotMet}
		}, start, ErrAssessmentBlocks},
		{"Annex 2 3.2 no answers at all: cannot start", Consented, func(d *Document) { d.Assessment.Answers = nil }, start, ErrAssessmentBlocks},
		{"Annex 2 3.7 a must item mitigated on disk: cannot start", Consented, func(d *Document) {
			d.Assessment.Answers["clothing"] = ItemAnswer{Answer: NotMet, Mitigation: "Will ask"}
			d.Outcome = ProceedWithMitigations
		}, start, ErrAssessmentBlocks},
		{"Annex 2 1.3.3 the plan lost its crisis plan: cannot start", Consented, func(d *Document) {
			d.Plan.CrisisPlan = ""
			d.Assessment.Answers["crisis_plan"] = ItemAnswer{Answer: NotMet, Mitigation: "x"}
		}, start, ErrIllegalTransition},
		{"Annex 2 1.3.6 paused with no consent: cannot resume", Paused, noConsent, resume, ErrConsentRequired},
		{"Annex 2 3.2 paused with a failing assessment: cannot resume", Paused, func(d *Document) {
			d.Assessment.Answers["language"] = ItemAnswer{Answer: NotMet, Mitigation: "x"}
		}, resume, ErrAssessmentBlocks},
		{"Annex 2 1.3.6 recorded with no consent: cannot sign", Recorded, noConsent, sign, ErrConsentRequired},
		{"Annex 2 3.2 recorded with a failing assessment: cannot sign", Recorded, func(d *Document) {
			d.Assessment.Answers["platform_suitable"] = ItemAnswer{Answer: NotApplicable, Mitigation: "x"}
		}, sign, ErrAssessmentBlocks},
		{"Annex 2 2.1 agreement points removed: cannot sign", Recorded, func(d *Document) { d.Agreement = nil }, sign, ErrAgreementIncomplete},
		{"Annex 2 2.1 agreement points with no time: cannot sign", Recorded, func(d *Document) {
			for k := range d.Agreement {
				d.Agreement[k].ConfirmedAt = time.Time{}
			}
		}, sign, ErrAgreementIncomplete},
		{"Annex 2 3.3 overrun with no reason: cannot sign", Recorded, func(d *Document) {
			d.Segments[0].To = d.Segments[0].From.Add(70 * time.Minute)
		}, sign, ErrOverrunReason},
		{"Annex 2 3.3 a call that never went live: cannot sign", Recorded, func(d *Document) { d.Segments = nil }, sign, ErrNeverLive},
		{"Annex 2 3.1 disclosure with no decision: cannot sign", Recorded, func(d *Document) {
			d.Markers = append(d.Markers, Marker{Kind: MarkDisclosure, ExactWords: "he hurts me", At: d.Segments[0].From})
			d.Record.Concerns = "Disclosure"
		}, sign, ErrDecisionNeeded},
		{"Annex 2 3.1 disclosure without the exact words: cannot sign", Recorded, func(d *Document) {
			d.Markers = append(d.Markers, Marker{Kind: MarkDisclosure, At: d.Segments[0].From, Decision: &Decision{Kind: DecisionNoConcern, Reason: "x"}})
			d.Record.Concerns = "Disclosure"
		}, sign, ErrIllegalTransition},
		{"Annex 2 3.1 disclosure with empty concerns: cannot sign", Recorded, func(d *Document) {
			d.Markers = append(d.Markers, Marker{Kind: MarkDisclosure, ExactWords: "x", At: d.Segments[0].From, Decision: &Decision{Kind: DecisionNoConcern, Reason: "x"}})
		}, sign, ErrIllegalTransition},
		{"Annex 2 3.2 risk changed with no reassessment: cannot sign", Recorded, func(d *Document) {
			d.Markers = append(d.Markers, Marker{Kind: MarkRiskChanged, At: d.Segments[0].From, Decision: &Decision{Kind: DecisionNoConcern, Reason: "x"}})
			d.Record.Concerns = "Risk"
		}, sign, ErrIllegalTransition},
		{"Annex 1 an incident still a draft: cannot sign", Recorded, func(d *Document) {
			d.Incidents = []RaisedIncident{{ID: "inc-1", Status: IncidentDraft}}
		}, sign, ErrIncidentOpen},
		{"Annex 1 a discarded incident with no reason: cannot sign", Recorded, func(d *Document) {
			d.Incidents = []RaisedIncident{{ID: "inc-1", Status: IncidentDiscarded}}
		}, sign, ErrIllegalTransition},
		{"Annex 2 3.1 escalated to an incident still a draft: cannot sign", Recorded, func(d *Document) {
			d.Incidents = []RaisedIncident{{ID: "inc-1", Status: IncidentDraft}}
			d.Markers = append(d.Markers, Marker{Kind: MarkDisclosure, ExactWords: "x", At: d.Segments[0].From, Decision: &Decision{Kind: DecisionEscalated, IncidentID: "inc-1"}})
			d.Record.Concerns = "Disclosure"
		}, sign, ErrIncidentOpen},
		{"Annex 2 3.4 record with no summary: cannot sign", Recorded, func(d *Document) { d.Record.Summary = "" }, sign, ErrIllegalTransition},
		{"Annex 2 3.4 no record at all: cannot sign", Recorded, func(d *Document) { d.Record = nil }, sign, ErrIllegalTransition},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, clock := signable(t)
			d.State = tc.state
			if tc.state == Paused {
				d.Record = nil
			}
			tc.edit(&d)
			s, err := Restore(p, clock, d)
			if err != nil {
				t.Fatal(err)
			}
			err = tc.step.do(s)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s = %v, want %v", tc.step.name, err, tc.want)
			}
			if s.State() != tc.state {
				t.Errorf("state moved to %s", s.State())
			}
		})
	}
	t.Run("Annex 2 3.3 ending a call is never blocked, even on a bad document", func(t *testing.T) {
		d, clock := signable(t)
		d.State, d.Consent, d.Record = Live, nil, nil
		d.Segments = d.Segments[:1]
		d.Segments[0].To = time.Time{}
		d.Segments[0].From = clock.t.Add(-10 * time.Minute)
		s, _ := Restore(p, clock, d)
		if err := s.End(); err != nil {
			t.Fatalf("end: %v", err)
		}
		if err := s.RecordConsent(Consent{NoConsentReason: "Verbal consent at the start; the e-mail reply was lost"}); err != nil || s.State() != Ended {
			t.Fatalf("Annex 2 1.3.6 consent recorded afterwards: %v, %s", err, s.State())
		}
	})
	t.Run("Annex 2 3.4 the control document signs", func(t *testing.T) {
		d, clock := signable(t)
		s, _ := Restore(p, clock, d)
		if err := s.Sign(); err != nil {
			t.Fatal(err)
		}
	})
}

// webinarPlan is a Teams webinar for a school year group.
func webinarPlan() Plan {
	p := goodPlan()
	p.Customer = Customer{Reference: "WEB-Y11-CAREERS", Age: 15}
	p.Method, p.Platform = "webinar", "teams_webinar"
	p.Facilitator = ""
	p.HowNotified = "School sent the registration link to Year 11 families"
	p.Group = &Group{ExpectedAttendees: 120, Recording: Recording{Recorded: true, StoredWhere: "Teams recording in the careers SharePoint, 12-month retention", AttendeesTold: "Registration page and a spoken notice at the start"}}
	return p
}

func TestWebinarsAndLiveBroadcasts(t *testing.T) {
	p := defaultPack(t)
	cases := []struct {
		name  string
		edit  func(*Plan)
		field string
	}{
		{"Annex 2 3.10 a complete webinar plan", func(*Plan) {}, ""},
		{"Annex 2 3.10 a webinar needs its group details", func(pl *Plan) { pl.Group = nil }, "group.recording"},
		{"Annex 2 3.10 attendance expected", func(pl *Plan) { pl.Group.ExpectedAttendees = 0 }, "group.expected_attendees"},
		{"Annex 2 3.10 recorded: where it is stored", func(pl *Plan) { pl.Group.Recording.StoredWhere = "" }, "group.recording.stored_where"},
		{"Annex 2 2.1, 3.10 recorded: how attendees were told", func(pl *Plan) { pl.Group.Recording.AttendeesTold = "" }, "group.recording.attendees_told"},
		{"Annex 2 3.10 not recorded: why not", func(pl *Plan) { pl.Group.Recording = Recording{} }, "group.recording.why_not"},
		{"Annex 2 3.10 not recorded, with the reason", func(pl *Plan) {
			pl.Group.Recording = Recording{WhyNot: "Live Q&A with under-16s; the school asked us not to record faces"}
		}, ""},
		{"Annex 2 3.10 group details only for a one-to-many method", func(pl *Plan) { pl.Method, pl.Platform = "video", "teams" }, "group"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pl := webinarPlan()
			tc.edit(&pl)
			fe := Fields(p.ValidatePlan(pl, testNow()))
			if tc.field == "" && len(fe) > 0 || tc.field != "" && fe.For(tc.field) == "" {
				t.Fatalf("got %v, want %q", fe, tc.field)
			}
		})
	}

	items := map[string]bool{}
	for _, it := range p.Items(webinarPlan()) {
		items[it.ID] = true
	}
	for id, want := range map[string]bool{
		"facilitator_invited":             false, // 3.5 is for 1:1 situations
		"teams_webinar_attendee_controls": true,  // 3.6 on the webinar platform
		"parent_carer_informed":           true,  // 1.3.5: the audience includes children
		"clothing":                        true,  // 3.7 the presenter is on camera
		"training_current":                true,
	} {
		if items[id] != want {
			t.Errorf("Annex 2 3.10 webinar item %s present = %v, want %v", id, items[id], want)
		}
	}
	young := webinarPlan()
	young.Platform = "zoom_webinar"
	if r := p.Assess(young, allMet(p, young)); r.Outcome != DoNotProceed || !strings.Contains(r.Concerns[0].Message, "youngest attendee is 15") {
		t.Errorf("Annex 2 3.6 the youngest attendee decides the platform: %s %+v", r.Outcome, r.Concerns)
	}

	// Through the lifecycle: same consent and agreement, attendance by count.
	clock := &fakeClock{t: testNow()}
	s, err := New(p, clock, "web-1", "key-adviser", webinarPlan())
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Assess(allMet(p, webinarPlan())); r.Outcome != Proceed {
		t.Fatalf("assess %s %+v", r.Outcome, r.Concerns)
	}
	if err := s.Start(); !errors.Is(err, ErrConsentRequired) {
		t.Fatalf("Annex 2 1.3.6 a webinar needs consent too: %v", err)
	}
	s.RecordConsent(Consent{NoConsentReason: "Consent statement on the school's registration form"})
	clock.t = webinarPlan().Start
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	confirmAll(t, s)
	if err := s.Mark(Marker{Kind: MarkThirdParty}); err == nil {
		t.Error("Annex 2 3.10 third party present means nothing in a broadcast")
	}
	clock.Advance(40 * time.Minute)
	s.End()
	if err := s.SaveRecord(recordWith("")); Fields(err).For("attendance") == "" {
		t.Fatalf("Annex 2 3.10 attendance by count: %v", err)
	}
	n := 97
	r := recordWith("")
	r.Method = "webinar"
	r.Attendance = &n
	if err := s.SaveRecord(r); err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(); err != nil {
		t.Fatal(err)
	}
	if got := *s.Document().Record.Attendance; got != 97 {
		t.Errorf("attendance %d", got)
	}
	// A one-to-one record does not count attendance.
	one, _ := endedSession(t, nil)
	if err := one.SaveRecord(Record{Method: "video", Summary: "s", Attendance: &n}); Fields(err).For("attendance") == "" {
		t.Errorf("attendance on a one-to-one: %v", err)
	}
}

// letterPlan is an e-mail exchange: no call, no length.
func emailPlan() Plan {
	p := goodPlan()
	p.Method, p.Platform = "email", "work_email"
	p.Duration = 0
	p.CrisisPlan = ""
	p.Facilitator = ""
	p.Start = goodPlan().Start.Add(10 * time.Hour) // 20:00: not a meeting, 3.3 does not apply
	return p
}

func TestDelayedResponseContacts(t *testing.T) {
	p := defaultPack(t)
	if err := p.ValidatePlan(emailPlan(), testNow()); err != nil {
		t.Fatalf("Annex 2 1.2.1 an e-mail needs no length and no crisis plan: %v", err)
	}
	for _, it := range p.Items(emailPlan()) {
		if it.RealTimeOnly {
			t.Errorf("Annex 2 1.2.1 call-only item %s asked of an e-mail", it.ID)
		}
	}
	clock := &fakeClock{t: testNow()}
	s, err := New(p, clock, "mail-1", "key-adviser", emailPlan())
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Assess(allMet(p, emailPlan())); r.Outcome != Proceed {
		t.Fatalf("Annex 2 1.2.1 assess: %s %+v", r.Outcome, r.Concerns)
	}
	if err := s.Start(); !errors.Is(err, ErrConsentRequired) {
		t.Fatalf("Annex 2 1.3.6 an e-mail exchange needs consent like a call: %v", err)
	}
	reply := &ConsentReply{Channel: ChannelEmail, ReceivedAt: clock.t, From: RespondentCustomer, ExactWords: "I agree"}
	if err := s.RecordConsent(Consent{Reply: reply}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * time.Hour)
	if tm := s.Timer(); tm.Overrun || len(tm.Warnings) > 0 || tm.Elapsed != 0 {
		t.Errorf("Annex 2 1.2.1 no timer: %+v", tm)
	}
	if err := s.Pause(); !errors.Is(err, ErrNoCall) {
		t.Errorf("pause an e-mail: %v", err)
	}
	for _, k := range []MarkerKind{MarkConnectionLost, MarkThirdParty, MarkFacilitator} {
		if err := s.Mark(Marker{Kind: k}); err == nil {
			t.Errorf("Annex 2 1.2.1 %s is for a call", k)
		}
	}
	if err := s.Mark(Marker{Kind: MarkDisclosure, ExactWords: "I don't feel safe going home"}); err != nil {
		t.Fatalf("Annex 2 3.1 a disclosure in a reply: %v", err)
	}
	inc, err := EscalateSession(s, "inc-m", adviser, "")
	if err != nil {
		t.Fatalf("Annex 1 escalate from an e-mail exchange: %v", err)
	}
	confirmAll(t, s)
	if err := s.End(); err != nil {
		t.Fatalf("end with no timer: %v", err)
	}
	if err := s.SaveRecord(Record{Method: "email", Summary: "Replied with college links"}); Fields(err).For("concerns") == "" {
		t.Fatalf("Annex 2 3.4 same record rules: %v", err)
	}
	if err := s.SaveRecord(Record{Method: "email", Summary: "Replied with college links", Concerns: "Disclosure escalated"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(); !errors.Is(err, ErrIncidentOpen) {
		t.Fatalf("Annex 1 same escalation rules: %v", err)
	}
	reportable(t, inc)
	inc.Report()
	s.IncidentReported("inc-m")
	if err := s.Sign(); err != nil {
		t.Fatal(err)
	}
	if len(s.Document().Segments) != 0 {
		t.Error("an e-mail exchange has no live time")
	}
	if !s.pack.DelayedResponse(emailPlan()) {
		t.Error("DelayedResponse")
	}
}

// TestRecordDraftKeepsWhatIsTyped: Annex 2 3.4 a record being written is
// kept as typed, unchecked, until it is saved; saving or signing replaces
// it; a signed record takes no draft.
func TestRecordDraftKeepsWhatIsTyped(t *testing.T) {
	s, clock := readySession(t)
	if err := s.KeepRecordDraft(RecordDraft{Summary: "x"}); err == nil {
		t.Fatal("Annex 2 3.4 a record draft was kept before the session ended")
	}
	must(t, s.Start())
	for _, p := range s.pack.Agreement {
		must(t, s.ConfirmAgreement(p.ID))
	}
	clock.Advance(30 * time.Minute)
	must(t, s.End())
	typed := RecordDraft{Summary: "Talked through college", Actions: []ActionDraft{{Who: "Sam", Due: "31/1"}}}
	must(t, s.KeepRecordDraft(typed))
	if d := s.Document().RecordDraft; d == nil || d.Summary != typed.Summary || d.Actions[0].Due != "31/1" {
		t.Fatalf("Annex 2 3.4 the draft kept %+v", d)
	}
	must(t, s.SaveRecord(Record{Method: "video", Summary: "Talked through college"}))
	if s.Document().RecordDraft != nil {
		t.Error("Annex 2 3.4 the draft outlived the saved record")
	}
	must(t, s.KeepRecordDraft(typed))
	must(t, s.Sign())
	if s.Document().RecordDraft != nil {
		t.Error("Annex 2 3.4 a signed record carries a draft")
	}
	if err := s.KeepRecordDraft(typed); !errors.Is(err, ErrLocked) {
		t.Errorf("Annex 2 3.4 a signed record took a draft: %v", err)
	}
}

// TestStartAwayFromThePlannedTime: Annex 2 1.3.1 the schedule is agreed; a
// session started outside the window around its planned time (a day early,
// an hour late) is confirmed with a reason, and the document keeps both
// times. Inside the window it starts as before.
func TestStartAwayFromThePlannedTime(t *testing.T) {
	cases := []struct {
		name    string
		offset  time.Duration
		confirm bool
	}{
		{"Annex 2 1.3.1 on time", 0, false},
		{"Annex 2 1.3.1 ten minutes early", -10 * time.Minute, false},
		{"Annex 2 1.3.1 twenty-five minutes late", 25 * time.Minute, false},
		{"Annex 2 1.3.1 three hours early needs confirming", -3 * time.Hour, true},
		{"Annex 2 1.3.1 an hour late needs confirming", time.Hour, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, clock := readySession(t)
			planned := s.Document().Plan.Start
			clock.t = planned.Add(tc.offset)
			err := s.Start()
			var off *OffPlanError
			if !tc.confirm {
				if err != nil {
					t.Fatalf("start: %v", err)
				}
				if s.Document().OffPlanStart != nil {
					t.Error("an on-time start recorded as off plan")
				}
				return
			}
			if !errors.As(err, &off) || off.Off != tc.offset || s.State() != Consented {
				t.Fatalf("start off plan: %v (state %s)", err, s.State())
			}
			if err := s.StartOffPlan("  "); Fields(err).For("off_plan_reason") == "" {
				t.Fatalf("started off plan with no reason: %v", err)
			}
			must(t, s.StartOffPlan("The customer asked to move it; agreed with my manager"))
			d := s.Document()
			if s.State() != Live || d.OffPlanStart == nil || !d.OffPlanStart.Planned.Equal(planned) || !d.OffPlanStart.At.Equal(clock.t) {
				t.Fatalf("state %s, off-plan start %+v", s.State(), d.OffPlanStart)
			}
			if from, _ := d.Held(); !from.Equal(clock.t) {
				t.Errorf("held from %v, want the actual start %v", from, clock.t)
			}
		})
	}
}

// TestDelayedContactConsentGivesNoLength: Annex 2 1.2.1 an e-mail, letter
// or text exchange has no length, so its consent message never says "up to
// 0 minutes"; a call's still gives its length.
func TestDelayedContactConsentGivesNoLength(t *testing.T) {
	p := defaultPack(t)
	for _, tc := range []struct {
		method, platform string
		length           bool
	}{{"email", "", false}, {"letter", "", false}, {"video", "teams", true}} {
		plan := goodPlan()
		plan.Method, plan.Platform = tc.method, tc.platform
		if tc.method != "video" {
			plan.Duration = 0
		}
		for _, ch := range []Channel{ChannelEmail, ChannelSMS} {
			m, err := p.ConsentText(ch, plan, "Sam Adviser")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(m.Body, "0 minutes") || strings.Contains(m.Body, "{") {
				t.Errorf("Annex 2 1.2.1 %s by %s: %q", tc.method, ch, m.Body)
			}
			if ch == ChannelEmail && strings.Contains(m.Body, "45 minutes") != tc.length {
				t.Errorf("Annex 2 3.3 %s: length said %v, want %v", tc.method, !tc.length, tc.length)
			}
		}
	}
}
