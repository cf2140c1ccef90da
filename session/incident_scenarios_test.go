package session

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	practitioner = Actor{ID: "key-adviser"}
	dsl          = Actor{ID: "key-dsl", Safeguarding: true}
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// raised returns an incident raised from home by the practitioner, with the
// guidance confirmed, as every flow begins.
func raised(t *testing.T, clock *fakeClock) *Incident {
	t.Helper()
	inc, err := RaiseIncident(defaultPack(t), clock, "inc-1", practitioner, Origin{Kind: OriginHome}, Customer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := inc.ConfirmGuidance(); err != nil {
		t.Fatal(err)
	}
	return inc
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// incidentScenario is a case from the policy: who it is about, how it is
// classified, the answers to the Annex 1 questions, and what the flow must
// and must not demand or offer.
type incidentScenario struct {
	name        string
	subject     Customer
	class       Classification
	illegal     *bool // nil: left to the policy (IllegalWhen) or unanswered
	immediate   *bool
	fromSession bool // escalated from a live session with a disclosure

	branch           Branch
	requireSteps     []string
	notRequireSteps  []string // shown at most, never demanded
	requireRoutes    []string
	offerRoutes      []string // shown, whether or not required
	notRequireRoutes []string
	requireContacts  []string
	notRequire       []string // contacts not demanded
	notOffered       []string // steps, routes or contacts that must not appear
	excluded         []string // must be listed as excluded, with a reason
	attachments      bool
}

func incidentScenarios() []incidentScenario {
	return []incidentScenario{
		{
			name:    "3.4.7.2 experimental sharing between two 16-year-olds",
			subject: Customer{Reference: "CUS-1601", Age: 16},
			class:   Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, immediate: no(),
			branch:           BranchIllegal,
			requireSteps:     []string{"report_to_dso", "record_imagery_location", "secure_evidence", "referred_to_dsl", "initial_review_meeting", "parents_informed"},
			notRequireSteps:  []string{"dso_referral", "allow_authorities"},
			offerRoutes:      []string{"report_remove", "ceop", "iwf", "police", "childrens_social_care"},
			notRequireRoutes: []string{"police", "childrens_social_care", "ceop"},
			requireContacts:  []string{"designated_strategic_lead"},
			notRequire:       []string{"emergency_999"},
			notOffered:       []string{"adult_safeguarding", "prevent", "care_act_criteria", "evidence_and_remove", "block_websites", "warnings_sanctions", "immediate_referral", "dso_immediate_referral"},
			excluded:         []string{"evidence_and_remove", "adult_safeguarding"},
		},
		{
			name:    "3.5 3.4.2.1 an adult asking a 14-year-old for images",
			subject: Customer{Reference: "CUS-1402", Age: 14},
			class:   Classification{Type: "grooming", AdultInvolved: true}, immediate: no(),
			branch:          BranchIllegal,
			requireSteps:    []string{"report_to_dso", "secure_evidence", "dso_referral", "allow_authorities", "initial_review_meeting", "parents_informed"},
			requireRoutes:   []string{"police", "ceop", "childrens_social_care"},
			requireContacts: []string{"designated_strategic_lead"},
			notRequire:      []string{"emergency_999"},
			notOffered:      []string{"adult_safeguarding", "prevent", "care_act_criteria", "assess_risk_to_user", "block_websites"},
		},
		{
			name:    "4 1.4.1 a learner found viewing extremist material",
			subject: Customer{Reference: "CUS-1703", Age: 17},
			class:   Classification{Type: "radicalisation", WelfareConcern: true}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireSteps:    []string{"prevent_summary", "monitor", "assess_risk_to_user", "report_relevant_person", "record_steps", "parents_informed"},
			notRequireSteps: []string{"initial_review_meeting", "block_websites"},
			requireRoutes:   []string{"prevent"},
			requireContacts: []string{"safeguarding_welfare", "designated_strategic_lead"},
			notRequire:      []string{"emergency_999"},
			notOffered:      []string{"ceop", "iwf", "report_remove", "adult_safeguarding", "police", "dso_referral", "record_imagery_location", "secure_evidence"},
			attachments:     true,
		},
		{
			name:    "3.6a 1.4.4 an adult learner hit by a phishing scam",
			subject: Customer{Reference: "CUS-3404", Age: 34},
			class:   Classification{Type: "cybercrime", Subtype: "phishing"}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireSteps:    []string{"assess_risk_to_user", "report_relevant_person", "record_steps"},
			requireContacts: []string{"cio", "designated_strategic_lead"},
			notRequire:      []string{"emergency_999", "safeguarding_welfare", "comms_manager"},
			notOffered: []string{"ceop", "iwf", "report_remove", "childrens_social_care", "adult_safeguarding", "prevent", "police",
				"parents_informed", "initial_review_meeting", "interviews", "care_act_criteria", "referred_to_dsl"},
			excluded:    []string{"ceop", "iwf", "report_remove", "childrens_social_care", "parents_informed"},
			attachments: true,
		},
		{
			name:    "3.1 1.4.3 cyberbullying in a group chat",
			subject: Customer{Reference: "CUS-1505", Age: 15},
			class:   Classification{Type: "cyberbullying", WelfareConcern: true}, illegal: no(), immediate: no(),
			branch:           BranchNotIllegal,
			requireSteps:     []string{"monitor", "record_steps", "assess_risk_to_user", "report_relevant_person", "parents_informed"},
			notRequireSteps:  []string{"block_websites", "evidence_and_remove", "warnings_sanctions", "review_learning"},
			offerRoutes:      []string{"childrens_social_care"},
			notRequireRoutes: []string{"childrens_social_care"},
			requireContacts:  []string{"safeguarding_welfare"},
			notRequire:       []string{"emergency_999", "cio"},
			notOffered:       []string{"police", "ceop", "iwf", "report_remove", "adult_safeguarding", "prevent", "secure_evidence", "dso_referral"},
			excluded:         []string{"adult_safeguarding"},
			attachments:      true,
		},
		{
			name:      "Annex 1 immediate risk: a disclosure in a live session of immediate danger at home",
			class:     Classification{Type: "other_concern", WelfareConcern: true},
			immediate: yes(), fromSession: true,
			branch:          BranchImmediateRisk,
			requireSteps:    []string{"secure_evidence", "dso_immediate_referral", "allow_authorities", "immediate_referral", "initial_review_meeting", "parents_informed", "report_to_dso"},
			notRequireSteps: []string{"interviews"},
			requireRoutes:   []string{"police", "childrens_social_care"},
			requireContacts: []string{"emergency_999", "designated_strategic_lead"},
			notOffered:      []string{"adult_safeguarding", "report_remove", "iwf", "ceop", "prevent", "assess_risk_to_user", "block_websites", "record_imagery_location"},
			attachments:     true,
		},
		{
			name:    "3.4.7.1 aggravated sharing between 15-year-olds, with threats",
			subject: Customer{Reference: "CUS-1507", Age: 15},
			class:   Classification{Type: "nudes_semi_nudes", Subtype: "aggravated"}, immediate: no(),
			branch:        BranchIllegal,
			requireSteps:  []string{"secure_evidence", "dso_referral", "allow_authorities", "record_imagery_location", "initial_review_meeting"},
			requireRoutes: []string{"police", "childrens_social_care"},
			offerRoutes:   []string{"report_remove", "ceop", "iwf"},
			notOffered:    []string{"adult_safeguarding", "prevent", "evidence_and_remove"},
		},
		{
			name:    "Care Act s42 3.4.5 an adult at risk whose images were shared to cause distress",
			subject: Customer{Reference: "CUS-2508", Age: 25, AdultAtRisk: true},
			class:   Classification{Type: "nudes_semi_nudes", Subtype: "aggravated"}, illegal: yes(), immediate: no(),
			branch:          BranchIllegal,
			requireSteps:    []string{"care_act_criteria", "secure_evidence", "dso_referral", "allow_authorities", "record_imagery_location"},
			notRequireSteps: []string{"initial_review_meeting", "adult_wishes"},
			requireRoutes:   []string{"adult_safeguarding", "police"},
			notOffered:      []string{"ceop", "iwf", "report_remove", "childrens_social_care", "parents_informed", "interviews", "referred_to_dsl", "immediate_referral"},
			excluded:        []string{"ceop", "iwf", "report_remove", "childrens_social_care", "parents_informed"},
		},
		{
			name:    "Care Act s42 an adult at risk in immediate danger gets the adult routes, not the children's",
			subject: Customer{Reference: "CUS-4009", Age: 40, AdultAtRisk: true},
			class:   Classification{Type: "other_concern"}, illegal: no(), immediate: yes(),
			branch:          BranchImmediateRisk,
			requireSteps:    []string{"dso_immediate_referral", "care_act_criteria", "secure_evidence"},
			requireRoutes:   []string{"adult_safeguarding", "police"},
			requireContacts: []string{"emergency_999"},
			notOffered:      []string{"ceop", "iwf", "report_remove", "childrens_social_care", "parents_informed", "immediate_referral"},
			excluded:        []string{"childrens_social_care", "parents_informed"},
			attachments:     true,
		},
		{
			name:    "3.6f 3.4.5 an adult learner distributing indecent images of children",
			subject: Customer{Reference: "CUS-3010", Age: 30},
			class:   Classification{Type: "cybercrime", Subtype: "indecent_images"}, immediate: no(),
			branch:        BranchIllegal,
			requireSteps:  []string{"secure_evidence", "dso_referral", "record_imagery_location"},
			requireRoutes: []string{"police"},
			offerRoutes:   []string{"iwf"},
			notOffered:    []string{"report_remove", "childrens_social_care", "adult_safeguarding", "ceop", "parents_informed"},
			excluded:      []string{"report_remove"},
		},
	}
}

func TestIncidentScenarios(t *testing.T) {
	for _, sc := range incidentScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			var inc *Incident
			if sc.fromSession {
				s, clock := readySession(t)
				must(t, s.Start())
				clock.Advance(12 * time.Minute)
				must(t, s.Mark(Marker{Kind: MarkDisclosure, ExactWords: "He said he'd hurt me when I get home tonight."}))
				var err error
				inc, err = EscalateSession(s, "inc-1", practitioner, "Disclosure of danger at home")
				must(t, err)
				must(t, inc.ConfirmGuidance())
			} else {
				inc = raised(t, &fakeClock{t: testNow()})
				must(t, inc.SetSubject(sc.subject, ""))
			}
			must(t, inc.Describe("What happened, as told."))
			must(t, inc.Classify(sc.class, ""))
			if sc.illegal != nil {
				must(t, inc.SetIllegal(*sc.illegal, "Considered with the DSL's guidance."))
			}
			if sc.immediate != nil {
				must(t, inc.SetImmediateRisk(*sc.immediate, "No one is in danger now; the contact has stopped."))
			}
			r := inc.Requirements()
			if r.Branch != sc.branch {
				t.Errorf("branch = %s, want %s", r.Branch, sc.branch)
			}
			checkAll(t, "required step", r.RequiredSteps(), sc.requireSteps, true)
			checkAll(t, "required step", r.RequiredSteps(), sc.notRequireSteps, false)
			checkAll(t, "offered step", r.OfferedSteps(), sc.notRequireSteps, true)
			checkAll(t, "required route", r.RequiredRoutes(), sc.requireRoutes, true)
			checkAll(t, "offered route", r.OfferedRoutes(), sc.offerRoutes, true)
			checkAll(t, "required route", r.RequiredRoutes(), sc.notRequireRoutes, false)
			checkAll(t, "required contact", r.RequiredContacts(), sc.requireContacts, true)
			checkAll(t, "required contact", r.RequiredContacts(), sc.notRequire, false)
			offered := slices.Concat(r.OfferedSteps(), r.OfferedRoutes(), r.OfferedContacts())
			checkAll(t, "offered step, route or contact", offered, sc.notOffered, false)
			for _, id := range sc.excluded {
				if r.ExcludedReason(id) == "" {
					t.Errorf("%q should be listed as not offered, with a reason", id)
				}
			}
			if ok, why := inc.AttachmentsAllowed(); ok != sc.attachments || (!ok && why == "") {
				t.Errorf("AttachmentsAllowed = %v %q, want %v with a reason when false", ok, why, sc.attachments)
			}
			// Whatever the branch, a required route can be met by a
			// referral, which the DSL can record.
			if len(sc.requireRoutes) > 0 {
				must(t, inc.Report())
				inc.actor = dsl
				must(t, inc.Acknowledge())
				must(t, inc.RecordReferral(IncidentReferral{RouteID: sc.requireRoutes[0], Reference: "REF-1"}))
				for _, id := range sc.excluded {
					if _, ok := defaultPack(t).Route(id); ok {
						if err := inc.RecordReferral(IncidentReferral{RouteID: id, Reference: "REF-2"}); err == nil || Fields(err).For("routes."+id) == "" {
							t.Errorf("referral to excluded route %q: err = %v, want a field error with the reason", id, err)
						}
					}
				}
			}
		})
	}
}

func checkAll(t *testing.T, what string, got, ids []string, want bool) {
	t.Helper()
	for _, id := range ids {
		if slices.Contains(got, id) != want {
			verb := "should not be"
			if want {
				verb = "should be"
			}
			t.Errorf("%q %s a %s; got %s", id, verb, what, strings.Join(got, ", "))
		}
	}
}

// Every scenario's demands trace to the policy: each step, contact and route
// the flow shows cites a clause.
func TestIncidentRequirementsCiteClauses(t *testing.T) {
	for _, sc := range incidentScenarios() {
		inc := raised(t, &fakeClock{t: testNow()})
		if sc.subject.Reference != "" {
			must(t, inc.SetSubject(sc.subject, ""))
		}
		must(t, inc.Classify(sc.class, ""))
		r := inc.Requirements()
		for _, s := range r.Steps {
			if s.Step.Clause == "" {
				t.Errorf("%s: step %q cites no clause", sc.name, s.Step.ID)
			}
		}
		for _, c := range r.Routes {
			if c.Route.Clause == "" {
				t.Errorf("%s: route %q cites no clause", sc.name, c.Route.ID)
			}
		}
		for _, e := range r.Excluded {
			if e.Reason == "" || e.Clause == "" {
				t.Errorf("%s: excluded %q lacks a reason or clause", sc.name, e.ID)
			}
		}
	}
}
