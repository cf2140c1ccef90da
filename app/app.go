// Package app holds the Fyne screens. Screens bind widgets to the domain in
// package session; they hold no business rules of their own. Slow work
// (crypto, database, sync) runs off the UI goroutine and comes back through
// fyne.Do.
package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/assets"
	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// Practitioner is the person using the app.
type Practitioner struct {
	Name  string
	KeyID string
	// TrainingCompleted is the date of their last safeguarding training
	// (Annex 2 1.2); zero if unknown.
	TrainingCompleted time.Time
}

// Config is what the app needs from its wiring in cmd/companion.
type Config struct {
	Pack  *session.Pack
	Clock session.Clock
	Me    Practitioner
	// NewID makes record ids: random, never derived from content, because
	// ids travel in the clear as routing data.
	NewID func() string
	// Vault keeps the practitioner's records, sealed and encrypted.
	Vault *vault.Vault
	// LockAfter is how long the app may sit unused before it locks itself;
	// zero never locks.
	LockAfter time.Duration
	// TickEvery is how often the live screen redraws; a second when zero.
	TickEvery time.Duration
	// Errors receives failures for the log: never content.
	Errors func(op string, err error)
	// UnlockWorkFactor is scrypt's log2 N for the lock's verifier;
	// crypto.DefaultUnlockWorkFactor when zero. Tests make it cheaper; a
	// release build ignores it (buildmode).
	UnlockWorkFactor int
}

// UI is the running app: one window whose content changes screen by screen.
type UI struct {
	*shell
	dark bool

	// The services beside the screens, each with its own state.
	lock    *idleLock       // the idle lock (lock.go, unlock.go)
	sync    *syncStatus     // the sync engine and its status line (syncstatus.go)
	journal *journal        // the person's sessions and signed records (journal.go)
	mine    *myIncidentList // the person's own incidents (myincidents.go)
	// typed keeps words typed in boxes whose action is not yet taken (a
	// review's comment), by record and box, so that drawing the screen
	// again, escalating and coming Back, or leaving and coming back does
	// not empty them (issue 20; keptwords.go).
	typed *keptWords
	// reminded are the sessions whose ten-minute reminder was sent (agenda.go).
	reminded map[string]bool

	// setUp is set when this device has a profile already (so the
	// passphrase prompt says "unlock", not "choose").
	setUp  bool
	onHome bool

	// currentPlan and currentLive are the form and live screen on show, if
	// any; tests drive them.
	currentPlan *planForm
	currentLive *liveScreen
	// currentIncident is the incident form on show.
	currentIncident *incidentForm
	// screenClose stops whatever the screen on show runs in the background
	// (the live session's ticker).
	screenClose func()
	// menu is the window's menu, which carries the shortcuts (menu.go).
	menu *appMenu
	// escalateHere is where Escalate on the screen on show escalates from,
	// for Ctrl+E; nextEscalate is set by the screen's Escalate button and
	// taken by show. inEscalation is set on the escalation's own screens.
	escalateHere, nextEscalate *escalation
	inEscalation               bool
	// dialogEscalate is set while a dialog with its own Escalate is open:
	// Ctrl+E does what that button does.
	dialogEscalate func()
}

// Icon is the app icon as a Fyne resource.
var Icon = fyne.NewStaticResource("icon.png", assets.IconPNG)

// New builds the UI in a new window of a, on the vault in cfg, and shows
// home. It does not show the window.
func New(a fyne.App, cfg Config) *UI {
	u := newUI(a, cfg)
	u.ShowHome()
	u.loadSessions()
	u.startReminders() // today's agenda (agenda.go)
	return u
}

func newUI(a fyne.App, cfg Config) *UI {
	sh := &shell{app: a, cfg: cfg, svc: newServices()}
	sh.win = a.NewWindow("Safeguard Companion")
	u := &UI{shell: sh}
	u.lock = &idleLock{shell: sh}
	u.sync = &syncStatus{shell: sh}
	u.journal = &journal{shell: sh}
	u.mine = &myIncidentList{shell: sh}
	u.typed = newKeptWords(sh)
	// The window's life is the background work's: closing it stops and
	// waits for every goroutine the UI started.
	u.win.SetOnClosed(u.Close)
	u.win.SetIcon(Icon)
	u.win.Resize(windowSize(textScale(a))) // fits a 1280x800 screen at 150% text (window.go)
	u.setTheme(a.Settings().ThemeVariant() == theme.VariantDark)
	u.installMenu()
	return u
}

// Close stops the UI's background work and waits for it: the sync engine,
// the tickers, the jobs in flight. The window calls it when it closes.
func (u *UI) Close() {
	if u.screenClose != nil {
		u.screenClose()
		u.screenClose = nil
	}
	u.svc.Stop()
}

// Window is the app's main window.
func (u *UI) Window() fyne.Window { return u.win }

func (u *UI) setTheme(dark bool) {
	u.dark = dark
	v := theme.VariantLight
	if dark {
		v = theme.VariantDark
	}
	u.app.Settings().SetTheme(newVariantTheme(v))
}

// ToggleTheme switches between light and dark.
func (u *UI) ToggleTheme() { u.setTheme(!u.dark) }

// show replaces the window content with a screen under the common top bar.
func (u *UI) show(title string, body fyne.CanvasObject, actions ...fyne.CanvasObject) {
	if u.screenClose != nil {
		u.screenClose()
		u.screenClose = nil
	}
	u.onHome = false
	u.sync.label = nil // home sets it again
	// A screen never inherits the last one's dialogs.
	for o := u.win.Canvas().Overlays().Top(); o != nil; o = u.win.Canvas().Overlays().Top() {
		u.win.Canvas().Overlays().Remove(o)
	}
	u.dialogEscalate = nil
	u.currentIncident = nil
	u.inEscalation = false
	u.escalateHere, u.nextEscalate = u.nextEscalate, nil
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	themeBtn := widget.NewButtonWithIcon("", theme.ColorPaletteIcon(), u.ToggleTheme)
	themeBtn.Importance = widget.LowImportance
	bar := container.NewHBox(append([]fyne.CanvasObject{widget.NewIcon(Icon), heading, layout.NewSpacer()}, append(actions, themeBtn)...)...)
	u.lock.watchActivity(body)
	u.lock.watchActivity(bar)
	u.lock.touch()
	u.win.SetContent(container.NewStack(newActivityLayer(u.lock),
		container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil, body)))
	u.refreshMenu()
}
