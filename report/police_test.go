package report_test

import (
	"testing"

	"safeguard/companion/report"
	"safeguard/companion/session"
	"safeguard/companion/testclock"
)

// 3.4.7 9.1: aggravated nudes incidents "should always be referred to the
// police"; the Board's quarterly report counts each DSL decision not to,
// in the quarter the decision was made, and not experimental incidents.
func TestBoardReportCountsAggravatedNotReferredToPolice(t *testing.T) {
	pack, err := session.DefaultPack()
	if err != nil {
		t.Fatal(err)
	}
	clock := testclock.New()
	adviser := session.Actor{ID: "key-adviser"}
	dsl := session.Actor{ID: "key-dsl", Safeguarding: true}
	yes, no := true, false
	raise := func(id string, c session.Circumstances) session.IncidentDocument {
		t.Helper()
		inc, err := session.RaiseIncident(pack, clock, id, adviser, session.Origin{Kind: session.OriginHome}, session.Customer{Reference: "CUS-1505", Age: 15})
		steps := []func() error{
			func() error { return err },
			inc.ConfirmGuidance,
			func() error { return inc.Describe("An image was shared.") },
			func() error {
				return inc.Classify(session.Classification{Type: "nudes_semi_nudes"}, "")
			},
			func() error { return inc.SetCircumstances(c, "") },
			inc.Report,
		}
		for _, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		inc, err = session.RestoreIncident(pack, clock, inc.Document(), dsl)
		if err != nil {
			t.Fatal(err)
		}
		if err := inc.Acknowledge(); err != nil {
			t.Fatal(err)
		}
		if err := inc.DeclineRoute("police", "Handled in school with the family."); err != nil {
			t.Fatal(err)
		}
		return inc.Document()
	}
	peer := &session.OtherParty{Is: session.PartyChild, Relationship: session.RelPeer}
	aggravated := raise("inc-agg", session.Circumstances{OtherParty: peer, NudeImagery: &yes, IntentToHarm: &no, RecklessMisuse: &no, SharedWithoutConsent: &yes})
	experimental := raise("inc-exp", session.Circumstances{OtherParty: peer, NudeImagery: &yes, IntentToHarm: &no, RecklessMisuse: &no, SharedWithoutConsent: &no, ThreatsOrCoercion: &no})

	loc := pack.Location()
	q := report.QuarterOf(clock.Now(), loc)
	rep := report.Build(report.Input{Incidents: []session.IncidentDocument{aggravated, experimental}, Pack: pack}, q, loc, clock.Now())
	if rep.Current.PoliceNotReferred != 1 || rep.Previous.PoliceNotReferred != 0 {
		t.Errorf("PoliceNotReferred = %d (previous %d), want 1 (0)", rep.Current.PoliceNotReferred, rep.Previous.PoliceNotReferred)
	}
	found := false
	for _, row := range rep.Rows() {
		if row.Measure == "Aggravated nudes: no police referral (3.4.7)" && row.Current == "1" {
			found = true
		}
	}
	if !found {
		t.Errorf("the Board's rows do not show the count: %+v", rep.Rows())
	}
}
