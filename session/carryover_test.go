package session

import (
	"strings"
	"testing"
	"time"
)

// signedDoc is a session run to the end and signed, as the customer's
// last session.
func signedDoc(t *testing.T) Document {
	t.Helper()
	s, clock := readySession(t)
	must(t, s.Start())
	for _, p := range s.pack.Agreement {
		must(t, s.ConfirmAgreement(p.ID))
	}
	clock.Advance(40 * time.Minute)
	must(t, s.End())
	must(t, s.SaveRecord(Record{Method: "video", Summary: "CV and college applications"}))
	must(t, s.Sign())
	return s.Document()
}

// TestNextPlanCarriesTheCustomerAndAsksStillTrue: Annex 2 1.3 a returning
// customer's facts and the answers about them carry into the next plan;
// the plan is refused until each is reconfirmed or changed; what belongs to
// the session (the time, how they were told, the session's own checks) is
// never carried.
func TestNextPlanCarriesTheCustomerAndAsksStillTrue(t *testing.T) {
	p := defaultPack(t)
	prev := signedDoc(t)
	next := p.NextPlan(prev)
	fields := map[string]CarriedFact{}
	for _, c := range next.Carried {
		fields[c.Field] = c
		if c.Reconfirmed || c.From != prev.ID {
			t.Errorf("Annex 2 1.3 %s carried already reconfirmed or from elsewhere: %+v", c.Field, c)
		}
	}
	for _, f := range []string{"customer.age", "method", "platform", "facilitator", "parent_carer_informed", "crisis_plan", "checklist.method_accessible", "checklist.parent_carer_informed"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("Annex 2 1.3 %s is not carried: %v", f, next.Carried)
		}
	}
	for _, f := range []string{"checklist.clothing", "checklist.teams_lobby", "checklist.training_current", "checklist.crisis_plan"} {
		if _, ok := fields[f]; ok {
			t.Errorf("Annex 2 3.2 %s belongs to the session and was carried", f)
		}
	}
	if !next.Start.IsZero() || next.HowNotified != "" || next.Customer.Reference != prev.Plan.Customer.Reference {
		t.Errorf("Annex 2 1.3.4 the session's own facts were carried: start %v, notified %q", next.Start, next.HowNotified)
	}

	next.Start = testclock7(prev)
	next.HowNotified = "Text with the Teams link"
	err := p.ValidatePlan(next, testNow())
	if fe := Fields(err); len(fe) != len(next.Carried) || !strings.Contains(fe[0].Message, "confirm it is still true") {
		t.Fatalf("Annex 2 1.3 a plan with nothing reconfirmed: %v", err)
	}
	// Changing a carried fact counts: it was typed for this session.
	next.Facilitator = "Her college tutor"
	for i := range next.Carried {
		if next.Carried[i].Field != "facilitator" {
			next.Carried[i].Reconfirmed = true
		}
	}
	if err := p.ValidatePlan(next, testNow()); err != nil {
		t.Fatalf("Annex 2 1.3 every carried fact reconfirmed or changed: %v", err)
	}
	ans := CarriedAnswers(prev, next)
	if ans["method_accessible"].Answer != Met || len(ans) != 2 {
		t.Errorf("the carried checklist answers: %+v", ans)
	}
}

// testclock7 is a week after the previous session, at the same time.
func testclock7(prev Document) time.Time { return prev.Plan.Start.AddDate(0, 0, 7) }
