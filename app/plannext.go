package app

import (
	"fmt"

	"fyne.io/fyne/v2"

	"safeguard/companion/session"
)

// The plan from the keyboard (issue 19): Ctrl+J, Enter in a one-line field
// and every answer given from the keyboard put the focus on the next thing
// still to do, in the form's order: a carried fact to reconfirm, a plan
// field the domain refuses (session.Pack.ValidatePlan), a question not yet
// answered or a mitigation or reason not yet written (session.Pack.Assess),
// and then Save plan.

// nextToDo moves the focus to the next thing still to do.
func (f *planForm) nextToDo() {
	if o := f.toDo(); o != nil {
		f.win.Canvas().Focus(o)
	}
}

// answered follows an answer given from the keyboard: its mitigation or
// reason if it needs one, else the next thing to do.
func (f *planForm) answered(id string) {
	r := f.rows[id]
	switch {
	case r.mitigation.Visible():
		f.win.Canvas().Focus(r.mitigation)
	case r.reason.Visible():
		f.win.Canvas().Focus(r.reason)
	default:
		f.nextToDo()
	}
}

// toDo is the widget of the first thing still to do; Save plan when the
// domain has nothing more to ask.
func (f *planForm) toDo() fyne.Focusable {
	pk := f.cfg.Pack
	plan, errs := f.readPlan()
	errs = append(errs, session.Fields(pk.ValidatePlan(plan, f.cfg.Clock.Now()))...)
	for i := range f.carried {
		if errs.For(fmt.Sprintf("carried[%d]", i)) != "" && f.allTrue != nil {
			return f.allTrue
		}
	}
	start := fyne.Focusable(f.start)
	if _, err := parseDate(f.date.Text, pk.Location()); err != nil {
		start = f.date
	}
	for _, t := range []struct {
		field string
		w     fyne.Focusable
	}{
		{"customer.reference", f.ref}, {"customer.age", f.age}, {"customer.date_of_birth", f.dob},
		{"start", start}, {"duration", f.duration}, {"method", f.method}, {"platform", f.platform},
		{"how_notified", f.notified}, {"crisis_plan", f.crisis},
		{"group.expected_attendees", f.attendees}, {"group.recording.stored_where", f.storedWhere},
		{"group.recording.attendees_told", f.told}, {"group.recording.why_not", f.whyNot},
	} {
		if errs.For(t.field) != "" {
			return t.w
		}
	}
	r := pk.Assess(plan, f.assessment())
	for _, c := range r.Concerns {
		if c.ItemID == "out_of_hours" && f.outOfHours.Text == "" {
			return f.outOfHours
		}
	}
	for _, id := range f.itemIDs {
		row, ok := f.rows[id]
		if !ok {
			continue // known, not asked
		}
		a := f.answers[id]
		switch {
		case a.Answer == session.Unanswered:
			return row.radio
		case row.mitigation.Visible() && row.mitigation.Text == "":
			return row.mitigation
		case row.reason.Visible() && row.reason.Text == "":
			return row.reason
		}
	}
	return f.save
}

// onShow reports whether the form is the screen on show.
func (f *planForm) onShow() bool {
	var found bool
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == f.body {
			found = true
		}
		if c, ok := o.(*fyne.Container); ok && !found {
			for _, child := range c.Objects {
				walk(child)
			}
		}
	}
	walk(f.win.Content())
	return found
}
