package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
)

// Issue 20 item 2, Annex 2 1.3.6 (consent recorded in the customer's
// words): the reply typed on the consent screen and not yet recorded is
// kept, sealed, on leaving (Plan, Home), and is there on coming back;
// recording it then uses it.
func TestConsentTypedIsKeptOnLeaving(t *testing.T) {
	u, _ := newTestUI(t)
	tap(t, u, "New session")
	f := u.currentPlan
	fillPlan(f)
	answerAll(f, answerYes)
	tap(t, u, "Save plan")
	tap(t, u, "Consent and invitation")
	const words = "Yes that is fine, see you Thursday"
	test.Type(findEntry(t, u, "Their reply, word for word"), words)
	test.Type(findEntry(t, u, "Why the session goes ahead without a recorded reply"), "not needed")
	press(t, u, shortcutFor(t, "Ctrl+H"))
	settle(u)
	drafts, err := u.cfg.Vault.Drafts(context.Background())
	if err != nil || len(drafts) != 1 || drafts[0].ConsentDraft == nil || drafts[0].ConsentDraft.Words != words {
		t.Fatalf("the reply typed was not kept, sealed, on leaving: %v %+v", err, drafts)
	}
	u.ShowConsent(u.journal.sessions[0])
	if got := findEntry(t, u, "Their reply, word for word").Text; got != words {
		t.Fatalf("the reply on coming back: %q", got)
	}
	findRadio(t, u, channelSMS).SetSelected(channelSMS)
	tap(t, u, "Record consent")
	settle(u)
	d := u.journal.sessions[0].Document()
	if d.Consent == nil || d.Consent.Reply == nil || d.Consent.Reply.ExactWords != words || d.ConsentDraft != nil {
		t.Fatalf("consent recorded: %+v, draft left %+v", d.Consent, d.ConsentDraft)
	}
}
