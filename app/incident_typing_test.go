package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/session"
)

// Issue 20 item 2: the incident screen takes what is typed as it is typed.
// There is no Save to press before Report (Annex 1: the safeguarding team
// must have what happened and whom it is about to act).

const whatHappenedBox = "What happened, in your own words (not the imagery)"

// TestIncidentReportsWhatIsTyped: type what happened and whom it is about,
// press Report without any Save: it is reported with the typed words.
func TestIncidentReportsWhatIsTyped(t *testing.T) {
	u, _, _ := newTestUIEnv(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	for _, gone := range []string{"Save what happened", "Save who it is about"} {
		if strings.Contains(visibleTexts(u), gone) {
			t.Errorf("the screen still has %q", gone)
		}
	}
	test.Type(findEntry(t, u, whatHappenedBox), "She says a man on a game asked for photos.")
	test.Type(findEntry(t, u, "Reference, never a name"), "CUS-3310")
	test.Type(findEntry(t, u, "Age"), "15")
	tap(t, u, "Report to the safeguarding team")
	settle(u)
	f := u.currentIncident
	if got := f.status.Text; got != reportedText {
		t.Fatalf("not reported: %q", got)
	}
	d := f.inc.Document()
	if d.Status != session.IncidentReported || d.Description != "She says a man on a game asked for photos." ||
		d.Subject.Reference != "CUS-3310" || d.Subject.Age != 15 || d.Typed != nil {
		t.Fatalf("reported %s with description %q, subject %+v, typed %+v", d.Status, d.Description, d.Subject, d.Typed)
	}
}

// TestIncidentTypingSurvivesLeaving: words typed and not reported survive
// leaving by Home and coming back; words added on coming back make one
// account, and the chronology holds it once, not the first words again as
// a note.
func TestIncidentTypingSurvivesLeaving(t *testing.T) {
	u, _, _ := newTestUIEnv(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	test.Type(findEntry(t, u, whatHappenedBox), "He asked her to meet.")
	test.Type(findEntry(t, u, "Reference, never a name"), "CUS-3311")
	press(t, u, shortcutFor(t, "Ctrl+H"))
	settle(u)
	drafts, err := u.cfg.Vault.IncidentDrafts(context.Background())
	if err != nil || len(drafts) != 1 || drafts[0].Typed == nil || drafts[0].Typed.Description != "He asked her to meet." {
		t.Fatalf("the words typed were not kept, sealed, on leaving: %v %+v", err, drafts)
	}
	tap(t, u, "Carry on and report it")
	if got := findEntry(t, u, whatHappenedBox).Text; got != "He asked her to meet." {
		t.Fatalf("what happened on coming back: %q", got)
	}
	if got := findEntry(t, u, "Reference, never a name").Text; got != "CUS-3311" {
		t.Fatalf("whom it is about on coming back: %q", got)
	}
	test.Type(findEntry(t, u, whatHappenedBox), " He said not to tell anyone.")
	// Left and opened from home again: home's button opens it as it now
	// stands, not as it was when home was last drawn.
	press(t, u, shortcutFor(t, "Ctrl+H"))
	settle(u)
	tap(t, u, "Carry on and report it")
	if got := findEntry(t, u, whatHappenedBox).Text; got != "He asked her to meet. He said not to tell anyone." {
		t.Fatalf("what happened on coming back a second time: %q", got)
	}
	tap(t, u, "Report to the safeguarding team")
	settle(u)
	d := u.currentIncident.inc.Document()
	if d.Status != session.IncidentReported || d.Description != "He asked her to meet. He said not to tell anyone." {
		t.Fatalf("reported %s: %q", d.Status, d.Description)
	}
	n := 0
	for _, c := range d.Chronology {
		if strings.Contains(c.Detail, "He asked her to meet.") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the account is in the chronology %d times:\n%+v", n, d.Chronology)
	}
}

// TestIncidentTypingNotSaved: with the store closed, the autosave says
// "Not saved" and the words stay in the box; once the store is back the
// next autosave keeps them.
func TestIncidentTypingNotSaved(t *testing.T) {
	u, _, env := newTestUIEnv(t)
	press(t, u, shortcutFor(t, "Ctrl+E"))
	tap(t, u, "I have read this: continue")
	good := u.cfg.Vault
	u.cfg.Vault = brokenVault(t, u, env)
	test.Type(findEntry(t, u, whatHappenedBox), "A stranger sent her a link.")
	f := u.currentIncident
	f.keepTyping() // the autosave's tick
	settle(u)
	if !strings.HasPrefix(f.status.Text, "Not saved") {
		t.Fatalf("status after a failed autosave: %q", f.status.Text)
	}
	if got := findEntry(t, u, whatHappenedBox).Text; got != "A stranger sent her a link." {
		t.Fatalf("the box lost the words: %q", got)
	}
	u.cfg.Vault = good
	f.keepTyping()
	settle(u)
	if !strings.HasPrefix(f.status.Text, "Saved ") {
		t.Fatalf("status once the store is back: %q", f.status.Text)
	}
	drafts, err := good.IncidentDrafts(context.Background())
	if err != nil || len(drafts) != 1 || drafts[0].Typed == nil || drafts[0].Typed.Description != "A stranger sent her a link." {
		t.Fatalf("not kept once the store is back: %v %+v", err, drafts)
	}
}
