package app

import (
	"context"
	"errors"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
)

// The app locks itself after a period of inactivity the organisation sets,
// because field laptops get left open. Unlocking needs the keyring or the
// passphrase. A live session's timer and autosave keep running underneath:
// only the window is covered.

// touch records activity now.
func (u *UI) touch() { u.lastActive = u.cfg.Clock.Now() }

// watchActivity wraps the callbacks of the widgets on screen so that using
// them counts as activity. Fyne has no window-wide input hook; together with
// the hover layer behind every screen this covers typing, tapping and
// moving the pointer.
func (u *UI) watchActivity(o fyne.CanvasObject) {
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			u.watchActivity(c)
		}
	case *widget.Entry:
		prev := w.OnChanged
		w.OnChanged = func(s string) {
			u.touch()
			if prev != nil {
				prev(s)
			}
		}
	case *textArea:
		prev := w.OnChanged
		w.OnChanged = func(s string) {
			u.touch()
			if prev != nil {
				prev(s)
			}
		}
	case *widget.Button:
		prev := w.OnTapped
		w.OnTapped = func() {
			u.touch()
			if prev != nil {
				prev()
			}
		}
	case *widget.Form:
		for _, it := range w.Items {
			u.watchActivity(it.Widget)
		}
	case *container.Scroll:
		u.watchActivity(w.Content)
	case *container.Split:
		u.watchActivity(w.Leading)
		u.watchActivity(w.Trailing)
	case *container.AppTabs:
		for _, it := range w.Items {
			u.watchActivity(it.Content)
		}
	}
}

// activityLayer sits behind every screen and counts pointer movement over
// it as activity.
type activityLayer struct {
	widget.BaseWidget
	u *UI
}

func newActivityLayer(u *UI) *activityLayer {
	a := &activityLayer{u: u}
	a.ExtendBaseWidget(a)
	return a
}

func (a *activityLayer) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack())
}
func (a *activityLayer) MouseIn(*desktop.MouseEvent)    { a.u.touch() }
func (a *activityLayer) MouseMoved(*desktop.MouseEvent) { a.u.touch() }
func (a *activityLayer) MouseOut()                      {}

// watchIdle checks for inactivity while the app runs.
func (u *UI) watchIdle() {
	if u.cfg.LockAfter <= 0 || u.idleWatched {
		return
	}
	u.idleWatched = true
	u.touch()
	u.svc.Every(u.cfg.LockAfter/20, nil, func() { u.runOnUI(u.checkIdle) })
}

// checkIdle locks the app once it has been idle for LockAfter.
func (u *UI) checkIdle() {
	if !u.locked && u.cfg.LockAfter > 0 && u.cfg.Clock.Now().Sub(u.lastActive) >= u.cfg.LockAfter {
		u.Lock()
	}
}

// Lock covers the window until the person unlocks it.
func (u *UI) Lock() {
	if u.locked || u.dev == nil {
		return
	}
	u.locked = true
	u.lockedContent = u.win.Content()
	// A dialog open on the screen (a disclosure's exact words, say) is
	// hidden with it, and shown again, as it was, on unlocking.
	hidden := slices.Clone(u.win.Canvas().Overlays().List())
	for _, o := range hidden {
		u.win.Canvas().Overlays().Remove(o)
	}
	pass := widget.NewPasswordEntry()
	pass.SetPlaceHolder("Passphrase")
	status := widget.NewLabel("")
	_, fileKeys := u.keys.(*crypto.FileKeystore)
	// With the keys in the keyring, the lock asks for the PIN or
	// passphrase chosen for it (issue 14), not nothing.
	askSecret := fileKeys || (u.keysInKeyring() && u.unlockSecret != nil)
	if !fileKeys {
		pass.SetPlaceHolder("PIN or passphrase")
	}
	unlock := widget.NewButtonWithIcon("Unlock", theme.LoginIcon(), nil)
	unlock.Importance = widget.HighImportance
	unlock.OnTapped = func() {
		passphrase := pass.Text
		unlock.Disable()
		u.background(func(context.Context) error { return u.checkUnlock(passphrase) }, func(err error) {
			unlock.Enable()
			if err != nil {
				status.SetText("That did not unlock it. Check the PIN or passphrase and try again.")
				return
			}
			u.locked = false
			u.touch()
			u.win.SetContent(u.lockedContent)
			for _, o := range hidden {
				u.win.Canvas().Overlays().Add(o)
			}
		})
	}
	pass.OnSubmitted = func(string) { unlock.OnTapped() }
	items := []fyne.CanvasObject{
		widget.NewLabelWithStyle("Safeguard Companion is locked", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("It locked itself after a period without use. Anything running, such as a session timer, carries on.", fyne.TextAlignCenter, fyne.TextStyle{}),
	}
	if askSecret {
		items = append(items, pass)
	}
	items = append(items, container.NewCenter(unlock), status)
	u.win.SetContent(container.NewCenter(container.NewVBox(items...)))
	if askSecret {
		u.win.Canvas().Focus(pass)
	}
}

// checkUnlock proves the person can still reach their key: through the
// keyring, or with the passphrase of the key file.
func (u *UI) checkUnlock(passphrase string) error {
	name := u.dev.Me.KeyID().String()
	if fk, ok := u.keys.(*crypto.FileKeystore); ok {
		ks, err := crypto.NewFileKeystore(fk.Dir(), passphrase)
		if err != nil {
			return err
		}
		_, err = ks.Load(name)
		return err
	}
	if s := u.unlockSecret; s != nil && !s.Check(passphrase) {
		return errWrongUnlock
	}
	_, err := u.keys.Load(name)
	return err
}

// errWrongUnlock is a PIN or passphrase that is not the one chosen.
var errWrongUnlock = errors.New("not the PIN or passphrase chosen for unlocking")
