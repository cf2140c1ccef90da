package app

import (
	"context"
	"strings"
	"testing"
	"time"

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
	tap(t, u, "Escalate")

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
	tap(t, u, "Save what happened")
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
	d := u.sessions[0].Document()
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
	tap(t, u, "Escalate")
	tap(t, u, "I have read this: continue")
	f := u.currentIncident
	if !f.imageryBox.Hidden {
		t.Error("imagery section before classification")
	}
	test.Type(f.ref, "CUS-2210")
	test.Type(f.age, "14")
	tap(t, u, "Save who it is about")
	f.kind.SetSelected(kindLabel(t, u, "nudes_semi_nudes"))
	if f.subtype.Hidden || f.status.Text == "" {
		t.Errorf("3.4.7: the subtype must be asked for; status %q", f.status.Text)
	}
	f.adult.SetChecked(true)
	f.subtype.SetSelected(subtypeLabel(t, u, "nudes_semi_nudes", "aggravated"))
	settle(u)
	if f.imageryBox.Hidden || !strings.Contains(f.noAttach.Text, "No image or file can be attached") {
		t.Fatalf("no-attachment rule not shown: %q", f.noAttach.Text)
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
	tap(t, u, "Record where it is")
	if im := f.inc.Document().Imagery; im == nil || im.Platform != "Snapchat" || im.Attestation != session.NotViewed {
		t.Errorf("imagery record %+v", im)
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
