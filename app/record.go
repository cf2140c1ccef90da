package app

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	u *UI
	s *session.Session

	method            *widget.Select
	summary, concerns *textArea
	actions           []actionRow
	actionBox         *fyne.Container
	status            *widget.Label
	sign              *widget.Button
	msgs              map[string]*widget.Label
}

type actionRow struct{ who, what, due *widget.Entry }

// ShowRecord opens the record of an ended session.
func (u *UI) ShowRecord(s *session.Session) {
	pk := u.cfg.Pack
	d := s.Document()
	f := &recordForm{u: u, s: s, msgs: map[string]*widget.Label{}}
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
	f.actionBox = container.NewVBox()
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	if d.Record != nil {
		f.summary.SetText(d.Record.Summary)
		f.concerns.SetText(d.Record.Concerns)
		for _, a := range d.Record.Actions {
			f.addAction(a)
		}
	}
	if len(f.actions) == 0 {
		f.addAction(session.Action{})
	}
	addBtn := widget.NewButtonWithIcon("Add an action", theme.ContentAddIcon(), func() { f.addAction(session.Action{}) })
	save := widget.NewButtonWithIcon("Save record", theme.DocumentSaveIcon(), func() { f.save() })
	f.sign = widget.NewButtonWithIcon("Sign and lock", theme.ConfirmIcon(), f.signTapped)
	f.sign.Importance = widget.HighImportance

	form := widget.NewForm(
		widget.NewFormItem("Method of delivery", container.NewVBox(f.method, f.msg("method"))),
		widget.NewFormItem("Summary", container.NewVBox(f.summary, f.msg("summary"))),
		widget.NewFormItem("Actions agreed", container.NewVBox(f.actionBox, container.NewHBox(addBtn))),
		widget.NewFormItem("Concerns", f.concerns),
	)
	flags := flagText(d.Flags())
	head := widget.NewLabel(fmt.Sprintf("%s, %s. %s", d.Plan.Customer.Reference, u.clockText(d.Plan.Start, "Monday 2 January 15:04"), flags))
	head.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(head,
		container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, container.NewHBox(save, f.sign), f.status)),
		nil, nil, container.NewVScroll(container.NewPadded(form)))
	u.show("Meeting record (Annex 2 3.4)", body, widget.NewButtonWithIcon("Home", theme.HomeIcon(), u.ShowHome), u.escalateButton(escalateFromSession(s)))
	u.win.Canvas().Focus(f.summary)
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
	i := len(f.actions)
	r := actionRow{who: entry("Who"), what: entry("What"), due: entry("By DD/MM/YYYY")}
	r.who.SetText(a.Who)
	r.what.SetText(a.What)
	if !a.Due.IsZero() {
		r.due.SetText(a.Due.In(f.u.cfg.Pack.Location()).Format(dateLayout))
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
	pk := f.u.cfg.Pack
	r := session.Record{Summary: strings.TrimSpace(f.summary.Text), Concerns: strings.TrimSpace(f.concerns.Text)}
	for _, m := range pk.DeliveryMethods {
		if m.Label == f.method.Selected {
			r.Method = m.ID
		}
	}
	var errs session.FieldErrors
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

func (f *recordForm) save() bool {
	r, errs := f.read()
	if len(errs) == 0 {
		errs = session.Fields(f.s.SaveRecord(r))
	}
	f.showErrors(errs)
	if len(errs) > 0 {
		f.status.SetText("Check the highlighted fields.")
		return false
	}
	f.u.saveDraft(f.s, func(s string) { f.status.SetText(s) })
	return true
}

func (f *recordForm) signTapped() {
	if !f.save() {
		return
	}
	if un := f.s.UnconfirmedAgreement(); len(un) > 0 && f.s.Document().AgreementReason == "" {
		reason := multiline("Why these points were not confirmed")
		var points []string
		for _, p := range un {
			points = append(points, "• "+p.Text)
		}
		lbl := widget.NewLabel(strings.Join(points, "\n"))
		lbl.Wrapping = fyne.TextWrapWord
		dlg := dialog.NewForm("Agreement not confirmed (Annex 2 2.1)", "Record reason", "Cancel",
			[]*widget.FormItem{widget.NewFormItem("Not confirmed", lbl), widget.NewFormItem("Why", reason)}, func(ok bool) {
				if ok && strings.TrimSpace(reason.Text) != "" && f.s.SetAgreementReason(reason.Text) == nil {
					f.signTapped()
				}
			}, f.u.win)
		dlg.Resize(fyne.NewSize(560, 360))
		dlg.Show()
		return
	}
	dialog.ShowConfirm("Sign and lock?", "Once signed, the record cannot be changed. Later notes are added as signed addenda.", func(ok bool) {
		if ok {
			f.commit()
		}
	}, f.u.win)
}

// commit signs the record in the domain, then seals and stores it off the
// UI goroutine; "Signed" is shown only once the write is durable.
func (f *recordForm) commit() {
	if err := f.s.Sign(); err != nil {
		f.status.SetText(err.Error())
		return
	}
	doc := f.s.Document()
	f.sign.Disable()
	f.status.SetText("Signing and encrypting…")
	var entry vault.Entry
	f.u.background(func(ctx context.Context) error {
		if f.u.cfg.Vault == nil {
			return fmt.Errorf("no vault")
		}
		var err error
		entry, err = f.u.cfg.Vault.SignRecord(ctx, doc)
		return err
	}, func(err error) {
		if err != nil {
			f.status.SetText("Not signed: " + plainError(err))
			f.sign.Enable()
			return
		}
		f.u.kickSync()
		f.u.removeSession(doc.ID)
		f.u.history = append([]historyItem{{entry: entry, doc: doc}}, f.u.history...)
		f.u.ShowSignedRecord(f.u.history[0])
	})
}

func (u *UI) removeSession(id string) {
	out := u.sessions[:0]
	for _, s := range u.sessions {
		if s.Document().ID != id {
			out = append(out, s)
		}
	}
	u.sessions = out
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
	return strings.Join(parts, " · ")
}
