package app

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
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
		f.draftID = f.cfg.NewID()
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

// autosave keeps a plan as a draft every few seconds and when the screen
// is left, as the record form does: a new plan, and changes to a saved
// plan while it may still change (editDraft).
func (f *planForm) autosave() {
	if f.cfg.Vault == nil || (f.s != nil && !f.editable()) {
		return
	}
	f.keepWhileShown(f.nav, f.keepDraft)
}

// Changes to a saved plan (issue 19) are kept as a draft of their own, under
// session.EditDraftID, and never written into the session as they are
// typed: the session keeps the plan its risk assessment was made on, so what
// can start is always a plan as assessed. The changes reach the session only
// through Save plan, which takes it back to planned and assesses it again
// (Session.UpdatePlan, Annex 2 3.2), and then the draft is dropped. Saving
// them as they are typed instead would have refused any half-typed field
// (the domain validates every saved plan), dropped the consent at every
// keystroke, and put an unassessed plan on the agenda.

// editable reports whether the saved plan on show may still change.
func (f *planForm) editable() bool {
	doc := f.s.Document()
	return session.PlanDraft{Edits: doc.ID}.Stands(doc)
}

// draft is the form as typed: the fields, the answers given (not those the
// app knows) and the carried facts with their "still true?".
func (f *planForm) draft() session.PlanDraft {
	pk := f.cfg.Pack
	d := session.PlanDraft{PackID: pk.ID, PackVersion: pk.Version, Fields: f.fieldTexts(),
		Answers: map[string]session.ItemAnswer{}, Carried: append([]session.CarriedFact(nil), f.carried...),
		Focus: f.focusedField(), UpdatedAt: f.cfg.Clock.Now()}
	for id, a := range f.answers {
		if _, known := pk.KnownAnswer(itemByID(pk, id), f.known()); !known {
			d.Answers[id] = a
		}
	}
	return d
}

// keepDraft saves the plan as typed if it changed: a new plan under the id
// its session will take, changes to a saved plan as their own draft.
func (f *planForm) keepDraft() {
	if !f.dirty || f.cfg.Vault == nil || (f.s != nil && !f.editable()) {
		return
	}
	d := f.draft()
	if d.Unchanged(f.base) {
		// Changes kept and then undone: their draft would bring them back.
		if f.s != nil && f.editsKept {
			f.dirty = false
			f.journal.inTurn(f.turn, f.dropEdits)
		}
		return
	}
	d.ID = f.id()
	if f.s != nil {
		d.Edits = f.s.Document().ID
		d.ID = session.EditDraftID(d.Edits)
	}
	f.dirty = false
	f.journal.inTurn(f.turn, func(next func()) {
		// Saved meanwhile: a new plan's session replaced its draft, and
		// changes saved into the plan need no draft.
		if (d.Edits == "" && f.s != nil) || d.Unchanged(f.base) {
			next()
			return
		}
		f.background(func(ctx context.Context) error { return f.cfg.Vault.SavePlanDraft(ctx, d) }, func(err error) {
			defer next()
			if err != nil {
				f.dirty = true
				f.status.SetText("Draft not saved: " + plainWords(err, saving))
				return
			}
			if d.Edits != "" {
				f.editsKept = true
				f.status.SetText("Changes kept " + f.clockText(f.cfg.Clock.Now(), "15:04:05") + ", not yet in the plan: Save plan assesses them.")
			} else {
				f.status.SetText("Draft kept " + f.clockText(f.cfg.Clock.Now(), "15:04:05") + ".")
			}
			if f.nav.showingHome() { // left for home: list it there
				f.nav.ShowHome()
			}
		})
	})
}

// dropEdits deletes the draft of changes once they are saved into the
// plan, in the form's turn; done follows.
func (f *planForm) dropEdits(done func()) {
	if f.cfg.Vault == nil {
		done()
		return
	}
	id := session.EditDraftID(f.s.Document().ID)
	f.editsKept = false
	f.background(func(ctx context.Context) error { return f.cfg.Vault.DeleteDraft(ctx, id) }, func(error) {
		// A draft left behind holds the plan as saved: opened, it changes
		// nothing, and it goes when the session starts.
		done()
		if f.nav.showingHome() { // left for home, which listed it: list it no more
			f.nav.ShowHome()
		}
	})
}

// loadEdits opens, for a saved plan, the changes kept and not yet saved,
// where they were left, unless something was typed meanwhile.
func (f *planForm) loadEdits() {
	if !f.editable() {
		return
	}
	f.nav.pendingEdits(f.s, func(d *session.PlanDraft) {
		if d != nil && !f.dirty && f.onShow() {
			f.apply(*d)
		}
	})
}

// pendingEdits gives found the changes kept and not saved to the plan of
// s, nil when there are none (or they cannot be read: the plan as saved
// stands), on the UI goroutine.
func (u *UI) pendingEdits(s *session.Session, found func(*session.PlanDraft)) {
	doc := s.Document()
	if u.cfg.Vault == nil || !(session.PlanDraft{Edits: doc.ID}).Stands(doc) {
		found(nil)
		return
	}
	id := session.EditDraftID(doc.ID)
	var got *session.PlanDraft
	u.background(func(ctx context.Context) error {
		ds, err := u.cfg.Vault.PlanDrafts(ctx)
		for i := range ds {
			if ds[i].ID == id && ds[i].Stands(doc) {
				got = &ds[i]
			}
		}
		return err
	}, func(error) { found(got) })
}

// askPendingEdits asks, when a session is started with changes to its plan
// kept and not saved, whether to open them or start with the plan as it
// was assessed (Annex 2 3.2: the changes would need assessing first).
func (u *UI) askPendingEdits(s *session.Session, d session.PlanDraft) {
	text := wrappedLabel("You changed this plan on " + u.clockText(d.UpdatedAt, "Monday 2 January at 15:04") +
		" and did not save the changes. Starting now runs the plan as it was assessed, without them. " +
		"Open the changes to save them: the plan is then assessed again, and consent asked again.")
	c := dialog.NewCustomConfirm("Changes to this plan are not saved", "Start as saved", "Open the changes", text, func(start bool) {
		if start {
			u.startNow(s)
			return
		}
		u.ShowPlanDraft(d)
	}, u.win)
	c.Resize(fyne.NewSize(480, 0))
	c.Show()
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
	focused := f.win.Canvas().Focused()
	for name, e := range f.draftEntries() {
		if fyne.Focusable(e) == focused {
			return name
		}
	}
	return ""
}

// ShowPlanDraft opens a plan draft where it was left: a new plan, or the
// changes to a saved one over its saved plan.
func (u *UI) ShowPlanDraft(d session.PlanDraft) {
	if d.Edits != "" {
		for _, s := range u.journal.sessions {
			if d.Stands(s.Document()) {
				u.showPlanForm(s)
				u.currentPlan.apply(d)
				return
			}
		}
		u.ShowHome() // started meanwhile: the plan it ran with stands
		return
	}
	u.showPlanForm(nil)
	f := u.currentPlan
	f.draftID = d.ID
	f.apply(d)
}

// apply puts a draft into the form, the focus where it was.
func (f *planForm) apply(d session.PlanDraft) {
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
		f.focusOnOpen(e)
	}
	if d.Edits != "" {
		f.editsKept = true
		f.status.SetText("Carrying on from the changes kept " + f.clockText(d.UpdatedAt, "Monday 2 January 15:04") + ": not yet in the plan until saved.")
		return
	}
	f.status.SetText("Carrying on from the draft kept " + f.clockText(d.UpdatedAt, "Monday 2 January 15:04") + ".")
}
