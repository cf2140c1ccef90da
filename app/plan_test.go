package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
	"safeguard/companion/testclock"
)

func TestHomeShowsNewSessionAndTraining(t *testing.T) {
	u, _ := newTestUI(t)
	texts := visibleTexts(u)
	for _, want := range []string{"Hello, Sam.", "New session", "Safeguarding training current until " + trainedOn.AddDate(1, 0, 0).Format("2 January 2006") + ".", "No sessions planned yet"} {
		if !strings.Contains(texts, want) {
			t.Errorf("home lacks %q:\n%s", want, texts)
		}
	}
	screenshot(t, u, "01-home-empty")
}

func TestHomeWarnsOfExpiredTraining(t *testing.T) {
	u, clock := newTestUI(t)
	clock.Set(clock.Now().AddDate(1, 0, 0))
	u.ShowHome()
	if !strings.Contains(visibleTexts(u), "Your safeguarding training expired on "+trainedOn.AddDate(1, 0, 0).Format("2 January 2006")) {
		t.Errorf("Annex 2 1.2: no warning:\n%s", visibleTexts(u))
	}
}

// fillPlan types a realistic plan into the form the way a person would.
func fillPlan(f *planForm) {
	test.Type(f.ref, "CUS-4821")
	test.Type(f.age, "15")
	f.date.SetText("")
	test.Type(f.date, dmy(planDay))
	test.Type(f.start, "10:00")
	f.method.SetSelected("Video call")
	f.platform.SetSelected("Microsoft Teams")
	test.Type(f.facilitator, "Form tutor")
	test.Type(f.notified, "E-mail with the Teams link sent 20/11")
	test.Type(f.parentCarer, "Letter home via school")
	test.Type(f.crisis, "Call the duty DSO; 999 if in immediate danger")
}

// answerAll answers every item the screen asks; the ones the app knows
// (issue 19) have no choices to make.
func answerAll(f *planForm, word string) {
	for _, id := range f.itemIDs {
		if r, ok := f.rows[id]; ok {
			r.radio.SetSelected(word)
		}
	}
}

func radioFor(t *testing.T, f *planForm, id string) *answerChoice {
	t.Helper()
	r, ok := f.rows[id]
	if !ok {
		t.Fatalf("no checklist item %q on screen", id)
	}
	return r.radio
}

func mitigationFor(t *testing.T, f *planForm, id string) *widget.Entry {
	t.Helper()
	return f.rows[id].mitigation
}

func TestPlanOutcomeIsLive(t *testing.T) {
	u, _ := newTestUI(t)
	test.Tap(findButton(t, u, "New session"))
	f := u.currentPlan
	if f == nil {
		t.Fatal("New session did not open the plan")
	}
	settle(u) // the focus comes once the tap is over (focusOnOpen)
	if u.win.Canvas().Focused() != f.ref {
		t.Error("focus must land in the first field")
	}
	fillPlan(f)
	if got := f.outcome.Text; got != "Outcome: Not finished" {
		t.Errorf("before answering: %q", got)
	}
	answerAll(f, answerYes)
	if got := f.outcome.Text; got != "Outcome: Proceed" {
		t.Fatalf("all met: %q (%s)", got, f.concerns.Text)
	}
	screenshot(t, u, "02-plan-proceed")

	// Annex 2 3.5: the facilitator item unmet needs a mitigation.
	r := radioFor(t, f, "facilitator_invited")
	r.SetSelected(answerNo)
	if got := f.outcome.Text; got != "Outcome: Do not proceed" {
		t.Fatalf("unmet without mitigation: %q", got)
	}
	m := mitigationFor(t, f, "facilitator_invited")
	if !m.Visible() {
		t.Fatal("the mitigation box must appear when an item is not met")
	}
	test.Type(m, "Tutor unavailable; DSO on standby by phone")
	if got := f.outcome.Text; got != "Outcome: Proceed with mitigations" {
		t.Fatalf("with mitigation: %q", got)
	}
	// Annex 2 3.6: Zoom is 16+, the customer is 15.
	f.platform.SetSelected("Zoom")
	if !strings.Contains(f.concerns.Text, "Zoom is for ages 16 and over; the customer is 15") {
		t.Errorf("platform age concern missing: %q", f.concerns.Text)
	}
	f.platform.SetSelected("Microsoft Teams")
	screenshot(t, u, "03-plan-mitigations")

	test.Tap(f.save)
	settle(u)
	if !strings.Contains(f.status.Text, "Saved. Proceed with mitigations.") {
		t.Fatalf("status %q", f.status.Text)
	}
	if len(u.journal.sessions) != 1 {
		t.Fatalf("sessions = %d", len(u.journal.sessions))
	}
	d := u.journal.sessions[0].Document()
	if d.Plan.Customer.Reference != "CUS-4821" || d.Plan.Platform != "teams" || d.State != session.Assessed ||
		d.Assessment.Answers["facilitator_invited"].Mitigation != "Tutor unavailable; DSO on standby by phone" {
		t.Errorf("domain recorded %+v", d)
	}
}

func TestPlanShowsMessagesNextToFields(t *testing.T) {
	u, _ := newTestUI(t)
	u.ShowNewPlan()
	f := u.currentPlan
	test.Type(f.ref, "Jane Smith")
	test.Type(f.age, "fifteen")
	test.Tap(f.save)
	settle(u)
	texts := visibleTexts(u)
	for _, want := range []string{
		"Use the customer's reference, not their name",
		"Enter the age in whole years",
		"Enter the start time as HH:MM",
		"Check the highlighted fields.",
	} {
		if !strings.Contains(texts, want) {
			t.Errorf("missing message %q", want)
		}
	}
	if strings.Contains(texts, "strconv") || strings.Contains(texts, "parsing") {
		t.Error("a raw Go error reached the screen")
	}
	if len(u.journal.sessions) != 0 {
		t.Error("an invalid plan was saved")
	}
	screenshot(t, u, "04-plan-errors")
}

// Keyboard users are never trapped: Tab leaves every multi-line field on the
// plan, consent and record screens (issue 5: every action reachable from the
// keyboard). Fyne's own multi-line entry keeps Tab for itself.
func TestMultiLineFieldsReleaseTab(t *testing.T) {
	u, _ := newTestUI(t)
	u.ShowNewPlan()
	n := 0
	walk(u, func(o fyne.CanvasObject) {
		e, ok := o.(fyne.Tabbable)
		if !ok {
			return
		}
		if entry, isEntry := o.(*widget.Entry); isEntry && entry.MultiLine {
			t.Errorf("multi-line field %q keeps Tab: use multiline()", entry.PlaceHolder)
		}
		if e.AcceptsTab() {
			t.Errorf("%T keeps Tab", o)
		}
		n++
	})
	if n < 2 {
		t.Fatalf("found %d multi-line fields on the plan; expected the notice and crisis plan boxes", n)
	}
}

// TestPlanShowsWhatTheAppKnows is issue 19's "what the app knows, it does
// not ask": training (from the training record) and the safeguarding team
// (from the signed directory) are shown with their source, not asked; an
// expired training record blocks, saying what to do (Annex 2 1.2).
func TestPlanShowsWhatTheAppKnows(t *testing.T) {
	u, clock := newTestUI(t)
	tap(t, u, "New session")
	f := u.currentPlan
	fillPlan(f)
	answerAll(f, answerYes)
	for _, id := range []string{"training_current", "know_dso"} {
		if _, asked := f.rows[id]; asked {
			t.Errorf("%s is asked though the app knows it", id)
		}
	}
	texts := visibleTexts(u)
	due := trainedOn.AddDate(1, 0, 0).Format("2 January 2006")
	if !strings.Contains(texts, "Your training record: current until "+due+".") || !strings.Contains(texts, "Your organisation's directory: Morgan Hughes (demo)") {
		t.Fatalf("the known answers and their sources are not shown:\n%s", texts)
	}
	if f.outcome.Text != "Outcome: Proceed" {
		t.Fatalf("outcome %q", f.outcome.Text)
	}
	tap(t, u, "Save plan")
	if src := u.journal.sessions[0].Document().Assessment.Answers["training_current"].Source; !strings.Contains(src, "training record") {
		t.Errorf("the saved answer does not say where it came from: %q", src)
	}

	// A year on, the record has expired: the plan cannot proceed.
	clock.Set(clock.Now().AddDate(1, 0, 0))
	tap(t, u, "Home")
	tap(t, u, "New session")
	f = u.currentPlan
	fillPlan(f)
	f.date.SetText(dmy(testclock.NextWorkday(clock.Now(), 10, 0)))
	answerAll(f, answerYes)
	if f.outcome.Text != "Outcome: Do not proceed" || !strings.Contains(visibleTexts(u), "it expired on "+due+". Book a refresher before running sessions") {
		t.Fatalf("expired training does not block with what to do: %q\n%s", f.outcome.Text, visibleTexts(u))
	}
	screenshot(t, u, "38-plan-training-expired")
}
