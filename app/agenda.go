package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// Today's agenda on home (issue 19): the practitioner's sessions of the
// day, each with where it stands and what is missing (session.Pack.Agenda
// decides both), "Start" or "Open", and "Copy link" beside it when the
// plan keeps a meeting link; then the plans not yet saved, each to carry
// on with. Ten minutes before each session a desktop notification says
// what is still missing, and names no one.

// agendaBox is home's agenda and plan drafts; empty when there is neither.
func (h *homeScreen) agendaBox() fyne.CanvasObject {
	box := container.NewVBox()
	now := h.cfg.Clock.Now()
	byID := map[string]*session.Session{}
	var docs []session.Document
	for _, s := range h.journal.sessions {
		byID[s.Document().ID] = s
		docs = append(docs, s.Document())
	}
	for _, h := range h.journal.history {
		if _, ok := byID[h.doc.ID]; !ok {
			docs = append(docs, h.doc)
		}
	}
	items := h.cfg.Pack.Agenda(docs, now)
	status := wrappedLabel("")
	status.Importance = widget.LowImportance
	if len(items) > 0 {
		box.Add(widget.NewSeparator())
		box.Add(widget.NewLabelWithStyle("Today, "+h.clockText(now, "Monday 2 January"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, it := range items {
			box.Add(h.agendaRow(it, byID[it.ID], status.SetText))
		}
		box.Add(status)
	}
	drafts := container.NewVBox()
	box.Add(drafts)
	h.fillPlanDrafts(drafts)
	return box
}

// agendaRow is one session of the day.
func (h *homeScreen) agendaRow(it session.AgendaItem, s *session.Session, say func(string)) fyne.CanvasObject {
	ref := ""
	if s != nil {
		ref = s.Document().Plan.Customer.Reference
	}
	text := fmt.Sprintf("%s  %s  %s", h.clockText(it.Start, "15:04"), ref, it.State.Label())
	if len(it.Missing) > 0 && it.State != session.AgendaConsentWaiting {
		text += ": " + it.Missing[0]
	}
	label := widget.NewLabel(text)
	if s == nil { // signed: in History
		return label
	}
	var action *widget.Button
	if it.State == session.AgendaReadyToStart {
		action = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), func() { h.nav.startLive(s) })
		action.Importance = widget.HighImportance
	} else {
		action = widget.NewButtonWithIcon("Open", theme.NavigateNextIcon(), func() {
			if it.State == session.AgendaConsentWaiting {
				h.nav.ShowConsent(s) // the step it waits on
				return
			}
			h.nav.Resume(s)
		})
	}
	return container.NewBorder(nil, nil, nil, h.nav.startWithLink(s.Document(), action, say), label)
}

// startWithLink is a session's Start button with "Copy link" beside it
// when its plan keeps a meeting link. The link goes to the clipboard
// only; it is never logged or shown in a notification.
func (u *UI) startWithLink(d session.Document, start *widget.Button, say func(string)) fyne.CanvasObject {
	link := d.Plan.MeetingLink
	if link == "" {
		return start
	}
	copyBtn := widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() {
		u.app.Clipboard().SetContent(link)
		say("Meeting link copied: paste it into your browser or meeting app.")
	})
	return container.NewHBox(copyBtn, start)
}

// fillPlanDrafts lists the plans not yet saved, read in the background.
func (h *homeScreen) fillPlanDrafts(box *fyne.Container) {
	if h.cfg.Vault == nil {
		return
	}
	var drafts []session.PlanDraft
	h.background(func(ctx context.Context) error {
		var err error
		drafts, err = h.cfg.Vault.PlanDrafts(ctx)
		return err
	}, func(err error) {
		if err != nil {
			box.Add(warningLabel("Some plans not yet saved could not be opened: " + plainWords(err, reading)))
			return
		}
		var stale []string
		drafts = slices.DeleteFunc(drafts, func(d session.PlanDraft) bool {
			if h.editOfNoPlan(d) {
				stale = append(stale, d.ID)
				return true
			}
			return false
		})
		h.dropStaleEdits(stale)
		if len(drafts) == 0 {
			return
		}
		slices.SortFunc(drafts, func(a, b session.PlanDraft) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
		box.Add(widget.NewSeparator())
		box.Add(widget.NewLabelWithStyle("Plans not yet saved", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, d := range drafts {
			ref := d.Reference()
			if ref == "" {
				ref = "No reference yet"
			}
			if d.Edits != "" {
				ref += ", changes to the saved plan"
			}
			line := widget.NewLabel(fmt.Sprintf("%s, last changed %s", ref, h.clockText(d.UpdatedAt, "Monday 2 January 15:04")))
			carryOn := widget.NewButtonWithIcon("Carry on", theme.DocumentCreateIcon(), func() { h.nav.ShowPlanDraft(d) })
			discard := widget.NewButtonWithIcon("Discard", theme.DeleteIcon(), func() { h.discardPlanDraft(d) })
			discard.Importance = widget.LowImportance
			box.Add(container.NewBorder(nil, nil, nil, container.NewHBox(discard, carryOn), line))
		}
	})
}

// editOfNoPlan reports whether d holds changes to a plan that can no
// longer change (its session started, or is gone): not listed.
func (h *homeScreen) editOfNoPlan(d session.PlanDraft) bool {
	if d.Edits == "" {
		return false
	}
	for _, s := range h.journal.sessions {
		if d.Stands(s.Document()) {
			return false
		}
	}
	return true
}

// dropStaleEdits deletes changes to plans that can no longer change: the
// session ran with the plan as assessed, or was cancelled.
func (h *homeScreen) dropStaleEdits(ids []string) {
	if len(ids) == 0 || !h.journal.loaded || h.journal.loadProblem != "" {
		return
	}
	h.background(func(ctx context.Context) error {
		var errs []error
		for _, id := range ids {
			errs = append(errs, h.cfg.Vault.DeleteDraft(ctx, id))
		}
		return errors.Join(errs...)
	}, func(error) {}) // left behind, it is not listed and tried again next time
}

// discardPlanDraft deletes a plan not yet saved, once the practitioner
// confirms: nothing of it was ever a record. Discarding changes to a saved
// plan leaves the plan as saved.
func (h *homeScreen) discardPlanDraft(d session.PlanDraft) {
	ref := d.Reference()
	if ref == "" {
		ref = "with no reference yet"
	}
	title, text := "Discard this plan?", "The plan "+ref+", never saved, will be deleted from this laptop. This cannot be undone."
	if d.Edits != "" {
		title, text = "Discard these changes?", "The changes to the plan "+ref+", never saved, will be deleted from this laptop; the plan stays as it was saved. This cannot be undone."
	}
	dialog.ShowConfirm(title, text, func(ok bool) {
		if !ok {
			return
		}
		h.background(func(ctx context.Context) error { return h.cfg.Vault.DeleteDraft(ctx, d.ID) }, func(err error) {
			if err != nil {
				dialog.ShowInformation("Not discarded", plainWords(err, saving), h.win)
				return
			}
			if h.nav.showingHome() {
				h.nav.ShowHome()
			}
		})
	}, h.win)
}

// startReminders checks, while the window is open, for sessions ten
// minutes away (the services stop it with the window).
func (u *UI) startReminders() {
	every := u.cfg.TickEvery
	if every == 0 || every > 20*time.Second {
		every = 20 * time.Second
	}
	u.svc.Every(every, nil, func() { u.runOnUI(u.remindDue) })
}

// remindDue sends the reminders that fall due now, each once: a desktop
// notification with the time and what is missing, never who it is with.
func (u *UI) remindDue() {
	if u.reminded == nil {
		u.reminded = map[string]bool{}
	}
	pk, now := u.cfg.Pack, u.cfg.Clock.Now()
	docs := make([]session.Document, len(u.journal.sessions))
	for i, s := range u.journal.sessions {
		docs[i] = s.Document()
	}
	for _, it := range session.RemindersDue(pk.Agenda(docs, now), now, u.reminded) {
		u.reminded[it.ID] = true
		u.app.SendNotification(fyne.NewNotification("Safeguard Companion", pk.ReminderText(it, now)))
	}
}
