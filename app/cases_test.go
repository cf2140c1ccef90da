package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/seed"
)

func TestCaseQueueOverdueAcknowledgeReferClose(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	u.ShowCases()
	settle(u)
	texts := visibleTexts(u)
	if !strings.Contains(texts, "open case") {
		t.Fatalf("no case count:\n%s", texts)
	}
	if w.OpenCases == 0 {
		t.Skip("the seed made no open case")
	}
	screenshot(t, u, "23-cases")

	// Open the first case in the queue: overdue ones come first.
	findList(t, u).Select(0)
	settle(u)
	texts = visibleTexts(u)
	if !strings.Contains(texts, "Chronology of case actions") {
		t.Fatalf("case screen:\n%s", texts)
	}
	if ack := findButton(t, u, "Acknowledge"); !ack.Disabled() {
		test.Tap(ack)
		settle(u)
	}
	test.Tap(findButton(t, u, "Record referral"))
	settle(u)
	if !strings.Contains(visibleTexts(u), "Choose the agency the case was referred to.") {
		t.Fatalf("referral without an agency accepted:\n%s", visibleTexts(u))
	}
	test.Tap(findButton(t, u, "Close case"))
	settle(u)
	if !strings.Contains(visibleTexts(u), "Write the outcome") {
		t.Fatalf("close without an outcome accepted:\n%s", visibleTexts(u))
	}
	test.Type(findEntry(t, u, "Next check (YYYY-MM-DD)"), "2026-12-09")
	test.Tap(findButton(t, u, "Set monitoring date"))
	settle(u)
	if !strings.Contains(visibleTexts(u), "Monitoring, Morgan Hughes (demo): next check 9 Dec 2026") {
		t.Fatalf("monitoring not in the chronology:\n%s", visibleTexts(u))
	}
	screenshot(t, u, "24-case")
	test.Type(findEntry(t, u, "Outcome: what was done and why the case can close"), "Social care involved; support in place.")
	test.Tap(findButton(t, u, "Close case"))
	settle(u)
	if !strings.Contains(visibleTexts(u), "Closed 25 Nov 2026 09:00") {
		t.Fatalf("not closed:\n%s", visibleTexts(u))
	}
	test.Tap(findButton(t, u, "Back"))
	settle(u)

	// The access audit shows the DSL opened the case.
	u.ShowAccessAudit(w.Stores[seed.DSL])
	settle(u)
	texts = visibleTexts(u)
	if !strings.Contains(texts, "the chain is unbroken") || !strings.Contains(texts, "Morgan Hughes (demo)") || !strings.Contains(texts, "opened") {
		t.Fatalf("access audit:\n%s", texts)
	}
	if !strings.Contains(texts, "Incident · ") {
		t.Fatalf("the opened incident is not named:\n%s", texts)
	}
	screenshot(t, u, "25-access-audit")
	_ = context.Background()
}
