package app

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// consentForm is the consent screen (Annex 2 1.3.6) with the invitation
// (1.3.4): the texts to send, and the reply as it came back.
type consentForm struct {
	*shell
	nav     navigator
	journal *journal
	s       *session.Session

	channel, from     *widget.RadioGroup
	date, clock       *widget.Entry
	words, noConsent  *textArea
	record, goAhead   *widget.Button
	start             *widget.Button
	status, msgWords  *widget.Label
	emailText, smsTxt string

	// A returning customer (issue 19): the channel and who answered last
	// time, chosen already, and the box that says they are still the same.
	kept      *session.CarriedConsent
	stillSame *widget.Check
	// dirty is set by every keystroke; autosave keeps the words typed
	// (session.ConsentDraft) every few seconds and on leaving (issue 20).
	dirty bool
}

const (
	channelEmail = "E-mail"
	channelSMS   = "Text message"
	fromCustomer = "Customer"
	fromParent   = "Parent or carer"
)

// ShowConsent opens the consent and invitation screen for a session.
func (u *UI) ShowConsent(s *session.Session) {
	f := &consentForm{shell: u.shell, nav: u, journal: u.journal, s: s}
	pk := u.cfg.Pack
	d := s.Document()
	email, _ := pk.ConsentText(session.ChannelEmail, d.Plan, u.cfg.Me.Name)
	sms, _ := pk.ConsentText(session.ChannelSMS, d.Plan, u.cfg.Me.Name)
	inv, invErr := pk.Invitation(d.Plan, d.ID, u.cfg.Me.Name, u.cfg.Clock.Now())
	f.emailText = "Subject: " + email.Subject + "\n\n" + email.Body
	f.smsTxt = sms.Body

	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	copyBtn := func(label, text string) *widget.Button {
		return widget.NewButtonWithIcon(label, theme.ContentCopyIcon(), func() {
			u.app.Clipboard().SetContent(text)
			f.status.SetText("Copied. Paste it into your e-mail or text message.")
		})
	}
	readOnly := func(text string) fyne.CanvasObject {
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	tabs := container.NewAppTabs(
		container.NewTabItem("E-mail", container.NewBorder(nil, copyBtn("Copy e-mail text", f.emailText), nil, nil, container.NewVScroll(readOnly(f.emailText)))),
		container.NewTabItem("Text message", container.NewBorder(nil, copyBtn("Copy text message", f.smsTxt), nil, nil, container.NewVScroll(readOnly(f.smsTxt)))),
	)
	var invitation fyne.CanvasObject = widget.NewLabel("Choose the platform in the plan to write the invitation.")
	if invErr == nil {
		saveICS := widget.NewButtonWithIcon("Save calendar file", theme.DocumentSaveIcon(), func() { f.saveICS(inv.ICS) })
		invitation = container.NewBorder(nil, container.NewHBox(copyBtn("Copy invitation", inv.Text), saveICS), nil, nil, container.NewVScroll(readOnly(inv.Text)))
	}
	tabs.Append(container.NewTabItem("Invitation", invitation))

	now := u.cfg.Clock.Now().In(pk.Location())
	f.channel = widget.NewRadioGroup([]string{channelEmail, channelSMS}, nil)
	f.channel.Horizontal = true
	f.from = widget.NewRadioGroup([]string{fromCustomer, fromParent}, nil)
	f.from.Horizontal = true
	f.from.SetSelected(fromCustomer)
	keptRow := f.keepLastChannel(d)
	f.date = entry("DD/MM/YYYY")
	f.date.SetText(now.Format(dateLayout))
	f.clock = entry("HH:MM")
	f.clock.SetText(now.Format(timeLayout))
	f.words = multiline("Their reply, word for word")
	f.msgWords = widget.NewLabel("")
	f.msgWords.Importance = widget.DangerImportance
	f.msgWords.Wrapping = fyne.TextWrapWord
	f.msgWords.Hide()
	f.record = widget.NewButtonWithIcon("Record consent", theme.ConfirmIcon(), f.recordReply)
	f.record.Importance = widget.HighImportance
	f.noConsent = multiline("Why the session goes ahead without a recorded reply")
	f.goAhead = widget.NewButton("Go ahead without consent", f.waive)
	if cd := d.ConsentDraft; cd != nil && d.Consent == nil {
		// What was being typed when the screen was last left.
		f.words.SetText(cd.Words)
		f.noConsent.SetText(cd.NoConsentReason)
		if cd.Date != "" {
			f.date.SetText(cd.Date)
		}
		if cd.Time != "" {
			f.clock.SetText(cd.Time)
		}
	}
	for _, e := range []*widget.Entry{&f.words.Entry, &f.noConsent.Entry, f.date, f.clock} {
		e.OnChanged = func(string) { f.dirty = true }
	}
	f.start = widget.NewButtonWithIcon("Start session", theme.MediaPlayIcon(), func() { u.startLive(s) })
	f.start.Importance = widget.HighImportance

	reply := widget.NewForm(
		widget.NewFormItem("Reply came by", f.channel),
		widget.NewFormItem("Received", container.NewGridWithColumns(2, f.date, f.clock)),
		widget.NewFormItem("From", f.from),
		widget.NewFormItem("Exact words", container.NewVBox(f.words, f.msgWords)),
	)
	right := container.NewVBox(
		widget.NewLabelWithStyle("Record the reply (Annex 2 1.3.6)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		reply, keptRow, container.NewHBox(f.record), widget.NewSeparator(),
		widget.NewLabel("No reply and the session must still go ahead?"), f.noConsent, container.NewHBox(f.goAhead),
	)
	f.refresh()
	split := container.NewHSplit(
		container.NewBorder(widget.NewLabelWithStyle("Send to the customer", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, tabs),
		container.NewVScroll(container.NewPadded(right)))
	split.Offset = 0.5
	body := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, u.startWithLink(d, f.start, f.status.SetText), f.status)), nil, nil, split)
	back := widget.NewButtonWithIcon("Plan", theme.NavigateBackIcon(), func() { u.ShowPlan(s) })
	u.show("Consent and invitation: "+d.Plan.Customer.Reference, body, back, u.escalateButton(escalateFromSession(s)))
	u.focusOnOpen(f.words)
	f.autosave()
}

// autosave keeps what is typed, sealed, every few seconds and when the
// screen is left, as the record form does (issue 20 item 2).
func (f *consentForm) autosave() {
	f.keepWhileShown(f.nav, f.keepDraft)
}

// keepDraft saves the words typed since the last save, if any: kept in
// memory at once, saved after; a failed save says so and is tried again
// at the next autosave (issue 15).
func (f *consentForm) keepDraft() {
	if !f.dirty || f.s.Document().Consent != nil {
		return
	}
	d := session.ConsentDraft{Words: f.words.Text, NoConsentReason: f.noConsent.Text, Date: f.date.Text, Time: f.clock.Text}
	if err := f.s.KeepConsentDraft(d); err != nil {
		return
	}
	f.dirty = false
	f.journal.saveDraftDone(f.s, func(err error) {
		if err != nil {
			f.dirty = true
			f.status.SetText("Not saved: " + plainWords(err, saving) + " What you typed is kept; it is saved again in a few seconds.")
		}
	})
}

func (f *consentForm) refresh() {
	d := f.s.Document()
	// A document that says consented but carries no consent (edited or
	// synced) is not startable: record the consent here first.
	if d.State == session.Consented && d.Consent != nil {
		f.start.Enable()
		switch {
		case d.Consent.Given():
			f.status.SetText("Consent recorded. You can start the session when the customer joins.")
		default:
			f.status.SetText("Going ahead without consent; this session will be flagged for review.")
		}
		return
	}
	f.start.Disable()
}

func (f *consentForm) recordReply() {
	pk := f.cfg.Pack
	ch := session.ChannelEmail
	if f.channel.Selected == channelSMS {
		ch = session.ChannelSMS
	}
	if f.channel.Selected == "" {
		ch = ""
	}
	from := session.RespondentCustomer
	if f.from.Selected == fromParent {
		from = session.RespondentParentCare
	}
	day, err1 := time.ParseInLocation(dateLayout, strings.TrimSpace(f.date.Text), pk.Location())
	clock, err2 := time.Parse(timeLayout, strings.TrimSpace(f.clock.Text))
	if err1 != nil || err2 != nil {
		f.status.SetText("Enter when the reply arrived as DD/MM/YYYY and HH:MM.")
		return
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, pk.Location())
	reply := &session.ConsentReply{Channel: ch, ReceivedAt: at, From: from, ExactWords: strings.TrimSpace(f.words.Text)}
	c := session.Consent{Reply: reply}
	if f.kept != nil {
		k := *f.kept
		k.Reconfirmed = f.stillSame.Checked
		c.Carried = &k
	}
	f.commit(c)
}

func (f *consentForm) waive() {
	f.commit(session.Consent{NoConsentReason: strings.TrimSpace(f.noConsent.Text)})
}

// commit records the consent, or the reason there is none, once it is
// saved (issue 15): a failed save changes nothing and says so.
func (f *consentForm) commit(c session.Consent) {
	f.journal.commitChange(f.s, func(s *session.Session) error { return s.RecordConsent(c) }, func(err error) {
		var ns *notSavedError
		switch {
		case errors.As(err, &ns):
			f.status.SetText(notSaved(ns.err))
		case err != nil:
			f.showError(err)
		default:
			f.msgWords.Hide()
			f.refresh()
			if !f.start.Disabled() {
				f.win.Canvas().Focus(f.start) // the next step, for the keyboard
			}
		}
	})
}

// keepLastChannel chooses, for a returning customer with no consent yet
// recorded for this session, the channel and respondent of their last
// reply, and returns the "still the same?" row (nothing for anyone else).
func (f *consentForm) keepLastChannel(d session.Document) fyne.CanvasObject {
	if d.Consent != nil {
		return container.NewVBox()
	}
	prev, ok := f.journal.lastSessionWith(d.Plan.Customer.Reference)
	if !ok || prev.ID == d.ID {
		return container.NewVBox()
	}
	k, ok := session.CarryConsent(prev)
	if !ok {
		return container.NewVBox()
	}
	f.kept = &k
	if k.Channel == session.ChannelSMS {
		f.channel.SetSelected(channelSMS)
	} else {
		f.channel.SetSelected(channelEmail)
	}
	if k.From == session.RespondentParentCare {
		f.from.SetSelected(fromParent)
	} else {
		f.from.SetSelected(fromCustomer)
	}
	f.stillSame = widget.NewCheck("Still the same", nil)
	return container.NewBorder(nil, nil, nil, f.stillSame, wrappedLabel(k.Words()))
}

func (f *consentForm) showError(err error) {
	fe := session.Fields(err)
	if m := fe.For("exact_words"); m != "" {
		f.msgWords.SetText(m)
		f.msgWords.Show()
	}
	switch {
	case len(fe) > 0:
		var msgs []string
		for _, e := range fe {
			msgs = append(msgs, e.Message)
		}
		f.status.SetText(strings.Join(msgs, " "))
	case errors.Is(err, session.ErrConsentRequired):
		f.status.SetText("Write why the session goes ahead without a reply.")
	default:
		f.status.SetText("Finish the risk assessment before recording consent.")
	}
}

// saveICS asks where to save the calendar file. It holds no record content:
// the invitation names only the practitioner and the platform.
func (f *consentForm) saveICS(ics []byte) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		defer w.Close()
		if _, err := w.Write(ics); err != nil {
			f.status.SetText("Could not save the calendar file; choose another folder.")
			return
		}
		f.status.SetText("Calendar file saved. Attach it to the invitation.")
	}, f.win)
	d.SetFileName("careers-session.ics")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".ics"}))
	d.Show()
}
