package app

import (
	"strings"
	"testing"
)

// Issue 20 item 8, policy 6.2, section 11 and Annex 1: the escalation
// guidance says once which of the policy's names (DSL, DSO) is which, and
// that the app calls them all safeguarding leads; the Annex 1 line about
// parents cannot be read as leave to tell them.
func TestEscalationGuidanceSaysWhoIsWhoAndNotToTellParents(t *testing.T) {
	u, _ := newTestUI(t)
	tap(t, u, escalateLabel)
	texts := visibleTexts(u)
	for _, once := range []string{"Designated Safeguarding Lead (DSL)", "Designated Safeguarding Officers (DSOs)", "calls each of them a safeguarding lead"} {
		if n := strings.Count(texts, once); n != 1 {
			t.Errorf("%q is said %d times on the guidance, want once:\n%s", once, n, texts)
		}
	}
	mustSee(t, u, "Tell only the DSL about the incident: not parents or carers", "Your safeguarding team")
	if strings.Contains(texts, "anyone but the DSL, parents and carers included") {
		t.Errorf("the line about parents still reads as leave to tell them:\n%s", texts)
	}
	screenshot(t, u, "10a-escalate-who-is-who")
}
