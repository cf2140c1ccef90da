package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// The window's menu carries every keyboard shortcut the app promises
// (issue 20). Fyne's desktop driver looks for a main-menu shortcut before
// anything else, even while a text box or a dialog has the focus, where a
// shortcut added to the canvas is swallowed by the text box; and the menu
// shows each shortcut beside its name, so nobody has to remember them.

// escalateKey is Ctrl+E: Escalate, from any screen.
var escalateKey = ctrl(fyne.KeyE)

// revealKey is Ctrl+Shift+B: bring back a screen hidden with Ctrl+B.
var revealKey = &desktop.CustomShortcut{KeyName: fyne.KeyB, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}

// appMenu is the menu and the items whose state follows the screen.
type appMenu struct {
	main    *fyne.MainMenu
	markers []*fyne.MenuItem // enabled on the live screen
	privacy []*fyne.MenuItem // hide and reveal, on the live screen
	home    *fyne.MenuItem
	newPlan *fyne.MenuItem
}

// installMenu gives the window its menu. Each action does nothing while the
// app is locked, like the buttons the lock screen covers.
func (u *UI) installMenu() {
	m := &appMenu{}
	guard := func(fn func()) func() {
		return func() {
			if u.lock.locked {
				return
			}
			u.lock.touch()
			fn()
		}
	}
	m.home = &fyne.MenuItem{Label: "Home", Shortcut: ctrl(fyne.KeyH), Action: guard(func() {
		if u.dev != nil {
			u.ShowHome()
		}
	})}
	m.newPlan = &fyne.MenuItem{Label: "New session", Shortcut: ctrl(fyne.KeyN), Action: guard(func() {
		if u.dev != nil {
			u.ShowNewPlan()
		}
	})}
	// Ctrl+J: on the plan, the next thing still to do (issue 19, plannext.go).
	nextToDo := &fyne.MenuItem{Label: "Next thing to do", Shortcut: ctrl(fyne.KeyJ), Action: guard(func() {
		if f := u.currentPlan; f != nil && f.onShow() {
			f.nextToDo()
		}
	})}
	escalate := &fyne.MenuItem{Label: "Escalate a concern", Shortcut: escalateKey, Action: guard(u.escalateFromHere)}

	var sessionItems []*fyne.MenuItem
	for _, mk := range markerKeys {
		kind := mk.kind
		item := &fyne.MenuItem{Label: fmt.Sprintf("Marker: %s", kind.Label()), Shortcut: ctrl(mk.key), Disabled: true,
			Action: guard(func() {
				// Fyne's driver runs a shortcut's item even when it is
				// disabled, so the kind of contact is checked here too.
				if l := u.currentLive; l != nil && l.offers(kind) {
					l.mark(kind)
				}
			})}
		m.markers = append(m.markers, item)
		sessionItems = append(sessionItems, item)
	}
	hide := &fyne.MenuItem{Label: "Hide the screen (privacy)", Shortcut: ctrl(fyne.KeyB), Disabled: true, Action: guard(func() {
		if l := u.currentLive; l != nil {
			l.hide()
		}
	})}
	reveal := &fyne.MenuItem{Label: "Show the screen again", Shortcut: revealKey, Disabled: true, Action: guard(func() {
		if l := u.currentLive; l != nil {
			l.reveal()
		}
	})}
	m.privacy = []*fyne.MenuItem{hide, reveal}
	sessionItems = append(sessionItems, fyne.NewMenuItemSeparator(), hide, reveal)

	m.main = fyne.NewMainMenu(
		fyne.NewMenu("Companion", m.home, m.newPlan, nextToDo),
		fyne.NewMenu("Session", sessionItems...),
		fyne.NewMenu("Safeguarding", escalate),
	)
	u.menu = m
	u.win.SetMainMenu(m.main)
}

// refreshMenu enables the items that mean something on the screen on show.
func (u *UI) refreshMenu() {
	m := u.menu
	if m == nil {
		return
	}
	live := u.currentLive != nil
	for _, it := range append(append([]*fyne.MenuItem{}, m.markers...), m.privacy...) {
		it.Disabled = !live
	}
	if live {
		// Only the markers that mean something for this kind of contact.
		for i, mk := range markerKeys {
			m.markers[i].Disabled = !u.currentLive.offers(mk.kind)
		}
	}
	m.home.Disabled = u.dev == nil
	m.newPlan.Disabled = u.dev == nil
	m.main.Refresh()
}

// escalateFromHere is Ctrl+E: what the screen's Escalate button does, or an
// escalation from home on a screen without one. On the escalation's own
// screens it raises nothing more: the incident is already being written.
func (u *UI) escalateFromHere() {
	switch {
	case u.dialogEscalate != nil:
		u.dialogEscalate()
	case u.inEscalation:
	case u.escalateHere != nil:
		u.ShowEscalation(*u.escalateHere)
	default:
		u.ShowEscalation(escalation{})
	}
}

// focusOnOpen puts the focus in the text box a screen or dialog opens with,
// once the key press that opened it is over. Fyne's driver delivers a key's
// character after the key itself: a Space on home's list or on a button
// opened the screen and was then typed into the box just focused, a stray
// space at the start of a record or an incident for every time it was
// opened by keyboard (issue 20, found driving the real binary). Focusing a
// box no longer on screen does nothing.
func (sh *shell) focusOnOpen(o fyne.Focusable) {
	sh.runOnUI(func() { sh.win.Canvas().Focus(o) })
}
