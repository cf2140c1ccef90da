package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/seed"
	"safeguard/companion/session"
)

// Issue 20 item 2: nothing chosen or typed is lost on leaving a screen or
// closing the app, and no Save button stands between the practitioner and
// a report (Annex 1: the safeguarding team must have what is known to act).

// TestIncidentAnswersSurviveClosing: the answers to the questions the rules
// need (3.4.7) and where the imagery is (Annex 1: never the imagery) are
// kept as they are chosen; the app closes without leaving the screen, opens
// again on the same vault, and they are all back; Report takes them, with
// no button pressed to save them first.
func TestIncidentAnswersSurviveClosing(t *testing.T) {
	u, _, env := newTestUIEnv(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	test.Type(findEntry(t, u, whatHappenedBox), "Her boyfriend, 16, sent her picture on to his friends.")
	test.Type(f.ref, "CUS-2020")
	test.Type(f.age, "15")
	f.kind.SetSelected(kindLabel(t, u, "nudes_semi_nudes"))
	settle(u)
	findRadio(t, u, whoChild).SetSelected(whoChild)
	test.Type(findEntry(t, u, "Their age, if known"), "16")
	findSelect(t, u, "How they know each other").SetSelected(session.RelPartner.Label())
	findRadio(t, u, imagesYes).SetSelected(imagesYes)
	findSelect(t, u, "Choose the severity").SetSelected(severityLabel(t, u, "serious"))
	f.qShared.SetSelected(yes)
	test.Type(findEntry(t, u, "Platform or app where it is"), "Snapchat")
	test.Type(findEntry(t, u, "Account or username"), "@made_up_account")
	findRadio(t, u, attestNotViewed).SetSelected(attestNotViewed)
	settle(u)
	for _, gone := range []string{"Save these answers", "Record where it is"} {
		if hasButton(u, gone) {
			t.Errorf("the incident screen still has %q", gone)
		}
	}
	// The answers chosen decide the routes at once (3.4.7.1: shared on
	// without consent is aggravated, and the police are told).
	if !strings.Contains(visibleTexts(u), "Must refer to Police") {
		t.Errorf("the answers chosen did not change what the flow demands:\n%s", visibleTexts(u))
	}

	// The app closes, the screen never left; a new one opens the same
	// device from disk.
	u2 := reopen(t, u, env)
	tap(t, u2, "Yes")
	g := u2.currentIncident
	if g == nil {
		t.Fatalf("the incident is not offered on opening:\n%s", visibleTexts(u2))
	}
	for what, got := range map[string][2]string{
		"who the other person is":  {g.qWho.Selected, whoChild},
		"their age":                {g.qAge.Text, "16"},
		"how they know each other": {g.qRelationship.Selected, session.RelPartner.Label()},
		"images or words":          {g.qImages.Selected, imagesYes},
		"the severity":             {g.qSeverity.Selected, severityLabel(t, u2, "serious")},
		"shared without consent":   {g.qShared.Selected, yes},
		"where the imagery is":     {g.imPlatform.Text, "Snapchat"},
		"the account":              {g.imAccount.Text, "@made_up_account"},
		"not viewed":               {g.imAttest.Selected, attestNotViewed},
	} {
		if got[0] != got[1] {
			t.Errorf("%s on opening again: %q, want %q", what, got[0], got[1])
		}
	}
	if !strings.Contains(visibleTexts(u2), "Must refer to Police") {
		t.Errorf("on opening again, the routes the answers decide are not shown:\n%s", visibleTexts(u2))
	}
	if !strings.Contains(visibleTexts(u2), "✓ Record where the imagery is") {
		t.Errorf("on opening again, where the imagery is, as typed, does not show the step done:\n%s", visibleTexts(u2))
	}
	scrollTo(g.formScroll, g.imageryBox)
	screenshot(t, u2, "12b-incident-answers-kept-after-closing")

	tap(t, u2, "Report to the safeguarding team")
	settle(u2)
	if g.status.Text != reportedText {
		t.Fatalf("not reported: %q", g.status.Text)
	}
	d := g.inc.Document()
	c := d.Circumstances
	if c.OtherParty == nil || c.OtherParty.Is != session.PartyChild || c.OtherParty.Age != 16 || c.OtherParty.Relationship != session.RelPartner ||
		c.NudeImagery == nil || !*c.NudeImagery || c.SharedWithoutConsent == nil || !*c.SharedWithoutConsent || c.Severity != "serious" {
		t.Errorf("reported without the answers chosen: %+v %+v", c, c.OtherParty)
	}
	if im := d.Imagery; im == nil || im.Platform != "Snapchat" || im.Account != "@made_up_account" || im.Attestation != session.NotViewed {
		t.Errorf("reported without where the imagery is: %+v", im)
	}
	if d.Typed != nil {
		t.Errorf("reported with typing left: %+v", d.Typed)
	}
}

// TestIncidentAnswersNotTakenInStopTheReport: an answer that cannot be
// taken in as it stands (a child of 24) is said at once, and Report says
// it again rather than leave it behind; nothing is reported.
func TestIncidentAnswersNotTakenInStopTheReport(t *testing.T) {
	u, _ := newTestUI(t)
	f := newIncident(t, u, "CUS-2021", "15", false, "A man she met on a game asks for pictures.")
	f.kind.SetSelected(kindLabel(t, u, "grooming"))
	settle(u)
	findRadio(t, u, whoChild).SetSelected(whoChild)
	test.Type(findEntry(t, u, "Their age, if known"), "24")
	findSelect(t, u, "How they know each other").SetSelected(session.RelStrangerOnline.Label())
	settle(u)
	if !strings.Contains(f.status.Text, "adult, not a child") {
		t.Errorf("a child of 24 is not questioned: %q", f.status.Text)
	}
	tap(t, u, "Report to the safeguarding team")
	settle(u)
	if f.inc.Status() != session.IncidentDraft || !strings.Contains(f.status.Text, "adult, not a child") {
		t.Fatalf("reported (%s) past an answer it could not take: %q", f.inc.Status(), f.status.Text)
	}
}

// reopenSeeded closes u and opens the app again as who on the same
// seeded vaults, reading them as opening does (loadSessions).
func reopenSeeded(t *testing.T, u *UI, w *seed.World, who string) *UI {
	t.Helper()
	settle(u)
	u.Close()
	u2, _ := newSeededUIFrom(t, w, who)
	n := 0 // the closed app's ids are taken
	u2.cfg.NewID = func() string { n++; return fmt.Sprintf("rv-test-%04d", 5000+n) }
	u2.loadSessions()
	settle(u2)
	return u2
}

// TestReviewWordsSurviveClosing: a comment and a follow-up typed on the
// review screen and not yet added (each is a signed act of its own) are
// there when the app is opened again; once added, they are gone from the
// disk too.
func TestReviewWordsSurviveClosing(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	ref := openFirstUnreviewed(t, u)
	const words = "Good record; book the follow-up call for next week."
	test.Type(findEntry(t, u, "Comment for the record (signed; cannot be changed)"), words)
	test.Type(findEntry(t, u, "What needs doing"), "Call the customer back")

	u2 := reopenSeeded(t, u, w, seed.Manager)
	if got := openFirstUnreviewed(t, u2); got != ref {
		t.Fatalf("opened %s, want %s", got, ref)
	}
	if got := findEntry(t, u2, "Comment for the record (signed; cannot be changed)").Text; got != words {
		t.Fatalf("the comment typed, after closing the app: %q", got)
	}
	if got := findEntry(t, u2, "What needs doing").Text; got != "Call the customer back" {
		t.Fatalf("the follow-up typed, after closing the app: %q", got)
	}
	tap(t, u2, "Add comment")
	settle(u2)
	kept, err := w.Vaults[seed.Manager].AllKeptWords(context.Background())
	if err != nil || len(kept) != 1 || len(kept[0].Words) != 1 || !strings.HasSuffix(firstKey(kept[0].Words), ":what") {
		t.Fatalf("after adding the comment, kept: %v %+v (want the follow-up's words only)", err, kept)
	}
	findEntry(t, u2, "What needs doing").SetText("")
	settle(u2)
	if kept, err := w.Vaults[seed.Manager].AllKeptWords(context.Background()); err != nil || len(kept) != 0 {
		t.Fatalf("with every box empty, still kept: %v %+v", err, kept)
	}
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

// TestCaseWordsAndAnswersSurviveClosing: on the DSL's case screen, an
// action's words and answers chosen but not yet saved (answering is the
// DSL's signed act, by "Save these answers") are there when the app is
// opened again; saved, they are in the sealed version and kept no more.
func TestCaseWordsAndAnswersSurviveClosing(t *testing.T) {
	u, w := newSeededUI(t, seed.DSL)
	id := raiseTestIncidentAs(t, w, "inc-test-1", "CUS-T014", false)
	u.ShowCases()
	settle(u)
	openCase(t, u, "CUS-T014")
	tap(t, u, "Acknowledge")
	mustSee(t, u, "Acknowledged.")
	const check = "That the police have made contact with her"
	test.Type(findEntry(t, u, "What will be checked"), check)
	answerGroomingQuestions(t, u)
	radioAfter(t, u, "Is there an immediate risk? (Annex 1)").SetSelected(no)
	test.Type(findEntry(t, u, "Why no one is at immediate risk (needed for no)"), "She is at home with her mother.")

	u2 := reopenSeeded(t, u, w, seed.DSL)
	u2.ShowCases()
	settle(u2)
	openCase(t, u2, "CUS-T014")
	if got := findEntry(t, u2, "What will be checked").Text; got != check {
		t.Errorf("the follow-up typed, after closing the app: %q", got)
	}
	if got := findSelect(t, u2, "Choose the severity").Selected; got != severityLabel(t, u2, "serious") {
		t.Errorf("the severity chosen, after closing the app: %q", got)
	}
	if got := findRadio(t, u2, whoAdult).Selected; got != whoAdult {
		t.Errorf("who the other person is, after closing the app: %q", got)
	}
	if got := radioAfter(t, u2, "Is there an immediate risk? (Annex 1)").Selected; got != no {
		t.Errorf("immediate risk, after closing the app: %q", got)
	}
	tap(t, u2, "Save these answers")
	mustSee(t, u2, "Answers saved.")
	c, _ := dslCase(t, w, id)
	if d := c.Doc(); d.Circumstances.Severity != "serious" || d.ImmediateRisk == nil || *d.ImmediateRisk {
		t.Fatalf("the answers kept were not the ones saved: %+v risk %v", d.Circumstances, d.ImmediateRisk)
	}
	kept, err := w.Vaults[seed.DSL].AllKeptWords(context.Background())
	if err != nil || len(kept) != 1 {
		t.Fatalf("kept after saving the answers: %v %+v", err, kept)
	}
	for k := range kept[0].Words {
		if !strings.HasSuffix(k, ":follow-up what") {
			t.Errorf("still kept after saving the answers: %s", k)
		}
	}
}

// hasButton says whether a button reading text is on screen.
func hasButton(u *UI, text string) bool {
	found := false
	walk(u, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Visible() && b.Text == text {
			found = true
		}
	})
	return found
}

// TestIncidentReasonsTypedSurviveClosing: the reasons typed for "no" to
// the two Annex 1 questions (not illegal; no immediate risk) are kept as
// they are typed, before any answer is chosen or Enter pressed, like every
// other box on the screen (issue 20 item 2).
func TestIncidentReasonsTypedSurviveClosing(t *testing.T) {
	u, _, env := newTestUIEnv(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	test.Type(findEntry(t, u, whatHappenedBox), "Unkind messages in a group chat.")
	test.Type(f.illegalWhy, "Name-calling only; no threats and no images.")
	test.Type(f.riskWhy, "She is at home with her mum.")
	// The window is closed at once, before any autosave: closing keeps
	// what is typed.
	u.Close()
	u2 := reopen(t, u, env)
	tap(t, u2, "Yes")
	g := u2.currentIncident
	if g == nil {
		t.Fatalf("the incident is not offered on opening:\n%s", visibleTexts(u2))
	}
	if g.illegalWhy.Text != "Name-calling only; no threats and no images." || g.riskWhy.Text != "She is at home with her mum." {
		t.Errorf("the reasons typed are lost on closing: %q, %q", g.illegalWhy.Text, g.riskWhy.Text)
	}
	// Chosen now, the reason kept is the one taken in (Annex 1 no
	// immediate risk: "no" needs its rationale).
	g.risk.SetSelected(no)
	settle(u2)
	d := g.inc.Document()
	if d.ImmediateRisk == nil || *d.ImmediateRisk {
		t.Fatalf("no immediate risk was not taken in with the reason kept:\n%s", visibleTexts(u2))
	}
	last := d.Chronology[len(d.Chronology)-1]
	if last.Rationale != "She is at home with her mum." {
		t.Errorf("the reason recorded is %q", last.Rationale)
	}
}
