package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// recordForm is the meeting record (Annex 2 3.4): method, summary, actions
// agreed (who, what, by when) and concerns; then Sign and lock.
type recordForm struct {
	*shell
	nav     navigator
	journal *journal
	sync    *syncStatus
	s       *session.Session

	method            *widget.Select
	summary, concerns *textArea
	attendance        *widget.Entry
	actions           []actionRow
	actionBox         *fyne.Container
	// checks is "Before you sign": the incidents raised from the session
	// and the decisions its disclosures and changes of risk need.
	checks *fyne.Container
	// problems lists what stops signing, apart from the status line that
	// autosave writes to.
	problems *widget.Label
	status   *widget.Label
	sign     *widget.Button
	msgs     map[string]*widget.Label
	// dirty is set by every keystroke; autosave keeps the words typed
	// (session.RecordDraft) every few seconds and on leaving the screen.
	dirty bool
}

type actionRow struct{ who, what, due *widget.Entry }

// ShowRecord opens the record of an ended session.
func (u *UI) ShowRecord(s *session.Session) {
	pk := u.cfg.Pack
	d := s.Document()
	f := &recordForm{shell: u.shell, nav: u, journal: u.journal, sync: u.sync, s: s, msgs: map[string]*widget.Label{}}
	var labels []string
	for _, m := range pk.DeliveryMethods {
		labels = append(labels, m.Label)
	}
	f.method = widget.NewSelect(labels, nil)
	methodID := d.Plan.Method
	if d.Record != nil {
		methodID = d.Record.Method
	}
	if m, ok := pk.Method(methodID); ok {
		f.method.SetSelected(m.Label)
	}
	f.summary = multiline("What was discussed")
	f.summary.SetMinRowsVisible(5)
	f.concerns = multiline("Any concerns, or leave blank")
	if hadConcern(d) {
		f.concerns.SetPlaceHolder("What the concerns were and what you did (required after a disclosure or a change of risk)")
	}
	f.attendance = entry("How many attended")
	f.checks = container.NewVBox()
	f.actionBox = container.NewVBox()
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	f.problems = wrappedLabel("")
	f.problems.Importance = widget.DangerImportance
	f.problems.Hide()
	switch {
	case d.RecordDraft != nil:
		// What was being typed when the screen was last left.
		rd := d.RecordDraft
		if m, ok := pk.Method(rd.Method); ok {
			f.method.SetSelected(m.Label)
		}
		f.summary.SetText(rd.Summary)
		f.concerns.SetText(rd.Concerns)
		f.attendance.SetText(rd.Attendance)
		for _, a := range rd.Actions {
			f.addActionRow(a)
		}
	case d.Record != nil:
		f.summary.SetText(d.Record.Summary)
		f.concerns.SetText(d.Record.Concerns)
		if d.Record.Attendance != nil {
			f.attendance.SetText(strconv.Itoa(*d.Record.Attendance))
		}
		for _, a := range d.Record.Actions {
			f.addAction(a)
		}
	}
	if len(f.actions) == 0 {
		f.addAction(session.Action{})
	}
	for _, e := range []*widget.Entry{&f.summary.Entry, &f.concerns.Entry, f.attendance} {
		e.OnChanged = func(string) { f.dirty = true }
	}
	f.method.OnChanged = func(string) { f.dirty = true }
	addBtn := widget.NewButtonWithIcon("Add an action", theme.ContentAddIcon(), func() { f.addAction(session.Action{}) })
	f.sign = widget.NewButtonWithIcon("Sign and lock", theme.ConfirmIcon(), f.signTapped)
	f.sign.Importance = widget.HighImportance

	form := widget.NewForm(
		widget.NewFormItem("Method of delivery", container.NewVBox(f.method, f.msg("method"))),
		widget.NewFormItem("Summary", container.NewVBox(f.summary, f.msg("summary"))),
		widget.NewFormItem("Actions agreed", container.NewVBox(f.actionBox, container.NewHBox(addBtn))),
		widget.NewFormItem("Concerns", container.NewVBox(f.concerns, f.msg("concerns"))),
	)
	if pk.OneToMany(d.Plan) {
		form.Append("Attendance (3.10)", container.NewVBox(f.attendance, f.msg("attendance")))
	}
	f.refreshChecks()
	flags := flagText(d.Flags())
	head := widget.NewLabel(fmt.Sprintf("%s. %s. %s", d.Plan.Customer.Reference, u.timesText(d), flags))
	head.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(head,
		container.NewVBox(widget.NewSeparator(), f.problems, container.NewBorder(nil, nil, nil, f.sign, f.status)),
		nil, nil, container.NewVScroll(container.NewPadded(container.NewVBox(f.checks, form))))
	u.show("Meeting record (Annex 2 3.4)", body, widget.NewButtonWithIcon("Home", theme.HomeIcon(), u.ShowHome), u.escalateButton(escalateFromSession(s)))
	u.focusOnOpen(f.summary)
	f.autosave()
}

// timesText is when the session was planned and when it was held (issue
// 20: a session started a day early must not read as held when planned),
// with the reason for a start away from the planned time.
func (sh *shell) timesText(d session.Document) string {
	planned := "Planned " + sh.clockText(d.Plan.Start, "Monday 2 January 2006 15:04")
	if d.Plan.Duration > 0 {
		planned += fmt.Sprintf(" for %d minutes", int(d.Plan.Duration.Minutes()))
	}
	from, to := d.Held()
	if from.IsZero() {
		return planned
	}
	held := "held from " + sh.clockText(from, "15:04")
	if !sameDay(from, d.Plan.Start, sh.cfg.Pack.Location()) {
		held = "held from " + sh.clockText(from, "Monday 2 January 2006 15:04")
	}
	if !to.IsZero() {
		held += " to " + sh.clockText(to, "15:04")
	}
	if o := d.OffPlanStart; o != nil {
		held += " (started away from the planned time: " + midSentence(o.Reason) + ")"
	}
	return planned + "; " + held
}

// midSentence is a reason typed as a sentence, to be read after a colon:
// its first letter small, unless its first word is "I" or an acronym
// ("DSL", "MASH").
func midSentence(s string) string {
	s = strings.TrimSpace(s)
	first, _, _ := strings.Cut(s, " ")
	r := []rune(first)
	if len(r) == 0 || first == "I" || strings.HasPrefix(first, "I'") || strings.HasPrefix(first, "I’") ||
		(len(r) > 1 && unicode.IsUpper(r[1])) {
		return s
	}
	r[0] = unicode.ToLower(r[0])
	return string(r) + s[len(first):]
}

func sameDay(a, b time.Time, loc *time.Location) bool {
	a, b = a.In(loc), b.In(loc)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// autosave keeps what is typed, sealed, every few seconds and when the
// screen is left (Home, Escalate, anything): a record half written is never
// lost (issue 20).
func (f *recordForm) autosave() {
	f.keepWhileShown(f.nav, f.keepDraft)
}

// keepDraft saves the words typed since the last save, if any.
func (f *recordForm) keepDraft() {
	if !f.dirty || f.s.State() == session.Signed {
		return
	}
	// What is typed is the person's own work, not a change of state: it
	// is kept in memory at once, so that leaving the screen while the
	// store is failing never loses it, and saved after; a failed save says
	// so and is tried again at the next autosave (issue 15).
	if err := f.s.KeepRecordDraft(f.draft()); err != nil {
		return
	}
	f.dirty = false
	f.journal.saveDraftDone(f.s, func(err error) {
		if err != nil {
			f.dirty = true
			f.status.SetText("Not saved: " + plainWords(err, saving) + " What you typed is kept; it is saved again in a few seconds.")
			return
		}
		f.status.SetText("Saved " + f.clockText(f.cfg.Clock.Now(), "15:04:05") + ".")
	})
}

// draft is the form as typed, unchecked.
func (f *recordForm) draft() session.RecordDraft {
	d := session.RecordDraft{Summary: f.summary.Text, Concerns: f.concerns.Text, Attendance: f.attendance.Text}
	for _, m := range f.cfg.Pack.DeliveryMethods {
		if m.Label == f.method.Selected {
			d.Method = m.ID
		}
	}
	for _, a := range f.actions {
		if a.who.Text != "" || a.what.Text != "" || a.due.Text != "" {
			d.Actions = append(d.Actions, session.ActionDraft{Who: a.who.Text, What: a.what.Text, Due: a.due.Text})
		}
	}
	return d
}

func (f *recordForm) msg(field string) *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	f.msgs[field] = l
	return l
}

func (f *recordForm) addAction(a session.Action) {
	due := ""
	if !a.Due.IsZero() {
		due = a.Due.In(f.cfg.Pack.Location()).Format(dateLayout)
	}
	f.addActionRow(session.ActionDraft{Who: a.Who, What: a.What, Due: due})
}

// addActionRow adds an action row holding the words given.
func (f *recordForm) addActionRow(a session.ActionDraft) {
	i := len(f.actions)
	r := actionRow{who: entry("Who"), what: entry("What"), due: entry("By DD/MM/YYYY")}
	r.who.SetText(a.Who)
	r.what.SetText(a.What)
	r.due.SetText(a.Due)
	for _, e := range []*widget.Entry{r.who, r.what, r.due} {
		e.OnChanged = func(string) { f.dirty = true }
	}
	f.actions = append(f.actions, r)
	f.actionBox.Add(container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(140, r.due.MinSize().Height), r.due),
			container.NewGridWithColumns(2, r.who, r.what)),
		f.msg(fmt.Sprintf("actions[%d]", i))))
}

// read turns the form into a record. A blank action row is left out; a
// date that cannot be read is reported against its row.
func (f *recordForm) read() (session.Record, session.FieldErrors) {
	pk := f.cfg.Pack
	r := session.Record{Summary: strings.TrimSpace(f.summary.Text), Concerns: strings.TrimSpace(f.concerns.Text)}
	for _, m := range pk.DeliveryMethods {
		if m.Label == f.method.Selected {
			r.Method = m.ID
		}
	}
	var errs session.FieldErrors
	if pk.OneToMany(f.s.Document().Plan) {
		if t := strings.TrimSpace(f.attendance.Text); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil {
				errs = append(errs, &session.FieldError{Field: "attendance", Message: "Enter the number who attended, for example 42."})
			}
			r.Attendance = &n
		}
	}
	for i, a := range f.actions {
		who, what, due := strings.TrimSpace(a.who.Text), strings.TrimSpace(a.what.Text), strings.TrimSpace(a.due.Text)
		if who == "" && what == "" && due == "" {
			continue
		}
		act := session.Action{Who: who, What: what}
		if due != "" {
			t, err := time.ParseInLocation(dateLayout, due, pk.Location())
			if err != nil {
				errs = append(errs, &session.FieldError{Field: fmt.Sprintf("actions[%d].due", i), Message: "Enter the date as DD/MM/YYYY."})
			}
			act.Due = t
		}
		r.Actions = append(r.Actions, act)
	}
	return r, errs
}

func (f *recordForm) showErrors(errs session.FieldErrors) {
	for field, l := range f.msgs {
		var msgs []string
		for _, e := range errs {
			if e.Field == field || strings.HasPrefix(e.Field, field+".") {
				msgs = append(msgs, e.Message)
			}
		}
		l.SetText(strings.Join(msgs, " "))
		l.Hidden = len(msgs) == 0
		l.Refresh()
	}
}

// It saves the record, checked, and runs then once it is durable (issue 15).
func (f *recordForm) save(then func()) {
	r, errs := f.read()
	f.showErrors(errs)
	if len(errs) > 0 {
		f.status.SetText("Check the highlighted fields.")
		return
	}
	f.journal.commitChange(f.s, func(c *session.Session) error { return c.SaveRecord(r) }, func(err error) {
		var ns *notSavedError
		if errors.As(err, &ns) {
			f.status.SetText(notSaved(ns.err))
			return
		}
		errs := session.Fields(err)
		f.showErrors(errs)
		if len(errs) > 0 {
			f.status.SetText("Check the highlighted fields.")
			return
		}
		if err != nil {
			f.status.SetText("The record could not be saved: " + plainWords(err, saving))
			return
		}
		f.dirty = false
		f.status.SetText("Saved " + f.clockText(f.cfg.Clock.Now(), "15:04:05") + ".")
		then()
	})
}

// signTapped saves the record, then asks the domain whether it may be
// signed, and shows every reason it may not, in words.
func (f *recordForm) signTapped() { f.save(f.readyToSign) }

func (f *recordForm) readyToSign() {
	ready := f.s.ReadyToSign()
	if errors.Is(ready, session.ErrAgreementIncomplete) {
		un := f.s.AgreementUnexplained()
		reason := multiline("Why these points were not confirmed")
		var points []string
		for _, p := range un {
			points = append(points, "• "+p.Text)
		}
		lbl := widget.NewLabel(strings.Join(points, "\n"))
		lbl.Wrapping = fyne.TextWrapWord
		dlg := dialog.NewForm("Agreement not confirmed (Annex 2 2.1)", "Record reason", "Cancel",
			[]*widget.FormItem{widget.NewFormItem("Not confirmed", lbl), widget.NewFormItem("Why", reason)}, func(ok bool) {
				if !ok || strings.TrimSpace(reason.Text) == "" {
					return
				}
				f.journal.commitChange(f.s, func(c *session.Session) error { return c.SetAgreementReason(reason.Text) }, func(err error) {
					if err != nil {
						f.status.SetText(notSaved(unwrapNotSaved(err)))
						return
					}
					f.signTapped()
				})
			}, f.win)
		dlg.Resize(fyne.NewSize(560, 360))
		dlg.Show()
		return
	}
	if ready != nil {
		f.problems.SetText("Not ready to sign:\n" + signProblems(ready))
		f.problems.Show()
		return
	}
	f.problems.Hide()
	dialog.ShowConfirm("Sign and lock?", "Once signed, the record cannot be changed. Later notes are added as signed addenda.", func(ok bool) {
		if ok {
			f.commit()
		}
	}, f.win)
}

// commit signs the record in the domain, then seals and stores it off the
// UI goroutine; "Signed" is shown only once the write is durable.
//
// The record is signed on a copy of the session, which becomes the
// session only once the sealed record is stored (issue 15): a save that
// fails leaves the record unsigned, and Sign and lock works again.
func (f *recordForm) commit() {
	signed := f.s.Clone()
	if err := signed.Sign(); err != nil {
		f.status.SetText(plainWords(err, signing))
		return
	}
	doc := signed.Document()
	f.sign.Disable()
	f.status.SetText("Signing and encrypting…")
	var entry vault.Entry
	f.background(func(ctx context.Context) error {
		if f.cfg.Vault == nil {
			return fmt.Errorf("no vault")
		}
		var err error
		entry, err = f.cfg.Vault.SignRecord(ctx, doc)
		if err != nil {
			return err
		}
		// The record is signed and saved; its retention facts follow for
		// the DSLs (issue 16). Should they fail, the next opening shares
		// them (shareMissingFacts), so signing is not undone for it.
		if ferr := f.shareRetentionFacts(ctx, entry, doc); ferr != nil {
			f.logError("sharing retention facts", ferr)
		}
		return nil
	}, func(err error) {
		if err != nil {
			f.status.SetText("Not signed: " + plainWords(err, signing) + " The record is as it was; try Sign and lock again once that is put right.")
			f.sign.Enable()
			return
		}
		f.s.Adopt(signed)
		f.sync.kick()
		f.journal.removeSession(doc.ID)
		f.journal.history = append([]historyItem{{entry: entry, doc: doc}}, f.journal.history...)
		f.nav.ShowSignedRecord(f.journal.history[0])
	})
}

// signProblems lists in words what stops a record being signed.
func signProblems(err error) string {
	lines := problemLines(err)
	if lines == nil {
		lines = []string{plainWords(err, signing)}
	}
	return "• " + strings.Join(lines, "\n• ")
}

func hadConcern(d session.Document) bool {
	for _, m := range d.Markers {
		if m.Kind == session.MarkDisclosure || m.Kind == session.MarkRiskChanged {
			return true
		}
	}
	return false
}

// refreshChecks rebuilds "Before you sign": each incident raised from the
// session with what it still needs (Annex 1: report it, or discard it with
// the reason), and each disclosure (Annex 2 3.1) or change of risk (3.2)
// with its decision.
func (f *recordForm) refreshChecks() {
	f.checks.RemoveAll()
	d := f.s.Document()
	if len(d.Incidents) == 0 && !hadConcern(d) {
		f.checks.Refresh()
		return
	}
	f.checks.Add(widget.NewLabelWithStyle("Before you sign", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for _, r := range d.Incidents {
		raised := f.clockText(r.RaisedAt, "15:04")
		switch {
		case r.Open():
			l := wrappedLabel(fmt.Sprintf("Incident raised at %s is still being written: report it to the safeguarding team, or discard it with the reason (Annex 1).", raised))
			l.Importance = widget.DangerImportance
			id := r.ID
			open := widget.NewButtonWithIcon("Open the incident", theme.WarningIcon(), func() { f.openIncident(id) })
			discard := widget.NewButtonWithIcon("Discard it…", theme.DeleteIcon(), func() { f.discard(id) })
			f.checks.Add(container.NewVBox(l, container.NewHBox(open, discard)))
		case r.Status == session.IncidentDiscarded:
			f.checks.Add(wrappedLabel(fmt.Sprintf("Incident raised at %s was discarded: %s", raised, r.DiscardReason)))
		default:
			f.checks.Add(wrappedLabel(fmt.Sprintf("Incident raised at %s is with the safeguarding team.", raised)))
		}
	}
	for k, m := range d.Markers {
		if m.Kind != session.MarkDisclosure && m.Kind != session.MarkRiskChanged {
			continue
		}
		f.checks.Add(f.decisionRow(k, m, d))
	}
	f.checks.Add(widget.NewSeparator())
	f.checks.Refresh()
}

const (
	decideEscalated = "Escalated"
	decideNoConcern = "No safeguarding concern"
)

// decisionRow asks what became of one disclosure or change of risk.
func (f *recordForm) decisionRow(k int, m session.Marker, d session.Document) fyne.CanvasObject {
	what := fmt.Sprintf("%s at %s", m.Kind.Label(), f.clockText(m.At, "15:04"))
	if m.ExactWords != "" {
		what += ": “" + m.ExactWords + "”"
	}
	if r := m.Reassessment; r != nil {
		what += fmt.Sprintf(": %s. Now: %s. I: %s.", r.WhatChanged, strings.ToLower(r.Outcome.Label()), strings.ToLower(r.Action.Label()))
	}
	head := wrappedLabel(what)
	if dec := m.Decision; dec != nil {
		text := "Decision: escalated to the safeguarding team."
		if dec.Kind == session.DecisionNoConcern {
			text = "Decision: no safeguarding concern. " + dec.Reason
		}
		done := wrappedLabel(text)
		done.Importance = widget.SuccessImportance
		return container.NewVBox(head, done)
	}
	var incidents []string
	ids := map[string]string{}
	for _, r := range d.Incidents {
		if r.Status == session.IncidentDiscarded {
			continue
		}
		label := "Incident raised at " + f.clockText(r.RaisedAt, "15:04")
		incidents = append(incidents, label)
		ids[label] = r.ID
	}
	which := widget.NewSelect(incidents, nil)
	which.PlaceHolder = "Which incident"
	if len(incidents) > 0 {
		which.SetSelected(incidents[0])
	}
	reason := entry("Why this is no safeguarding concern, in your words")
	msg := wrappedLabel("")
	msg.Importance = widget.DangerImportance
	msg.Hide()
	choice := widget.NewRadioGroup([]string{decideEscalated, decideNoConcern}, nil)
	choice.Horizontal = true
	update := func() {
		which.Hidden = choice.Selected != decideEscalated || len(incidents) == 0
		reason.Hidden = choice.Selected != decideNoConcern
		which.Refresh()
		reason.Refresh()
		if choice.Selected == decideEscalated && len(incidents) == 0 {
			msg.SetText("Nothing escalated yet: press Escalate to raise the incident, then come back.")
			msg.Show()
		} else {
			msg.Hide()
		}
	}
	choice.OnChanged = func(string) { update() }
	update()
	record := widget.NewButton("Record decision", func() {
		dec := session.Decision{Kind: session.DecisionNoConcern, Reason: strings.TrimSpace(reason.Text)}
		if choice.Selected == decideEscalated {
			dec = session.Decision{Kind: session.DecisionEscalated, IncidentID: ids[which.Selected]}
		}
		if choice.Selected == "" {
			dec.Kind = ""
		}
		f.journal.commitChange(f.s, func(c *session.Session) error { return c.Decide(k, dec) }, func(err error) {
			var ns *notSavedError
			switch {
			case errors.As(err, &ns):
				msg.SetText(notSaved(ns.err))
				msg.Show()
			case err != nil:
				msg.SetText(plainWords(err, saving))
				msg.Show()
			default:
				f.status.SetText("Decision saved " + f.clockText(f.cfg.Clock.Now(), "15:04:05") + ".")
				f.refreshChecks()
			}
		})
	})
	return container.NewVBox(head, choice, which, reason, msg, container.NewHBox(record))
}

// incidentDraft finds an incident raised from the session among this
// device's incident drafts, for the person using the app.
func (f *recordForm) incidentDraft(id string, then func(*session.Incident)) {
	if f.cfg.Vault == nil {
		f.status.SetText("The incident is not on this device.")
		return
	}
	var found *session.IncidentDocument
	f.background(func(ctx context.Context) error {
		docs, err := f.cfg.Vault.IncidentDrafts(ctx)
		for k := range docs {
			if docs[k].ID == id {
				found = &docs[k]
			}
		}
		return err
	}, func(err error) {
		if found == nil {
			f.status.SetText("The incident draft could not be opened: " + plainWords(err, reading))
			return
		}
		inc, err := session.RestoreIncident(f.cfg.Pack, f.cfg.Clock, *found, f.actor())
		if err != nil {
			f.status.SetText("The incident draft could not be opened: " + plainWords(err, reading))
			return
		}
		then(inc)
	})
}

// openIncident goes back to an incident still being written, guidance
// first if it was not read.
func (f *recordForm) openIncident(id string) {
	f.incidentDraft(id, func(inc *session.Incident) {
		from := escalateFromSession(f.s)
		if inc.Document().GuidanceConfirmedAt.IsZero() {
			f.nav.showGuidance(inc, from, nil)
			return
		}
		f.nav.ShowIncident(inc, from)
	})
}

// discard abandons an incident that will not be reported, with the reason,
// which goes into this record and the incident's chronology. Both are saved
// before the screen shows it as done.
func (f *recordForm) discard(id string) {
	// The incident is read first, so that Discard it, pressed, only saves.
	f.incidentDraft(id, func(inc *session.Incident) {
		reason := multiline("Why this incident is not being reported")
		dlg := dialog.NewForm("Discard the incident?", "Discard it", "Keep it",
			[]*widget.FormItem{widget.NewFormItem("Reason (goes in the record)", reason)}, func(ok bool) {
				if ok {
					f.discardNow(inc, reason.Text)
				}
			}, f.win)
		dlg.Resize(fyne.NewSize(520, 280))
		dlg.Show()
		f.focusOnOpen(reason)
	})
}

// discardNow saves the session's side of a discard first (issue 15): until
// it is saved nothing changes and Discard works again; the incident's own
// copy follows.
func (f *recordForm) discardNow(inc *session.Incident, reason string) {
	var discarded session.IncidentDocument
	f.status.SetText("Saving…")
	f.journal.commitChange(f.s, func(c *session.Session) error {
		ic, err := session.RestoreIncident(f.cfg.Pack, f.cfg.Clock, inc.Document(), f.actor())
		if err != nil {
			return err
		}
		if err := session.DiscardIncident(c, ic, reason); err != nil {
			return err
		}
		discarded = ic.Document()
		return nil
	}, func(err error) {
		var ns *notSavedError
		switch {
		case errors.As(err, &ns):
			f.status.SetText(notSaved(ns.err))
			return
		case err != nil:
			f.status.SetText(plainWords(err, saving))
			return
		}
		f.refreshChecks()
		f.background(func(ctx context.Context) error { return f.cfg.Vault.SaveIncidentDraft(ctx, discarded) }, func(err error) {
			if err != nil {
				f.status.SetText("The record says the incident is discarded, but the incident's own copy was not saved: " + plainWords(err, saving))
				return
			}
			f.status.SetText("Incident discarded; the reason is in the record.")
		})
	})
}

func (j *journal) removeSession(id string) {
	out := j.sessions[:0]
	for _, s := range j.sessions {
		if s.Document().ID != id {
			out = append(out, s)
		}
	}
	j.sessions = out
}

func flagText(f session.Flags) string {
	var parts []string
	if f.Overrun {
		parts = append(parts, "Overran")
	}
	if f.NoConsent {
		parts = append(parts, "No consent")
	}
	if f.Disclosure {
		parts = append(parts, "Disclosure")
	}
	if f.Escalated {
		parts = append(parts, "Escalated")
	}
	if f.IncidentDiscarded {
		parts = append(parts, "Incident discarded")
	}
	return strings.Join(parts, " · ")
}
