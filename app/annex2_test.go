package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"safeguard/companion/session"
)

// Issue 13, section 1, through the screens: they ask what the domain needs
// and refuse what it refuses.

func TestPlanScreenChecklistRules(t *testing.T) {
	u, _ := newTestUI(t)
	tap(t, u, "New session")
	f := u.currentPlan
	fillPlan(f)
	answerAll(f, answerYes)
	if got := f.outcome.Text; got != "Outcome: Proceed" {
		t.Fatalf("all met: %q (%s)", got, f.concerns.Text)
	}

	// Annex 2 3.5: "facilitator invited" answered yes with nobody named.
	f.facilitator.SetText("")
	if f.outcome.Text != "Outcome: Do not proceed" || !strings.Contains(f.concerns.Text, "the plan does not record the facilitator invited") {
		t.Errorf("Annex 2 3.5 inconsistency not named: %q %q", f.outcome.Text, f.concerns.Text)
	}
	test.Type(f.facilitator, "Form tutor")
	// Annex 2 1.3.5: parent or carer told, with nothing recorded.
	f.parentCarer.SetText("")
	if !strings.Contains(f.concerns.Text, "how a parent or carer was told") {
		t.Errorf("Annex 2 1.3.5 inconsistency not named: %q", f.concerns.Text)
	}
	test.Type(f.parentCarer, "Letter home via school")

	// Annex 2 1.2, 1.3.3, 3.6: never offered as not applicable.
	for _, id := range []string{"crisis_plan", "platform_suitable", "teams_lobby"} {
		if slices.Contains(radioFor(t, f, id).Options, answerNA) {
			t.Errorf("%s offers not applicable", id)
		}
	}
	// Annex 2 3.2: not applicable needs a reason.
	radioFor(t, f, "device_location").SetSelected(answerNA)
	reason := f.rows["device_location"].reason
	if !reason.Visible() || f.outcome.Text != "Outcome: Not finished" || !strings.Contains(f.concerns.Text, "say why it does not apply") {
		t.Fatalf("N/A without a reason: visible %v, %q %q", reason.Visible(), f.outcome.Text, f.concerns.Text)
	}
	test.Type(reason, "Customer joins from the school careers room")
	if f.outcome.Text != "Outcome: Proceed" {
		t.Errorf("N/A with a reason: %q %q", f.outcome.Text, f.concerns.Text)
	}

	// Annex 2 3.7, 3.9: must items offer no mitigation and block.
	for _, id := range []string{"clothing", "language"} {
		radioFor(t, f, id).SetSelected(answerNo)
		if mitigationFor(t, f, id).Visible() {
			t.Errorf("%s: a mitigation box is offered for a must", id)
		}
		if f.outcome.Text != "Outcome: Do not proceed" {
			t.Errorf("%s unmet: %q", id, f.outcome.Text)
		}
	}
	if !strings.Contains(visibleTexts(u), "The policy says this must be so (Annex 2 3.7): no mitigation can stand in for it.") {
		t.Error("the must note is not shown")
	}
	screenshot(t, u, "30-plan-must-and-na")
	test.Tap(f.save)
	settle(u)
	d := u.journal.sessions[0].Document()
	if d.State != session.Planned || d.Assessment.Answers["device_location"].Reason() != "Customer joins from the school careers room" {
		t.Errorf("saved: %s %+v", d.State, d.Assessment.Answers["device_location"])
	}
	if f.next.Visible() {
		t.Error("Annex 2 3.7: consent offered after a blocked assessment")
	}
}

// recordNoConcern records "no safeguarding concern" for the first undecided marker
// on the record screen.
func recordNoConcern(t *testing.T, u *UI, reason string) {
	t.Helper()
	findRadio(t, u, decideNoConcern).SetSelected(decideNoConcern)
	test.Type(findEntry(t, u, "Why this is no safeguarding concern, in your words"), reason)
	tap(t, u, "Record decision")
}

func TestRiskChangedReassessmentAndDecisionOnScreen(t *testing.T) {
	u, clock := newTestUI(t)
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(15 * time.Minute)
	l.tick()
	tap(t, u, "Risk changed  (Ctrl+4)")
	tap(t, u, "Record the reassessment")
	texts := visibleTexts(u)
	for _, want := range []string{"Say what changed (Annex 2 3.2).", "Choose the new outcome", "Say what you did"} {
		if !strings.Contains(texts, want) {
			t.Errorf("Annex 2 3.2 reassessment does not ask %q:\n%s", want, texts)
		}
	}
	test.Type(findEntry(t, u, "What changed"), "A man's voice shouting at the customer off camera")
	findRadio(t, u, "Do not proceed").SetSelected("Do not proceed")
	findRadio(t, u, "Carry on as planned").SetSelected("Carry on as planned")
	tap(t, u, "Record the reassessment")
	if !strings.Contains(visibleTexts(u), "The new outcome is do not proceed: end the session or escalate.") {
		t.Errorf("Annex 2 3.2 carry on after do not proceed was not refused:\n%s", visibleTexts(u))
	}
	screenshot(t, u, "31-live-risk-reassessment")
	findRadio(t, u, "End the session").SetSelected("End the session")
	tap(t, u, "Record the reassessment")
	if d := l.s.Document(); d.State != session.Ended || d.Markers[0].Reassessment == nil {
		t.Fatalf("end the session: %s %+v", d.State, d.Markers)
	}

	// The record: a decision and concerns are needed before signing.
	test.Type(findEntry(t, u, "What was discussed"), "CV started; session ended early.")
	tap(t, u, "Sign and lock")
	texts = visibleTexts(u)
	if !strings.Contains(texts, "There was a disclosure or a change of risk: write what the concerns were") || l.s.State() == session.Signed {
		t.Fatalf("Annex 2 3.2: empty concerns not refused:\n%s", texts)
	}
	test.Type(findEntry(t, u, "What the concerns were and what you did (required after a disclosure or a change of risk)"), "Shouting off camera; ended the call and rang back later: customer safe.")
	tap(t, u, "Sign and lock")
	if texts = visibleTexts(u); !strings.Contains(texts, "has no decision") {
		t.Fatalf("Annex 2 3.2: signing without a decision not refused:\n%s", texts)
	}
	screenshot(t, u, "32-record-decision-needed")
	findRadio(t, u, decideNoConcern).SetSelected(decideNoConcern)
	tap(t, u, "Record decision")
	if !strings.Contains(visibleTexts(u), "Say, in your own words, why this is no safeguarding concern.") {
		t.Error("a decision without the reason was accepted")
	}
	test.Type(findEntry(t, u, "Why this is no safeguarding concern, in your words"), "Her brother arguing with a neighbour; rang back, she is fine")
	tap(t, u, "Record decision")
	tap(t, u, "Sign and lock")
	tap(t, u, "Yes")
	texts = visibleTexts(u)
	if !strings.Contains(texts, "Signed record (read-only)") || !strings.Contains(texts, "No safeguarding concern: Her brother arguing") ||
		!strings.Contains(texts, "Action: end the session") {
		t.Fatalf("signed record lacks the reassessment and decision:\n%s", texts)
	}
}

func TestOpenIncidentBlocksSigningOnScreen(t *testing.T) {
	u, clock := newTestUI(t)
	l := liveSession(t, u, clock)
	s := l.s
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(10 * time.Minute)
	tap(t, u, escalateLabel)
	tap(t, u, "I have read this: continue")
	tap(t, u, "Back") // to the session, the incident left as a draft
	clock.Advance(20 * time.Minute)
	tap(t, u, "End session")
	test.Type(findEntry(t, u, "What was discussed"), "Careers plan.")
	tap(t, u, "Sign and lock")
	texts := visibleTexts(u)
	if !strings.Contains(texts, "is still being written: report it to the safeguarding team, or discard it") || s.State() == session.Signed {
		t.Fatalf("Annex 1: signing with a draft incident was not refused:\n%s", texts)
	}
	screenshot(t, u, "33-record-open-incident")
	tap(t, u, "Discard it…")
	test.Type(findEntry(t, u, "Why this incident is not being reported"), "Pressed Escalate by mistake; nothing of concern was said")
	tap(t, u, "Discard it")
	if !strings.Contains(visibleTexts(u), "was discarded: Pressed Escalate by mistake") {
		t.Fatalf("discard not shown:\n%s", visibleTexts(u))
	}
	// Saved durably: the incident draft carries the reason in its chronology.
	docs, err := u.cfg.Vault.IncidentDrafts(context.Background())
	if err != nil || len(docs) != 1 || docs[0].Status != session.IncidentDiscarded {
		t.Fatalf("incident draft after discard: %v %+v", err, docs)
	}
	ch := docs[0].Chronology
	if last := ch[len(ch)-1]; last.Event != session.EventDiscarded || !strings.Contains(last.Rationale, "by mistake") {
		t.Errorf("Annex 1 chronology: %+v", last)
	}
	tap(t, u, "Sign and lock")
	tap(t, u, "Yes")
	if texts := visibleTexts(u); !strings.Contains(texts, "Raised at 10:10, discarded: Pressed Escalate by mistake") {
		t.Fatalf("the signed record does not carry the discard:\n%s", texts)
	}
}

func TestReportedIncidentLetsTheRecordBeSigned(t *testing.T) {
	u, clock := newTestUI(t)
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(10 * time.Minute)
	tap(t, u, "Disclosure  (Ctrl+1)")
	test.Type(findEntry(t, u, "What the customer said, word for word"), "my uncle sends me pictures I don't want")
	tap(t, u, "Record")
	tap(t, u, escalateLabel)
	tap(t, u, "I have read this: continue")
	test.Type(u.currentIncident.describe, "Customer disclosed unwanted images from an adult relative.")
	tap(t, u, "Report to the safeguarding team")
	if !strings.Contains(u.currentIncident.status.Text, "Reported") {
		t.Fatalf("not reported: %q", u.currentIncident.status.Text)
	}
	tap(t, u, "Back")
	clock.Advance(20 * time.Minute)
	tap(t, u, "End session")
	test.Type(findEntry(t, u, "What was discussed"), "Disclosure; escalated.")
	test.Type(findEntry(t, u, "What the concerns were and what you did (required after a disclosure or a change of risk)"), "Disclosure of unwanted images; reported to the DSL.")
	if !strings.Contains(visibleTexts(u), "Decision: escalated to the safeguarding team.") {
		t.Errorf("Annex 2 3.1: the escalation did not decide the disclosure:\n%s", visibleTexts(u))
	}
	tap(t, u, "Sign and lock")
	tap(t, u, "Yes")
	if !strings.Contains(visibleTexts(u), "Signed record (read-only)") {
		t.Fatalf("not signed:\n%s", visibleTexts(u))
	}
}

func TestWebinarPlanOnScreen(t *testing.T) {
	u, _ := newTestUI(t)
	tap(t, u, "New session")
	f := u.currentPlan
	fillPlan(f)
	f.method.SetSelected("Webinar or live broadcast")
	f.platform.SetSelected("Microsoft Teams webinar")
	if !f.groupBox.Visible() {
		t.Fatal("Annex 2 3.10: the webinar fields are not shown")
	}
	if _, ok := f.rows["facilitator_invited"]; ok {
		t.Error("Annex 2 3.5 (1:1 situations) asked of a webinar")
	}
	if _, ok := f.rows["teams_webinar_attendee_controls"]; !ok {
		t.Error("Annex 2 3.6 webinar privacy check missing")
	}
	answerAll(f, answerYes)
	test.Type(f.attendees, "120")
	tap(t, u, "Save plan")
	if !strings.Contains(visibleTexts(u), "say why this one will not be (Annex 2 3.10)") {
		t.Fatalf("Annex 2 3.10 no recording decision was accepted:\n%s", visibleTexts(u))
	}
	f.recorded.SetChecked(true)
	tap(t, u, "Save plan")
	if texts := visibleTexts(u); !strings.Contains(texts, "Say where the recording will be stored") || !strings.Contains(texts, "Say how attendees were told") {
		t.Fatalf("Annex 2 3.10 recording details not asked:\n%s", texts)
	}
	test.Type(f.storedWhere, "Teams recording in the careers SharePoint, 12-month retention")
	test.Type(f.told, "On the registration page and at the start")
	tap(t, u, "Save plan")
	scrolled := false
	walk(u, func(o fyne.CanvasObject) {
		if sc, ok := o.(*container.Scroll); ok && !scrolled {
			sc.ScrollToBottom() // the plan side, where the webinar fields are
			scrolled = true
		}
	})
	screenshot(t, u, "34-plan-webinar")
	d := u.journal.sessions[0].Document()
	if d.State != session.Assessed || d.Plan.Group == nil || d.Plan.Group.ExpectedAttendees != 120 || !d.Plan.Group.Recording.Recorded {
		t.Fatalf("webinar plan not saved: %s %+v", d.State, d.Plan.Group)
	}
}

func TestDelayedResponseContactOnScreen(t *testing.T) {
	u, clock := newTestUI(t)
	tap(t, u, "New session")
	f := u.currentPlan
	fillPlan(f)
	f.method.SetSelected("E-mail")
	f.platform.SetSelected("Work e-mail")
	if f.duration.Visible() {
		t.Error("Annex 2 1.2.1 an e-mail is asked for a length")
	}
	answerAll(f, answerYes)
	tap(t, u, "Save plan")
	tap(t, u, "Consent and invitation")
	if b := findButton(t, u, "Start session"); !b.Disabled() {
		t.Error("Annex 2 1.3.6 an e-mail exchange must wait for consent too")
	}
	findRadio(t, u, channelEmail).SetSelected(channelEmail)
	test.Type(findEntry(t, u, "Their reply, word for word"), "I agree")
	tap(t, u, "Record consent")
	clock.Set(u.journal.sessions[0].Document().Plan.Start)
	tap(t, u, "Start session")
	l := u.currentLive
	if l == nil || l.countdown.Visible() || l.pause.Visible() {
		t.Fatal("Annex 2 1.2.1 the contact screen shows a timer")
	}
	texts := visibleTexts(u)
	if !strings.Contains(texts, "no call, so no timer") || strings.Contains(texts, "Connection lost") || !strings.Contains(texts, "Disclosure  (Ctrl+1)") {
		t.Errorf("contact screen:\n%s", texts)
	}
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(2 * time.Hour)
	l.tick()
	screenshot(t, u, "35-contact-email")
	tap(t, u, "Disclosure  (Ctrl+1)")
	test.Type(findEntry(t, u, "What the customer said, word for word"), "I can't go home tonight")
	tap(t, u, "Record")
	tap(t, u, "Finish and write the record")
	test.Type(findEntry(t, u, "What was discussed"), "Replied with college links.")
	test.Type(findEntry(t, u, "What the concerns were and what you did (required after a disclosure or a change of risk)"), "Said she can't go home; rang her and she is staying with her aunt.")
	tap(t, u, "Sign and lock")
	if !strings.Contains(visibleTexts(u), "has no decision") {
		t.Fatalf("Annex 2 3.1 the same decision rule for an e-mail:\n%s", visibleTexts(u))
	}
	recordNoConcern(t, u, "Staying with her aunt by arrangement; no risk at home")
	tap(t, u, "Sign and lock")
	tap(t, u, "Yes")
	if !strings.Contains(visibleTexts(u), "Signed record (read-only)") {
		t.Fatalf("not signed:\n%s", visibleTexts(u))
	}
	if d := u.journal.history[0].doc; len(d.Segments) != 0 {
		t.Error("an e-mail exchange recorded live time")
	}
}

// TestEditedDraftCannotStartOnScreen: a draft edited on disk to skip a must
// cannot be started from the screen any more than in the domain.
func TestEditedDraftCannotStartOnScreen(t *testing.T) {
	u, clock := newTestUI(t)
	tap(t, u, "New session")
	f := u.currentPlan
	fillPlan(f)
	answerAll(f, answerYes)
	tap(t, u, "Save plan")
	tap(t, u, "Consent and invitation")
	findRadio(t, u, channelSMS).SetSelected(channelSMS)
	test.Type(findEntry(t, u, "Their reply, word for word"), "YES")
	tap(t, u, "Record consent")

	d := u.journal.sessions[0].Document()
	d.Assessment.Answers["clothing"] = session.ItemAnswer{Answer: session.NotMet, Mitigation: "I'll ask them to put a top on"}
	d.Outcome = session.ProceedWithMitigations
	s, err := session.Restore(u.cfg.Pack, u.cfg.Clock, d)
	if err != nil {
		t.Fatal(err)
	}
	u.journal.sessions[0] = s
	clock.Set(d.Plan.Start)
	u.Resume(s)
	tap(t, u, "Start session")
	if texts := visibleTexts(u); !strings.Contains(texts, "Cannot start") || !strings.Contains(texts, "risk assessment does not allow") || s.State() != session.Consented {
		t.Fatalf("Annex 2 3.7 an edited draft went live:\n%s", texts)
	}
	screenshot(t, u, "36-edited-draft-refused")
}
