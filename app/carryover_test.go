package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// TestReturningCustomerPlannedFromTheLastSession is issue 19's carry-over
// through the screens: a signed session for CUS-4821; a new plan typed with
// the same reference offers to plan from it; the customer's facts and the
// answers about them are filled in and listed as "still true?"; the plan is
// refused until they are reconfirmed; only the time and how the customer
// was told are typed.
func TestReturningCustomerPlannedFromTheLastSession(t *testing.T) {
	u, clock := newTestUI(t)
	signedSession(t, u, clock)
	if len(u.journal.history) != 1 {
		t.Fatalf("not signed:\n%s", visibleTexts(u))
	}

	press(t, u, shortcutFor(t, "Ctrl+N"))
	f := u.currentPlan
	test.Type(f.ref, "cus-4821")
	if !strings.Contains(visibleTexts(u), "A returning customer: their last session was on") {
		t.Fatalf("no offer to plan from the last session:\n%s", visibleTexts(u))
	}
	tap(t, u, "Plan from that session")
	if f.facilitator.Text != "Form tutor" || f.age.Text != "15" || f.method.Selected != "Video call" || f.crisis.Text == "" {
		t.Fatalf("the customer's facts were not carried: facilitator %q age %q method %q", f.facilitator.Text, f.age.Text, f.method.Selected)
	}
	if !strings.Contains(visibleTexts(u), "From the last session: still true?") || len(f.stillTrue) < 6 {
		t.Fatalf("the carried facts are not shown for reconfirming (%d):\n%s", len(f.stillTrue), visibleTexts(u))
	}
	next := testclock7(planDay)
	f.date.SetText(dmy(next))
	test.Type(f.start, "10:00")
	test.Type(f.notified, "Text with the Teams link")
	answerAll(f, answerYes)
	tap(t, u, "Save plan")
	if len(u.journal.sessions) != 0 || !strings.Contains(visibleTexts(u), "was carried from the last session") {
		t.Fatalf("a plan with nothing reconfirmed was saved:\n%s", visibleTexts(u))
	}
	tap(t, u, "All still true")
	tap(t, u, "Save plan")
	if len(u.journal.sessions) != 1 {
		t.Fatalf("the reconfirmed plan was not saved:\n%s", visibleTexts(u))
	}
	d := u.journal.sessions[0].Document()
	for _, c := range d.Plan.Carried {
		if !c.Reconfirmed {
			t.Errorf("%s saved unreconfirmed", c.Field)
		}
	}
	if d.Assessment.Answers["method_accessible"].Answer != session.Met {
		t.Errorf("the carried answer is not in the assessment: %+v", d.Assessment.Answers["method_accessible"])
	}
	screenshot(t, u, "39-plan-returning-customer")
}

func testclock7(t time.Time) time.Time { return t.AddDate(0, 0, 7) }

// TestPlanTheNextSessionFromTheSignedRecord: the signed record offers
// "Plan the next session", which opens the plan carried from it.
func TestPlanTheNextSessionFromTheSignedRecord(t *testing.T) {
	u, clock := newTestUI(t)
	signedSession(t, u, clock)
	tap(t, u, "Plan the next session")
	f := u.currentPlan
	if f == nil || f.ref.Text != "CUS-4821" || f.facilitator.Text != "Form tutor" || len(f.stillTrue) == 0 {
		t.Fatalf("the next plan is not carried from the record:\n%s", visibleTexts(u))
	}
	for _, c := range f.stillTrue {
		if c.Checked {
			t.Fatal("a carried fact was reconfirmed without being asked")
		}
	}
}

// signedSession runs a session for CUS-4821 through the screens to a signed
// record: the customer's last session.
func signedSession(t *testing.T, u *UI, clock *fixedClock) {
	t.Helper()
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(30 * time.Minute)
	tap(t, u, "End session")
	test.Type(findEntry(t, u, "What was discussed"), "CV and college applications.")
	tap(t, u, "Sign and lock")
	tap(t, u, "Yes")
}

// TestPlanTheNextSessionFromHistory: issue 19, History offers "Plan the
// next session" on each customer's latest record of the person's own (an
// older one would carry facts since changed), and it goes through the same
// carry-over as the signed record: every carried fact shown unreconfirmed,
// the plan refused until they are reconfirmed (Annex 2 1.3, 3.2).
func TestPlanTheNextSessionFromHistory(t *testing.T) {
	u, clock := newTestUI(t)
	signedSession(t, u, clock)
	if len(u.journal.history) != 1 {
		t.Fatalf("not signed:\n%s", visibleTexts(u))
	}
	// The same customer's session of the week before, signed too.
	older := u.journal.history[0]
	older.doc.ID = "rec-older"
	older.doc.Plan.Start = older.doc.Plan.Start.AddDate(0, 0, -7)
	older.doc.Plan.Facilitator = "Head of year"
	u.journal.history = append(u.journal.history, older)

	press(t, u, shortcutFor(t, "Ctrl+H"))
	tap(t, u, "History (2)")
	n := 0
	walk(u, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Plan the next session" {
			n++
		}
	})
	if n != 1 {
		t.Fatalf("issue 19 History offers to plan the next session on %d records of one customer, want 1 (the latest):\n%s", n, visibleTexts(u))
	}
	screenshot(t, u, "47-history-plan-next")
	tap(t, u, "Plan the next session")
	f := u.currentPlan
	if f == nil || f.ref.Text != "CUS-4821" || f.facilitator.Text != "Form tutor" || len(f.stillTrue) < 6 {
		t.Fatalf("issue 19 the next plan is not carried from the latest record:\n%s", visibleTexts(u))
	}
	for _, c := range f.stillTrue {
		if c.Checked {
			t.Fatal("Annex 2 1.3 a carried fact was reconfirmed without being asked")
		}
	}
	f.date.SetText(dmy(testclock7(planDay)))
	test.Type(f.start, "10:00")
	test.Type(f.notified, "Text with the Teams link")
	answerAll(f, answerYes)
	tap(t, u, "Save plan")
	if len(u.journal.sessions) != 0 || !strings.Contains(visibleTexts(u), "was carried from the last session") {
		t.Fatalf("Annex 2 3.2 a plan with nothing reconfirmed was saved:\n%s", visibleTexts(u))
	}
	screenshot(t, u, "48-history-plan-next-reconfirm")
	tap(t, u, "All still true")
	tap(t, u, "Save plan")
	if len(u.journal.sessions) != 1 {
		t.Fatalf("the reconfirmed plan was not saved:\n%s", visibleTexts(u))
	}
}
