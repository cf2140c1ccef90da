package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
	"safeguard/companion/sync/client"
)

// homeScreen is home: what needs the person today (sessions, drafts,
// incidents, reviews and cases waiting) and the way to every other screen.
type homeScreen struct {
	*shell
	nav     navigator
	journal *journal
	mine    *myIncidentList
	sync    *syncStatus
	lock    *idleLock
	// status is the line that says how records stand: opening, a problem,
	// or how many wait to sync.
	status *widget.Label
}

// ShowHome shows the practitioner's home screen: new session, today's and
// upcoming sessions, and the state of their safeguarding training.
func (u *UI) ShowHome() {
	h := &homeScreen{shell: u.shell, nav: u, journal: u.journal, mine: u.mine, sync: u.sync, lock: u.lock}
	h.build()
	u.onHome = true
	h.refreshWaiting(h.status) // after show, which clears sync's hold on the last home's line
	h.refreshIncidents()
	if u.lock.secretLoaded && u.lock.secret == nil && u.lock.needsUnlockSecret() {
		u.lock.askUnlockSecret()
	}
}

func (h *homeScreen) build() {
	now := h.cfg.Clock.Now()
	greeting := widget.NewLabelWithStyle(fmt.Sprintf("Hello, %s.", firstName(h.cfg.Me.Name)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})

	newBtn := widget.NewButtonWithIcon("New session", theme.ContentAddIcon(), h.nav.ShowNewPlan)
	newBtn.Importance = widget.HighImportance

	training := h.cfg.Pack.Training(h.cfg.Me.TrainingCompleted, now)
	var trainingLine fyne.CanvasObject
	switch {
	case !training.Known:
		trainingLine = warningLabel("Your safeguarding training date is not recorded. Ask your manager to add it (Annex 2 1.2).")
	case !training.Current:
		trainingLine = warningLabel(fmt.Sprintf("Your safeguarding training expired on %s. Book a refresher before running sessions (Annex 2 1.2).", h.clockText(training.Due, "2 January 2006")))
	default:
		trainingLine = widget.NewLabel(fmt.Sprintf("Safeguarding training current until %s.", h.clockText(training.Due, "2 January 2006")))
	}

	upcoming := h.upcomingSessions()
	var list fyne.CanvasObject
	if len(upcoming) == 0 {
		list = widget.NewLabel("No sessions planned yet. Start with New session.")
	} else {
		l := widget.NewList(
			func() int { return len(upcoming) },
			func() fyne.CanvasObject {
				return container.NewHBox(widget.NewLabel("reference"), widget.NewLabel("when"), widget.NewLabel("state"))
			},
			func(i widget.ListItemID, o fyne.CanvasObject) {
				d := upcoming[i].Document()
				row := o.(*fyne.Container).Objects
				row[0].(*widget.Label).SetText(d.Plan.Customer.Reference)
				row[1].(*widget.Label).SetText(h.clockText(d.Plan.Start, "Mon 2 Jan 15:04"))
				row[2].(*widget.Label).SetText(stateText(d))
			})
		l.OnSelected = func(i widget.ListItemID) { h.nav.Resume(upcoming[i]) }
		list = l
	}

	historyBtn := widget.NewButtonWithIcon(fmt.Sprintf("History (%d)", len(h.journal.history)), theme.HistoryIcon(), h.nav.ShowHistory)
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	switch {
	case h.journal.loadProblem != "":
		status.SetText(h.journal.loadProblem)
		status.Importance = widget.DangerImportance
	case !h.journal.loaded && h.cfg.Vault != nil:
		status.SetText("Opening your records…")
	}
	keyBtn := widget.NewButtonWithIcon("Export my key", theme.AccountIcon(), func() { h.exportKey(status.SetText) })
	keyBtn.Importance = widget.LowImportance
	var demo fyne.CanvasObject = layout.NewSpacer()
	if h.dev != nil && h.dev.Profile.Demo {
		demo = warningLabel("Demo organisation: the people here are fictional. Do not record real sessions in it.")
	}
	buttons := container.NewHBox(newBtn, historyBtn)
	if h.dev != nil {
		manager := h.dev.Person.HasRole(crypto.RoleLineManager)
		dsl := h.dev.Person.HasRole(crypto.RoleDSL)
		if manager || dsl {
			buttons.Add(widget.NewButtonWithIcon("Inbox", theme.MailComposeIcon(), h.nav.ShowInbox))
		}
		if dsl {
			buttons.Add(widget.NewButtonWithIcon("Incident cases", theme.WarningIcon(), h.nav.ShowCases))
			buttons.Add(widget.NewButtonWithIcon("Retention", theme.StorageIcon(), h.nav.ShowRetention)) // issue 16: what falls due, legal holds
		}
		if manager || dsl {
			buttons.Add(widget.NewButtonWithIcon("Quarterly report", theme.DocumentIcon(), func() { h.nav.ShowReport(h.dev.Store) }))
			buttons.Add(widget.NewButtonWithIcon("Access audit", theme.VisibilityIcon(), func() { h.nav.ShowAccessAudit(h.dev.Store) }))
		}
	}
	buttons.Add(layout.NewSpacer())
	top := container.NewVBox(demo, greeting, trainingLine, container.NewBorder(nil, nil, nil, keyBtn, buttons), status,
		h.draftsLine(),         // records and incidents to finish (issue 15)
		h.casesWaitingLine(),   // the safeguarding team's incidents not yet acknowledged (issue 20 item 6)
		h.reviewsWaitingLine()) // a line manager's reviews, follow-ups and figures (issue 15)
	if mine := h.myIncidentsBox(); mine != nil {
		top.Add(widget.NewSeparator())
		top.Add(mine)
	}
	top.Add(h.agendaBox()) // today's agenda and plans not yet saved (issue 19, agenda.go)
	top.Add(widget.NewSeparator())
	top.Add(widget.NewLabelWithStyle("Today and upcoming", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	h.nav.show("Safeguard Companion", container.NewBorder(top, nil, nil, nil, list), h.nav.escalateButton(escalation{}))
	h.status = status
}

// Resume opens a session on the screen for its state: a live session
// goes straight back to its timer.
func (u *UI) Resume(s *session.Session) {
	switch s.State() {
	case session.Live, session.Paused:
		u.ShowLive(s)
	case session.Ended, session.Recorded:
		u.ShowRecord(s)
	case session.Consented:
		u.ShowConsent(s)
	default:
		u.ShowPlan(s)
	}
}

// refreshWaiting fills in how many records wait to sync, from the engine
// when there is a hub, else from the outbox.
func (h *homeScreen) refreshWaiting(l *widget.Label) {
	if h.cfg.Vault == nil || !h.journal.loaded || h.journal.loadProblem != "" {
		return
	}
	if h.sync.problem != "" {
		l.SetText(h.sync.problem)
		return
	}
	if h.sync.engine != nil {
		h.sync.label = l
		var st client.Status
		h.background(func(ctx context.Context) error { st = h.sync.engine.Status(ctx); return nil }, func(error) { h.sync.show(st) })
		return
	}
	n := 0
	h.background(func(ctx context.Context) error {
		var err error
		n, err = h.cfg.Vault.Waiting(ctx)
		return err
	}, func(err error) {
		switch {
		case err != nil:
		case n == 0:
			l.SetText("No hub is set up on this laptop; records are kept here, encrypted.")
		default:
			l.SetText(fmt.Sprintf("%d record%s kept safely on this laptop (no hub is set up to send them to).", n, plural(n)))
		}
	})
}

// upcomingSessions are the sessions not yet finished, soonest first.
func (h *homeScreen) upcomingSessions() []*session.Session {
	var out []*session.Session
	for _, s := range h.journal.sessions {
		switch s.State() {
		case session.Signed, session.Cancelled:
		default:
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *session.Session) int {
		return a.Document().Plan.Start.Compare(b.Document().Plan.Start)
	})
	return out
}

func stateText(d session.Document) string {
	switch d.State {
	case session.Planned:
		if d.Outcome == session.DoNotProceed {
			return "Do not proceed"
		}
		return "Risk assessment to finish"
	case session.Assessed:
		return "Waiting for consent"
	case session.Consented:
		return "Ready to start"
	case session.Live, session.Paused:
		return "In progress"
	case session.Ended:
		return "Record to write"
	case session.Recorded:
		return "Record to sign"
	}
	return string(d.State)
}

func firstName(full string) string {
	if f := strings.Fields(full); len(f) > 0 {
		return f[0]
	}
	return "there"
}

func warningLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.WarningImportance
	l.Wrapping = fyne.TextWrapWord
	return l
}

// ctrl is Ctrl (Cmd on macOS) plus a key.
func ctrl(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}
