package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/crypto"
	"safeguard/companion/seed"
	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/vault"
)

// brokenVault is a vault whose store is closed, as a database that has
// gone (a removed drive, a locked file) is: every save fails.
func brokenVault(t *testing.T, u *UI, env *testEnv) *vault.Vault {
	t.Helper()
	return closedVault(t, u, env.dev.Me, env.dev.Dir)
}

// closedVault is brokenVault for the person me.
func closedVault(t *testing.T, u *UI, me *crypto.Identity, dir *crypto.Directory) *vault.Vault {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "gone", store.DBFileName))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return vault.New(st, me, dir, u.cfg.Clock)
}

// TestEveryActionSavesFirst is issue 15's "save first, then change state":
// for each action, with the store failing, the screen says in plain words
// that nothing was saved, the session is as it was, and the same button
// works once the store is back.
func TestEveryActionSavesFirst(t *testing.T) {
	type step struct {
		name   string
		before func(t *testing.T, u *UI, clock *fixedClock) // up to the action
		act    func(t *testing.T, u *UI)                    // the action, as the person does it
		says   string                                       // on screen when the save failed
		state  func(u *UI) session.State                    // the session's state to compare
		retry  func(t *testing.T, u *UI)                    // the action again, if not act
		// kept, when set, is what the failed save must leave as it was and
		// the retry must change, instead of the state and the markers.
		kept func(u *UI) any
	}
	current := func(u *UI) session.State {
		if len(u.journal.sessions) == 0 {
			return session.Signed // a signed record leaves the list of drafts
		}
		return u.journal.sessions[0].State()
	}
	toConsent := func(t *testing.T, u *UI, clock *fixedClock) {
		tap(t, u, "New session")
		fillPlan(u.currentPlan)
		answerAll(u.currentPlan, answerYes)
		tap(t, u, "Save plan")
		tap(t, u, "Consent and invitation")
		findRadio(t, u, channelSMS).SetSelected(channelSMS)
		test.Type(findEntry(t, u, "Their reply, word for word"), "YES")
	}
	toLive := func(t *testing.T, u *UI, clock *fixedClock) {
		toConsent(t, u, clock)
		tap(t, u, "Record consent")
		clock.Set(planDay)
		tap(t, u, "Start session")
		for _, c := range u.currentLive.agreement {
			c.SetChecked(true)
		}
		settle(u)
		clock.Advance(20 * time.Minute)
	}
	toRecord := func(t *testing.T, u *UI, clock *fixedClock) {
		toLive(t, u, clock)
		tap(t, u, "End session")
		test.Type(findEntry(t, u, "What was discussed"), "College courses; CV next week.")
	}
	steps := []step{
		{"save the plan", func(t *testing.T, u *UI, _ *fixedClock) {
			tap(t, u, "New session")
			fillPlan(u.currentPlan)
			answerAll(u.currentPlan, answerYes)
		}, func(t *testing.T, u *UI) { tap(t, u, "Save plan") }, "Not saved:", nil, nil, nil},
		{"record consent", toConsent, func(t *testing.T, u *UI) { tap(t, u, "Record consent") }, "Not saved:", current, nil, nil},
		{"start the session", func(t *testing.T, u *UI, clock *fixedClock) {
			toConsent(t, u, clock)
			tap(t, u, "Record consent")
			clock.Set(planDay)
		}, func(t *testing.T, u *UI) { tap(t, u, "Start session") }, "Not saved:", current, nil, nil},
		{"add a marker", toLive, func(t *testing.T, u *UI) { tap(t, u, "Third party present  (Ctrl+2)") }, "Not saved:", current, nil, nil},
		{"pause the session", toLive, func(t *testing.T, u *UI) { tap(t, u, "Pause") }, "Not saved:", current, nil, nil},
		{"end the session", toLive, func(t *testing.T, u *UI) { tap(t, u, "End session") }, "Not saved:", current, nil, nil},
		{"save the record", toRecord, func(t *testing.T, u *UI) { tap(t, u, "Sign and lock") }, "Not saved:", current, nil, nil},
		{"sign the record", func(t *testing.T, u *UI, clock *fixedClock) {
			toRecord(t, u, clock)
			tap(t, u, "Sign and lock") // saved; "Sign and lock?" asks
		}, func(t *testing.T, u *UI) { tap(t, u, "Yes") }, "Not signed:", current, func(t *testing.T, u *UI) {
			tap(t, u, "Sign and lock")
			tap(t, u, "Yes")
		}, nil},
		// Escalation is never blocked: the guidance shows, and says the
		// session's mark was not saved; Back and Escalate again marks it.
		{"escalate from the session", toLive, func(t *testing.T, u *UI) { tap(t, u, escalateLabel) }, "Not saved:", current, func(t *testing.T, u *UI) {
			tap(t, u, "Back")
			tap(t, u, escalateLabel)
		}, nil},
		// Annex 2 3.3: a time warning is given once, once "given" is saved;
		// until then it stays due and the next tick tries again.
		{"acknowledge a time warning", func(t *testing.T, u *UI, clock *fixedClock) {
			toLive(t, u, clock)
			for range 240 {
				if len(u.journal.sessions[0].Timer().Warnings) > 0 {
					return
				}
				clock.Advance(15 * time.Second)
			}
			t.Fatal("no time warning fell due")
		}, func(t *testing.T, u *UI) { u.currentLive.tick(); settle(u) }, "Not saved:", current, nil,
			func(u *UI) any { return fmt.Sprint(u.journal.sessions[0].Document().WarningsGiven) }},
		// Annex 2 3.1: the decision on a disclosure.
		{"record a decision", func(t *testing.T, u *UI, clock *fixedClock) {
			toLive(t, u, clock)
			tap(t, u, "Disclosure  (Ctrl+1)")
			test.Type(findEntry(t, u, "What the customer said, word for word"), "my uncle sends me pictures I don't want")
			tap(t, u, "Record")
			tap(t, u, "End session")
			findRadio(t, u, decideNoConcern).SetSelected(decideNoConcern)
			test.Type(findEntry(t, u, "Why this is no safeguarding concern, in your words"), "Old messages, already reported by the school; she is safe")
		}, func(t *testing.T, u *UI) { tap(t, u, "Record decision") }, "Not saved:", current, nil,
			func(u *UI) any { return u.journal.sessions[0].Document().Markers[0].Decision != nil }},
		// Annex 1: an incident raised by mistake is discarded with the
		// reason, which goes into the record.
		{"discard an incident", func(t *testing.T, u *UI, clock *fixedClock) {
			toLive(t, u, clock)
			tap(t, u, escalateLabel)
			tap(t, u, "I have read this: continue")
			tap(t, u, "Back")
			tap(t, u, "End session")
			discardDialog(t, u)
		}, func(t *testing.T, u *UI) { tap(t, u, "Discard it") }, "Not saved:", current, func(t *testing.T, u *UI) {
			discardDialog(t, u)
			tap(t, u, "Discard it")
		}, func(u *UI) any { return u.journal.sessions[0].Document().Incidents[0].Status }},
		// A signed record's addendum is a new signed entry (policy: signed
		// records are never edited): shown only once it is stored.
		{"add an addendum", func(t *testing.T, u *UI, clock *fixedClock) {
			toRecord(t, u, clock)
			tap(t, u, "Sign and lock")
			tap(t, u, "Yes")
			test.Type(findEntry(t, u, "Add a note to this record (it is signed and cannot be changed)"), "Customer rang back: the CV is done.")
		}, func(t *testing.T, u *UI) { tap(t, u, "Add addendum") }, "Not saved:", nil, nil,
			func(u *UI) any { return len(u.journal.addenda[u.journal.history[0].doc.ID]) }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			u, clock, env := newTestUIEnv(t)
			st.before(t, u, clock)
			good := u.cfg.Vault
			var before session.Document
			if st.state != nil {
				before = u.journal.sessions[0].Document()
			}
			markers := 0
			if len(u.journal.sessions) > 0 {
				markers = len(u.journal.sessions[0].Document().Markers)
			}
			var kept any
			if st.kept != nil {
				kept = st.kept(u)
			}
			u.cfg.Vault = brokenVault(t, u, env)
			st.act(t, u)
			texts := visibleTexts(u)
			if !strings.Contains(texts, st.says) {
				t.Fatalf("a failed save is not said (%q):\n%s", st.says, texts)
			}
			if st.kept != nil {
				if got := st.kept(u); got != kept {
					t.Fatalf("changed without its save: %v -> %v", kept, got)
				}
			} else if st.state == nil {
				if len(u.journal.sessions) != 0 {
					t.Fatal("a plan that was not saved is listed as a session")
				}
			} else if st.state(u) != before.State || len(u.journal.sessions[0].Document().Markers) != markers {
				t.Fatalf("the session moved on without its save: %s -> %s", before.State, st.state(u))
			}
			u.cfg.Vault = good
			if dlg := u.win.Canvas().Overlays().Top(); dlg != nil {
				u.win.Canvas().Overlays().Remove(dlg)
			}
			if st.retry != nil {
				st.retry(t, u)
			} else {
				st.act(t, u)
			}
			if strings.Contains(visibleTexts(u), st.says) {
				t.Fatalf("the same button did not work once the store was back:\n%s", visibleTexts(u))
			}
			if len(u.journal.sessions) == 0 && st.state == nil && st.kept == nil {
				t.Fatal("the plan was not saved the second time")
			}
			if st.kept != nil {
				if st.kept(u) == kept {
					t.Fatalf("nothing changed the second time (%v)", kept)
				}
			} else if st.state != nil && st.state(u) == before.State && len(u.journal.sessions[0].Document().Markers) == markers {
				t.Fatalf("nothing changed the second time (%s)", st.state(u))
			}
		})
	}
}

// TestQuickChangesAreAllKept: changes to one session made faster than they
// are saved (every agreement point ticked in a row) are made one after
// another, each on what the one before left; none overwrites another.
func TestQuickChangesAreAllKept(t *testing.T) {
	u, clock := newTestUI(t)
	l := liveSession(t, u, clock)
	for _, c := range l.agreement { // no settle between the ticks
		c.SetChecked(true)
	}
	settle(u)
	if got, want := len(l.s.Document().Agreement), len(u.cfg.Pack.Agreement); got != want {
		t.Fatalf("%d of %d agreement points kept", got, want)
	}
	if len(u.journal.committing) != 0 {
		t.Error("changes still waiting after everything settled")
	}
}

// TestAChangeMadeWhileSavingIsNotOverwritten: Escalate pressed while a
// marker is being saved marks the session at once; when the marker's save
// lands, the session keeps both (the escalation's link to its incident
// stops the record being signed as if nothing happened).
func TestAChangeMadeWhileSavingIsNotOverwritten(t *testing.T) {
	u, l := liveForShortcuts(t)
	settle(u) // nothing of the session's is being saved
	press2 := shortcutFor(t, "Ctrl+2")
	// The marker's save is started but not finished (no settle) when
	// Escalate marks the session.
	for _, menu := range u.win.MainMenu().Items {
		for _, it := range menu.Items {
			if it.Shortcut != nil && it.Shortcut.ShortcutName() == press2.ShortcutName() {
				it.Action()
			}
		}
	}
	u.ShowEscalation(escalateFromSession(l.s))
	settle(u)
	d := l.s.Document()
	kinds := map[session.MarkerKind]bool{}
	for _, m := range d.Markers {
		kinds[m.Kind] = true
	}
	if !kinds[session.MarkThirdParty] || !kinds[session.MarkEscalated] || len(d.Incidents) != 1 {
		t.Fatalf("markers %v, incidents %d: one change overwrote the other", kinds, len(d.Incidents))
	}
}

// discardDialog opens "Discard the incident?" from the record and gives
// the reason.
func discardDialog(t *testing.T, u *UI) {
	t.Helper()
	tap(t, u, "Discard it…")
	test.Type(findEntry(t, u, "Why this incident is not being reported"), "Pressed Escalate by mistake; nothing of concern was said")
}

// TestReviewSavesFirst: the manager's review actions are signed entries
// of their own; with the store failing, the screen says so in plain words,
// the record is not shown as reviewed, and the same button works once the
// store is back (issue 15; policy 9.1: the line manager's review).
func TestReviewSavesFirst(t *testing.T) {
	u, w := newSeededUI(t, seed.Manager)
	openFirstUnreviewed(t, u)
	m, _ := w.Org.Member(seed.Manager)
	good := u.cfg.Vault
	u.cfg.Vault = closedVault(t, u, m.Identity, good.Directory())
	tap(t, u, "Mark reviewed")
	mustSee(t, u, "Not saved:")
	if n := len(testReviews(t, w)); n != 0 || strings.Contains(visibleTexts(u), "Reviewed ") {
		t.Fatalf("shown or stored as reviewed without its save (%d stored):\n%s", n, visibleTexts(u))
	}
	u.cfg.Vault = good
	tap(t, u, "Mark reviewed")
	mustSee(t, u, "Reviewed ")
	if n := len(testReviews(t, w)); n != 1 {
		t.Fatalf("%d reviews stored once the store was back, want 1", n)
	}
}

// TestReportedLinkSavesFirst: an incident reported from a session is
// stored; the session's "it is reported" (which lets its record be signed,
// Annex 1) changes only once saved, and Report saves it again once the
// store is back.
func TestReportedLinkSavesFirst(t *testing.T) {
	u, clock, env := newTestUIEnv(t)
	l := liveSession(t, u, clock)
	tap(t, u, escalateLabel)
	tap(t, u, "I have read this: continue")
	test.Type(u.currentIncident.describe, "Customer disclosed unwanted images from an adult relative.")
	good := u.cfg.Vault
	// The report is stored with the good store; the store fails just
	// before the session's link is saved.
	test.Tap(findButton(t, u, "Report to the safeguarding team"))
	reported := <-u.ui.queue
	u.cfg.Vault = brokenVault(t, u, env)
	reported()
	settle(u)
	mustSee(t, u, "Reported to the safeguarding team, but the session's record does not know it yet.", "Not saved:")
	if !l.s.Document().Incidents[0].Open() {
		t.Fatal("the session knows the report without its save")
	}
	u.cfg.Vault = good
	tap(t, u, "Save it in the session's record")
	if l.s.Document().Incidents[0].Open() {
		t.Fatal("the session still does not know the report once the store was back")
	}
	mustSee(t, u, reportedText)
	if strings.Contains(visibleTexts(u), "Not saved:") {
		t.Fatalf("still says not saved:\n%s", visibleTexts(u))
	}
}

// TestTypedRecordIsNeverLost: the words of a record being written are the
// person's own work, not a change of state: with the store failing they are
// kept in memory when the screen is left, the save is tried again, and once
// the store is back they are on disk (issue 15; issue 20: a record half
// written is never lost).
func TestTypedRecordIsNeverLost(t *testing.T) {
	u, clock, env := newTestUIEnv(t)
	l := liveSession(t, u, clock)
	for _, c := range l.agreement {
		c.SetChecked(true)
	}
	settle(u)
	clock.Advance(20 * time.Minute)
	tap(t, u, "End session")
	s := l.s
	good := u.cfg.Vault
	u.cfg.Vault = brokenVault(t, u, env)
	test.Type(findEntry(t, u, "What was discussed"), "College courses; CV next week.")
	tap(t, u, "Home") // leaving the record saves what was typed, and fails
	if d := s.Document().RecordDraft; d == nil || d.Summary != "College courses; CV next week." {
		t.Fatalf("what was typed is lost when the save failed: %+v", d)
	}
	u.cfg.Vault = good
	u.Resume(s)
	summary := findEntry(t, u, "What was discussed")
	if summary.Text != "College courses; CV next week." {
		t.Fatalf("the record comes back with %q", summary.Text)
	}
	summary.CursorRow, summary.CursorColumn = 0, len(summary.Text)
	test.Type(summary, " Apprenticeships too.")
	tap(t, u, "Home")
	drafts, err := good.Drafts(t.Context())
	if err != nil || len(drafts) != 1 || drafts[0].RecordDraft == nil || drafts[0].RecordDraft.Summary != "College courses; CV next week. Apprenticeships too." {
		t.Fatalf("the words are not on disk once the store is back: %v %+v", err, drafts)
	}
}
