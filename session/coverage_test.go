package session

import (
	"strings"
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

// TestWhatTheAppKnowsItDoesNotAsk: Annex 2 1.2 training and knowing the
// safeguarding team are answered from their sources, with where each answer
// came from; an unknown source leaves the item to be asked; expired
// training blocks, and a hand-made "met" cannot stand against it.
func TestWhatTheAppKnowsItDoesNotAsk(t *testing.T) {
	p := defaultPack(t)
	plan := goodPlan()
	now := testNow()
	item := func(id string) ChecklistItem {
		it, ok := itemIDs(p.Items(plan))[id]
		if !ok {
			t.Fatalf("no item %s", id)
		}
		return it
	}
	team := []string{"Morgan Hughes, 07700 900789"}
	cases := []struct {
		name   string
		item   string
		known  Known
		asked  bool
		answer Answer
		source string
	}{
		{"Annex 2 1.2 training current, from the training record", "training_current",
			Known{Training: p.Training(now.AddDate(0, -3, 0), now)}, false, Met, "current until"},
		{"Annex 2 1.2 training expired, from the training record", "training_current",
			Known{Training: p.Training(now.AddDate(-2, 0, 0), now)}, false, NotMet, "Book a refresher"},
		{"Annex 2 1.2 no training record: asked", "training_current", Known{}, true, "", ""},
		{"Annex 2 1.2 the safeguarding team, from the directory", "know_dso", Known{SafeguardingTeam: team}, false, Met, "Morgan Hughes"},
		{"Annex 2 1.2 a directory naming no safeguarding team: asked", "know_dso", Known{}, true, "", ""},
		{"Annex 2 1.3.3 a crisis plan is never taken from a source", "crisis_plan", Known{Training: p.Training(now, now), SafeguardingTeam: team}, true, "", ""},
	}
	for _, tc := range cases {
		ans, ok := p.KnownAnswer(item(tc.item), tc.known)
		if ok == tc.asked || ans.Answer != tc.answer || !strings.Contains(ans.Source, tc.source) {
			t.Errorf("%s: %+v known=%v", tc.name, ans, ok)
		}
	}
	// A "met" typed by hand does not stand against an expired record.
	a := allMet(p, plan)
	expired := Known{Training: p.Training(now.AddDate(-2, 0, 0), now), SafeguardingTeam: team}
	if got := p.Assess(plan, p.WithKnown(plan, a, expired)).Outcome; got != DoNotProceed {
		t.Errorf("Annex 2 1.2 expired training with a hand-made met: %v", got)
	}
	if got := p.WithKnown(plan, a, expired).Answers["know_dso"].Source; !strings.Contains(got, "directory") {
		t.Errorf("Annex 2 1.2 the answer does not say where it came from: %q", got)
	}
}
