package app

import (
	"context"
	"errors"
	"slices"
	"time"

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

// idleLock covers the window after a period without use, and uncovers it
// for the person whose keys these are.
type idleLock struct {
	*shell
	lastActive    time.Time
	locked        bool
	lockedContent fyne.CanvasObject
	// secret is the lock's verifier when the keys are in the keyring
	// (unlock.go); nil until chosen. secretLoaded is set once it is read.
	secret       *crypto.UnlockSecret
	secretLoaded bool
	watching     bool
}

// touch records activity now.
func (l *idleLock) touch() { l.lastActive = l.cfg.Clock.Now() }

// watchActivity wraps the callbacks of the widgets on screen so that using
// them counts as activity. Fyne has no window-wide input hook; together with
// the hover layer behind every screen this covers typing, tapping and
// moving the pointer.
func (l *idleLock) watchActivity(o fyne.CanvasObject) {
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			l.watchActivity(c)
		}
	case *widget.Entry:
		prev := w.OnChanged
		w.OnChanged = func(s string) {
			l.touch()
			if prev != nil {
				prev(s)
			}
		}
	case *textArea:
		prev := w.OnChanged
		w.OnChanged = func(s string) {
			l.touch()
			if prev != nil {
				prev(s)
			}
		}
	case *widget.Button:
		prev := w.OnTapped
		w.OnTapped = func() {
			l.touch()
			if prev != nil {
				prev()
			}
		}
	case *widget.Form:
		for _, it := range w.Items {
			l.watchActivity(it.Widget)
		}
	case *container.Scroll:
		l.watchActivity(w.Content)
	case *container.Split:
		l.watchActivity(w.Leading)
		l.watchActivity(w.Trailing)
	case *container.AppTabs:
		for _, it := range w.Items {
			l.watchActivity(it.Content)
		}
	}
}

// activityLayer sits behind every screen and counts pointer movement over
// it as activity.
type activityLayer struct {
	widget.BaseWidget
	l *idleLock
}

func newActivityLayer(l *idleLock) *activityLayer {
	a := &activityLayer{l: l}
	a.ExtendBaseWidget(a)
	return a
}

func (a *activityLayer) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack())
}
func (a *activityLayer) MouseIn(*desktop.MouseEvent)    { a.l.touch() }
func (a *activityLayer) MouseMoved(*desktop.MouseEvent) { a.l.touch() }
func (a *activityLayer) MouseOut()                      {}

// watchIdle checks for inactivity while the app runs.
func (l *idleLock) watchIdle() {
	if l.cfg.LockAfter <= 0 || l.watching {
		return
	}
	l.watching = true
	l.touch()
	l.svc.Every(l.cfg.LockAfter/20, nil, func() { l.runOnUI(l.checkIdle) })
}

// checkIdle locks the app once it has been idle for LockAfter.
func (l *idleLock) checkIdle() {
	if !l.locked && l.cfg.LockAfter > 0 && l.cfg.Clock.Now().Sub(l.lastActive) >= l.cfg.LockAfter {
		l.Lock()
	}
}

// Lock covers the window until the person unlocks it.
func (l *idleLock) Lock() {
	if l.locked || l.dev == nil {
		return
	}
	l.locked = true
	l.lockedContent = l.win.Content()
	// A dialog open on the screen (a disclosure's exact words, say) is
	// hidden with it, and shown again, as it was, on unlocking.
	hidden := slices.Clone(l.win.Canvas().Overlays().List())
	for _, o := range hidden {
		l.win.Canvas().Overlays().Remove(o)
	}
	pass := widget.NewPasswordEntry()
	pass.SetPlaceHolder("Passphrase")
	status := widget.NewLabel("")
	_, fileKeys := l.keys.(*crypto.FileKeystore)
	// With the keys in the keyring, the lock asks for the PIN or
	// passphrase chosen for it (issue 14), not nothing.
	askSecret := fileKeys || (l.keysInKeyring() && l.secret != nil)
	if !fileKeys {
		pass.SetPlaceHolder("PIN or passphrase")
	}
	unlock := widget.NewButtonWithIcon("Unlock", theme.LoginIcon(), nil)
	unlock.Importance = widget.HighImportance
	unlock.OnTapped = func() {
		passphrase := pass.Text
		unlock.Disable()
		l.background(func(context.Context) error { return l.checkUnlock(passphrase) }, func(err error) {
			unlock.Enable()
			if err != nil {
				status.SetText("That did not unlock it. Check the PIN or passphrase and try again.")
				return
			}
			l.locked = false
			l.touch()
			l.win.SetContent(l.lockedContent)
			for _, o := range hidden {
				l.win.Canvas().Overlays().Add(o)
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
	l.win.SetContent(container.NewCenter(container.NewVBox(items...)))
	if askSecret {
		l.win.Canvas().Focus(pass)
	}
}

// checkUnlock proves the person can still reach their key: through the
// keyring, or with the passphrase of the key file.
func (l *idleLock) checkUnlock(passphrase string) error {
	name := l.dev.Me.KeyID().String()
	if fk, ok := l.keys.(*crypto.FileKeystore); ok {
		ks, err := crypto.NewFileKeystore(fk.Dir(), passphrase)
		if err != nil {
			return err
		}
		_, err = ks.Load(name)
		return err
	}
	if s := l.secret; s != nil && !s.Check(passphrase) {
		return errWrongUnlock
	}
	_, err := l.keys.Load(name)
	return err
}

// errWrongUnlock is a PIN or passphrase that is not the one chosen.
var errWrongUnlock = errors.New("not the PIN or passphrase chosen for unlocking")
