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
// classified, the answers to the Annex 1 questions and to the questions the
// rules need, and what the flow must and must never demand or offer.
type incidentScenario struct {
	name        string
	subject     Customer
	class       Classification
	circ        Circumstances
	imageryAt   bool  // where the imagery is has been recorded
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
	asked            []string // questions asked
	notAsked         []string // questions not asked: they change nothing here
}

var (
	child16    = Customer{Reference: "CUS-1601", Age: 16}
	child15    = Customer{Reference: "CUS-1505", Age: 15}
	child14    = Customer{Reference: "CUS-1402", Age: 14}
	adultRisk  = Customer{Reference: "CUS-3001", Age: 30, AdultAtRisk: true}
	adultRisk2 = Customer{Reference: "CUS-2508", Age: 25, AdultAtRisk: true}
	peerChild  = &OtherParty{Is: PartyChild, Age: 16, Relationship: RelPeer}
	// 3.4.7.2: no adult, no intent to harm, no reckless misuse: all three.
	experimentalAnswers = Circumstances{OtherParty: peerChild, NudeImagery: yes(), IntentToHarm: no(), RecklessMisuse: no(), SharedWithoutConsent: no(), ThreatsOrCoercion: no()}
)

// childRoutesForAdult are what an adult at risk must never be offered.
var childRoutesForAdult = []string{"ceop", "report_remove", "childrens_social_care", "parents_informed", "parents_decision", "referred_to_dsl", "immediate_referral"}

// adultRoutesForChild are what a child must never be offered.
var adultRoutesForChild = []string{"adult_safeguarding", "care_act_criteria", "adult_wishes"}

func with(c Circumstances, f func(*Circumstances)) Circumstances {
	c = cloneCircumstances(c)
	f(&c)
	return c
}

func incidentScenarios() []incidentScenario {
	return []incidentScenario{
		// 3.4 sharing nudes and semi-nudes
		{
			name:    "3.4.7.2 experimental sharing between two 16-year-olds, all three questions answered no",
			subject: child16, class: Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, circ: experimentalAnswers, immediate: no(),
			branch:           BranchIllegal,
			requireSteps:     []string{"establish_severity", "report_to_dso", "record_imagery_location", "secure_evidence", "report_relevant_person", "referred_to_dsl", "initial_review_meeting", "parents_informed"},
			notRequireSteps:  []string{"dso_referral", "allow_authorities"},
			offerRoutes:      []string{"report_remove", "iwf", "police", "childrens_social_care"},
			notRequireRoutes: []string{"police", "childrens_social_care"},
			requireContacts:  []string{"designated_strategic_lead"},
			notRequire:       []string{"emergency_999"},
			notOffered:       append([]string{"ceop", "prevent", "evidence_and_remove", "block_websites", "immediate_referral", "dso_immediate_referral", "parents_decision"}, adultRoutesForChild...),
			excluded:         []string{"evidence_and_remove", "adult_safeguarding"},
			asked:            []string{"severity", "other_party", "nude_imagery", "intent_to_harm", "reckless_misuse", "shared_without_consent", "threats_or_coercion", "young_people"},
		},
		{
			name:    "3.4.7.2 3.4.7 called experimental but intent and reckless misuse not asked: the police route stays required",
			subject: child16, class: Classification{Type: "nudes_semi_nudes", Subtype: "experimental"}, circ: Circumstances{OtherParty: peerChild}, immediate: no(),
			branch:        BranchIllegal,
			requireSteps:  []string{"dso_referral", "allow_authorities"},
			requireRoutes: []string{"police"},
			asked:         []string{"intent_to_harm", "reckless_misuse"},
			notOffered:    adultRoutesForChild,
		},
		{
			name:    "3.4.7.2 3.4.7 other party's age not known: never experimental, police required",
			subject: child16, class: Classification{Type: "nudes_semi_nudes"}, immediate: no(),
			circ:          with(experimentalAnswers, func(c *Circumstances) { c.OtherParty = &OtherParty{Is: PartyUnknown, Relationship: RelStrangerOnline} }),
			branch:        BranchIllegal,
			requireRoutes: []string{"police"},
			offerRoutes:   []string{"ceop", "iwf", "report_remove"},
		},
		{
			name:    "3.4.7.1 3.4.7 aggravated: shared on without consent between 15-year-olds",
			subject: child15, class: Classification{Type: "nudes_semi_nudes"}, immediate: no(),
			circ:          with(experimentalAnswers, func(c *Circumstances) { c.SharedWithoutConsent = yes() }),
			branch:        BranchIllegal,
			requireSteps:  []string{"secure_evidence", "dso_referral", "allow_authorities", "record_imagery_location", "initial_review_meeting", "parents_informed"},
			requireRoutes: []string{"police", "childrens_social_care"},
			offerRoutes:   []string{"report_remove", "ceop", "iwf"},
			notOffered:    append([]string{"prevent", "evidence_and_remove"}, adultRoutesForChild...),
			excluded:      []string{"evidence_and_remove"},
		},
		{
			name:    "3.4.7.1 aggravated: reckless misuse alone",
			subject: child15, class: Classification{Type: "nudes_semi_nudes"}, immediate: no(),
			circ:          with(experimentalAnswers, func(c *Circumstances) { c.RecklessMisuse = yes() }),
			branch:        BranchIllegal,
			requireRoutes: []string{"police", "childrens_social_care"},
		},
		{
			name:    "3.4.7.1 aggravated: intent to harm alone",
			subject: child16, class: Classification{Type: "nudes_semi_nudes"}, immediate: no(),
			circ:          with(experimentalAnswers, func(c *Circumstances) { c.IntentToHarm = yes() }),
			branch:        BranchIllegal,
			requireRoutes: []string{"police"},
		},
		{
			name:    "3.4.2.1 3.4.7.2 a 15-year-old and a 22-year-old partner: an adult involved, police and CEOP",
			subject: child15, class: Classification{Type: "nudes_semi_nudes"}, immediate: no(),
			circ:          with(experimentalAnswers, func(c *Circumstances) { c.OtherParty = &OtherParty{Is: PartyAdult, Age: 22, Relationship: RelPartner} }),
			branch:        BranchIllegal,
			requireRoutes: []string{"police", "ceop", "childrens_social_care"},
			requireSteps:  []string{"dso_referral", "parents_informed"},
		},
		{
			name:    "Annex 1 UKCIS 2020 the other person is family: parents are the DSL's decision, not told at once",
			subject: child14, class: Classification{Type: "nudes_semi_nudes"}, immediate: no(),
			circ:            with(experimentalAnswers, func(c *Circumstances) { c.OtherParty = &OtherParty{Is: PartyAdult, Age: 40, Relationship: RelFamily} }),
			branch:          BranchIllegal,
			requireSteps:    []string{"parents_decision"},
			notRequireSteps: []string{"parents_informed"},
			requireRoutes:   []string{"police", "ceop", "childrens_social_care"},
		},
		{
			name:    "3.4.3.2 more than one young person: the one harmed and the one who shared, each by reference",
			subject: child15, class: Classification{Type: "nudes_semi_nudes"}, immediate: no(),
			circ: with(experimentalAnswers, func(c *Circumstances) {
				c.SharedWithoutConsent = yes()
				c.YoungPeople = []YoungPerson{{Reference: "CUS-1509", Role: RoleShared}, {Reference: "CUS-1510", Role: RoleOther}}
			}),
			branch:        BranchIllegal,
			requireSteps:  []string{"each_young_person", "initial_review_meeting"},
			requireRoutes: []string{"police"},
			offerRoutes:   []string{"iwf", "report_remove"},
		},
		{
			name:    "3.4.2.3 text-only sexual messages between 15-year-olds are not forced to illegal",
			subject: child15, class: Classification{Type: "nudes_semi_nudes"}, illegal: no(), immediate: no(),
			circ:            Circumstances{OtherParty: peerChild, NudeImagery: no()},
			branch:          BranchNotIllegal,
			requireSteps:    []string{"assess_risk_to_user", "report_relevant_person", "parents_decision"},
			notRequireSteps: []string{"evidence_and_remove"},
			notOffered:      append([]string{"record_imagery_location", "report_remove", "iwf", "parents_informed", "secure_evidence"}, adultRoutesForChild...),
			excluded:        []string{"report_remove", "iwf"},
			attachments:     true,
		},
		{
			name:    "3.4.5 Care Act s42 an adult at risk whose images an ex-partner shared to cause distress",
			subject: adultRisk2, class: Classification{Type: "nudes_semi_nudes"}, immediate: no(),
			circ: Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelPartner}, NudeImagery: yes(), IntentToHarm: yes(),
				SharedWithoutConsent: yes(), ThreatsOrCoercion: no()},
			branch:          BranchIllegal,
			requireSteps:    []string{"care_act_criteria", "secure_evidence", "dso_referral", "allow_authorities", "record_imagery_location"},
			notRequireSteps: []string{"initial_review_meeting", "adult_wishes"},
			requireRoutes:   []string{"adult_safeguarding", "police"},
			notOffered:      append([]string{"interviews", "evidence_and_remove"}, childRoutesForAdult...),
			excluded:        []string{"ceop", "iwf", "report_remove", "childrens_social_care", "parents_informed"},
		},
		{
			name:    "3.4.5 3.4.7 two adults sharing by consent: not illegal, no police demanded, still nothing attached",
			subject: adultRisk, class: Classification{Type: "nudes_semi_nudes"}, illegal: no(), immediate: no(),
			circ: Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelPartner}, NudeImagery: yes(), IntentToHarm: no(),
				SharedWithoutConsent: no(), ThreatsOrCoercion: no()},
			branch:           BranchNotIllegal,
			requireSteps:     []string{"record_imagery_location", "care_act_criteria", "report_relevant_person"},
			notRequireRoutes: []string{"police", "adult_safeguarding"},
			notOffered:       append([]string{"evidence_and_remove"}, childRoutesForAdult...),
			excluded:         []string{"evidence_and_remove", "ceop", "report_remove"},
		},
		{
			name:    "3.4 Care Act s42 an adult at risk, with immediate risk",
			subject: adultRisk2, class: Classification{Type: "nudes_semi_nudes", Subtype: "aggravated"}, illegal: yes(), immediate: yes(),
			circ:            Circumstances{NudeImagery: yes()},
			branch:          BranchImmediateRisk,
			requireRoutes:   []string{"adult_safeguarding", "police"},
			requireContacts: []string{"emergency_999"},
			notOffered:      childRoutesForAdult,
		},
		// Sexual extortion
		{
			name:    "3.4.7.1 1.4.2 sextortion of a 15-year-old boy by a stranger online: police, CEOP and social care",
			subject: child15, class: Classification{Type: "sextortion"}, immediate: no(),
			circ:            Circumstances{OtherParty: &OtherParty{Is: PartyUnknown, Relationship: RelStrangerOnline}, NudeImagery: yes(), IntentToHarm: yes(), RecklessMisuse: no(), SharedWithoutConsent: no()},
			branch:          BranchIllegal,
			requireSteps:    []string{"record_imagery_location", "secure_evidence", "dso_referral", "monitor", "parents_informed", "initial_review_meeting"},
			requireRoutes:   []string{"police", "ceop", "childrens_social_care"},
			offerRoutes:     []string{"report_remove", "iwf"},
			requireContacts: []string{"designated_strategic_lead", "safeguarding_welfare"},
			notOffered:      append([]string{"evidence_and_remove", "prevent"}, adultRoutesForChild...),
			excluded:        []string{"evidence_and_remove"},
		},
		{
			name:    "3.4.7.1 sextortion of an adult at risk: police and adult safeguarding, never CEOP",
			subject: adultRisk, class: Classification{Type: "sextortion"}, immediate: no(),
			circ:          Circumstances{OtherParty: &OtherParty{Is: PartyUnknown, Relationship: RelStrangerOnline}, NudeImagery: yes(), IntentToHarm: yes(), SharedWithoutConsent: no()},
			branch:        BranchIllegal,
			requireRoutes: []string{"police", "adult_safeguarding"},
			requireSteps:  []string{"care_act_criteria", "monitor"},
			notOffered:    append([]string{"evidence_and_remove"}, childRoutesForAdult...),
			excluded:      []string{"ceop", "report_remove", "childrens_social_care"},
		},
		{
			name:    "3.4.7.1 3.4.2.3 sextortion threatened before any image exists (text only) is still police and CEOP",
			subject: child16, class: Classification{Type: "sextortion"}, immediate: no(),
			circ:          Circumstances{OtherParty: &OtherParty{Is: PartyUnknown}, NudeImagery: no()},
			branch:        BranchIllegal,
			requireRoutes: []string{"police", "ceop", "childrens_social_care"},
			notOffered:    []string{"record_imagery_location", "report_remove", "iwf"},
		},
		// 3.5 grooming
		{
			name:    "3.5 3.4.2.1 an adult asking a 14-year-old for images",
			subject: child14, class: Classification{Type: "grooming", AdultInvolved: true}, immediate: no(),
			circ:            Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStrangerOnline}},
			branch:          BranchIllegal,
			requireSteps:    []string{"report_to_dso", "secure_evidence", "dso_referral", "allow_authorities", "initial_review_meeting", "parents_decision", "report_relevant_person"},
			requireRoutes:   []string{"police", "ceop", "childrens_social_care"},
			requireContacts: []string{"designated_strategic_lead"},
			notRequire:      []string{"emergency_999"},
			notOffered:      append([]string{"prevent", "assess_risk_to_user", "block_websites", "parents_informed"}, adultRoutesForChild...),
		},
		{
			name:    "3.5 grooming of a 14-year-old with images recorded: nothing attached, UKCIS initial response",
			subject: child14, class: Classification{Type: "grooming"}, immediate: no(),
			circ:          Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStrangerOnline}, NudeImagery: yes(), IntentToHarm: yes(), SharedWithoutConsent: no(), ThreatsOrCoercion: no()},
			imageryAt:     true,
			branch:        BranchIllegal,
			requireSteps:  []string{"record_imagery_location", "parents_informed", "referred_to_dsl"},
			requireRoutes: []string{"police", "ceop", "childrens_social_care"},
			notOffered:    []string{"evidence_and_remove", "parents_decision"},
		},
		{
			name:    "3.5 Care Act s42 an adult at risk groomed for exploitation, answered illegal",
			subject: adultRisk, class: Classification{Type: "grooming"}, illegal: yes(), immediate: no(),
			circ:          Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStrangerOnline}},
			branch:        BranchIllegal,
			requireRoutes: []string{"adult_safeguarding"},
			offerRoutes:   []string{"police"},
			notOffered:    childRoutesForAdult,
			excluded:      []string{"ceop", "childrens_social_care"},
		},
		// 3.6 cybercrime
		{
			name:    "3.6a 1.4.4 an adult learner hit by a phishing scam",
			subject: Customer{Reference: "CUS-3404", Age: 34}, class: Classification{Type: "cybercrime", Subtype: "phishing"}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireSteps:    []string{"assess_risk_to_user", "report_relevant_person", "record_steps"},
			requireContacts: []string{"cio", "designated_strategic_lead"},
			notRequire:      []string{"emergency_999", "safeguarding_welfare", "comms_manager"},
			notOffered: []string{"ceop", "iwf", "report_remove", "childrens_social_care", "adult_safeguarding", "prevent", "police",
				"parents_informed", "initial_review_meeting", "interviews", "care_act_criteria", "referred_to_dsl"},
			excluded:    []string{"ceop", "iwf", "report_remove", "childrens_social_care", "parents_informed"},
			attachments: true,
			notAsked:    []string{"intent_to_harm", "reckless_misuse", "nude_imagery", "other_party", "young_people"},
		},
		{
			name:    "3.6a Annex 1 phishing of a 16-year-old: ICT told, other users warned, never CEOP",
			subject: child16, class: Classification{Type: "cybercrime", Subtype: "phishing"}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireSteps:    []string{"parents_decision", "report_relevant_person"},
			notRequireSteps: []string{"warn_users"},
			requireContacts: []string{"cio", "safeguarding_welfare"},
			notOffered:      append([]string{"ceop", "report_remove", "iwf", "parents_informed"}, adultRoutesForChild...),
			excluded:        []string{"ceop"},
			attachments:     true,
		},
		{
			name:    "3.6c 6.6.1 a banking scam of an adult at risk answered illegal still goes to ICT, with a warning to others",
			subject: adultRisk, class: Classification{Type: "cybercrime", Subtype: "banking_scam"}, illegal: yes(), immediate: no(),
			branch:          BranchIllegal,
			requireSteps:    []string{"report_relevant_person", "secure_evidence", "care_act_criteria"},
			notRequireSteps: []string{"warn_users"},
			requireRoutes:   []string{"adult_safeguarding"},
			offerRoutes:     []string{"police"},
			requireContacts: []string{"cio"},
			notOffered:      childRoutesForAdult,
			excluded:        []string{"ceop"},
		},
		{
			name:    "3.6d 6.6.2 hacking of the company network by a 17-year-old, illegal",
			subject: Customer{Reference: "CUS-1717", Age: 17}, class: Classification{Type: "cybercrime", Subtype: "hacking"}, illegal: yes(), immediate: no(),
			circ:            Circumstances{CompanySystems: yes()},
			branch:          BranchIllegal,
			notRequireSteps: []string{"block_websites", "warn_users"},
			requireContacts: []string{"cio", "operations_manager"},
			notOffered:      append([]string{"ceop", "report_remove"}, adultRoutesForChild...),
		},
		{
			name:    "3.6b identity theft of an adult at risk, not illegal as far as known",
			subject: adultRisk, class: Classification{Type: "cybercrime", Subtype: "identity_theft"}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireContacts: []string{"cio", "safeguarding_welfare"},
			requireSteps:    []string{"care_act_criteria", "report_relevant_person"},
			notOffered:      append([]string{"police"}, childRoutesForAdult...),
			attachments:     true,
		},
		{
			name:    "3.6f 3.4.5 an adult learner distributing indecent images of children",
			subject: Customer{Reference: "CUS-3010", Age: 30}, class: Classification{Type: "cybercrime", Subtype: "indecent_images"}, immediate: no(),
			branch:        BranchIllegal,
			requireSteps:  []string{"secure_evidence", "dso_referral", "record_imagery_location"},
			requireRoutes: []string{"police"},
			offerRoutes:   []string{"iwf"},
			notOffered:    []string{"report_remove", "childrens_social_care", "adult_safeguarding", "ceop", "parents_informed", "evidence_and_remove"},
			excluded:      []string{"report_remove"},
		},
		{
			name:    "3.6g 3.5 an adult learner making sexual advances to minors",
			subject: Customer{Reference: "CUS-2811", Age: 28}, class: Classification{Type: "cybercrime", Subtype: "grooming_minors"}, immediate: no(),
			branch:        BranchIllegal,
			requireRoutes: []string{"police", "ceop"},
			notOffered:    []string{"report_remove", "childrens_social_care", "parents_informed"},
			attachments:   false,
		},
		// 1.4.4 commerce
		{
			name:    "1.4.4 online gambling by a 16-year-old: never CEOP, never the police by default",
			subject: child16, class: Classification{Type: "gambling_advertising", Subtype: "gambling"}, illegal: no(), immediate: no(),
			branch:           BranchNotIllegal,
			requireSteps:     []string{"parents_decision", "assess_risk_to_user", "report_relevant_person"},
			notRequireRoutes: []string{"childrens_social_care"},
			notOffered:       append([]string{"ceop", "police", "report_remove", "iwf", "parents_informed", "prevent"}, adultRoutesForChild...),
			excluded:         []string{"ceop", "report_remove", "iwf"},
			attachments:      true,
			notAsked:         []string{"intent_to_harm", "nude_imagery", "young_people"},
		},
		{
			name:    "1.4.4 6.6.2 an adult at risk gambling on a company laptop: the Operations Manager is told, sites can be blocked",
			subject: adultRisk, class: Classification{Type: "gambling_advertising", Subtype: "gambling"}, illegal: no(), immediate: no(),
			circ:            Circumstances{CompanySystems: yes()},
			branch:          BranchNotIllegal,
			notRequireSteps: []string{"block_websites"},
			requireContacts: []string{"operations_manager", "designated_strategic_lead"},
			notOffered:      childRoutesForAdult,
			excluded:        []string{"ceop"},
			attachments:     true,
		},
		{
			name:    "1.4.4 1.4.2 inappropriate advertising shown to a 15-year-old",
			subject: child15, class: Classification{Type: "gambling_advertising", Subtype: "advertising"}, illegal: no(), immediate: no(),
			branch:      BranchNotIllegal,
			notOffered:  []string{"ceop", "police", "parents_informed"},
			excluded:    []string{"ceop"},
			attachments: true,
		},
		{
			name:    "1.4.4 Care Act s42 an adult at risk scammed out of savings: adult safeguarding required, others warned",
			subject: adultRisk, class: Classification{Type: "financial_exploitation"}, illegal: no(), immediate: no(),
			circ:            Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStrangerOnline}},
			branch:          BranchNotIllegal,
			requireSteps:    []string{"care_act_criteria", "report_relevant_person"},
			notRequireSteps: []string{"warn_users", "adult_wishes"},
			requireRoutes:   []string{"adult_safeguarding"},
			notOffered:      append([]string{"police"}, childRoutesForAdult...),
			excluded:        []string{"ceop"},
			attachments:     true,
		},
		{
			name:    "1.4.4 Care Act s42 financial exploitation of an adult at risk by a family member, illegal",
			subject: adultRisk2, class: Classification{Type: "financial_exploitation"}, illegal: yes(), immediate: no(),
			circ:          Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelFamily}},
			branch:        BranchIllegal,
			requireRoutes: []string{"adult_safeguarding"},
			offerRoutes:   []string{"police"},
			notOffered:    childRoutesForAdult,
		},
		{
			name:    "1.4.2 a 17-year-old exploited for money (money mule), illegal: social care offered, never CEOP",
			subject: Customer{Reference: "CUS-1712", Age: 17}, class: Classification{Type: "financial_exploitation"}, illegal: yes(), immediate: no(),
			branch:      BranchIllegal,
			offerRoutes: []string{"police", "childrens_social_care"},
			notOffered:  append([]string{"ceop", "report_remove", "iwf"}, adultRoutesForChild...),
			excluded:    []string{"ceop"},
		},
		// 1.4.1 content
		{
			name:    "1.4.1 Annex 1 a 15-year-old disclosing intent to end their life, immediate risk",
			subject: child15, class: Classification{Type: "self_harm", Subtype: "self_harm_intent"}, illegal: no(), immediate: yes(),
			branch:          BranchImmediateRisk,
			requireSteps:    []string{"dso_immediate_referral", "immediate_referral", "monitor", "parents_decision"},
			requireRoutes:   []string{"childrens_social_care", "police"},
			requireContacts: []string{"emergency_999", "safeguarding_welfare"},
			notOffered:      append([]string{"ceop", "iwf", "report_remove", "parents_informed"}, adultRoutesForChild...),
			excluded:        []string{"ceop"},
			attachments:     true,
		},
		{
			name:    "1.4.1 an adult at risk who saw self-harm content, no immediate risk",
			subject: adultRisk, class: Classification{Type: "self_harm", Subtype: "self_harm_content"}, illegal: no(), immediate: no(),
			branch:           BranchNotIllegal,
			requireSteps:     []string{"monitor", "care_act_criteria"},
			requireContacts:  []string{"safeguarding_welfare"},
			offerRoutes:      []string{"adult_safeguarding"},
			notRequireRoutes: []string{"adult_safeguarding"},
			notOffered:       append([]string{"police"}, childRoutesForAdult...),
			attachments:      true,
		},
		{
			name:    "3.4.2.2 1.4.1 a 15-year-old sharing adult pornography with peers: not forced illegal, nothing attached",
			subject: child15, class: Classification{Type: "pornography"}, illegal: no(), immediate: no(),
			circ:             Circumstances{OtherParty: peerChild, NudeImagery: no()},
			branch:           BranchNotIllegal,
			requireSteps:     []string{"parents_decision", "assess_risk_to_user"},
			notRequireRoutes: []string{"police"},
			notOffered:       append([]string{"evidence_and_remove", "report_remove", "iwf", "ceop", "parents_informed", "police"}, adultRoutesForChild...),
			excluded:         []string{"evidence_and_remove", "report_remove", "iwf"},
		},
		{
			name:    "3.4.2.2 3.5 an adult showing pornography to a 14-year-old: police, CEOP and social care",
			subject: child14, class: Classification{Type: "pornography"}, immediate: no(),
			circ:          Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStrangerOnline}, NudeImagery: no()},
			branch:        BranchUndecided,
			requireRoutes: []string{"police", "ceop", "childrens_social_care"},
			notOffered:    []string{"evidence_and_remove"},
		},
		{
			name:    "1.4.1 an adult at risk sent pornography: nothing attached, never the children's routes",
			subject: adultRisk, class: Classification{Type: "pornography"}, illegal: no(), immediate: no(),
			circ:       Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStrangerOnline}, NudeImagery: no()},
			branch:     BranchNotIllegal,
			notOffered: append([]string{"evidence_and_remove"}, childRoutesForAdult...),
			excluded:   []string{"ceop", "evidence_and_remove"},
		},
		{
			name:    "1.4.1 3.6e racist abuse aimed at a 16-year-old: Prevent offered, never CEOP",
			subject: child16, class: Classification{Type: "hate_misinformation", Subtype: "hate"}, illegal: no(), immediate: no(),
			branch:      BranchNotIllegal,
			offerRoutes: []string{"prevent"},
			notOffered:  append([]string{"ceop", "report_remove", "parents_informed"}, adultRoutesForChild...),
			excluded:    []string{"ceop"},
			attachments: true,
		},
		{
			name:    "1.4.1 disinformation spread to an adult at risk: the Comms Manager is told",
			subject: adultRisk, class: Classification{Type: "hate_misinformation", Subtype: "disinformation"}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireContacts: []string{"comms_manager"},
			notOffered:      append([]string{"prevent", "police"}, childRoutesForAdult...),
			attachments:     true,
		},
		{
			name:    "1.4.1 3.6e a hate crime against an adult at risk, illegal",
			subject: adultRisk2, class: Classification{Type: "hate_misinformation", Subtype: "hate"}, illegal: yes(), immediate: no(),
			branch:        BranchIllegal,
			requireRoutes: []string{"adult_safeguarding"},
			offerRoutes:   []string{"police", "prevent"},
			notOffered:    childRoutesForAdult,
		},
		// 6.6.2 ICT monitoring
		{
			name:    "6.6.2 ICT monitoring finds a 17-year-old on gambling sites on a company device: Safeguarding Lead and Operations Manager",
			subject: Customer{Reference: "CUS-1718", Age: 17}, class: Classification{Type: "ict_monitoring"}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			notRequireSteps: []string{"block_websites"},
			requireContacts: []string{"designated_strategic_lead", "operations_manager"},
			notOffered:      append([]string{"ceop", "police"}, adultRoutesForChild...),
			attachments:     true,
		},
		{
			name:    "6.6.2 Annex 1 ICT monitoring finds illegal content accessed by an adult at risk: ICT restricts access, evidence secured",
			subject: adultRisk, class: Classification{Type: "ict_monitoring"}, illegal: yes(), immediate: no(),
			branch:          BranchIllegal,
			requireSteps:    []string{"secure_evidence", "report_relevant_person"},
			requireContacts: []string{"operations_manager", "cio", "designated_strategic_lead"},
			requireRoutes:   []string{"adult_safeguarding"},
			notOffered:      childRoutesForAdult,
		},
		// 3.1 3.3 conduct
		{
			name:    "3.1 1.4.3 cyberbullying in a group chat",
			subject: child15, class: Classification{Type: "cyberbullying", WelfareConcern: true}, illegal: no(), immediate: no(),
			branch:           BranchNotIllegal,
			requireSteps:     []string{"monitor", "record_steps", "assess_risk_to_user", "report_relevant_person", "parents_decision"},
			notRequireSteps:  []string{"block_websites", "evidence_and_remove", "warnings_sanctions", "review_learning"},
			offerRoutes:      []string{"childrens_social_care"},
			notRequireRoutes: []string{"childrens_social_care"},
			requireContacts:  []string{"safeguarding_welfare"},
			notRequire:       []string{"emergency_999", "cio"},
			notOffered:       append([]string{"police", "ceop", "iwf", "report_remove", "prevent", "secure_evidence", "dso_referral", "parents_informed"}, adultRoutesForChild...),
			excluded:         []string{"adult_safeguarding", "parents_informed"},
			attachments:      true,
		},
		{
			name:    "3.1 3.4.3.2 cyberbullying by two classmates, each by reference",
			subject: child15, class: Classification{Type: "cyberbullying"}, illegal: no(), immediate: no(),
			circ:         Circumstances{OtherParty: peerChild, YoungPeople: []YoungPerson{{Reference: "CUS-1520", Role: RoleShared}, {Reference: "CUS-1521", Role: RoleShared}}},
			branch:       BranchNotIllegal,
			requireSteps: []string{"each_young_person", "parents_decision"},
			offerRoutes:  []string{"childrens_social_care"},
			attachments:  true,
		},
		{
			name:    "Annex 1 3.4.5 cyberbullying with a nude image: the imagery rule follows what is recorded, not the type",
			subject: child15, class: Classification{Type: "cyberbullying"}, immediate: no(),
			circ:          Circumstances{OtherParty: peerChild, NudeImagery: yes(), IntentToHarm: yes(), RecklessMisuse: no(), SharedWithoutConsent: yes(), ThreatsOrCoercion: no()},
			branch:        BranchIllegal,
			requireSteps:  []string{"record_imagery_location", "parents_informed", "initial_review_meeting"},
			requireRoutes: []string{"police", "childrens_social_care"},
			offerRoutes:   []string{"report_remove", "iwf", "ceop"},
			notOffered:    []string{"evidence_and_remove", "parents_decision"},
			excluded:      []string{"evidence_and_remove"},
		},
		{
			name:    "3.1 10.1f an adult at risk bullied online by a member of staff: HR told",
			subject: adultRisk, class: Classification{Type: "cyberbullying"}, illegal: no(), immediate: no(),
			circ:             Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStaff}},
			branch:           BranchNotIllegal,
			requireContacts:  []string{"dso_hr", "safeguarding_welfare"},
			offerRoutes:      []string{"adult_safeguarding"},
			notRequireRoutes: []string{"adult_safeguarding"},
			notOffered:       childRoutesForAdult,
			attachments:      true,
		},
		{
			name:    "3.3 an embarrassing (not nude) photo of a 16-year-old published: Comms Manager, nothing attached",
			subject: child16, class: Classification{Type: "digital_images"}, illegal: no(), immediate: no(),
			circ:            Circumstances{NudeImagery: no()},
			branch:          BranchNotIllegal,
			requireSteps:    []string{"parents_decision", "report_relevant_person"},
			requireContacts: []string{"comms_manager"},
			notOffered:      append([]string{"evidence_and_remove", "report_remove", "parents_informed"}, adultRoutesForChild...),
			excluded:        []string{"evidence_and_remove"},
		},
		{
			name:    "3.3 images of an adult at risk published without permission",
			subject: adultRisk, class: Classification{Type: "digital_images"}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireContacts: []string{"comms_manager"},
			notOffered:      append([]string{"evidence_and_remove"}, childRoutesForAdult...),
		},
		// 3.2, 4
		{
			name:    "3.2 a 16-year-old drawn into an extremist online group: Prevent offered, Operations Manager told",
			subject: child16, class: Classification{Type: "unsafe_communities"}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireSteps:    []string{"monitor", "parents_decision"},
			offerRoutes:     []string{"prevent"},
			requireContacts: []string{"operations_manager"},
			notOffered:      append([]string{"ceop"}, adultRoutesForChild...),
			attachments:     true,
		},
		{
			name:    "4 1.4.1 a learner found viewing extremist material",
			subject: Customer{Reference: "CUS-1703", Age: 17}, class: Classification{Type: "radicalisation", WelfareConcern: true}, illegal: no(), immediate: no(),
			branch:          BranchNotIllegal,
			requireSteps:    []string{"prevent_summary", "monitor", "assess_risk_to_user", "report_relevant_person", "record_steps", "parents_decision"},
			notRequireSteps: []string{"initial_review_meeting", "block_websites"},
			requireRoutes:   []string{"prevent"},
			requireContacts: []string{"safeguarding_welfare", "designated_strategic_lead"},
			notRequire:      []string{"emergency_999"},
			notOffered:      []string{"ceop", "iwf", "report_remove", "adult_safeguarding", "police", "dso_referral", "record_imagery_location", "secure_evidence", "parents_informed"},
			attachments:     true,
		},
		{
			name:    "4 Care Act s42 an adult at risk being radicalised online",
			subject: adultRisk, class: Classification{Type: "radicalisation"}, illegal: no(), immediate: no(),
			branch:        BranchNotIllegal,
			requireRoutes: []string{"prevent"},
			offerRoutes:   []string{"adult_safeguarding"},
			notOffered:    childRoutesForAdult,
			attachments:   true,
		},
		// Annex 1 other concerns
		{
			name:      "Annex 1 immediate risk: a disclosure in a live session of immediate danger at home",
			class:     Classification{Type: "other_concern", WelfareConcern: true},
			immediate: yes(), fromSession: true,
			branch:          BranchImmediateRisk,
			requireSteps:    []string{"secure_evidence", "dso_immediate_referral", "allow_authorities", "immediate_referral", "initial_review_meeting", "parents_decision", "report_to_dso"},
			requireRoutes:   []string{"police", "childrens_social_care"},
			requireContacts: []string{"emergency_999", "designated_strategic_lead"},
			notOffered:      []string{"adult_safeguarding", "report_remove", "iwf", "ceop", "prevent", "assess_risk_to_user", "block_websites", "record_imagery_location", "parents_informed"},
			attachments:     true,
		},
		{
			name:    "Care Act s42 an adult at risk in immediate danger gets the adult routes, not the children's",
			subject: Customer{Reference: "CUS-4009", Age: 40, AdultAtRisk: true},
			class:   Classification{Type: "other_concern"}, illegal: no(), immediate: yes(),
			branch:          BranchImmediateRisk,
			requireSteps:    []string{"dso_immediate_referral", "care_act_criteria", "secure_evidence"},
			requireRoutes:   []string{"adult_safeguarding", "police"},
			requireContacts: []string{"emergency_999"},
			notOffered:      childRoutesForAdult,
			excluded:        []string{"childrens_social_care", "parents_informed"},
			attachments:     true,
		},
		{
			name:    "Annex 1 a concern about a 16-year-old where the location of imagery was recorded: nothing can be attached",
			subject: child16, class: Classification{Type: "other_concern"}, illegal: no(), immediate: no(),
			imageryAt:  true,
			branch:     BranchNotIllegal,
			notOffered: []string{"evidence_and_remove"},
			excluded:   []string{"evidence_and_remove"},
		},
	}
}

func TestIncidentScenarios(t *testing.T) {
	if n := len(incidentScenarios()); n < 40 {
		t.Fatalf("the scenario table has %d rows; the issue asks for at least 40", n)
	}
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
			sc.circ.Severity = "moderate"
			must(t, inc.SetCircumstances(sc.circ, ""))
			if sc.imageryAt {
				must(t, inc.RecordImagery(Imagery{Platform: "Snapchat", Account: "@someone", Attestation: NotViewed}))
			}
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
			checkAll(t, "question asked", r.AskedQuestions(), sc.asked, true)
			checkAll(t, "question asked", r.AskedQuestions(), sc.notAsked, false)
			for _, id := range sc.excluded {
				if r.ExcludedReason(id) == "" {
					t.Errorf("%q should be listed as not offered, with a reason", id)
				}
			}
			// Beside each route, why: required, offered or excluded.
			for _, rs := range r.Routes {
				if rs.Why == "" {
					t.Errorf("route %q is shown with no reason", rs.Route.ID)
				}
			}
			if ok, why := inc.AttachmentsAllowed(); ok != sc.attachments || (!ok && why == "") {
				t.Errorf("AttachmentsAllowed = %v %q, want %v with a reason when false", ok, why, sc.attachments)
			}
			// Whatever the branch, a required route can be met by a
			// referral, which the DSL can record; an excluded one cannot.
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
