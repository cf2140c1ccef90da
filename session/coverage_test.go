package session

import (
	"testing"
	"time"
)

// TestDeliveryMethodsByClause: Annex 2 1.1 (real-time methods) and 1.2
// (delayed response) decide whether a session has a timer, from the pack.
func TestDeliveryMethodsByClause(t *testing.T) {
	p := defaultPack(t)
	cases := []struct {
		name   string
		method string
		mode   Mode
	}{
		{"Annex 2 1.1.1 a video call is a real-time method", "video", RealTime},
		{"Annex 2 1.1.2 a telephone call is a real-time method", "telephone", RealTime},
		{"Annex 2 1.1.2 instant chat is a real-time method", "instant_chat", RealTime},
		{"Annex 2 1.2.1 e-mail is a delayed response", "email", Delayed},
		{"Annex 2 1.2.1 a letter is a delayed response", "letter", Delayed},
		{"Annex 2 1.2.1 a text message is a delayed response", "text", Delayed},
	}
	for _, tc := range cases {
		m, ok := p.Method(tc.method)
		if !ok || m.Mode != tc.mode {
			t.Errorf("%s: method %q is %+v", tc.name, tc.method, m)
		}
	}
	// A real-time plan has its length and a timer; a phone call's checklist
	// still asks the questions that apply to every method.
	plan := goodPlan()
	plan.Method, plan.Platform = "telephone", ""
	if _, ok := itemIDs(p.Items(plan))["confident_with_technology"]; !ok {
		t.Error("Annex 2 1.1.2 a phone call skips the technology question (4.1)")
	}
	if plan.Duration != 45*time.Minute {
		t.Fatalf("the good plan lasts %s", plan.Duration)
	}
}

func itemIDs(items []ChecklistItem) map[string]ChecklistItem {
	out := map[string]ChecklistItem{}
	for _, it := range items {
		out[it.ID] = it
	}
	return out
}

// TestShouldItemsTakeAMitigation: items whose clause says "should" may be
// unmet with a mitigation the practitioner records; without one they block.
func TestShouldItemsTakeAMitigation(t *testing.T) {
	p := defaultPack(t)
	plan := goodPlan()
	cases := []struct {
		name, item, mitigation string
		want                   Outcome
	}{
		{"Annex 2 1.3.2 a method the customer cannot use needs a mitigation", "method_accessible", "", DoNotProceed},
		{"Annex 2 1.3.2 a method the customer cannot use, with captions arranged", "method_accessible", "Live captions on; the chat is open for typed answers", ProceedWithMitigations},
		{"Annex 2 4.1 not confident with the technology needs support", "confident_with_technology", "", DoNotProceed},
		{"Annex 2 4.1 not confident with the technology, with the manager's help", "confident_with_technology", "My manager joins the first five minutes to run the meeting controls", ProceedWithMitigations},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := itemIDs(p.Items(plan))[tc.item]; !ok {
				t.Fatalf("item %s does not apply to a video session", tc.item)
			}
			a := allMet(p, plan)
			a.Answers[tc.item] = ItemAnswer{Answer: NotMet, Mitigation: tc.mitigation}
			if got := p.Assess(plan, a).Outcome; got != tc.want {
				t.Errorf("outcome %v, want %v", got, tc.want)
			}
		})
	}
}
