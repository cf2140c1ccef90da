package app

import (
	"context"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// A plan half done is never lost (issue 19): until a new plan is first
// saved as a session, what is typed is kept as a plan draft, sealed to its
// author like every draft, every few seconds and on leaving the screen;
// home lists the drafts, and one opens where it was left. Saving the
// session replaces the draft: it has the id the session takes.

// id is the id the plan's session will take, and its draft's.
func (f *planForm) id() string {
	if f.draftID == "" {
		f.draftID = f.u.cfg.NewID()
	}
	return f.draftID
}

// draftEntries are the form's text fields by name, for the draft.
func (f *planForm) draftEntries() map[string]*widget.Entry {
	return map[string]*widget.Entry{
		"reference": f.ref, "age": f.age, "date_of_birth": f.dob, "date": f.date, "start": f.start, "duration": f.duration,
		"duration_reason": f.durationReason, "out_of_hours": f.outOfHours, "accessibility": f.access, "facilitator": f.facilitator,
		"how_notified": &f.notified.Entry, "meeting_link": f.link, "parent_carer": f.parentCarer, "crisis_plan": &f.crisis.Entry,
		"attendees": f.attendees, "stored_where": f.storedWhere, "attendees_told": f.told, "why_not": f.whyNot,
	}
}

// fieldTexts is every field of the form as typed.
func (f *planForm) fieldTexts() map[string]string {
	out := map[string]string{"method": f.method.Selected, "platform": f.platform.Selected,
		"adult_at_risk": strconv.FormatBool(f.adultAtRisk.Checked), "recorded": strconv.FormatBool(f.recorded.Checked)}
	for name, e := range f.draftEntries() {
		out[name] = e.Text
	}
	return out
}

// autosave keeps a new plan as a draft every few seconds and when the
// screen is left, as the record form does.
func (f *planForm) autosave() {
	if f.s != nil || f.u.cfg.Vault == nil {
		return
	}
	u := f.u
	stop := make(chan struct{})
	u.screenClose = func() { close(stop); f.keepDraft() }
	every := u.cfg.TickEvery
	if every == 0 || every > 5*time.Second {
		every = 5 * time.Second
	}
	u.svc.Every(every, stop, func() { u.runOnUI(f.keepDraft) })
}

// keepDraft saves the plan as typed if it changed and is not yet a session.
func (f *planForm) keepDraft() {
	if f.s != nil || !f.dirty || f.u.cfg.Vault == nil {
		return
	}
	pk := f.u.cfg.Pack
	d := session.PlanDraft{PackID: pk.ID, PackVersion: pk.Version, Fields: f.fieldTexts(),
		Answers: map[string]session.ItemAnswer{}, Carried: append([]session.CarriedFact(nil), f.carried...),
		Focus: f.focusedField(), UpdatedAt: f.u.cfg.Clock.Now()}
	for id, a := range f.answers {
		if _, known := pk.KnownAnswer(itemByID(pk, id), f.u.known()); !known {
			d.Answers[id] = a
		}
	}
	if d.Empty(f.defaults) {
		return
	}
	d.ID = f.id()
	f.dirty = false
	u := f.u
	u.inTurn(f.turn, func(next func()) {
		if f.s != nil { // saved as a session meanwhile: that replaced the draft
			next()
			return
		}
		u.background(func(ctx context.Context) error { return u.cfg.Vault.SavePlanDraft(ctx, d) }, func(err error) {
			defer next()
			if err != nil {
				f.dirty = true
				f.status.SetText("Draft not saved: " + plainWords(err, saving))
				return
			}
			f.status.SetText("Draft kept " + u.clockText(u.cfg.Clock.Now(), "15:04:05") + ".")
			if u.onHome { // left for home: list it there
				u.ShowHome()
			}
		})
	})
}

func itemByID(pk *session.Pack, id string) session.ChecklistItem {
	for _, it := range pk.Checklist {
		if it.ID == id {
			return it
		}
	}
	return session.ChecklistItem{ID: id}
}

// focusedField is the name of the field with the focus, "" if none.
func (f *planForm) focusedField() string {
	focused := f.u.win.Canvas().Focused()
	for name, e := range f.draftEntries() {
		if fyne.Focusable(e) == focused {
			return name
		}
	}
	return ""
}

// ShowPlanDraft opens a plan draft where it was left.
func (u *UI) ShowPlanDraft(d session.PlanDraft) {
	u.showPlanForm(nil)
	f := u.currentPlan
	f.draftID = d.ID
	f.showCarried(d.Carried)
	if v := d.Fields["method"]; v != "" {
		f.method.SetSelected(v)
	}
	if v := d.Fields["platform"]; v != "" {
		f.platform.SetSelected(v)
	}
	f.adultAtRisk.SetChecked(d.Fields["adult_at_risk"] == "true")
	f.recorded.SetChecked(d.Fields["recorded"] == "true")
	entries := f.draftEntries()
	for name, e := range entries {
		e.SetText(d.Fields[name])
	}
	for id, a := range d.Answers {
		f.answers[id] = a
	}
	f.itemIDs = nil // rebuild the checklist with the answers given
	f.changed()
	f.dirty = false
	if e, ok := entries[d.Focus]; ok {
		u.focusOnOpen(e)
	}
	f.status.SetText("Carrying on from the draft kept " + u.clockText(d.UpdatedAt, "Monday 2 January 15:04") + ".")
}
