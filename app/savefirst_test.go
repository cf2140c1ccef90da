package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"safeguard/companion/session"
	"safeguard/companion/store"
	"safeguard/companion/vault"
)

// brokenVault is a vault whose store is closed, as a database that has
// gone (a removed drive, a locked file) is: every save fails.
func brokenVault(t *testing.T, u *UI, env *testEnv) *vault.Vault {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "gone", store.DBFileName))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return vault.New(st, env.dev.Me, env.dev.Dir, u.cfg.Clock)
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
	}
	current := func(u *UI) session.State {
		if len(u.sessions) == 0 {
			return session.Signed // a signed record leaves the list of drafts
		}
		return u.sessions[0].State()
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
		}, func(t *testing.T, u *UI) { tap(t, u, "Save plan") }, "Not saved:", nil, nil},
		{"record consent", toConsent, func(t *testing.T, u *UI) { tap(t, u, "Record consent") }, "Not saved:", current, nil},
		{"start the session", func(t *testing.T, u *UI, clock *fixedClock) {
			toConsent(t, u, clock)
			tap(t, u, "Record consent")
			clock.Set(planDay)
		}, func(t *testing.T, u *UI) { tap(t, u, "Start session") }, "Not saved:", current, nil},
		{"add a marker", toLive, func(t *testing.T, u *UI) { tap(t, u, "Third party present  (Ctrl+2)") }, "Not saved:", current, nil},
		{"pause the session", toLive, func(t *testing.T, u *UI) { tap(t, u, "Pause") }, "Not saved:", current, nil},
		{"end the session", toLive, func(t *testing.T, u *UI) { tap(t, u, "End session") }, "Not saved:", current, nil},
		{"save the record", toRecord, func(t *testing.T, u *UI) { tap(t, u, "Sign and lock") }, "Not saved:", current, nil},
		{"sign the record", func(t *testing.T, u *UI, clock *fixedClock) {
			toRecord(t, u, clock)
			tap(t, u, "Sign and lock") // saved; "Sign and lock?" asks
		}, func(t *testing.T, u *UI) { tap(t, u, "Yes") }, "Not signed:", current, func(t *testing.T, u *UI) {
			tap(t, u, "Sign and lock")
			tap(t, u, "Yes")
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			u, clock, env := newTestUIEnv(t)
			st.before(t, u, clock)
			good := u.cfg.Vault
			var before session.Document
			if st.state != nil {
				before = u.sessions[0].Document()
			}
			markers := 0
			if len(u.sessions) > 0 {
				markers = len(u.sessions[0].Document().Markers)
			}
			u.cfg.Vault = brokenVault(t, u, env)
			st.act(t, u)
			texts := visibleTexts(u)
			if !strings.Contains(texts, st.says) {
				t.Fatalf("a failed save is not said (%q):\n%s", st.says, texts)
			}
			if st.state == nil {
				if len(u.sessions) != 0 {
					t.Fatal("a plan that was not saved is listed as a session")
				}
			} else if st.state(u) != before.State || len(u.sessions[0].Document().Markers) != markers {
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
			if len(u.sessions) == 0 && st.state == nil {
				t.Fatal("the plan was not saved the second time")
			}
			if st.state != nil && st.state(u) == before.State && len(u.sessions[0].Document().Markers) == markers {
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
	if len(u.committing) != 0 {
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
