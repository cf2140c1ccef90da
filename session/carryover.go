package session

import (
	"fmt"
	"strconv"
	"strings"
)

// A returning customer's next session is planned from the last one (issue
// 19): the customer's facts and the checklist answers about the customer,
// not the session, are carried into the new plan. Each is shown for a
// one-glance "still true?" and the plan is refused until every carried fact
// is reconfirmed or changed: nothing is silently copied (Annex 2 1.3:
// planning is agreed for each session; 3.2: each situation is assessed).

// CarriedFact is one fact carried from the customer's last plan.
type CarriedFact struct {
	// Field is the plan field it fills ("customer.age", "platform", ...)
	// or "checklist.<item id>" for a checklist answer.
	Field string `json:"field"`
	// Label and Value say it in words, for "still true?".
	Label string `json:"label"`
	Value string `json:"value"`
	// From is the session it came from.
	From        string `json:"from"`
	Reconfirmed bool   `json:"reconfirmed,omitempty"`
}

// carriedFields are the customer's facts that carry, in the order shown.
var carriedFields = []struct{ field, label string }{
	{"customer.age", "Age or date of birth"},
	{"customer.adult_at_risk", "Adult at risk"},
	{"accessibility_needs", "Accessibility needs"},
	{"method", "Delivery method"},
	{"platform", "Platform"},
	{"facilitator", "Facilitator"},
	{"parent_carer_informed", "How the parent or carer is kept informed"},
	{"crisis_plan", "Crisis plan"},
}

// NextPlan is the plan for the customer's next session, from the document
// of their last: the customer's facts filled in and listed in Carried, not
// reconfirmed; the time, the notification and the reasons for this one are
// left to be given. The checklist answers that carry are in Carried too,
// and CarriedAnswers gives them for the assessment.
func (pk *Pack) NextPlan(prev Document) Plan {
	p := prev.Plan
	next := Plan{
		Customer:            p.Customer,
		Method:              p.Method,
		Platform:            p.Platform,
		AccessibilityNeeds:  p.AccessibilityNeeds,
		Facilitator:         p.Facilitator,
		ParentCarerInformed: p.ParentCarerInformed,
		CrisisPlan:          p.CrisisPlan,
		Duration:            pk.NormalDuration(),
	}
	for _, f := range carriedFields {
		v := carriedValue(pk, next, f.field)
		if v == "" {
			continue
		}
		next.Carried = append(next.Carried, CarriedFact{Field: f.field, Label: f.label, Value: v, From: prev.ID})
	}
	for _, it := range pk.Checklist {
		ans, ok := prev.Assessment.Answers[it.ID]
		if !it.CarriesOver || !ok || ans.Answer == "" {
			continue
		}
		next.Carried = append(next.Carried, CarriedFact{Field: "checklist." + it.ID, Label: it.Text, Value: answerWords(ans), From: prev.ID})
	}
	return next
}

// CarriedAnswers are the checklist answers a plan carries from the last
// session, for the assessment; ok is false when the previous document has
// none to give.
func CarriedAnswers(prev Document, p Plan) map[string]ItemAnswer {
	out := map[string]ItemAnswer{}
	for _, c := range p.Carried {
		if id, ok := strings.CutPrefix(c.Field, "checklist."); ok {
			if a, ok := prev.Assessment.Answers[id]; ok {
				out[id] = a
			}
		}
	}
	return out
}

func answerWords(a ItemAnswer) string {
	switch a.Answer {
	case Met:
		return "Yes"
	case NotMet:
		return "No, mitigated: " + a.Mitigation
	case NotApplicable:
		return "Not applicable: " + a.Mitigation
	}
	return string(a.Answer)
}

// carriedValue is a carried plan field of p in words, "" when empty.
func carriedValue(pk *Pack, p Plan, field string) string {
	switch field {
	case "customer.age":
		if !p.Customer.DateOfBirth.IsZero() {
			return "born " + p.Customer.DateOfBirth.Format("2 January 2006")
		}
		if p.Customer.Age > 0 {
			return strconv.Itoa(p.Customer.Age)
		}
		return ""
	case "customer.adult_at_risk":
		if p.Customer.AdultAtRisk {
			return "Yes"
		}
		return ""
	case "method":
		if m, ok := pk.Method(p.Method); ok {
			return m.Label
		}
		return p.Method
	case "platform":
		if pl, ok := pk.Platform(p.Platform); ok {
			return pl.Label
		}
		return p.Platform
	}
	v, _ := p.Field(field)
	return strings.TrimSpace(v)
}

// validateCarried refuses a plan with a carried fact neither reconfirmed
// nor changed: a changed value was typed for this session, so it stands.
func (pk *Pack) validateCarried(p Plan, errs *FieldErrors) {
	for i, c := range p.Carried {
		if c.Reconfirmed {
			continue
		}
		if _, checklist := strings.CutPrefix(c.Field, "checklist."); !checklist && carriedValue(pk, p, c.Field) != c.Value {
			continue
		}
		errs.add(fmt.Sprintf("carried[%d]", i), fmt.Sprintf("%s was carried from the last session (%s): confirm it is still true, or change it.", c.Label, c.Value))
	}
}
