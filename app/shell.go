package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/device"
	"safeguard/companion/records"
	"safeguard/companion/session"
)

// shell is what every screen and service of the app shares, and nothing
// more: the window, the configuration (which holds the vault once the
// device is open), the unlocked device and its keystore, and the owner of
// background work with the queue back to the UI goroutine (journal.go).
//
// The screens and the services beside them (the idle lock, sync status,
// the session journal, the person's incidents, kept words) each hold their own state
// and take the shell for the rest (docs/ARCHITECTURE.md, "app").
type shell struct {
	app fyne.App
	win fyne.Window
	cfg Config
	// dev is the unlocked device, once Start has opened it.
	dev *device.Device
	// keys is where the person's keys are, for unlocking after the idle lock.
	keys crypto.Keystore
	// svc owns every goroutine the app starts (services.go).
	svc *services
	ui  uiQueue
}

// clockText formats a time in the organisation's time zone.
func (sh *shell) clockText(t time.Time, layout string) string {
	return t.In(sh.cfg.Pack.Location()).Format(layout)
}

// navigator is how a screen moves the window on: the one top bar every
// screen is shown under (show), and the screens one screen opens from
// another. *UI is the app's only navigator; a screen holds it as this
// interface, with the shell and the services it uses, and nothing else of
// the app.
type navigator interface {
	show(title string, body fyne.CanvasObject, actions ...fyne.CanvasObject)
	ShowHome()
	showingHome() bool
	// useDevice starts the app on a device just set up or unlocked.
	useDevice(dev *device.Device)
	// whenLeft runs stop when the screen on show is left or the window
	// closes: a screen's ticker and its last autosave.
	whenLeft(stop func())
	// escalateInDialog makes Ctrl+E do what an open dialog's own Escalate
	// does; nil when the dialog closes.
	escalateInDialog(fn func())
	escalateButton(from escalation) *widget.Button
	// enteredEscalation marks the screen on show as one of the
	// escalation's own (menu.go: Ctrl+E there does not raise another).
	enteredEscalation()
	// returnTo goes back to where an escalation started.
	returnTo(from escalation)
	refreshMenu()

	// The practitioner's journey.
	ShowNewPlan()
	ShowNextPlan(prev session.Document)
	ShowPlanDraft(d session.PlanDraft)
	Resume(s *session.Session)
	ShowHistory()
	openIncident(m myIncident)
	offerIncidentDraft()
	ShowPlan(s *session.Session)
	showPlanForm(s *session.Session)
	newPlanForm(s *session.Session) *planForm
	pendingEdits(s *session.Session, found func(*session.PlanDraft))
	askPendingEdits(s *session.Session, d session.PlanDraft)
	ShowConsent(s *session.Session)
	startLive(s *session.Session)
	startNow(s *session.Session)
	startWithLink(d session.Document, start *widget.Button, say func(string)) fyne.CanvasObject
	confirmOffPlanStart(s *session.Session, off *session.OffPlanError)
	ShowLive(s *session.Session)
	ShowRecord(s *session.Session)
	ShowSignedRecord(h historyItem)
	ShowEscalation(from escalation)
	ShowIncident(inc *session.Incident, from escalation)
	showGuidance(inc *session.Incident, from escalation, unsaved *widget.Label)

	// The manager's and DSL's screens.
	ShowInbox()
	ShowCases()
	ShowReport(log AuditLog)
	ShowAccessAudit(log AuditLog)
	ShowSubjectAccess()
	showSubjectAccess() *sarScreen
	ShowTransfers()
	showTransfers() *transferScreen
	ShowRetention()
	showReport(log AuditLog) *reportScreen
	showInbox(hold, page int)
	showReview(recs *records.Index, it *records.Item, back func())
	showCase(recs *records.Index, c *records.Case, back func())
}

// whenLeft is navigator's: stop runs when the screen on show is left.
func (u *UI) whenLeft(stop func()) { u.screenClose = stop }

// escalateInDialog is navigator's: Ctrl+E does fn while a dialog is open.
func (u *UI) escalateInDialog(fn func()) { u.dialogEscalate = fn }

// showingHome is navigator's: whether home is the screen on show.
func (u *UI) showingHome() bool { return u.onHome }

// keepWhileShown runs keep, a form's autosave, every few seconds while the
// screen is on show and once more when it is left (Home, Escalate, closing
// the window): what is typed is never lost (issue 20 item 2).
func (sh *shell) keepWhileShown(nav navigator, keep func()) {
	stop := make(chan struct{})
	nav.whenLeft(func() { close(stop); keep() })
	every := sh.cfg.TickEvery
	if every == 0 || every > 5*time.Second {
		every = 5 * time.Second
	}
	sh.svc.Every(every, stop, func() { sh.runOnUI(keep) })
}

// enteredEscalation is navigator's: the screen on show is the escalation's.
func (u *UI) enteredEscalation() { u.inEscalation = true }
