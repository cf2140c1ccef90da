package app

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestTheNextStepHasTheFocus: a keyboard user is put on the next step of
// the journey (issue 15 §6): the plan saved, Consent and invitation; the
// consent recorded, Start session. The real binary is walked by keyboard in
// cmd/companion (TestPractitionerJourneyByKeyboard).
func TestTheNextStepHasTheFocus(t *testing.T) {
	u, _ := newTestUI(t)
	tap(t, u, "New session")
	if got := u.win.Canvas().Focused(); got != u.currentPlan.ref {
		t.Fatalf("a new plan starts with the focus on %T, not the customer's reference", got)
	}
	fillPlan(u.currentPlan)
	answerAll(u.currentPlan, answerYes)
	tap(t, u, "Save plan")
	if got := u.win.Canvas().Focused(); got != findButton(t, u, "Consent and invitation") {
		t.Fatalf("after Save plan the focus is on %T, not Consent and invitation", got)
	}
	tap(t, u, "Consent and invitation")
	findRadio(t, u, channelSMS).SetSelected(channelSMS)
	test.Type(findEntry(t, u, "Their reply, word for word"), "YES")
	tap(t, u, "Record consent")
	if got := u.win.Canvas().Focused(); got != findButton(t, u, "Start session") {
		t.Fatalf("after Record consent the focus is on %T, not Start session", got)
	}
}
