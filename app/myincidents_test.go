package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/device"
	"safeguard/companion/session"
)

// TestUnreportedIncidentIsListedAndOffered is issue 20 item 1: escalate,
// continue past the guidance, write what happened, leave; home lists the
// draft under My incidents; close the app and open it again: it is offered,
// and opening it brings back what was written. Once reported, home says
// where it stands.
func TestUnreportedIncidentIsListedAndOffered(t *testing.T) {
	u, _, env := newTestUIEnv(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	test.Type(findEntry(t, u, "What happened, in your own words (not the imagery)"), "A learner says an older man keeps messaging her on a game.")
	press(t, u, shortcutFor(t, "Ctrl+H"))
	settle(u)
	texts := visibleTexts(u)
	if !strings.Contains(texts, "My incidents") || !strings.Contains(texts, "Not reported yet: raised") {
		t.Fatalf("home does not list the unreported incident:\n%s", texts)
	}
	screenshot(t, u, "37-home-my-incidents")

	// The app closes; a new one opens the same device from disk.
	u2 := reopen(t, u, env)
	if !strings.Contains(visibleTexts(u2), "You started an incident that has not been reported, raised ") {
		t.Fatalf("the unreported incident is not offered on opening:\n%s", visibleTexts(u2))
	}
	if strings.Contains(visibleTexts(u2), "reported: Not reported yet") {
		t.Errorf("the offer says it twice:\n%s", visibleTexts(u2))
	}
	tap(t, u2, "Yes")
	if u2.currentIncident == nil {
		t.Fatalf("the incident screen did not open:\n%s", visibleTexts(u2))
	}
	if got := findEntry(t, u2, "What happened, in your own words (not the imagery)").Text; !strings.Contains(got, "older man keeps messaging") {
		t.Fatalf("what was written is lost: %q", got)
	}
	f := u2.currentIncident
	if f.inc.Status() != session.IncidentDraft {
		t.Fatalf("status %s", f.inc.Status())
	}

	// Classified and reported, home says where it stands.
	test.Type(f.ref, "CUS-1402")
	test.Type(f.age, "14")
	if err := f.inc.Classify(session.Classification{Type: "grooming"}, ""); err != nil {
		t.Fatal(err)
	}
	tap(t, u2, "Report to the safeguarding team")
	press(t, u2, shortcutFor(t, "Ctrl+H"))
	settle(u2)
	texts = visibleTexts(u2)
	if !strings.Contains(texts, "Waiting for the safeguarding team: raised") || strings.Contains(texts, "Not reported yet") {
		t.Fatalf("home after reporting:\n%s", texts)
	}
}

// TestReportThatFailsToSaveCanBeSentAgain is issue 15's fault at the centre:
// reporting an incident changed the screen's incident before the save, so a
// failed save left it "reported" on screen and unsendable. Now the store is
// closed under it (as a locked or vanished database would be): the screen
// says it was not sent, the incident is still a draft, and once a working
// store is back the same button reports it.
func TestReportThatFailsToSaveCanBeSentAgain(t *testing.T) {
	u, _, env := newTestUIEnv(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	test.Type(f.describe, "A learner says an older man keeps messaging her on a game.")
	test.Type(f.ref, "CUS-1402")
	test.Type(f.age, "14")
	if err := f.inc.Classify(session.Classification{Type: "grooming"}, ""); err != nil {
		t.Fatal(err)
	}
	env.dev.Close()
	tap(t, u, "Report to the safeguarding team")
	if texts := visibleTexts(u); !strings.Contains(texts, "Not sent:") || !strings.Contains(texts, "Call your safeguarding lead now") {
		t.Fatalf("a failed save is not said:\n%s", texts)
	}
	if f.inc.Status() != session.IncidentDraft {
		t.Fatalf("after a failed save the incident is %q on screen", f.inc.Status())
	}

	dev, err := device.Open(context.Background(), env.paths, env.ks)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	u.cfg.Vault = dev.Vault(u.cfg.Clock) // the store is back, the screen unchanged
	tap(t, u, "Report to the safeguarding team")
	if !strings.Contains(visibleTexts(u), "Reported to the safeguarding team") || f.inc.Status() != session.IncidentReported {
		t.Fatalf("the same button did not report it once the store was back (%s):\n%s", f.inc.Status(), visibleTexts(u))
	}
}

// TestRecordBeingWrittenIsKept is issue 20 item 2: type the record, press
// Home (or Escalate, then Back), come back: what was typed is there, and it
// was saved sealed, so a new app on the same device has it too.
func TestRecordBeingWrittenIsKept(t *testing.T) {
	u, clock, env := newTestUIEnv(t)
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(30 * time.Minute)
	tap(t, u, "End session")
	test.Type(findEntry(t, u, "What was discussed"), "Apprenticeships in engineering; she will visit the college.")
	test.Type(findEntry(t, u, "Who"), "Sam")
	test.Type(findEntry(t, u, "By DD/MM/YYYY"), "31/1") // half typed: kept as typed
	tap(t, u, "Home")
	settle(u)
	findList(t, u).Select(0) // the session, "Record to write"
	settle(u)
	if got := findEntry(t, u, "What was discussed").Text; !strings.Contains(got, "Apprenticeships in engineering") {
		t.Fatalf("the summary typed before Home is gone: %q", got)
	}
	if got := findEntry(t, u, "By DD/MM/YYYY").Text; got != "31/1" {
		t.Fatalf("the half-typed date is gone: %q", got)
	}

	// Escalate and Back keep it too.
	test.Type(findEntry(t, u, "Any concerns, or leave blank"), "None.")
	tap(t, u, escalateLabel)
	tap(t, u, "Back")
	if got := findEntry(t, u, "Any concerns, or leave blank").Text; got != "None." {
		t.Fatalf("the concerns typed before Escalate are gone: %q", got)
	}

	// Saved sealed: a new app on the same device finds it.
	tap(t, u, "Home")
	settle(u)
	u2 := reopen(t, u, env)
	findList(t, u2).Select(0)
	settle(u2)
	if got := findEntry(t, u2, "What was discussed").Text; !strings.Contains(got, "Apprenticeships in engineering") {
		t.Fatalf("the record typed is not on disk: %q\n%s", got, visibleTexts(u2))
	}
}

// TestReportTakesWhatIsTyped: "Report" no longer fails with "Say what
// happened" while the words sit unsaved in the box (issue 20 item 2).
func TestReportTakesWhatIsTyped(t *testing.T) {
	u, _ := newTestUI(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	test.Type(f.ref, "CUS-1402")
	test.Type(f.age, "14")
	if err := f.inc.Classify(session.Classification{Type: "grooming"}, ""); err != nil {
		t.Fatal(err)
	}
	test.Type(findEntry(t, u, "What happened, in your own words (not the imagery)"), "An older man keeps messaging her on a game.")
	tap(t, u, "Report to the safeguarding team")
	if f.inc.Status() != session.IncidentReported || f.inc.Document().Description != "An older man keeps messaging her on a game." {
		t.Fatalf("reported %s with description %q:\n%s", f.inc.Status(), f.inc.Document().Description, visibleTexts(u))
	}
}

// TestStartingADayEarlyAsksAndTheRecordSaysWhen is issue 20 item 4: a
// session started a day before its planned time asks for confirmation and a
// reason; the record shows the planned and the actual times.
func TestStartingADayEarlyAsksAndTheRecordSaysWhen(t *testing.T) {
	u, clock := newTestUI(t)
	tap(t, u, "New session")
	fillPlan(u.currentPlan)
	answerAll(u.currentPlan, answerYes)
	tap(t, u, "Save plan")
	tap(t, u, "Consent and invitation")
	findRadio(t, u, channelSMS).SetSelected(channelSMS)
	test.Type(findEntry(t, u, "Their reply, word for word"), "YES")
	tap(t, u, "Record consent")
	clock.Set(planDay.Add(-22 * time.Hour)) // the afternoon before
	if clock.Now().Before(suiteNow) {
		clock.Set(suiteNow.Add(time.Minute))
	}
	tap(t, u, "Start session")
	if u.currentLive != nil || !strings.Contains(visibleTexts(u), "Start at another time than planned?") {
		t.Fatalf("started early without asking:\n%s", visibleTexts(u))
	}
	tap(t, u, "Start now")
	if u.currentLive != nil || !strings.Contains(visibleTexts(u), "Say why the session starts at another time than planned.") {
		t.Fatalf("started early with no reason:\n%s", visibleTexts(u))
	}
	test.Type(findEntry(t, u, "Why it starts now, for the record"), "The customer asked to bring it forward")
	tap(t, u, "Start now")
	l := u.currentLive
	if l == nil {
		t.Fatalf("not live:\n%s", visibleTexts(u))
	}
	started := clock.Now()
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(30 * time.Minute)
	tap(t, u, "End session")
	texts := visibleTexts(u)
	want := "Planned " + planDay.Format("Monday 2 January 2006 15:04") + " for 45 minutes; held from "
	if !strings.Contains(texts, want) || !strings.Contains(texts, started.In(london).Format("15:04")) ||
		!strings.Contains(texts, "started away from the planned time: the customer asked to bring it forward") {
		t.Fatalf("the record does not show both times (want %q):\n%s", want, texts)
	}
}
