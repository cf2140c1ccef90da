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
}

// IncidentSubtype refines an incident type.
type IncidentSubtype struct {
	ID                  string `json:"id"`
	Label               string `json:"label"`
	Help                string `json:"help,omitempty"`
	Clause              Clause `json:"clause"`
	NoAttachments       bool   `json:"no_attachments,omitempty"`
	NoAttachmentsReason string `json:"no_attachments_reason,omitempty"`
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
	Offer       []Condition `json:"offer,omitempty"`
	Require     []Condition `json:"require,omitempty"`
	Never       []Condition `json:"never,omitempty"`
	NeverReason string      `json:"never_reason,omitempty"`
}

// Condition is facts joined by "+"; a fact prefixed by "!" must not hold.
type Condition string

// IncidentFacts are the plain facts a Condition may name. Beside these,
// "type:<id>", "subtype:<id>" and "category:<id>" name a classification.
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
	"imagery",           // the type or subtype allows no attachments
	"adult_involved",    // an adult took part (never experimental, 3.4.7.2)
	"welfare",           // a concern for the user's welfare
	"prevent",           // the type offers a Prevent referral
	"live_session",      // raised from a live session
}

var factPattern = regexp.MustCompile(`^(!)?(?:(type|subtype|category):)?([a-z0-9_]+)$`)

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
			return nil, fmt.Errorf("%q is not a fact the incident flow knows (%s, or type:, subtype:, category: an id)", m[3], strings.Join(IncidentFacts, ", "))
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
			subtypes[s.ID] = true
		}
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
				set := map[string]map[string]bool{"type": types, "subtype": subtypes, "category": cats}[kind]
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
	rule := func(f string, r Rule) {
		known(f+".offer", r.Offer)
		known(f+".require", r.Require)
		known(f+".never", r.Never)
		if len(r.Never) > 0 {
			v.text(f+".never_reason", r.NeverReason)
		}
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
			case isRef, slices.Contains([]string{CompletedByReport, CompletedByAck, CompletedByImagery, CompletedByPrevent, CompletedByFollowUp}, ev):
			default:
				v.fail(fmt.Sprintf("%s.completed_by[%d]", f, k), fmt.Sprintf("%q is not an event (report, acknowledge, imagery, prevent_summary, follow_up, referral:<route>)", ev))
			}
		}
		rule(f, s.Rule)
	}
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
