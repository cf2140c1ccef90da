package session

import (
	"testing"
)

// TestIncidentAnswersTyping is issue 20 item 2 for the questions the rules
// need (3.4.7) and where any imagery is (Annex 1: where it is, never the
// imagery): both are kept as chosen, without a chronology entry, decide
// what the screen shows at once (RequirementsAsTyped), and are taken in
// when the incident is reported; an answer that cannot be taken in stops
// the report with the reason, never left behind.
func TestIncidentAnswersTyping(t *testing.T) {
	base := IncidentTyping{Description: "Her picture was sent on to his friends.", Reference: "CUS-1601", Age: "15"}
	with := func(a AnswersTyping, im ImageryTyping) IncidentTyping {
		t := base
		t.Answers, t.Imagery = a, im
		return t
	}
	aggravated := AnswersTyping{OtherParty: PartyChild, OtherAge: "16", Relationship: RelPartner, NudeImagery: ChoiceYes,
		SharedWithoutConsent: ChoiceYes, Severity: "serious"}
	for _, tc := range []struct {
		name    string
		typed   IncidentTyping
		wantErr string
		check   func(t *testing.T, d IncidentDocument)
	}{
		{name: "3.4.7.1 answers chosen are taken in by the report: shared on without consent is aggravated",
			typed: with(aggravated, ImageryTyping{}),
			check: func(t *testing.T, d IncidentDocument) {
				c := d.Circumstances
				if c.OtherParty == nil || c.OtherParty.Age != 16 || c.SharedWithoutConsent == nil || !*c.SharedWithoutConsent || c.Severity != "serious" {
					t.Errorf("answers reported: %+v", c)
				}
				if d.Subtype != "aggravated" {
					t.Errorf("subtype %q, want aggravated (3.4.7.1)", d.Subtype)
				}
			}},
		{name: "Annex 1 where the imagery is, not viewed, is recorded by the report",
			typed: with(AnswersTyping{}, ImageryTyping{Platform: "Snapchat", Account: "@made_up", Attestation: NotViewed}),
			check: func(t *testing.T, d IncidentDocument) {
				if im := d.Imagery; im == nil || im.Platform != "Snapchat" || im.Attestation != NotViewed {
					t.Errorf("imagery reported: %+v", im)
				}
			}},
		{name: "Annex 1 seen by accident: when and how are recorded",
			typed: with(AnswersTyping{}, ImageryTyping{Platform: "Snapchat", Attestation: ViewedByAccident, When: "01/12/2026 09:30", How: "It opened on the shared screen."}),
			check: func(t *testing.T, d IncidentDocument) {
				if im := d.Imagery; im == nil || im.ViewedAt.IsZero() || im.ViewedHow == "" {
					t.Errorf("imagery reported: %+v", im)
				}
			}},
		{name: "Annex 1 seen by accident, the time in words", typed: with(AnswersTyping{}, ImageryTyping{Platform: "Snapchat", Attestation: ViewedByAccident, When: "yesterday", How: "x"}),
			wantErr: "day/month/year"},
		{name: "Annex 1 where it is, without saying it was not viewed", typed: with(AnswersTyping{}, ImageryTyping{Platform: "Snapchat"}),
			wantErr: "Confirm that you have not viewed"},
		{name: "3.4.7 a child of 24", typed: with(AnswersTyping{OtherParty: PartyChild, OtherAge: "24"}, ImageryTyping{}), wantErr: "adult, not a child"},
		{name: "3.4.7 an age in words", typed: with(AnswersTyping{OtherParty: PartyChild, OtherAge: "sixteen"}, ImageryTyping{}), wantErr: "whole years"},
		{name: "3.4.2.3 only words, with where the imagery is recorded",
			typed:   with(AnswersTyping{NudeImagery: ChoiceNo}, ImageryTyping{Platform: "Snapchat", Attestation: NotViewed}),
			wantErr: "already been recorded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: testNow()}
			inc := raised(t, clock)
			must(t, inc.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, ""))
			d, ok := keepAndReport(t, inc, tc.typed, tc.wantErr)
			if !ok {
				return
			}
			if d.Typed != nil {
				t.Fatalf("reported with typing left: %+v", d.Typed)
			}
			tc.check(t, d)
		})
	}
}

// TestRequirementsAsTyped: 3.4.7.1, the answers as chosen decide the routes
// shown before anything is taken in; answers that cannot be taken in give
// the incident's own requirements and the reason.
func TestRequirementsAsTyped(t *testing.T) {
	clock := &fakeClock{t: testNow()}
	inc := raised(t, clock)
	must(t, inc.SetSubject(Customer{Reference: "CUS-1601", Age: 15}, ""))
	must(t, inc.Classify(Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, ""))
	police := func(r Requirements) bool {
		for _, rt := range r.Routes {
			if rt.Route.ID == "police" && rt.Required {
				return true
			}
		}
		return false
	}
	experimental := AnswersTyping{OtherParty: PartyChild, OtherAge: "16", Relationship: RelPartner, NudeImagery: ChoiceYes,
		IntentToHarm: ChoiceNo, RecklessMisuse: ChoiceNo, SharedWithoutConsent: ChoiceNo, ThreatsOrCoercion: ChoiceNo}
	must(t, inc.KeepTyping(IncidentTyping{Reference: "CUS-1601", Age: "15", Answers: experimental}))
	if req, err := inc.RequirementsAsTyped(""); err != nil || police(req) {
		t.Fatalf("3.4.7.2 experimental, as chosen: police required %v, err %v", police(req), err)
	}
	aggravated := experimental
	aggravated.SharedWithoutConsent = ChoiceYes
	must(t, inc.KeepTyping(IncidentTyping{Reference: "CUS-1601", Age: "15", Answers: aggravated}))
	req, err := inc.RequirementsAsTyped("")
	if err != nil || !police(req) {
		t.Errorf("3.4.7.1 shared on without consent, as chosen: police required %v, err %v", police(req), err)
	}
	if inc.Document().Circumstances.SharedWithoutConsent != nil {
		t.Error("showing the answers took them in")
	}
	must(t, inc.KeepTyping(IncidentTyping{Reference: "CUS-1601", Age: "15", Answers: AnswersTyping{OtherParty: PartyChild, OtherAge: "24"}}))
	if req, err := inc.RequirementsAsTyped(""); err == nil || len(req.Routes) != len(inc.Requirements().Routes) || police(req) != police(inc.Requirements()) {
		t.Errorf("a child of 24: err %v, not the incident's own requirements", err)
	}
}
