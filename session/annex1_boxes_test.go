package session

import (
	"slices"
	"testing"
)

// TestAnnex1Flowchart walks the boxes of Annex 1's flowchart for one
// incident (cyberbullying of a 15-year-old by a peer) on each branch, so that
// each box is checked by name: severity first; "is it illegal?"; the risk
// to the user on the not-illegal side; the relevant person on both; the
// responses; and the immediate-risk and no-immediate-risk referrals.
func TestAnnex1Flowchart(t *testing.T) {
	type answers struct{ illegal, immediate bool }
	cases := []struct {
		name              string
		a                 answers
		branch            Branch
		require, notShown []string
		offer             []string
	}{
		{"Annex 1 severity is established first on every branch", answers{false, false}, BranchNotIllegal,
			[]string{"establish_severity"}, nil, nil},
		{"Annex 1 illegal: answered yes, the illegal branch, and no risk-to-user box", answers{true, false}, BranchIllegal,
			[]string{"report_to_dso", "secure_evidence"}, []string{"assess_risk_to_user"}, nil},
		{"Annex 1 illegal: answered no, the not-illegal branch, and nothing secured as evidence of a crime", answers{false, false}, BranchNotIllegal,
			nil, []string{"secure_evidence", "dso_referral", "dso_immediate_referral"}, nil},
		{"Annex 1 relevant person on the illegal branch", answers{true, false}, BranchIllegal,
			[]string{"report_relevant_person"}, nil, nil},
		{"Annex 1 relevant person on the not-illegal branch", answers{false, false}, BranchNotIllegal,
			[]string{"report_relevant_person"}, nil, nil},
		{"Annex 1 risk to user is assessed when it is not illegal", answers{false, false}, BranchNotIllegal,
			[]string{"assess_risk_to_user"}, nil, nil},
		{"Annex 1 responses: the steps taken are recorded and the situation monitored", answers{false, false}, BranchNotIllegal,
			[]string{"record_steps", "monitor"}, nil,
			[]string{"block_websites", "warnings_sanctions", "report_to_authority", "review_learning", "implement_changes", "review_training"}},
		{"Annex 1 immediate risk: secured, reported, referred now, and the authorities left to investigate", answers{true, true}, BranchImmediateRisk,
			[]string{"secure_evidence", "report_to_dso", "dso_immediate_referral", "allow_authorities"}, []string{"dso_referral"}, nil},
		{"Annex 1 no immediate risk: the DSO refers as appropriate and the authorities investigate", answers{true, false}, BranchIllegal,
			[]string{"dso_referral", "allow_authorities"}, []string{"dso_immediate_referral", "immediate_referral"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inc := raised(t, &fakeClock{t: testNow()})
			must(t, inc.SetSubject(child15, ""))
			must(t, inc.Describe("Messages in a group chat calling her names."))
			must(t, inc.Classify(Classification{Type: "cyberbullying"}, ""))
			must(t, inc.SetCircumstances(Circumstances{Severity: "moderate", OtherParty: peerChild}, ""))
			if r := inc.Requirements(); !slices.Contains(r.AskedQuestions(), "severity") {
				t.Errorf("the severity question is not asked: %v", r.AskedQuestions())
			}
			must(t, inc.SetIllegal(tc.a.illegal, "Considered with the DSL's guidance."))
			must(t, inc.SetImmediateRisk(tc.a.immediate, "Why, in the practitioner's words."))
			r := inc.Requirements()
			if r.Branch != tc.branch {
				t.Errorf("branch %s, want %s", r.Branch, tc.branch)
			}
			checkAll(t, "required step", r.RequiredSteps(), tc.require, true)
			checkAll(t, "offered step", r.OfferedSteps(), tc.notShown, false)
			checkAll(t, "offered step", r.OfferedSteps(), tc.offer, true)
		})
	}
}

// TestAnnex1InitialResponse: the UKCIS initial response that Annex 1 quotes
// applies to sharing nudes about a child, parents at an early stage unless
// that puts the child at risk; about an adult at risk it never applies.
func TestAnnex1InitialResponse(t *testing.T) {
	cases := []struct {
		name                 string
		subject              Customer
		require, notRequired []string
		notShown             []string
	}{
		{"Annex 1 initial response for nudes shared about a 16-year-old", child16,
			[]string{"referred_to_dsl", "initial_review_meeting", "parents_informed"}, nil, []string{"parents_decision"}},
		// A meeting of the staff involved may still help: offered, never
		// demanded; the children's steps are not shown at all.
		{"Annex 1 initial response never for an adult at risk", adultRisk,
			nil, []string{"initial_review_meeting"}, []string{"referred_to_dsl", "parents_informed", "interviews"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inc := raised(t, &fakeClock{t: testNow()})
			must(t, inc.SetSubject(tc.subject, ""))
			must(t, inc.Describe("An image was shared in a group."))
			must(t, inc.Classify(Classification{Type: "nudes_semi_nudes"}, ""))
			circ := experimentalAnswers
			circ.Severity = "moderate"
			if tc.subject.AdultAtRisk {
				circ.OtherParty = &OtherParty{Is: PartyAdult, Age: 31, Relationship: RelPeer}
			}
			must(t, inc.SetCircumstances(circ, ""))
			must(t, inc.SetImmediateRisk(false, "No one is in danger now."))
			r := inc.Requirements()
			checkAll(t, "required step", r.RequiredSteps(), tc.require, true)
			checkAll(t, "required step", r.RequiredSteps(), tc.notRequired, false)
			checkAll(t, "offered step", r.OfferedSteps(), tc.notShown, false)
		})
	}
}
