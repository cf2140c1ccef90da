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
	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/session"
	"safeguard/companion/sync/client"
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
	app  fyne.App
	win  fyne.Window
	cfg  Config
	dark bool

	// sessions are the practitioner's sessions, newest plan first.
	sessions []*session.Session
	// dev is the unlocked device, once Start has opened it.
	dev *device.Device
	// keys is where the person's keys are, for unlocking after the idle lock.
	keys crypto.Keystore
	// Idle lock state (lock.go).
	lastActive    time.Time
	locked        bool
	lockedContent fyne.CanvasObject
	// unlockSecret is the lock's verifier when the keys are in the keyring
	// (unlock.go); nil until chosen.
	unlockSecret *crypto.UnlockSecret
	unlockLoaded bool
	idleWatched  bool
	// engine syncs with the hub, when the device has one.
	engine      *client.Engine
	syncLabel   *widget.Label
	syncProblem string
	// remembered is how many received records the engine had reported
	// when file keys were last remembered; remembering is set while that
	// runs (see rememberAfterSync).
	remembered  int64
	remembering bool
	// auditSharedAt is when this device last shared its audit events with
	// the DSLs (see shareAudit).
	auditSharedAt time.Time
	sharingAudit  bool
	// setUp is set when this device has a profile already (so the
	// passphrase prompt says "unlock", not "choose").
	setUp bool

	// history is the practitioner's signed records, newest first, and
	// addenda by parent record id; both decrypted in memory only.
	history []historyItem
	addenda map[string][]session.Addendum
	// loaded is set once drafts and records have been read.
	loaded      bool
	loadProblem string
	onHome      bool

	// currentPlan and currentLive are the form and live screen on show, if
	// any; tests drive them.
	currentPlan *planForm
	currentLive *liveScreen
	// currentIncident is the incident form on show.
	currentIncident *incidentForm
	// screenClose stops whatever the screen on show runs in the background
	// (the live session's ticker).
	screenClose func()
	// incidents are the person's own: drafts and reported (myincidents.go).
	incidents []myIncident
	// incidentSaves is only a key for inTurn: incident drafts are saved,
	// and home reads them again, one after another (issue 20).
	incidentSaves *session.Session
	// typed keeps words typed in boxes whose action is not yet taken (a
	// review's comment), by record and box, so that drawing the screen
	// again, escalating and coming Back, or leaving and coming back does
	// not empty them (issue 20; keptwords.go).
	typed *keptWords
	// committing holds, for each session with a change being saved, the
	// changes waiting behind it (commitChange).
	committing map[*session.Session][]func()
	// svc owns every goroutine the UI starts (services.go).
	svc *services
	// menu is the window's menu, which carries the shortcuts (menu.go).
	menu *appMenu
	// escalateHere is where Escalate on the screen on show escalates from,
	// for Ctrl+E; nextEscalate is set by the screen's Escalate button and
	// taken by show. inEscalation is set on the escalation's own screens.
	escalateHere, nextEscalate *escalation
	inEscalation               bool
	// reminded are the sessions whose ten-minute reminder was sent (agenda.go).
	reminded map[string]bool
	// dialogEscalate is set while a dialog with its own Escalate is open:
	// Ctrl+E does what that button does.
	dialogEscalate func()

	ui uiQueue
	// alerts notifies a safeguarding lead of incidents sync brings (notify.go).
	alerts incidentAlerts
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
	u := &UI{app: a, cfg: cfg, svc: newServices()}
	u.win = a.NewWindow("Safeguard Companion")
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
	u.watchActivity(body)
	u.watchActivity(bar)
	u.touch()
	u.win.SetContent(container.NewStack(newActivityLayer(u),
		container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil, body)))
	u.refreshMenu()
}

// clockText formats a time in the organisation's time zone.
func (u *UI) clockText(t time.Time, layout string) string {
	return t.In(u.cfg.Pack.Location()).Format(layout)
}
