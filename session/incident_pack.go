package session

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// IncidentPolicy is Annex 1 and sections 1.4, 3 and 4 of the policy made into
// data: the guidance shown before any form, the emergency and safeguarding
// contacts, the four Cs, the incident types, and the steps and referral
// routes of the decision tree. Which step or route applies to an incident is
// said by each item's Rule, so an organisation can change its procedure in
// its own pack without a new release.
type IncidentPolicy struct {
	// Guidance is the Annex 1 guidance, shown first, before any form.
	Guidance   []GuidancePoint    `json:"guidance"`
	Contacts   []IncidentContact  `json:"contacts"`
	Categories []IncidentCategory `json:"categories"`
	Types      []IncidentType     `json:"types"`
	Steps      []IncidentStep     `json:"steps"`
	Routes     []ReferralRoute    `json:"routes"`
	Clause     Clause             `json:"clause"`
	// Severities are the scale the pack defines for Annex 1 "establish the
	// severity of the incident", least severe first.
	Severities []Severity `json:"severities"`
	// Questions say when each question of the flow is asked: only where
	// its answer changes the route.
	Questions []IncidentQuestion `json:"questions"`
	// ImageryReason is shown where nothing may be attached because imagery
	// is involved and neither the type nor the subtype says why.
	ImageryReason string `json:"imagery_reason"`
	// IllegalWhen fixes "is it illegal?" to yes for any type, with
	// IllegalReason (imagery of an under-18, 3.4.5, whatever the type).
	IllegalWhen   []Condition `json:"illegal_when,omitempty"`
	IllegalReason string      `json:"illegal_reason,omitempty"`
}

// Severity is one level of the pack's severity scale.
type Severity struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Help   string `json:"help"`
	Clause Clause `json:"clause"`
}

// IncidentQuestion is a question the flow asks, in plain words, with why
// its answer matters. Its Rule says when it is asked (Offer) and when it
// must be answered before the incident can close (Require).
type IncidentQuestion struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Why    string `json:"why"`
	Clause Clause `json:"clause"`
	Rule
}

// GuidancePoint is one line of the Annex 1 guidance.
type GuidancePoint struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Clause Clause `json:"clause"`
}

// IncidentContact is someone to tell. A contact with a Number is fixed (999);
// one without is a role, and the app finds the people holding it in the
// organisation's signed directory at run time, because names and numbers are
// organisation configuration, never pack data (policy section 11).
type IncidentContact struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Number  string `json:"number,omitempty"`
	Purpose string `json:"purpose"`
	// FirstScreen contacts are shown with the guidance, before any form.
	FirstScreen bool   `json:"first_screen,omitempty"`
	Clause      Clause `json:"clause"`
	Rule
}

// IncidentCategory is one of the four Cs (policy 1.4).
type IncidentCategory struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Examples string `json:"examples"`
	Clause   Clause `json:"clause"`
}

// IncidentType is a kind of incident the policy defines (sections 3 and 4).
type IncidentType struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	// Category is the default of the four Cs; the person classifying may
	// choose another.
	Category string `json:"category"`
	Help     string `json:"help,omitempty"`
	Clause   Clause `json:"clause"`
	// Subtypes refine the type: experimental or aggravated sharing (3.4.7),
	// the kinds of cybercrime (3.6 a-g). SubtypeRequired when the flow
	// depends on which.
	Subtypes        []IncidentSubtype `json:"subtypes,omitempty"`
	SubtypeRequired bool              `json:"subtype_required,omitempty"`
	// NoAttachments: no image or file may be attached anywhere in the flow,
	// and NoAttachmentsReason says why on the screen (Annex 1, 3.4.5).
	NoAttachments       bool   `json:"no_attachments,omitempty"`
	NoAttachmentsReason string `json:"no_attachments_reason,omitempty"`
	// IllegalWhen fixes the answer to "is it illegal?" to yes for incidents
	// matching any condition, with IllegalReason shown instead of the
	// question (for example 3.4.5: indecent imagery of an under-18).
	IllegalWhen   []Condition `json:"illegal_when,omitempty"`
	IllegalReason string      `json:"illegal_reason,omitempty"`
	// Prevent types offer a Prevent referral summary (section 4).
	Prevent bool `json:"prevent,omitempty"`
	// Implies are facts every incident of this type has: sextortion is
	// sexual and involves threats, a find by ICT monitoring happened on
	// company systems. The question for an implied fact is answered.
	Implies []string `json:"implies,omitempty"`
	// Advice is what to do and say, shown once the type is chosen (for
	// sextortion: do not pay, do not delete, report).
	Advice []string `json:"advice,omitempty"`
}

// ImpliableFacts are the facts a type or subtype may imply.
var ImpliableFacts = []string{"nudes", "sexual", "welfare", "prevent", "threats_coercion", "intent_to_harm", "company_systems"}

// IncidentSubtype refines an incident type.
type IncidentSubtype struct {
	ID                  string   `json:"id"`
	Label               string   `json:"label"`
	Help                string   `json:"help,omitempty"`
	Clause              Clause   `json:"clause"`
	NoAttachments       bool     `json:"no_attachments,omitempty"`
	NoAttachmentsReason string   `json:"no_attachments_reason,omitempty"`
	Implies             []string `json:"implies,omitempty"`
}

// Who does a step.
type StepActor string

const (
	ByPractitioner StepActor = "practitioner"
	ByDSL          StepActor = "dsl"
)

// Sections of the flow a step belongs to, so screens can group them.
type StepSection string

const (
	// SectionDecisionTree: the Annex 1 branches (illegal, immediate risk).
	SectionDecisionTree StepSection = "decision_tree"
	// SectionResponses: the Annex 1 responses to an incident.
	SectionResponses StepSection = "responses"
	// SectionInitialResponse: the UKCIS initial response to a concern.
	SectionInitialResponse StepSection = "initial_response"
	// SectionAdult: the adult safeguarding branch (Care Act 2014 s42).
	SectionAdult StepSection = "adult"
)

// Events that complete a step without a separate tick, so the person is not
// asked to record the same thing twice.
const (
	CompletedByReport    = "report"          // the incident reaches the safeguarding team
	CompletedByAck       = "acknowledge"     // the DSL acknowledges it
	CompletedByImagery   = "imagery"         // where the imagery is, and the attestation, are recorded
	CompletedByPrevent   = "prevent_summary" // the Prevent referral summary is saved
	CompletedByFollowUp  = "follow_up"       // a monitoring follow-up is set
	CompletedBySeverity  = "severity"        // the severity is established
	completedByReferral  = "referral:"       // + route id: a referral to that route is recorded
	maxConditionsPerRule = 32
)

// IncidentStep is one thing the flow asks someone to do.
type IncidentStep struct {
	ID      string      `json:"id"`
	Text    string      `json:"text"`
	Section StepSection `json:"section"`
	Actor   StepActor   `json:"actor"`
	Clause  Clause      `json:"clause"`
	// CompletedBy lists events that complete the step (any one will do).
	CompletedBy []string `json:"completed_by,omitempty"`
	// NoteRequired: the step is a decision, done only with what was decided
	// and why (whether parents are told, for example).
	NoteRequired bool `json:"note_required,omitempty"`
	Rule
}

// ReferralRoute is an agency the DSL may refer to.
type ReferralRoute struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Purpose string `json:"purpose"`
	// Agency is how the case queue and the quarterly report count the
	// referral (see Agencies).
	Agency Agency `json:"agency"`
	Clause Clause `json:"clause"`
	Rule
}

// Rule says when a step, contact or route applies to an incident. Each
// condition is facts joined by "+" (all must hold), such as
// "child+imagery" or "adult_at_risk+!immediate_risk"; a list holds when any
// of its conditions does.
//
//   - Offer: shown when any holds; an empty list means always.
//   - Require: required (done, or skipped with a reason) when any holds.
//   - Never: never offered when any holds, whatever Offer or Require say,
//     with NeverReason on screen. This is how the children's routes are kept
//     from an adult at risk.
//
// The facts are listed in IncidentFacts.
type Rule struct {
	Offer   []Condition `json:"offer,omitempty"`
	Require []Condition `json:"require,omitempty"`
	// RequireReasons, if given, says in the policy's words why each
	// Require condition makes the item required, in the same order.
	RequireReasons []string    `json:"require_reasons,omitempty"`
	Never          []Condition `json:"never,omitempty"`
	NeverReason    string      `json:"never_reason,omitempty"`
}

// requireReason is the reason for the first Require condition that holds.
func (r Rule) requireReason(facts map[string]bool) string {
	for k, c := range r.Require {
		if holds([]Condition{c}, facts) && k < len(r.RequireReasons) {
			return r.RequireReasons[k]
		}
	}
	return ""
}

// Condition is facts joined by "+"; a fact prefixed by "!" must not hold.
type Condition string

// IncidentFacts are the plain facts a Condition may name. Beside these,
// "type:<id>", "subtype:<id>", "category:<id>" and "severity:<id>" name a
// classification and the severity.
var IncidentFacts = []string{
	"always",            // every incident
	"illegal",           // answered, or fixed, yes
	"not_illegal",       // answered no
	"immediate_risk",    // answered yes
	"no_immediate_risk", // answered no
	"child",             // under 18, or age unknown and not an adult at risk
	"adult",             // 18 or over, or an adult at risk
	"adult_at_risk",     // an adult at risk
	"vulnerable",        // a child or an adult at risk
	"imagery",           // imagery involved: by type, answer or its recorded location
	"nudes",             // nude or semi-nude images or videos involved
	"text_only",         // sexual messages without images (3.4.2.3)
	"sexual",            // sexual abuse, grooming, extortion or content
	"adult_involved",    // an adult took part (never experimental, 3.4.7.2)
	"minor_involved",    // someone under 18 is involved
	"aggravated",        // nudes with an adult, intent to harm, reckless misuse, sharing without consent or threats (3.4.7.1)
	"experimental",      // nudes with no adult, no intent to harm, no reckless misuse, each answered (3.4.7.2)
	"intent_to_harm",    // answered yes, or implied by the type
	"reckless_misuse",
	"shared_without_consent",
	"threats_coercion",
	"other_adult", // the other person is an adult
	"other_child", // the other person is a child
	"other_unknown",
	"other_peer", // their relationship
	"other_partner",
	"other_stranger_online",
	"other_staff",
	"other_family",
	"several_young_people", // other young people involved, by reference
	"company_systems",      // on a company device or network (6.6.2)
	"welfare",              // a concern for the user's welfare
	"prevent",              // the type offers a Prevent referral
	"live_session",         // raised from a live session
}

var factPattern = regexp.MustCompile(`^(!)?(?:(type|subtype|category|severity):)?([a-z0-9_]+)$`)

// term is one parsed fact of a condition.
type term struct {
	not  bool
	fact string // "type:x" etc. kept whole, as the facts set holds it
}

func parseCondition(c Condition) ([]term, error) {
	parts := strings.Split(string(c), "+")
	out := make([]term, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		m := factPattern.FindStringSubmatch(p)
		if m == nil {
			return nil, fmt.Errorf("%q is not a fact (write facts joined by +, like child+imagery)", p)
		}
		if m[2] == "" && !slices.Contains(IncidentFacts, m[3]) {
			return nil, fmt.Errorf("%q is not a fact the incident flow knows (%s, or type:, subtype:, category:, severity: an id)", m[3], strings.Join(IncidentFacts, ", "))
		}
		fact := m[3]
		if m[2] != "" {
			fact = m[2] + ":" + m[3]
		}
		out = append(out, term{not: m[1] == "!", fact: fact})
	}
	return out, nil
}

// holds reports whether any of the conditions holds for the facts. The
// conditions were checked when the pack was loaded; one that no longer
// parses holds for nothing.
func holds(conds []Condition, facts map[string]bool) bool {
	for _, c := range conds {
		terms, err := parseCondition(c)
		if err != nil {
			continue
		}
		all := true
		for _, t := range terms {
			if facts[t.fact] == t.not {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// validate checks the incident section. Names follow the JSON, such as
// "incident.types[3].clause".
func (ip *IncidentPolicy) validate(v *validator) {
	const f0 = "incident"
	v.clause(f0+".clause", ip.Clause)
	if len(ip.Guidance) == 0 {
		v.fail(f0+".guidance", "must give the Annex 1 guidance shown before any form")
	}
	ids := map[string]bool{}
	for i, g := range ip.Guidance {
		f := fmt.Sprintf("%s.guidance[%d]", f0, i)
		v.id(f+".id", g.ID, ids)
		v.text(f+".text", g.Text)
		v.clause(f+".clause", g.Clause)
	}

	cats := map[string]bool{}
	if len(ip.Categories) == 0 {
		v.fail(f0+".categories", "must list the four areas of risk (1.4)")
	}
	for i, c := range ip.Categories {
		f := fmt.Sprintf("%s.categories[%d]", f0, i)
		v.id(f+".id", c.ID, cats)
		v.text(f+".label", c.Label)
		v.clause(f+".clause", c.Clause)
	}
	types, subtypes := map[string]bool{}, map[string]bool{}
	if len(ip.Types) == 0 {
		v.fail(f0+".types", "must list the incident types (sections 3 and 4)")
	}
	for i, t := range ip.Types {
		f := fmt.Sprintf("%s.types[%d]", f0, i)
		v.id(f+".id", t.ID, types)
		v.text(f+".label", t.Label)
		v.clause(f+".clause", t.Clause)
		if !cats[t.Category] {
			v.fail(f+".category", fmt.Sprintf("%q is not one of the incident categories", t.Category))
		}
		if t.NoAttachments {
			v.text(f+".no_attachments_reason", t.NoAttachmentsReason)
		}
		if t.SubtypeRequired && len(t.Subtypes) == 0 {
			v.fail(f+".subtypes", "must list the subtypes when subtype_required is set")
		}
		// Subtype ids are unique within their type; the set across types is
		// only for checking conditions.
		own := map[string]bool{}
		for j, s := range t.Subtypes {
			fs := fmt.Sprintf("%s.subtypes[%d]", f, j)
			v.id(fs+".id", s.ID, own)
			v.text(fs+".label", s.Label)
			v.clause(fs+".clause", s.Clause)
			if s.NoAttachments {
				v.text(fs+".no_attachments_reason", s.NoAttachmentsReason)
			}
			impliable(v, fs+".implies", s.Implies)
			subtypes[s.ID] = true
		}
		impliable(v, f+".implies", t.Implies)
	}
	sevs := map[string]bool{}
	if len(ip.Severities) == 0 && slices.ContainsFunc(ip.Questions, func(q IncidentQuestion) bool { return q.ID == QSeverity }) {
		v.fail(f0+".severities", "must define the severity scale the severity question asks for (Annex 1: establish the severity of the incident)")
	}
	for i, s := range ip.Severities {
		f := fmt.Sprintf("%s.severities[%d]", f0, i)
		v.id(f+".id", s.ID, sevs)
		v.text(f+".label", s.Label)
		v.clause(f+".clause", s.Clause)
	}
	known := func(field string, conds []Condition) {
		if len(conds) > maxConditionsPerRule {
			v.fail(field, fmt.Sprintf("has more than %d conditions", maxConditionsPerRule))
			return
		}
		for k, c := range conds {
			terms, err := parseCondition(c)
			if err != nil {
				v.fail(fmt.Sprintf("%s[%d]", field, k), err.Error())
				continue
			}
			for _, t := range terms {
				kind, id, ok := strings.Cut(t.fact, ":")
				if !ok {
					continue
				}
				set := map[string]map[string]bool{"type": types, "subtype": subtypes, "category": cats, "severity": sevs}[kind]
				if !set[id] {
					v.fail(fmt.Sprintf("%s[%d]", field, k), fmt.Sprintf("names %s %q, which the pack does not define", kind, id))
				}
			}
		}
	}
	for i, t := range ip.Types {
		f := fmt.Sprintf("%s.types[%d]", f0, i)
		known(f+".illegal_when", t.IllegalWhen)
		if len(t.IllegalWhen) > 0 {
			v.text(f+".illegal_reason", t.IllegalReason)
		}
	}
	known(f0+".illegal_when", ip.IllegalWhen)
	if len(ip.IllegalWhen) > 0 {
		v.text(f0+".illegal_reason", ip.IllegalReason)
	}
	rule := func(f string, r Rule) {
		known(f+".offer", r.Offer)
		known(f+".require", r.Require)
		known(f+".never", r.Never)
		if len(r.Never) > 0 {
			v.text(f+".never_reason", r.NeverReason)
		}
		if len(r.RequireReasons) > 0 && len(r.RequireReasons) != len(r.Require) {
			v.fail(f+".require_reasons", fmt.Sprintf("gives %d reasons for %d require conditions: give one for each, in order", len(r.RequireReasons), len(r.Require)))
		}
	}

	ids = map[string]bool{}
	for i, q := range ip.Questions {
		f := fmt.Sprintf("%s.questions[%d]", f0, i)
		v.id(f+".id", q.ID, ids)
		if !slices.Contains(QuestionIDs(), q.ID) {
			v.fail(f+".id", fmt.Sprintf("%q is not a question the app can ask (%s)", q.ID, strings.Join(QuestionIDs(), ", ")))
		}
		v.text(f+".text", q.Text)
		v.text(f+".why", q.Why)
		v.clause(f+".clause", q.Clause)
		rule(f, q.Rule)
	}

	ids = map[string]bool{}
	for i, c := range ip.Contacts {
		f := fmt.Sprintf("%s.contacts[%d]", f0, i)
		v.id(f+".id", c.ID, ids)
		v.text(f+".label", c.Label)
		v.text(f+".purpose", c.Purpose)
		v.clause(f+".clause", c.Clause)
		if c.Number != "" && strings.Trim(c.Number, "0123456789 ") != "" {
			v.fail(f+".number", "must be digits, like 999; people's numbers come from the directory")
		}
		rule(f, c.Rule)
	}
	if !slices.ContainsFunc(ip.Contacts, func(c IncidentContact) bool { return c.Number != "" && c.FirstScreen }) {
		v.fail(f0+".contacts", "must give an emergency number (999) on the first screen (Annex 1)")
	}

	routes := map[string]bool{}
	for i, r := range ip.Routes {
		f := fmt.Sprintf("%s.routes[%d]", f0, i)
		v.id(f+".id", r.ID, routes)
		v.text(f+".label", r.Label)
		v.text(f+".purpose", r.Purpose)
		v.clause(f+".clause", r.Clause)
		if !slices.Contains(Agencies(), r.Agency) {
			v.fail(f+".agency", fmt.Sprintf("%q is not one of social_care, police, ceop, iwf, other", r.Agency))
		}
		rule(f, r.Rule)
	}
	if len(ip.Routes) == 0 {
		v.fail(f0+".routes", "must list the referral routes (Annex 1)")
	}

	ids = map[string]bool{}
	if len(ip.Steps) == 0 {
		v.fail(f0+".steps", "must list the steps of the Annex 1 decision tree")
	}
	for i, s := range ip.Steps {
		f := fmt.Sprintf("%s.steps[%d]", f0, i)
		v.id(f+".id", s.ID, ids)
		v.text(f+".text", s.Text)
		v.clause(f+".clause", s.Clause)
		switch s.Section {
		case SectionDecisionTree, SectionResponses, SectionInitialResponse, SectionAdult:
		default:
			v.fail(f+".section", `must be "decision_tree", "responses", "initial_response" or "adult"`)
		}
		if s.Actor != ByPractitioner && s.Actor != ByDSL {
			v.fail(f+".actor", `must be "practitioner" or "dsl"`)
		}
		for k, ev := range s.CompletedBy {
			switch route, isRef := strings.CutPrefix(ev, completedByReferral); {
			case isRef && !routes[route]:
				v.fail(fmt.Sprintf("%s.completed_by[%d]", f, k), fmt.Sprintf("names route %q, which the pack does not define", route))
			case isRef, slices.Contains([]string{CompletedByReport, CompletedByAck, CompletedByImagery, CompletedByPrevent, CompletedByFollowUp, CompletedBySeverity}, ev):
			default:
				v.fail(fmt.Sprintf("%s.completed_by[%d]", f, k), fmt.Sprintf("%q is not an event (report, acknowledge, imagery, prevent_summary, follow_up, severity, referral:<route>)", ev))
			}
		}
		rule(f, s.Rule)
	}
}

func impliable(v *validator, field string, facts []string) {
	for k, x := range facts {
		if !slices.Contains(ImpliableFacts, x) {
			v.fail(fmt.Sprintf("%s[%d]", field, k), fmt.Sprintf("%q is not a fact a type can imply (%s)", x, strings.Join(ImpliableFacts, ", ")))
		}
	}
}

// Severity returns the severity level with the given id.
func (p *Pack) Severity(id string) (Severity, bool) {
	for _, s := range p.Incident.Severities {
		if s.ID == id {
			return s, true
		}
	}
	return Severity{}, false
}

// IncidentType returns the incident type with the given id.
func (p *Pack) IncidentType(id string) (IncidentType, bool) {
	for _, t := range p.Incident.Types {
		if t.ID == id {
			return t, true
		}
	}
	return IncidentType{}, false
}

// Subtype returns the subtype with the given id.
func (t IncidentType) Subtype(id string) (IncidentSubtype, bool) {
	for _, s := range t.Subtypes {
		if s.ID == id {
			return s, true
		}
	}
	return IncidentSubtype{}, false
}

// IncidentCategory returns the category with the given id.
func (p *Pack) IncidentCategory(id string) (IncidentCategory, bool) {
	for _, c := range p.Incident.Categories {
		if c.ID == id {
			return c, true
		}
	}
	return IncidentCategory{}, false
}

// Route returns the referral route with the given id.
func (p *Pack) Route(id string) (ReferralRoute, bool) {
	for _, r := range p.Incident.Routes {
		if r.ID == id {
			return r, true
		}
	}
	return ReferralRoute{}, false
}

// IncidentStep returns the step with the given id.
func (p *Pack) IncidentStep(id string) (IncidentStep, bool) {
	for _, s := range p.Incident.Steps {
		if s.ID == id {
			return s, true
		}
	}
	return IncidentStep{}, false
}
