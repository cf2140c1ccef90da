package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/session"
)

// TestSignAsksWhyTheAgreementWasNotConfirmed: Annex 2 2.1 signing a record
// whose agreement points were not all confirmed asks why, listing the
// points the domain says are unexplained (session.AgreementUnexplained),
// and signs once the reason is given.
func TestSignAsksWhyTheAgreementWasNotConfirmed(t *testing.T) {
	u, clock := newTestUI(t)
	l := liveSession(t, u, clock)
	points := u.cfg.Pack.Agreement
	l.agreement[points[0].ID].SetChecked(true)
	settle(u)
	clock.Advance(30 * time.Minute)
	tap(t, u, "End session")
	test.Type(findEntry(t, u, "What was discussed"), "CV and college applications.")
	tap(t, u, "Sign and lock")
	shown := visibleTexts(u)
	if !strings.Contains(shown, "Agreement not confirmed (Annex 2 2.1)") {
		t.Fatalf("Annex 2 2.1 signing with unconfirmed points did not ask why:\n%s", shown)
	}
	if strings.Contains(shown, "• "+points[0].Text) || !strings.Contains(shown, "• "+points[1].Text) {
		t.Errorf("Annex 2 2.1 the dialog must list only the points not confirmed:\n%s", shown)
	}
	test.Type(findEntry(t, u, "Why these points were not confirmed"), "The call dropped; the customer agreed the rest by text.")
	tap(t, u, "Record reason")
	tap(t, u, "Yes")
	if len(u.journal.history) == 0 || u.journal.history[0].doc.State != session.Signed || u.journal.history[0].doc.AgreementReason == "" {
		t.Fatalf("Annex 2 2.1 the record was not signed with the reason:\n%s", visibleTexts(u))
	}
}
