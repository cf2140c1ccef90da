package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// liveSession takes a new session through the screens to live.
func liveSession(t *testing.T, u *UI, clock *fixedClock) *liveScreen {
	t.Helper()
	tap(t, u, "New session")
	f := u.currentPlan
	fillPlan(f)
	answerAll(f, answerYes)
	tap(t, u, "Save plan")
	tap(t, u, "Consent and invitation")
	findRadio(t, u, channelSMS).SetSelected(channelSMS)
	test.Type(findEntry(t, u, "Their reply, word for word"), "YES")
	tap(t, u, "Record consent")
	clock.Set(planDay)
	tap(t, u, "Start session")
	if u.currentLive == nil {
		t.Fatal("not live")
	}
	return u.currentLive
}

// TestEscalateFromLiveSession: one click from the live session raises the
// incident with the session's context, shows the Annex 1 guidance and the
// contacts first, and, reported, seals it to the safeguarding team at the
// front of the sync queue (issue 6; Annex 1).
func TestEscalateFromLiveSession(t *testing.T) {
	u, clock, env := newTestUIEnv(t)
	ctx := context.Background()
	liveSession(t, u, clock)
	clock.Advance(14 * time.Minute)
	tap(t, u, "Disclosure  (Ctrl+1)")
	test.Type(findEntry(t, u, "What the customer said, word for word"), "he said he will come round tonight and hurt me")
	tap(t, u, "Record")
	tap(t, u, escalateLabel)

	texts := visibleTexts(u)
	for _, want := range []string{"Escalate: read this first", "999", "Morgan Hughes (demo), 07700 900789", "Alex Reid (demo)", "I have read this: continue"} {
		if !strings.Contains(texts, want) {
			t.Errorf("guidance screen lacks %q", want)
		}
	}
	if !strings.Contains(texts, "Never view, copy, print, share, store or save") && !strings.Contains(strings.ToLower(texts), "never view") {
		t.Errorf("Annex 1 guidance missing:\n%s", texts)
	}
	screenshot(t, u, "10-escalate-guidance")
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	if f == nil {
		t.Fatal("no incident form")
	}
	if !strings.Contains(visibleTexts(u), "Disclosure: “he said he will come round tonight and hurt me”") {
		t.Errorf("the session's disclosure was not carried into the incident:\n%s", visibleTexts(u))
	}
	test.Type(f.describe, "Customer disclosed a threat of violence at home tonight.")
	f.kind.SetSelected(kindLabel(t, u, "other_concern"))
	f.welfare.SetChecked(true)
	f.illegalWhy.SetText("Threat of violence, not online material")
	f.illegal.SetSelected(no)
	f.risk.SetSelected(yes)
	settle(u)
	texts = visibleTexts(u)
	if !strings.Contains(texts, "999") {
		t.Errorf("immediate risk must name 999:\n%s", texts)
	}
	screenshot(t, u, "11-incident-immediate-risk")
	tap(t, u, "Report to the safeguarding team")
	if !strings.Contains(f.status.Text, "Reported to the safeguarding team") {
		t.Fatalf("status %q", f.status.Text)
	}

	// The session was marked escalated, with the incident id.
	d := u.journal.sessions[0].Document()
	if !d.Flags().Escalated || d.Markers[len(d.Markers)-1].IncidentID != f.inc.Document().ID {
		t.Errorf("session not marked: %+v", d.Markers)
	}
	// First in the outbox, readable by a DSL and not by the manager.
	items, err := env.dev.Store.NextOutbox(ctx, 10)
	if err != nil || len(items) == 0 || items[0].Envelope.Kind != string(crypto.KindIncident) {
		t.Fatalf("outbox: %v %+v", err, items)
	}
	env2 := openAs(t, env, "morgan", items[0])
	var inc session.IncidentDocument
	if err := env2.Decode(&inc); err != nil {
		t.Fatal(err)
	}
	if inc.ImmediateRisk == nil || !*inc.ImmediateRisk || inc.Subject.Reference != "CUS-4821" || len(inc.Origin.Disclosures) != 1 {
		t.Errorf("DSL read %+v", inc)
	}
	if _, err := tryOpen(t, env, "priya", items[0]); err == nil {
		t.Error("the line manager could open an incident (Annex 1: tell only the DSL)")
	}
}

// TestNoAttachmentsForImagery: for nude or semi-nude imagery nothing can be
// attached, the screen says why, and the record captures where it is and
// the attestation instead (Annex 1; 3.4.5).
func TestNoAttachmentsForImagery(t *testing.T) {
	u, _ := newTestUI(t)
	tap(t, u, escalateLabel)
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	if !f.imageryBox.Hidden {
		t.Error("imagery section before classification")
	}
	test.Type(f.ref, "CUS-2210")
	test.Type(f.age, "14")
	f.age.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter takes whom it is about in
	f.kind.SetSelected(kindLabel(t, u, "nudes_semi_nudes"))
	if f.qRows[session.QIntentToHarm].Hidden || f.qRows[session.QRecklessMisuse].Hidden || f.qRows[session.QOtherParty].Hidden {
		t.Errorf("3.4.7.2: no adult, no intent to harm and no reckless misuse must all be asked")
	}
	f.adult.SetChecked(true)
	f.subtype.SetSelected(subtypeLabel(t, u, "nudes_semi_nudes", "aggravated"))
	settle(u)
	if f.imageryBox.Hidden || !strings.Contains(f.noAttach.Text, "No image or file can be attached") {
		t.Fatalf("no-attachment rule not shown: %q", f.noAttach.Text)
	}
	if n := strings.Count(f.noAttach.Text, "No image or file can be attached"); n != 1 {
		t.Errorf("the rule is said %d times: %q", n, f.noAttach.Text)
	}
	if ok, _ := f.inc.AttachmentsAllowed(); ok {
		t.Fatal("domain allows attachments for imagery")
	}
	texts := visibleTexts(u)
	for _, w := range []string{"Attach", "Upload", "Add file"} {
		if strings.Contains(texts, w) {
			t.Errorf("an attachment control %q is on screen", w)
		}
	}
	test.Type(f.imPlatform, "Snapchat")
	test.Type(f.imAccount, "@made_up_account")
	f.imAttest.SetSelected(attestNotViewed)
	settle(u)
	// Kept as chosen, with no button to press (issue 20), and taken in by
	// Report.
	if im := f.inc.Typing().Imagery; im.Platform != "Snapchat" || im.Attestation != session.NotViewed {
		t.Errorf("imagery kept %+v", im)
	}
	if hasButton(u, "Record where it is") {
		t.Error(`the incident screen still has "Record where it is"`)
	}
	texts = visibleTexts(u)
	for _, want := range []string{"CEOP", "Report Remove"} {
		if !strings.Contains(texts, want) {
			t.Errorf("under-18 imagery route %q not named:\n%s", want, texts)
		}
	}
	screenshot(t, u, "12-incident-imagery")
}

func kindLabel(t *testing.T, u *UI, id string) string {
	t.Helper()
	k, ok := u.cfg.Pack.IncidentType(id)
	if !ok {
		t.Fatalf("no incident type %q", id)
	}
	return k.Label
}

func subtypeLabel(t *testing.T, u *UI, kind, id string) string {
	t.Helper()
	k, _ := u.cfg.Pack.IncidentType(kind)
	st, ok := k.Subtype(id)
	if !ok {
		t.Fatalf("no subtype %q of %q", id, kind)
	}
	return st.Label
}

func tryOpen(t *testing.T, env *testEnv, person string, item storeItem) (vault.Entry, error) {
	t.Helper()
	id, err := env.ks.Load(keyOf(t, env, person))
	if err != nil {
		t.Fatal(err)
	}
	b := append(append([]byte{}, item.Envelope.Header...), item.Envelope.Body...)
	o, err := crypto.Open(b, env.dev.Dir, id)
	if err != nil {
		return vault.Entry{}, err
	}
	return vault.Entry{Header: o.Header, Author: o.Author, Body: o.Body}, nil
}

func openAs(t *testing.T, env *testEnv, person string, item storeItem) vault.Entry {
	t.Helper()
	e, err := tryOpen(t, env, person, item)
	if err != nil {
		t.Fatalf("%s cannot open: %v", person, err)
	}
	return e
}

// newIncident raises an incident from home and says who it is about.
func newIncident(t *testing.T, u *UI, ref, age string, adultAtRisk bool, what string) *incidentForm {
	t.Helper()
	tap(t, u, escalateLabel)
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	test.Type(f.describe, what)
	test.Type(f.ref, ref)
	test.Type(f.age, age)
	f.adultAtRisk.SetChecked(adultAtRisk)
	f.age.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter takes whom it is about in
	return f
}

func severityLabel(t *testing.T, u *UI, id string) string {
	t.Helper()
	s, ok := u.cfg.Pack.Severity(id)
	if !ok {
		t.Fatalf("no severity %q", id)
	}
	return s.Label
}

// Issue 13 2.1 3.4.7.2 3.4.7: the incident screen asks the facts the rules
// need only when they change the route, refuses what the domain refuses,
// and shows beside each route why, in the policy's words.
func TestIncidentAsksTheQuestionsThatChangeTheRoute(t *testing.T) {
	u, _ := newTestUI(t)
	f := newIncident(t, u, "CUS-1505", "15", false, "A picture of her was sent round the year group.")
	f.kind.SetSelected(kindLabel(t, u, "cybercrime"))
	f.subtype.SetSelected(subtypeLabel(t, u, "cybercrime", "phishing"))
	settle(u)
	for _, id := range []string{session.QIntentToHarm, session.QRecklessMisuse, session.QNudeImagery, session.QYoungPeople} {
		if !f.qRows[id].Hidden {
			t.Errorf("phishing: question %q is asked but changes nothing", id)
		}
	}
	if f.qRows[session.QSeverity].Hidden {
		t.Error("Annex 1: establish the severity is asked of every incident")
	}
	texts := visibleTexts(u)
	if !strings.Contains(texts, "CEOP (National Crime Agency Child Exploitation and Online Protection): not offered. Why: CEOP is only for a child who is sexually abused") {
		t.Errorf("phishing: CEOP must be shown excluded, with why:\n%s", texts)
	}

	f.changeWhy.SetText("She said it was a picture, not a scam.")
	f.kind.SetSelected(kindLabel(t, u, "nudes_semi_nudes"))
	settle(u)
	for _, id := range []string{session.QOtherParty, session.QNudeImagery, session.QIntentToHarm, session.QRecklessMisuse, session.QSharedWithoutConsent, session.QThreatsOrCoercion} {
		if f.qRows[id].Hidden {
			t.Errorf("3.4.7.2: question %q is not asked of a nudes incident about a 15-year-old", id)
		}
	}
	if !strings.Contains(visibleTexts(u), "Experimental means no adult, no intent to harm and no reckless misuse") {
		t.Error("the screen does not say why the questions are asked")
	}
	scrollTo(f.formScroll, f.questionsBox)
	screenshot(t, u, "14-incident-questions")

	// The domain refuses an age that contradicts "a child"; so does the
	// screen, and nothing is saved.
	f.qWho.SetSelected(whoChild)
	test.Type(f.qAge, "24")
	f.qAge.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	settle(u)
	if !strings.Contains(f.status.Text, "adult, not a child") || f.inc.Document().Circumstances.OtherParty != nil {
		t.Errorf("a 24-year-old child was accepted: status %q, saved %+v", f.status.Text, f.inc.Document().Circumstances.OtherParty)
	}

	// Shared on without consent: aggravated, the police must be told, and
	// the screen says why in 3.4.7's words.
	f.qAge.SetText("16")
	f.qRelationship.SetSelected(session.RelPeer.Label())
	f.qImages.SetSelected(imagesYes)
	f.qIntent.SetSelected(no)
	f.qReckless.SetSelected(no)
	f.qShared.SetSelected(yes)
	f.qThreats.SetSelected(no)
	f.qSeverity.SetSelected(severityLabel(t, u, "serious"))
	settle(u)
	texts = visibleTexts(u)
	for _, want := range []string{"Must refer to Police", "incident should always be referred to the police"} {
		if !strings.Contains(texts, want) {
			t.Errorf("after the answers, %q is not shown:\n%s", want, texts)
		}
	}
	if a := f.inc.Typing().Answers; a.SharedWithoutConsent != session.ChoiceYes || a.Severity != "serious" {
		t.Errorf("answers not kept as chosen: %+v", a)
	}
	if !f.qNeeded[session.QIntentToHarm].Hidden {
		t.Error("an answered question is still marked as needed")
	}
}

// Issue 13 3: three contrasting incidents, each with what the policy
// demands and excludes beside each route.
func TestThreeContrastingIncidents(t *testing.T) {
	t.Run("1.4.2 3.4.7.1 sextortion of a 15-year-old boy", func(t *testing.T) {
		u, _ := newTestUI(t)
		f := newIncident(t, u, "CUS-1531", "15", false, "He is being told to pay or his pictures will be sent to his friends.")
		f.kind.SetSelected(kindLabel(t, u, "sextortion"))
		settle(u)
		f.qWho.SetSelected(whoUnknown)
		f.qRelationship.SetSelected(session.RelStrangerOnline.Label())
		f.qImages.SetSelected(imagesYes)
		f.qIntent.SetSelected(yes)
		f.qReckless.SetSelected(no)
		f.qShared.SetSelected(no)
		f.qSeverity.SetSelected(severityLabel(t, u, "serious"))
		settle(u)
		f.riskWhy.SetText("He is at home with his mother; no one has the images yet.")
		f.risk.SetSelected(no)
		settle(u)
		texts := visibleTexts(u)
		for _, want := range []string{"Do not pay", "Do not delete", "Must refer to Police", "Must refer to CEOP", "Must refer to Children's social care",
			"No image or file can be attached", "Parents and carers informed at an early stage"} {
			if !strings.Contains(texts, want) {
				t.Errorf("sextortion: %q not shown:\n%s", want, texts)
			}
		}
		tallScreenshot(t, u, f, "15-incident-sextortion")
	})
	t.Run("3.6a Care Act s42 phishing of an adult at risk", func(t *testing.T) {
		u, _ := newTestUI(t)
		f := newIncident(t, u, "CUS-3001", "30", true, "Entered bank details on a fake delivery site and lost money.")
		f.kind.SetSelected(kindLabel(t, u, "cybercrime"))
		f.subtype.SetSelected(subtypeLabel(t, u, "cybercrime", "phishing"))
		f.illegalWhy.SetText("Fraud by a third party; reported to the bank.")
		f.illegal.SetSelected(yes)
		f.qSeverity.SetSelected(severityLabel(t, u, "moderate"))
		settle(u)
		f.riskWhy.SetText("The card is stopped; no one is in danger.")
		f.risk.SetSelected(no)
		settle(u)
		texts := visibleTexts(u)
		for _, want := range []string{"Chief Information Officer", "Must refer to Local adult safeguarding team", "May refer to Police",
			"CEOP (National Crime Agency Child Exploitation and Online Protection): not offered", "Children's social care: not offered"} {
			if !strings.Contains(texts, want) {
				t.Errorf("phishing: %q not shown:\n%s", want, texts)
			}
		}
		if strings.Contains(texts, "Must refer to CEOP") || strings.Contains(texts, "May refer to CEOP") {
			t.Error("CEOP offered for phishing")
		}
		tallScreenshot(t, u, f, "16-incident-phishing-adult-at-risk")
	})
	t.Run("3.4.7.2 experimental sharing between two 16-year-olds", func(t *testing.T) {
		u, _ := newTestUI(t)
		f := newIncident(t, u, "CUS-1601", "16", false, "She and her boyfriend, both 16, exchanged pictures; no one else has them.")
		f.kind.SetSelected(kindLabel(t, u, "nudes_semi_nudes"))
		settle(u)
		f.qWho.SetSelected(whoChild)
		f.qAge.SetText("16")
		f.qRelationship.SetSelected(session.RelPartner.Label())
		f.qImages.SetSelected(imagesYes)
		f.qIntent.SetSelected(no)
		f.qReckless.SetSelected(no)
		f.qShared.SetSelected(no)
		f.qThreats.SetSelected(no)
		f.qSeverity.SetSelected(severityLabel(t, u, "low"))
		settle(u)
		f.riskWhy.SetText("Both are safe; the images have not been sent on.")
		f.risk.SetSelected(no)
		settle(u)
		texts := visibleTexts(u)
		for _, want := range []string{"May refer to Police", "May refer to Report Remove", "Parents and carers informed at an early stage"} {
			if !strings.Contains(texts, want) {
				t.Errorf("experimental: %q not shown:\n%s", want, texts)
			}
		}
		if strings.Contains(texts, "Must refer to Police") || strings.Contains(texts, "CEOP") {
			t.Errorf("experimental: the police demanded or CEOP offered:\n%s", texts)
		}
		tallScreenshot(t, u, f, "17-incident-experimental")
	})
}

// scrollTo scrolls s so that o, inside it, is at the top: for screenshots
// of what is below the fold.
func scrollTo(s *container.Scroll, o fyne.CanvasObject) {
	d := fyne.CurrentApp().Driver()
	s.Offset.Y += d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(s).Y
	s.Refresh()
}

// tallScreenshot shows the whole of the routes column: the window is made
// tall enough for the referral routes, then put back.
func tallScreenshot(t *testing.T, u *UI, f *incidentForm, name string) {
	t.Helper()
	size := u.win.Canvas().Size()
	u.win.Resize(fyne.NewSize(size.Width+200, 1700))
	scrollTo(f.formScroll, f.questionsBox)
	screenshot(t, u, name)
	u.win.Resize(size)
}

// TestPreventSummaryIsNeverOfferedToThePractitioner: the Prevent referral
// summary is the safeguarding team's to write once they acknowledge the
// incident (section 4); the practitioner raising a radicalisation concern
// is told so, and is never given a Save button that can only fail.
func TestPreventSummaryIsNeverOfferedToThePractitioner(t *testing.T) {
	u, _, _ := newTestUIEnv(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	test.Type(findEntry(t, u, whatHappenedBox), "He shared extremist videos and asked her to join a group chat.")
	f.kind.SetSelected(kindLabel(t, u, "radicalisation"))
	settle(u)
	if hasButton(u, "Save Prevent summary") {
		t.Errorf("the practitioner is offered the Prevent summary, which only the safeguarding team may write")
	}
	mustSee(t, u, "Your safeguarding team writes the Prevent referral summary once they acknowledge this incident.")
	// The domain agrees: the practitioner may not write it.
	if err := f.inc.MayWritePrevent(); err == nil {
		t.Errorf("MayWritePrevent for the practitioner = %v", err)
	}
}
