package session

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The embedded incident policy is the policy: check it cites what sections
// 1.4, 3, 4 and Annex 1 say.
func TestDefaultPackIncidentFollowsPolicy(t *testing.T) {
	p := defaultPack(t)
	ip := p.Incident

	wantCats := map[string]Clause{"content": "1.4.1", "contact": "1.4.2", "conduct": "1.4.3", "commerce": "1.4.4"}
	for id, clause := range wantCats {
		if c, ok := p.IncidentCategory(id); !ok || c.Clause != clause {
			t.Errorf("1.4: category %q = %+v, want clause %s", id, c, clause)
		}
	}

	wantTypes := map[string]Clause{"cyberbullying": "3.1", "unsafe_communities": "3.2", "digital_images": "3.3", "nudes_semi_nudes": "3.4",
		"grooming": "3.5", "cybercrime": "3.6", "radicalisation": "4"}
	for id, clause := range wantTypes {
		if ty, ok := p.IncidentType(id); !ok || ty.Clause != clause {
			t.Errorf("type %q = %+v, want clause %s", id, ty, clause)
		}
	}
	nudes, _ := p.IncidentType("nudes_semi_nudes")
	if s, _ := nudes.Subtype("experimental"); s.Clause != "3.4.7.2" {
		t.Errorf("experimental cites %q, want 3.4.7.2", s.Clause)
	}
	if s, _ := nudes.Subtype("aggravated"); s.Clause != "3.4.7.1" {
		t.Errorf("aggravated cites %q, want 3.4.7.1", s.Clause)
	}
	if !slices.Contains(nudes.Implies, "nudes") || nudes.SubtypeRequired {
		t.Error("3.4: nudes and semi-nudes assume imagery (unless text only, 3.4.2.3); experimental or aggravated follows the answers (3.4.7)")
	}
	if images, _ := p.IncidentType("digital_images"); !images.NoAttachments {
		t.Error("3.3: images allow no attachments")
	}
	cyber, _ := p.IncidentType("cybercrime")
	for k, id := range []string{"phishing", "identity_theft", "banking_scam", "hacking", "hate_terrorism", "indecent_images", "grooming_minors"} {
		s, ok := cyber.Subtype(id)
		if want := "3.6 " + string(rune('a'+k)); !ok || !strings.HasPrefix(string(s.Clause), want) {
			t.Errorf("cybercrime kind %q = %+v, want clause %s", id, s, want)
		}
	}
	if r, _ := p.IncidentType("radicalisation"); !r.Prevent {
		t.Error("4: radicalisation offers a Prevent referral")
	}

	for _, id := range []string{"police", "ceop", "iwf", "report_remove", "childrens_social_care", "adult_safeguarding", "prevent"} {
		if _, ok := p.Route(id); !ok {
			t.Errorf("Annex 1: no referral route %q", id)
		}
	}
	contacts := map[string]IncidentContact{}
	for _, c := range ip.Contacts {
		contacts[c.ID] = c
	}
	if c := contacts["emergency_999"]; c.Number != "999" || !c.FirstScreen {
		t.Errorf("Annex 1: 999 on the first screen, got %+v", c)
	}
	// Section 11: the DSO team is roles, resolved from the directory.
	for _, id := range []string{"designated_strategic_lead", "dso_policy_procedures", "dso_regional", "dso_hr", "dso_engagement", "dso_subcontractor"} {
		if c, ok := contacts[id]; !ok || c.Number != "" || !c.FirstScreen {
			t.Errorf("11: contact role %q = %+v, want a first-screen role with no number", id, c)
		}
	}
	for _, id := range []string{"cio", "operations_manager", "comms_manager", "safeguarding_welfare"} {
		if _, ok := contacts[id]; !ok {
			t.Errorf("Annex 1 not illegal: no report-to role %q", id)
		}
	}

	bySection := map[StepSection][]string{}
	for _, s := range ip.Steps {
		bySection[s.Section] = append(bySection[s.Section], s.ID)
	}
	want := map[StepSection][]string{
		SectionResponses:       {"block_websites", "evidence_and_remove", "warnings_sanctions", "review_learning", "implement_changes", "record_steps", "monitor", "report_to_authority", "review_training"},
		SectionInitialResponse: {"referred_to_dsl", "initial_review_meeting", "interviews", "parents_informed", "immediate_referral"},
		SectionDecisionTree:    {"secure_evidence", "report_to_dso", "dso_immediate_referral", "dso_referral", "allow_authorities", "assess_risk_to_user", "report_relevant_person"},
		SectionAdult:           {"care_act_criteria"},
	}
	for sec, ids := range want {
		checkAll(t, string(sec)+" step", bySection[sec], ids, true)
	}
}

func TestConditions(t *testing.T) {
	facts := map[string]bool{"always": true, "child": true, "type:grooming": true}
	cases := []struct {
		conds []Condition
		want  bool
	}{
		{nil, false},
		{[]Condition{"child"}, true},
		{[]Condition{"adult"}, false},
		{[]Condition{"child+type:grooming"}, true},
		{[]Condition{"child+!type:grooming"}, false},
		{[]Condition{"adult", "child + type:grooming"}, true},
		{[]Condition{"!adult_at_risk"}, true},
	}
	for _, tc := range cases {
		if got := holds(tc.conds, facts); got != tc.want {
			t.Errorf("holds(%q) = %v, want %v", tc.conds, got, tc.want)
		}
	}
	for _, bad := range []Condition{"", "+", "child+", "Child", "type:", "kind:x", "!!child", "immediate_danger"} {
		if _, err := parseCondition(bad); err == nil {
			t.Errorf("parseCondition(%q) should fail", bad)
		}
	}
}

// An organisation changes its procedure in its own pack, without a release:
// the seed adds a LADO route and a step of its own.
func TestOrganisationIncidentRules(t *testing.T) {
	f, err := os.Open("testdata/packs/incident-org.json")
	must(t, err)
	defer f.Close()
	p, err := LoadPack(f)
	must(t, err)
	inc, err := RaiseIncident(p, &fakeClock{t: testNow()}, "inc-1", practitioner, Origin{Kind: OriginHome}, Customer{})
	must(t, err)
	must(t, inc.ConfirmGuidance())
	must(t, inc.SetSubject(Customer{Reference: "CUS-1402", Age: 14}, ""))
	must(t, inc.Classify(Classification{Type: "grooming", AdultInvolved: true}, ""))
	checkAll(t, "offered route", inc.Requirements().OfferedRoutes(), []string{"lado", "police", "ceop"}, true)
	must(t, inc.Classify(Classification{Type: "cybercrime", Subtype: "hacking"}, "It was the school network that was attacked."))
	checkAll(t, "required step", inc.Requirements().RequiredSteps(), []string{"suspend_access"}, true)
}
