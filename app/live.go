package app

import (
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// autosaveEvery is how often a live session's draft is sealed and saved.
const autosaveEvery = 5 * time.Second

// liveScreen is the session in progress (Annex 2 3.1-3.3): a countdown to
// read at a glance, warnings, one-tap markers with shortcuts, the agreement
// points to confirm at the start, and Escalate always visible. It is laid
// out narrow, to sit beside the call window.
type liveScreen struct {
	*shell
	nav     navigator
	journal *journal
	s       *session.Session

	countdown *canvas.Text
	elapsed   *widget.Label
	banner    *widget.Label
	status    *widget.Label
	pause     *widget.Button
	agreement map[string]*widget.Check
	markers   *widget.Label

	overrunAsked bool
	// acking is a warning's "seen" being saved: the next tick does not
	// ask again until that save has landed or failed.
	acking   bool
	lastSave time.Time
	hidden   bool
	body     fyne.CanvasObject
}

// marker shortcuts: Ctrl+1..5, so nobody leaves the call window for long.
var markerKeys = []struct {
	kind session.MarkerKind
	key  fyne.KeyName
}{
	{session.MarkDisclosure, fyne.Key1},
	{session.MarkThirdParty, fyne.Key2},
	{session.MarkFacilitator, fyne.Key3},
	{session.MarkRiskChanged, fyne.Key4},
	{session.MarkConnectionLost, fyne.Key5},
}

// The session goes live only once that is saved (issue 15).
// Changes to its plan kept and not saved are asked about first
// (plandraft.go): the session would start with the plan as assessed.
func (u *UI) startLive(s *session.Session) {
	if s.State() != session.Consented {
		u.ShowLive(s)
		return
	}
	u.pendingEdits(s, func(d *session.PlanDraft) {
		if d != nil {
			u.askPendingEdits(s, *d)
			return
		}
		u.startNow(s)
	})
}

func (u *UI) startNow(s *session.Session) {
	u.journal.commitChange(s, (*session.Session).Start, func(err error) {
		var off *session.OffPlanError
		var ns *notSavedError
		var ge *session.GateError
		switch {
		case err == nil:
			u.ShowLive(s)
		case errors.As(err, &off):
			u.confirmOffPlanStart(s, off)
		case errors.As(err, &ns):
			dialog.ShowInformation("Not started", notSaved(ns.err), u.win)
		case errors.As(err, &ge):
			dialog.ShowInformation("Cannot start", signProblems(err), u.win)
		default:
			dialog.ShowInformation("Cannot start", "Record consent first.", u.win)
		}
	})
}

// confirmOffPlanStart asks, when a session starts well away from its planned
// time, whether to start it now and why (Annex 2 1.3.1: the schedule was
// agreed); the record then shows both times.
func (u *UI) confirmOffPlanStart(s *session.Session, off *session.OffPlanError) {
	when := u.clockText(off.Planned, "Monday 2 January at 15:04")
	how := "late"
	d := off.Off
	if d < 0 {
		how, d = "early", -d
	}
	reason := multiline("Why it starts now, for the record")
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	text := widget.NewLabel(fmt.Sprintf("This session was planned for %s: starting now is %s %s. Start it now? The record will show the planned and the actual times.", when, roughly(d), how))
	text.Wrapping = fyne.TextWrapWord
	var dlg dialog.Dialog
	start := widget.NewButtonWithIcon("Start now", theme.MediaPlayIcon(), func() {
		u.journal.commitChange(s, func(c *session.Session) error { return c.StartOffPlan(reason.Text) }, func(err error) {
			var ns *notSavedError
			switch {
			case errors.As(err, &ns):
				msg.SetText(notSaved(ns.err))
			case err != nil:
				msg.SetText(plainWords(err, saving))
			default:
				dlg.Hide()
				u.ShowLive(s)
			}
		})
	})
	start.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon("Not now", theme.CancelIcon(), func() { dlg.Hide() })
	dlg = dialog.NewCustomWithoutButtons("Start at another time than planned?", container.NewVBox(text, reason, msg,
		container.NewHBox(layout.NewSpacer(), cancel, start)), u.win)
	dlg.Resize(fyne.NewSize(520, 300))
	dlg.Show()
	u.win.Canvas().Focus(reason)
}

// roughly is a duration in words, to the minute under two hours, else to
// the hour or the day.
func roughly(d time.Duration) string {
	switch {
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// ShowLive shows a live or paused session.
func (u *UI) ShowLive(s *session.Session) {
	l := &liveScreen{shell: u.shell, nav: u, journal: u.journal, s: s, agreement: map[string]*widget.Check{}}
	l.countdown = canvas.NewText("45:00", theme.Color(theme.ColorNameForeground))
	l.countdown.TextSize = 72
	l.countdown.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	l.countdown.Alignment = fyne.TextAlignCenter
	l.elapsed = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{})
	l.banner = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	l.banner.Importance = widget.WarningImportance
	l.banner.Wrapping = fyne.TextWrapWord
	l.status = widget.NewLabel("")
	l.markers = widget.NewLabel("")
	l.markers.Wrapping = fyne.TextWrapWord

	agreementBox := container.NewVBox(widget.NewLabelWithStyle("Confirm at the start (Annex 2 2.1)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	done := map[string]bool{}
	for _, a := range s.Document().Agreement {
		done[a.PointID] = true
	}
	for _, p := range u.cfg.Pack.Agreement {
		// A check's words do not wrap: the point's heading goes with the
		// box, the rest in a label that wraps, so the screen fits text at
		// 150% (issue 15 §6).
		head, rest, ok := strings.Cut(p.Text, ": ")
		if !ok {
			head, rest = "", p.Text
		} else {
			head += ":"
		}
		c := widget.NewCheck(head, nil)
		c.SetChecked(done[p.ID])
		c.OnChanged = func(on bool) {
			switch {
			case !on && l.confirmed(p.ID):
				c.SetChecked(true) // confirmation cannot be undone
			case on && !l.confirmed(p.ID):
				// Ticked now, confirmed once saved; unticked again, with
				// the reason, if the save fails (issue 15).
				u.journal.commitChange(s, func(cp *session.Session) error { return cp.ConfirmAgreement(p.ID) }, func(err error) {
					var ns *notSavedError
					switch {
					case errors.As(err, &ns):
						l.setStatus(notSaved(ns.err))
						c.SetChecked(false)
					case err != nil:
						l.setStatus(plainWords(err, saving))
						c.SetChecked(false)
					default:
						l.setStatus("Saved " + u.clockText(u.cfg.Clock.Now(), "15:04:05") + ".")
					}
				})
			}
		}
		l.agreement[p.ID] = c
		agreementBox.Add(container.NewBorder(nil, nil, c, nil, wrappedLabel(rest)))
	}

	pk := u.cfg.Pack
	d0 := s.Document()
	delayed := pk.DelayedResponse(d0.Plan)
	markerButtons := container.NewGridWithColumns(2)
	for i, mk := range markerKeys {
		kind := mk.kind
		if !l.offers(kind) {
			continue
		}
		// The shortcut itself is the window menu's (menu.go), so that it
		// works while a text box has the focus.
		b := widget.NewButton(fmt.Sprintf("%s  (Ctrl+%d)", kind.Label(), i+1), func() { l.mark(kind) })
		markerButtons.Add(b)
	}
	l.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), l.togglePause)
	end := widget.NewButtonWithIcon("End session", theme.MediaStopIcon(), l.end)
	end.Importance = widget.HighImportance

	timer := container.NewVBox(l.countdown, l.elapsed, l.banner)
	if delayed {
		// An e-mail, letter or text exchange has no call and no timer
		// (Annex 2 1.2.1); the same markers, agreement and escalation.
		m, _ := pk.Method(d0.Plan.Method)
		l.countdown.Hide()
		l.pause.Hide()
		end.SetText("Finish and write the record")
		l.elapsed.SetText(m.Label + ": no call, so no timer (Annex 2 1.2.1). Note any disclosure in the replies.")
		l.elapsed.Wrapping = fyne.TextWrapWord
	}
	markersBox := container.NewVBox(widget.NewLabelWithStyle("Markers", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), markerButtons, l.markers)
	controls := container.NewVBox(markersBox, widget.NewSeparator(), agreementBox)
	// At the start the agreement comes first, on screen and for Tab, with
	// the focus on its first point (issue 15 §6: the order of the task);
	// once it is confirmed the markers do.
	var firstPoint fyne.Focusable
	for _, p := range u.cfg.Pack.Agreement {
		if !done[p.ID] {
			firstPoint = l.agreement[p.ID]
			break
		}
	}
	if firstPoint != nil {
		controls = container.NewVBox(agreementBox, widget.NewSeparator(), markersBox)
	}
	l.body = container.NewBorder(timer,
		container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, l.pause, end, l.status)),
		nil, nil, container.NewVScroll(controls))

	d := s.Document()
	title := "Live: "
	if delayed {
		title = "Contact: "
	}
	u.show(title+d.Plan.Customer.Reference, l.body, u.escalateButton(escalateFromSession(s)))
	// The privacy screen (Ctrl+B, Ctrl+Shift+B: advisers share their
	// screens in these calls) and the markers' shortcuts are the window
	// menu's, enabled now.
	u.currentLive = l
	u.refreshMenu()
	if firstPoint != nil {
		u.win.Canvas().Focus(firstPoint)
	}
	stop := make(chan struct{})
	u.screenClose = func() { close(stop); u.currentLive = nil }
	every := u.cfg.TickEvery
	if every == 0 {
		every = time.Second
	}
	u.svc.Every(every, stop, func() { u.runOnUI(l.tick) })
	l.lastSave = u.cfg.Clock.Now()
	l.tick()
}

func (l *liveScreen) confirmed(id string) bool {
	for _, a := range l.s.Document().Agreement {
		if a.PointID == id {
			return true
		}
	}
	return false
}

func (l *liveScreen) setStatus(s string) { l.status.SetText(s) }

// tick redraws the timer and acts on what the domain says is due.
func (l *liveScreen) tick() {
	if l.cfg.Pack.DelayedResponse(l.s.Document().Plan) {
		l.tickDelayed()
		return
	}
	t := l.s.Timer()
	rem := t.Remaining
	sign := ""
	if rem < 0 {
		sign, rem = "+", -rem
	}
	l.countdown.Text = fmt.Sprintf("%s%02d:%02d", sign, int(rem.Minutes()), int(rem.Seconds())%60)
	switch {
	case t.Overrun:
		l.countdown.Color = theme.Color(theme.ColorNameError)
	case len(l.s.Document().WarningsGiven) > 0:
		l.countdown.Color = theme.Color(theme.ColorNameWarning)
	default:
		l.countdown.Color = theme.Color(theme.ColorNameForeground)
	}
	l.countdown.Refresh()
	state := "running"
	if l.s.State() == session.Paused {
		state = "paused"
	}
	l.elapsed.SetText(fmt.Sprintf("%s of %d minutes, %s", formatDuration(t.Elapsed), int(l.s.Document().Plan.Duration/time.Minute), state))
	if len(t.Warnings) > 0 {
		l.banner.SetText(fmt.Sprintf("%d minute%s left: start bringing the session to a close (Annex 2 3.3).", t.Warnings[len(t.Warnings)-1], plural(t.Warnings[len(t.Warnings)-1])))
		l.acknowledge(t.Warnings)
	}
	if l.s.OverrunReasonDue() && !l.overrunAsked {
		l.overrunAsked = true
		l.banner.SetText("The session is over its planned time. An overrun needs an exceptional reason (Annex 2 3.3).")
		l.askOverrunReason(nil)
	}
	if now := l.cfg.Clock.Now(); now.Sub(l.lastSave) >= autosaveEvery {
		l.lastSave = now
		l.journal.saveDraft(l.s, l.setStatus)
	}
	l.showMarkers()
}

// acknowledge saves that the warnings shown were seen, so each is given
// once (Annex 2 3.3). Until the save lands the warning stays due, and the
// next tick shows it and tries again (issue 15: save first).
func (l *liveScreen) acknowledge(warnings []int) {
	if l.acking {
		return
	}
	l.acking = true
	l.journal.commitChange(l.s, func(c *session.Session) error { c.AcknowledgeWarnings(warnings...); return nil }, func(err error) {
		l.acking = false
		if err != nil {
			l.setStatus(notSaved(unwrapNotSaved(err)))
			return
		}
		l.setStatus("Saved " + l.clockText(l.cfg.Clock.Now(), "15:04:05") + ".")
	})
}

// tickDelayed is tick for an e-mail, letter or text: no timer, autosave
// and the markers only.
func (l *liveScreen) tickDelayed() {
	if now := l.cfg.Clock.Now(); now.Sub(l.lastSave) >= autosaveEvery {
		l.lastSave = now
		l.journal.saveDraft(l.s, l.setStatus)
	}
	l.showMarkers()
}

func (l *liveScreen) showMarkers() {
	delayed := l.cfg.Pack.DelayedResponse(l.s.Document().Plan)
	var lines []string
	for _, m := range l.s.Document().Markers {
		line := fmt.Sprintf("%s at %s", m.Kind.Label(), formatDuration(m.Elapsed))
		if delayed {
			line = fmt.Sprintf("%s at %s", m.Kind.Label(), l.clockText(m.At, "15:04"))
		}
		if r := m.Reassessment; r != nil {
			line += fmt.Sprintf(": %s; now %s; %s", r.WhatChanged, strings.ToLower(r.Outcome.Label()), strings.ToLower(r.Action.Label()))
		}
		lines = append(lines, line)
	}
	l.markers.SetText(strings.Join(lines, "\n"))
}

func formatDuration(d time.Duration) string {
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func (l *liveScreen) mark(kind session.MarkerKind) {
	if l.hidden {
		return
	}
	if kind == session.MarkDisclosure {
		l.disclosure()
		return
	}
	if kind == session.MarkRiskChanged {
		l.reassess()
		return
	}
	l.journal.commitChange(l.s, func(c *session.Session) error { return c.Mark(session.Marker{Kind: kind}) }, func(err error) {
		var ns *notSavedError
		switch {
		case errors.As(err, &ns):
			l.setStatus(notSaved(ns.err))
		case err != nil:
			l.setStatus(plainWords(err, saving))
		default:
			if kind == session.MarkConnectionLost && l.s.State() == session.Live {
				l.togglePause()
			}
			l.setStatus("Saved " + l.clockText(l.cfg.Clock.Now(), "15:04:05") + ".")
			l.tick()
		}
	})
	l.tick()
}

// reassess is the quick in-session risk assessment a change of risk asks
// for (Annex 2 3.2 "pro-actively during the session"): what changed, the
// new outcome, and what the practitioner did. Escalate opens the Annex 1
// flow; end the session ends it.
func (l *liveScreen) reassess() {
	what := multiline("What changed")
	var outcomes, actions []string
	for _, o := range session.ReassessmentOutcomes {
		outcomes = append(outcomes, o.Label())
	}
	for _, a := range session.RiskActions {
		actions = append(actions, a.Label())
	}
	outcome := widget.NewRadioGroup(outcomes, nil)
	action := widget.NewRadioGroup(actions, nil)
	approach := entry("How you changed your approach, or the mitigation")
	msg := widget.NewLabel("")
	msg.Importance = widget.DangerImportance
	msg.Wrapping = fyne.TextWrapWord
	msg.Hide()
	var dlg dialog.Dialog
	record := widget.NewButtonWithIcon("Record the reassessment", theme.ConfirmIcon(), func() {
		r := &session.Reassessment{WhatChanged: strings.TrimSpace(what.Text), Approach: strings.TrimSpace(approach.Text)}
		for _, o := range session.ReassessmentOutcomes {
			if o.Label() == outcome.Selected {
				r.Outcome = o
			}
		}
		for _, a := range session.RiskActions {
			if a.Label() == action.Selected {
				r.Action = a
			}
		}
		l.journal.commitChange(l.s, func(c *session.Session) error {
			return c.Mark(session.Marker{Kind: session.MarkRiskChanged, Reassessment: r})
		}, func(err error) {
			var ns *notSavedError
			if errors.As(err, &ns) {
				msg.SetText(notSaved(ns.err))
				msg.Show()
				return
			}
			if err != nil {
				var lines []string
				for _, fe := range session.Fields(err) {
					lines = append(lines, fe.Message)
				}
				msg.SetText(strings.Join(lines, "\n"))
				msg.Show()
				return
			}
			dlg.Hide()
			l.setStatus("Saved " + l.clockText(l.cfg.Clock.Now(), "15:04:05") + ".")
			l.tick()
			switch r.Action {
			case session.RiskEscalate:
				l.nav.ShowEscalation(escalateFromSession(l.s))
			case session.RiskEndSession:
				l.end()
			}
		})
	})
	record.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { dlg.Hide() })
	form := container.NewVBox(
		widget.NewLabelWithStyle("What changed", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), what,
		widget.NewLabelWithStyle("The risk now", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), outcome,
		widget.NewLabelWithStyle("What I did", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), action, approach,
		msg, container.NewHBox(cancel, record))
	dlg = dialog.NewCustomWithoutButtons("Risk changed: reassess now (Annex 2 3.2)", form, l.win)
	dlg.Resize(fyne.NewSize(520, 520))
	dlg.Show()
	l.focusOnOpen(what)
}

// The timer stops or restarts once that is saved (issue 15).
func (l *liveScreen) togglePause() {
	change := (*session.Session).Pause
	if l.s.State() == session.Paused {
		change = (*session.Session).Resume
	}
	l.journal.commitChange(l.s, change, func(err error) {
		if l.s.State() == session.Paused {
			l.pause.SetText("Resume")
			l.pause.SetIcon(theme.MediaPlayIcon())
		} else {
			l.pause.SetText("Pause")
			l.pause.SetIcon(theme.MediaPauseIcon())
		}
		var ns *notSavedError
		switch {
		case err == nil:
			l.setStatus("Saved " + l.clockText(l.cfg.Clock.Now(), "15:04:05") + ".")
		case errors.As(err, &ns):
			l.setStatus(notSaved(ns.err))
		case errors.Is(err, session.ErrRiskStopped):
			l.setStatus("The risk was reassessed as do not proceed: end the session or escalate (Annex 2 3.2).")
		default:
			l.setStatus("Cannot carry on: " + plainWords(err, saving))
		}
		l.tick()
	})
}

// askOverrunReason asks for the exceptional reason and then runs then.
func (l *liveScreen) askOverrunReason(then func()) {
	reason := multiline("The exceptional circumstances")
	dialog.ShowForm("Over time (Annex 2 3.3)", "Record reason", "Later",
		[]*widget.FormItem{widget.NewFormItem("Why it ran over", reason)}, func(ok bool) {
			if !ok || strings.TrimSpace(reason.Text) == "" {
				return
			}
			l.journal.commitChange(l.s, func(c *session.Session) error { return c.SetOverrunReason(reason.Text) }, func(err error) {
				var ns *notSavedError
				switch {
				case errors.As(err, &ns):
					l.setStatus(notSaved(ns.err))
				case err == nil && then != nil:
					then()
				}
			})
		}, l.win)
	l.win.Canvas().Focus(reason)
}

// The session ends only once that is saved (issue 15).
func (l *liveScreen) end() {
	l.journal.commitChange(l.s, (*session.Session).End, func(err error) {
		var ns *notSavedError
		switch {
		case errors.Is(err, session.ErrOverrunReason):
			l.askOverrunReason(l.end)
		case errors.As(err, &ns):
			l.setStatus(notSaved(ns.err))
		case err != nil:
			l.setStatus("The session is not running.")
		default:
			l.nav.ShowRecord(l.s)
		}
	})
	return
}

// hide blanks the window at once: nothing of the session stays on screen
// while it is shared. The timer keeps running underneath.
func (l *liveScreen) hide() {
	l.hidden = true
	blank := canvas.NewRectangle(color.Black)
	hint := canvas.NewText("Hidden. Ctrl+Shift+B to show.", color.Gray{Y: 0x60})
	hint.TextSize = 11
	l.win.SetContent(container.NewStack(blank, container.NewVBox(hint)))
}

func (l *liveScreen) reveal() {
	if !l.hidden {
		return
	}
	l.hidden = false
	l.nav.ShowLive(l.s)
}

// offers says whether the marker means something for this kind of contact:
// no connection to lose in a letter, no single third party in a broadcast
// (Annex 2 1.2.1, 3.10).
func (l *liveScreen) offers(kind session.MarkerKind) bool {
	pk, p := l.cfg.Pack, l.s.Document().Plan
	if pk.DelayedResponse(p) && kind != session.MarkDisclosure && kind != session.MarkRiskChanged {
		return false
	}
	return !(pk.OneToMany(p) && kind == session.MarkThirdParty)
}

// disclosure asks for the customer's exact words (Annex 2 3.1). The dialog
// carries its own Escalate, since a modal dialog covers the screen's: what
// was typed is recorded first, so it goes with the escalation.
func (l *liveScreen) disclosure() {
	words := multiline("What the customer said, word for word")
	words.SetMinRowsVisible(4)
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	var dlg dialog.Dialog
	// record saves the words, then runs then; the dialog stays open, with
	// the words in it, if they cannot be saved.
	record := func(then func()) {
		l.journal.commitChange(l.s, func(c *session.Session) error {
			return c.Mark(session.Marker{Kind: session.MarkDisclosure, ExactWords: strings.TrimSpace(words.Text)})
		}, func(err error) {
			var ns *notSavedError
			switch {
			case errors.As(err, &ns):
				msg.SetText(notSaved(ns.err))
			case err != nil:
				msg.SetText(plainWords(err, saving))
			default:
				l.setStatus("Saved " + l.clockText(l.cfg.Clock.Now(), "15:04:05") + ".")
				l.tick()
				then()
			}
		})
	}
	recordBtn := widget.NewButtonWithIcon("Record", theme.ConfirmIcon(), func() { record(dlg.Hide) })
	recordBtn.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { dlg.Hide() })
	escalateNow := func() {
		escalate := func() {
			dlg.Hide()
			l.nav.ShowEscalation(escalateFromSession(l.s))
		}
		if strings.TrimSpace(words.Text) == "" {
			escalate()
			return
		}
		// The words go with the escalation; if they cannot be saved,
		// escalate all the same: a safeguarding concern never waits.
		l.journal.commitChange(l.s, func(c *session.Session) error {
			return c.Mark(session.Marker{Kind: session.MarkDisclosure, ExactWords: strings.TrimSpace(words.Text)})
		}, func(error) { escalate() })
	}
	escalate := widget.NewButtonWithIcon("Escalate now  (Ctrl+E)", theme.WarningIcon(), escalateNow)
	escalate.Importance = widget.DangerImportance
	body := container.NewVBox(widget.NewLabel("Exact words"), words, msg,
		container.NewHBox(escalate, layout.NewSpacer(), cancel, recordBtn))
	dlg = dialog.NewCustomWithoutButtons("Disclosure (Annex 2 3.1)", body, l.win)
	l.nav.escalateInDialog(escalateNow)
	dlg.SetOnClosed(func() { l.nav.escalateInDialog(nil) })
	dlg.Resize(fyne.NewSize(520, 300))
	dlg.Show()
	l.focusOnOpen(words)
}
