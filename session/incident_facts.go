package session

import (
	"fmt"
	"slices"
	"strings"
)

// The facts the rules of the incident flow read, and the answers they are
// derived from. Each fact is set by something the person enters (who it is
// about, the classification, the answers below) or by where the incident
// was raised; TestNoDeadFacts fails if the pack names a fact nothing sets.

// Relationship is how the other party is related to the person the
// incident is about.
type Relationship string

const (
	RelPeer           Relationship = "peer"
	RelPartner        Relationship = "partner" // partner or ex-partner
	RelStrangerOnline Relationship = "stranger_online"
	RelStaff          Relationship = "staff"
	RelFamily         Relationship = "family"
	RelOther          Relationship = "other"
)

// Relationships lists them in the order screens offer them.
func Relationships() []Relationship {
	return []Relationship{RelPeer, RelPartner, RelStrangerOnline, RelStaff, RelFamily, RelOther}
}

// Label is the relationship in plain words.
func (r Relationship) Label() string {
	switch r {
	case RelPeer:
		return "A peer (friend, classmate, someone their own age)"
	case RelPartner:
		return "A partner or ex-partner"
	case RelStrangerOnline:
		return "Someone they met online"
	case RelStaff:
		return "A member of staff or a volunteer"
	case RelFamily:
		return "A family member"
	case RelOther:
		return "Someone else"
	}
	return string(r)
}

// PartyAge says whether the other party is an adult or a child.
type PartyAge string

const (
	PartyAdult   PartyAge = "adult"
	PartyChild   PartyAge = "child"
	PartyUnknown PartyAge = "unknown"
)

// OtherParty is the other person in the incident: who sent, asked,
// threatened or shared. Never a name.
type OtherParty struct {
	Is PartyAge `json:"is"`
	// Age, if known (0: not known); it must agree with Is.
	Age          int          `json:"age,omitempty"`
	Relationship Relationship `json:"relationship,omitempty"`
}

// YoungPersonRole is what another young person involved did or had done.
type YoungPersonRole string

const (
	RoleHarmed YoungPersonRole = "harmed" // the one harmed, or whose image it is
	RoleShared YoungPersonRole = "shared" // the one who shared or sent it on
	RoleOther  YoungPersonRole = "other"  // received it, saw it, took part
)

// YoungPerson is another young person involved, by reference only.
type YoungPerson struct {
	Reference string          `json:"reference"`
	Role      YoungPersonRole `json:"role"`
}

// Circumstances are the facts the rules need beyond the classification,
// asked only when they change the route (Requirements.Questions). A nil
// answer is not yet given: "no" must be said, never assumed (3.4.7.2 needs
// no adult, no intent to harm and no reckless misuse, all three).
type Circumstances struct {
	OtherParty *OtherParty `json:"other_party,omitempty"`
	// NudeImagery: nude or semi-nude images or videos are involved; false
	// for text-only sexual messages (3.4.2.3).
	NudeImagery          *bool `json:"nude_imagery,omitempty"`
	IntentToHarm         *bool `json:"intent_to_harm,omitempty"`
	RecklessMisuse       *bool `json:"reckless_misuse,omitempty"`
	SharedWithoutConsent *bool `json:"shared_without_consent,omitempty"`
	ThreatsOrCoercion    *bool `json:"threats_or_coercion,omitempty"`
	// YoungPeople are the other young people involved, each by reference.
	YoungPeople []YoungPerson `json:"young_people,omitempty"`
	// CompanySystems: it happened on a company device or network (6.6.2).
	CompanySystems *bool  `json:"company_systems,omitempty"`
	Platform       string `json:"platform,omitempty"`
	// Severity is one of the pack's severity levels (Annex 1 "establish the
	// severity of the incident").
	Severity string `json:"severity,omitempty"`
}

func cloneCircumstances(c Circumstances) Circumstances {
	out := c
	if c.OtherParty != nil {
		v := *c.OtherParty
		out.OtherParty = &v
	}
	for _, p := range []**bool{&out.NudeImagery, &out.IntentToHarm, &out.RecklessMisuse, &out.SharedWithoutConsent, &out.ThreatsOrCoercion, &out.CompanySystems} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	out.YoungPeople = slices.Clone(c.YoungPeople)
	return out
}

// Questions the flow may ask. The pack says when each is asked
// (IncidentPolicy.Questions); these are the answers the code knows how to
// record.
const (
	QSeverity             = "severity"
	QOtherParty           = "other_party"
	QNudeImagery          = "nude_imagery"
	QIntentToHarm         = "intent_to_harm"
	QRecklessMisuse       = "reckless_misuse"
	QSharedWithoutConsent = "shared_without_consent"
	QThreatsOrCoercion    = "threats_or_coercion"
	QYoungPeople          = "young_people"
	QWhere                = "where"
)

// QuestionIDs lists the questions a pack may ask.
func QuestionIDs() []string {
	return []string{QSeverity, QOtherParty, QNudeImagery, QIntentToHarm, QRecklessMisuse, QSharedWithoutConsent, QThreatsOrCoercion, QYoungPeople, QWhere}
}

// QuestionStatus is a question the flow asks of this incident as it stands.
type QuestionStatus struct {
	Question IncidentQuestion
	Required bool
	// Answered: given, or settled by the classification (Implied).
	Answered bool
	Implied  bool
}

// factsOf derives every fact a Condition may name from the document. With
// illegal false it leaves out the answer to "is it illegal?", which
// IllegalWhen is read from.
func factsOf(p *Pack, d *IncidentDocument, withIllegal bool) map[string]bool {
	f := map[string]bool{"always": true}
	age, known := d.Subject.AgeOn(d.RaisedAt)
	// An unknown age counts as a child, the safer assumption (as for plans),
	// unless the person is known to be an adult at risk.
	child := !d.Subject.AdultAtRisk && (!known || age < adultAge)
	f["child"] = child
	f["adult"] = !child
	f["adult_at_risk"] = d.Subject.AdultAtRisk
	f["vulnerable"] = child || d.Subject.AdultAtRisk
	f["welfare"] = d.WelfareConcern
	f["live_session"] = d.Origin.Kind == OriginSession && (d.Origin.SessionState == Live || d.Origin.SessionState == Paused)

	noAttach := false
	implied := map[string]bool{}
	if t, ok := p.IncidentType(d.Type); ok {
		f["type:"+t.ID] = true
		f["prevent"] = t.Prevent
		noAttach = t.NoAttachments
		for _, x := range t.Implies {
			implied[x] = true
		}
		if st, ok := t.Subtype(d.Subtype); ok {
			f["subtype:"+st.ID] = true
			noAttach = noAttach || st.NoAttachments
			for _, x := range st.Implies {
				implied[x] = true
			}
		}
	}
	if d.Category != "" {
		f["category:"+d.Category] = true
	}
	c := d.Circumstances
	if c.Severity != "" {
		f["severity:"+c.Severity] = true
	}
	answer := func(fact string, v *bool) {
		f[fact] = implied[fact] || (v != nil && *v)
	}
	answer("intent_to_harm", c.IntentToHarm)
	answer("reckless_misuse", c.RecklessMisuse)
	answer("shared_without_consent", c.SharedWithoutConsent)
	answer("threats_coercion", c.ThreatsOrCoercion)
	answer("company_systems", c.CompanySystems)
	f["welfare"] = f["welfare"] || implied["welfare"]
	f["prevent"] = f["prevent"] || implied["prevent"]

	if op := c.OtherParty; op != nil {
		f["other_adult"] = op.Is == PartyAdult
		f["other_child"] = op.Is == PartyChild
		f["other_unknown"] = op.Is == PartyUnknown
		if op.Relationship != "" && op.Relationship != RelOther {
			f["other_"+string(op.Relationship)] = true
		}
	}
	for _, y := range c.YoungPeople {
		f["several_young_people"] = true
		if y.Role == RoleShared {
			f["other_child"] = true
		}
	}

	// Imagery follows what is recorded, whatever the type: a type of nude
	// imagery assumes it until the record says text only (3.4.2.3); any type
	// has it once someone says so or records where it is.
	switch {
	case c.NudeImagery != nil && *c.NudeImagery, d.Imagery != nil && implied["nudes"]:
		f["nudes"] = true
	case c.NudeImagery != nil && !*c.NudeImagery:
		f["text_only"] = implied["nudes"]
	default:
		f["nudes"] = implied["nudes"]
	}
	f["imagery"] = noAttach || f["nudes"] || d.Imagery != nil
	f["sexual"] = implied["sexual"] || f["nudes"]

	f["minor_involved"] = child || f["other_child"] || f["several_young_people"]
	// An adult took part: said so, the other party is one, or the person
	// it is about is an adult and a child is involved.
	f["adult_involved"] = d.AdultInvolved || f["other_adult"] || (!child && f["other_child"])
	// 3.4.7.1: additional or abusive elements beyond creating, sending or
	// having the image. 3.4.7.2: experimental only when no adult, no intent
	// to harm and no reckless misuse have each been established.
	if f["nudes"] {
		f["aggravated"] = f["subtype:aggravated"] || f["intent_to_harm"] || f["reckless_misuse"] ||
			f["shared_without_consent"] || f["threats_coercion"] || (f["adult_involved"] && f["minor_involved"])
		f["experimental"] = !f["aggravated"] && f["minor_involved"] && !d.AdultInvolved &&
			c.OtherParty != nil && c.OtherParty.Is == PartyChild &&
			c.IntentToHarm != nil && c.RecklessMisuse != nil
	}

	switch {
	case d.ImmediateRisk == nil:
	case *d.ImmediateRisk:
		f["immediate_risk"] = true
	default:
		f["no_immediate_risk"] = true
	}
	if !withIllegal {
		return f
	}
	switch fixed, _ := illegalFixed(p, f, d.Type); {
	case fixed:
		f["illegal"] = true
	case d.Illegal == nil:
	case *d.Illegal:
		f["illegal"] = true
	default:
		f["not_illegal"] = true
	}
	return f
}

// baseFacts are the facts before the illegal question.
func (i *Incident) baseFacts() map[string]bool { return factsOf(i.pack, &i.doc, false) }

// facts are every fact a Condition may name, for this incident as it stands.
func (i *Incident) facts() map[string]bool { return factsOf(i.pack, &i.doc, true) }

// IncidentFactsOf lists the facts that hold for a stored incident under
// this pack, for readers (the quarterly report) that hold no Incident.
func (p *Pack) IncidentFactsOf(d IncidentDocument) []string { return trueFacts(factsOf(p, &d, true)) }

func trueFacts(f map[string]bool) []string {
	var out []string
	for k, v := range f {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// AggravatedNotReferred returns the DSL's decisions not to refer an
// aggravated nudes incident to the police (3.4.7: such incidents "should
// always be referred to the police"), for the Board's quarterly report to
// count. A referral to the police made later wins: then there is none.
func (p *Pack) AggravatedNotReferred(d IncidentDocument) []RouteDecision {
	f := factsOf(p, &d, true)
	if !f["aggravated"] {
		return nil
	}
	var out []RouteDecision
	for _, r := range p.Incident.Routes {
		if r.Agency != AgencyPolice {
			continue
		}
		if slices.ContainsFunc(d.Referrals, func(ref IncidentReferral) bool { return ref.RouteID == r.ID }) {
			return nil
		}
		for k := len(d.Declined) - 1; k >= 0; k-- {
			if d.Declined[k].RouteID == r.ID {
				out = append(out, d.Declined[k])
				break
			}
		}
	}
	return out
}

// questions lists the questions the pack asks of this incident as it
// stands, with whether each is answered.
func (i *Incident) questions(facts map[string]bool) []QuestionStatus {
	var out []QuestionStatus
	for _, q := range i.pack.Incident.Questions {
		if holds(q.Never, facts) || !applies(q.Rule, facts) {
			continue
		}
		answered, implied := i.answered(q.ID)
		out = append(out, QuestionStatus{Question: q, Required: holds(q.Require, facts), Answered: answered || implied, Implied: implied})
	}
	return out
}

// answered reports whether a question has an answer, and whether the
// classification gives it.
func (i *Incident) answered(id string) (answered, implied bool) {
	c := i.doc.Circumstances
	imp := map[string]bool{}
	if t, ok := i.pack.IncidentType(i.doc.Type); ok {
		for _, x := range t.Implies {
			imp[x] = true
		}
		if st, ok := t.Subtype(i.doc.Subtype); ok {
			for _, x := range st.Implies {
				imp[x] = true
			}
		}
	}
	switch id {
	case QSeverity:
		return c.Severity != "", false
	case QOtherParty:
		return c.OtherParty != nil, false
	case QNudeImagery:
		return c.NudeImagery != nil || i.doc.Imagery != nil, false
	case QIntentToHarm:
		return c.IntentToHarm != nil, imp["intent_to_harm"]
	case QRecklessMisuse:
		return c.RecklessMisuse != nil, imp["reckless_misuse"]
	case QSharedWithoutConsent:
		return c.SharedWithoutConsent != nil, imp["shared_without_consent"]
	case QThreatsOrCoercion:
		return c.ThreatsOrCoercion != nil, imp["threats_coercion"]
	case QYoungPeople:
		return len(c.YoungPeople) > 0, false
	case QWhere:
		return c.CompanySystems != nil, imp["company_systems"]
	}
	return false, false
}

// SetCircumstances records the answers to the questions the flow asks
// (Requirements.Questions). Answering a question for the first time needs
// no reason; changing an answer already given needs its rationale. An
// answer that makes the incident aggravated (3.4.7.1) turns an
// "experimental" classification into "aggravated", and one that makes it
// illegal writes that in, each with its reason in the chronology.
func (i *Incident) SetCircumstances(c Circumstances, rationale string) error {
	if err := i.editable("record the circumstances of"); err != nil {
		return err
	}
	c.Platform = strings.TrimSpace(c.Platform)
	var errs FieldErrors
	if op := c.OtherParty; op != nil {
		switch op.Is {
		case PartyAdult, PartyChild, PartyUnknown:
		default:
			errs.add("other_party.is", "Say whether the other person is an adult, a child, or not known.")
		}
		switch {
		case op.Age < 0 || op.Age > 120:
			errs.add("other_party.age", "Enter their age between 1 and 120, or leave it empty if you do not know.")
		case op.Age > 0 && op.Age < adultAge && op.Is == PartyAdult:
			errs.add("other_party.age", fmt.Sprintf("At %d they are a child, not an adult: check the age, or choose child.", op.Age))
		case op.Age >= adultAge && op.Is == PartyChild:
			errs.add("other_party.age", fmt.Sprintf("At %d they are an adult, not a child: check the age, or choose adult.", op.Age))
		case op.Age > 0 && op.Is == PartyUnknown:
			errs.add("other_party.is", "You gave their age: choose adult or child.")
		}
		if op.Relationship != "" && !slices.Contains(Relationships(), op.Relationship) {
			errs.add("other_party.relationship", "Choose how they know each other from the list.")
		}
	}
	seen := map[string]bool{strings.ToUpper(i.doc.Subject.Reference): true}
	for k := range c.YoungPeople {
		y := &c.YoungPeople[k]
		y.Reference = strings.TrimSpace(y.Reference)
		field := fmt.Sprintf("young_people[%d]", k)
		switch {
		case y.Reference == "":
			errs.add(field+".reference", "Enter each young person's reference number.")
		case !referencePattern.MatchString(y.Reference):
			errs.add(field+".reference", "Use the young person's reference, not their name: 3 to 32 letters, numbers, dashes or slashes, no spaces.")
		case seen[strings.ToUpper(y.Reference)]:
			errs.add(field+".reference", y.Reference+" is already listed (or is the person this incident is about): list each young person once.")
		}
		seen[strings.ToUpper(y.Reference)] = true
		switch y.Role {
		case RoleHarmed, RoleShared, RoleOther:
		default:
			errs.add(field+".role", "Say whether this young person was harmed, shared it, or was otherwise involved.")
		}
	}
	if c.Severity != "" {
		if _, ok := i.pack.Severity(c.Severity); !ok {
			errs.add("severity", "Choose the severity from the list.")
		}
	}
	t, typed := i.pack.IncidentType(i.doc.Type)
	if typed && c.NudeImagery != nil && !*c.NudeImagery && i.doc.Imagery != nil && slices.Contains(t.Implies, "nudes") {
		errs.add("nude_imagery", "Where the imagery is has already been recorded, so nude or semi-nude imagery is involved.")
	}
	if typed {
		implied := map[string]bool{}
		for _, x := range t.Implies {
			implied[x] = true
		}
		for fact, v := range map[string]*bool{"threats_coercion": c.ThreatsOrCoercion, "intent_to_harm": c.IntentToHarm, "company_systems": c.CompanySystems} {
			if implied[fact] && v != nil && !*v {
				errs.add(fact, fmt.Sprintf("A %s incident has this by definition: classify it again if it does not.", strings.ToLower(t.Label)))
			}
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	if changed := changedAnswers(i.doc.Circumstances, c); len(changed) > 0 && strings.TrimSpace(rationale) == "" {
		return &FieldError{Field: "rationale", Message: "Say why these answers are changing: " + strings.Join(changed, ", ") + "."}
	}
	i.doc.Circumstances = cloneCircumstances(c)
	i.log(EventCircumstances, i.circumstancesText(), rationale)
	i.settle()
	return nil
}

// settle writes in what the answers now decide: an experimental
// classification the facts make aggravated, and "illegal" where the policy
// fixes it. Each is logged with its reason, so the record never contradicts
// itself.
func (i *Incident) settle() {
	if i.doc.Subtype == "experimental" && i.facts()["aggravated"] {
		if t, ok := i.pack.IncidentType(i.doc.Type); ok {
			if _, ok := t.Subtype("aggravated"); ok {
				i.doc.Subtype = "aggravated"
				i.log(EventClassified, i.classificationText(), "The answers show an adult involved, intent to harm, reckless misuse, sharing without consent, or threats: not experimental (3.4.7.2) but aggravated (3.4.7.1).")
			}
		}
	}
	if fixed, why := i.IllegalFixed(); fixed && i.doc.Illegal != nil && !*i.doc.Illegal {
		y := true
		i.doc.Illegal = &y
		i.log(EventIllegal, "Illegal: yes, as the policy says for this incident", why)
	}
}

// changedAnswers names the answers given before that c changes.
func changedAnswers(prev, c Circumstances) []string {
	var out []string
	b := func(name string, a, b *bool) {
		if a != nil && (b == nil || *a != *b) {
			out = append(out, name)
		}
	}
	if prev.OtherParty != nil && (c.OtherParty == nil || *prev.OtherParty != *c.OtherParty) {
		out = append(out, "the other person")
	}
	b("nude imagery", prev.NudeImagery, c.NudeImagery)
	b("intent to harm", prev.IntentToHarm, c.IntentToHarm)
	b("reckless misuse", prev.RecklessMisuse, c.RecklessMisuse)
	b("sharing without consent", prev.SharedWithoutConsent, c.SharedWithoutConsent)
	b("threats or coercion", prev.ThreatsOrCoercion, c.ThreatsOrCoercion)
	b("company device or network", prev.CompanySystems, c.CompanySystems)
	if prev.Severity != "" && prev.Severity != c.Severity {
		out = append(out, "severity")
	}
	if prev.Platform != "" && prev.Platform != c.Platform {
		out = append(out, "platform")
	}
	for _, y := range prev.YoungPeople {
		if !slices.Contains(c.YoungPeople, y) {
			out = append(out, "young person "+y.Reference)
		}
	}
	return out
}

func (i *Incident) circumstancesText() string {
	c := i.doc.Circumstances
	var parts []string
	if sv, ok := i.pack.Severity(c.Severity); ok {
		parts = append(parts, "Severity: "+sv.Label)
	}
	if op := c.OtherParty; op != nil {
		s := "Other person: " + map[PartyAge]string{PartyAdult: "an adult", PartyChild: "a child", PartyUnknown: "not known whether adult or child"}[op.Is]
		if op.Age > 0 {
			s += fmt.Sprintf(", aged %d", op.Age)
		}
		if op.Relationship != "" {
			s += ", " + strings.ToLower(op.Relationship.Label())
		}
		parts = append(parts, s)
	}
	yn := func(label string, v *bool) {
		if v != nil {
			parts = append(parts, label+": "+yesNo(*v))
		}
	}
	if c.NudeImagery != nil && !*c.NudeImagery {
		parts = append(parts, "Nude or semi-nude imagery: no, text only")
	} else {
		yn("Nude or semi-nude imagery", c.NudeImagery)
	}
	yn("Intent to harm", c.IntentToHarm)
	yn("Reckless misuse", c.RecklessMisuse)
	yn("Shared on without consent", c.SharedWithoutConsent)
	yn("Threats or coercion", c.ThreatsOrCoercion)
	for _, y := range c.YoungPeople {
		parts = append(parts, fmt.Sprintf("Young person %s (%s)", y.Reference, y.Role))
	}
	yn("On a company device or network", c.CompanySystems)
	if c.Platform != "" {
		parts = append(parts, "Platform: "+c.Platform)
	}
	if len(parts) == 0 {
		return "Circumstances: none given"
	}
	return strings.Join(parts, "; ")
}
