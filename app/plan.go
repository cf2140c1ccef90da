package app

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

const (
	dateLayout = "02/01/2006"
	timeLayout = "15:04"
)

// Radio answers for checklist items, in words.
const (
	answerYes = "Yes"
	answerNo  = "No"
	answerNA  = "Not applicable"
)

// checkRow is the widgets of one checklist item.
type checkRow struct {
	radio      *answerChoice
	mitigation *widget.Entry
	// reason is why the item does not apply (Annex 2 3.2: "not applicable"
	// needs one).
	reason *widget.Entry
}

// planForm binds the plan and the pre-session risk assessment to the domain
// (Annex 2 1.3, 3.2). The outcome is recomputed by session.Pack.Assess on
// every change; nothing here decides it.
type planForm struct {
	*shell
	nav     navigator
	journal *journal
	s       *session.Session // nil until first saved

	ref, age, dob, date, start, duration *widget.Entry
	durationReason, outOfHours, access   *widget.Entry
	facilitator, parentCarer, link       *widget.Entry
	notified, crisis                     *textArea
	adultAtRisk                          *widget.Check
	method, platform                     *widget.Select

	// Webinars and live broadcasts (Annex 2 3.10).
	groupBox                             *fyne.Container
	attendees, storedWhere, told, whyNot *widget.Entry
	recorded                             *widget.Check

	errs []fieldLine

	answers   map[string]session.ItemAnswer
	itemIDs   []string
	rows      map[string]checkRow
	checklist *fyne.Container
	outcome   *widget.Label
	concerns  *widget.Label
	status    *widget.Label
	save      *widget.Button
	next      *widget.Button

	// showErrors turns on field messages after the first save attempt, so
	// a person is not scolded for fields they have not reached yet.
	showErrors bool

	// A returning customer (issue 19): the offer to carry their facts from
	// their last session, and the facts carried, each with "still true?".
	carryOffer *fyne.Container
	carriedBox *fyne.Container
	carried    []session.CarriedFact
	stillTrue  []*widget.Check
	carriedMsg *widget.Label
	allTrue    *widget.Button
	offered    *session.Document
	body       fyne.CanvasObject

	// A plan not yet saved is kept as a draft (plandraft.go): under the id
	// the session will take, saved in turn behind turn; so are changes to a
	// saved plan. base is the form as opened or last saved: a draft that
	// holds nothing beyond it is not kept.
	draftID string
	turn    *session.Session
	dirty   bool
	base    session.PlanDraft
	// editsKept is whether a draft of changes to the saved plan is kept.
	editsKept bool
}

// ShowNewPlan opens an empty plan for a new session.
func (u *UI) ShowNewPlan() { u.showPlanForm(nil) }

// ShowNextPlan opens a new plan for the customer of prev, carried from it:
// their facts, each to reconfirm (issue 19).
func (u *UI) ShowNextPlan(prev session.Document) {
	u.showPlanForm(nil)
	f := u.currentPlan
	f.ref.SetText(prev.Plan.Customer.Reference)
	f.carryFrom(prev)
}

// ShowPlan opens an existing session's plan and risk assessment, with the
// changes to it kept and not yet saved, if any.
func (u *UI) ShowPlan(s *session.Session) {
	u.showPlanForm(s)
	u.currentPlan.loadEdits()
}

func (u *UI) showPlanForm(s *session.Session) {
	f := u.newPlanForm(s)
	u.currentPlan = f
	back := widget.NewButtonWithIcon("Home", theme.HomeIcon(), u.ShowHome)
	actions := []fyne.CanvasObject{back}
	if s != nil {
		actions = append(actions, u.escalateButton(escalateFromSession(s)))
	} else {
		actions = append(actions, u.escalateButton(escalation{}))
	}
	f.body = f.content()
	u.show("Plan and risk assessment", f.body, actions...)
	u.focusOnOpen(f.ref)
	f.autosave()
}

// textArea is a multi-line entry in which Tab moves to the next field, as
// in any form: nobody types a tab character into a safeguarding record, and
// a keyboard user must never be trapped in a field (Fyne's multi-line entry
// keeps Tab for itself). Enter still starts a new line.
type textArea struct{ widget.Entry }

func (t *textArea) AcceptsTab() bool { return false }

func multiline(placeholder string) *textArea {
	t := &textArea{}
	t.MultiLine = true
	t.Wrapping = fyne.TextWrapWord
	t.SetPlaceHolder(placeholder)
	t.SetMinRowsVisible(2)
	t.ExtendBaseWidget(t)
	return t
}

func entry(placeholder string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	return e
}

func (u *UI) newPlanForm(s *session.Session) *planForm {
	pk := u.cfg.Pack
	// turn is only a key for inTurn: the plan draft's saves take turns.
	f := &planForm{shell: u.shell, nav: u, journal: u.journal, s: s, answers: map[string]session.ItemAnswer{}, turn: new(session.Session)}
	f.ref = entry("e.g. CUS-4821 (never a name)")
	f.age = entry("years")
	f.dob = entry("DD/MM/YYYY")
	f.adultAtRisk = widget.NewCheck("Adult at risk", nil)
	f.date = entry("DD/MM/YYYY")
	f.start = entry("HH:MM")
	f.duration = entry("minutes")
	// Placeholders short enough to be read whole in a field's width with
	// text at 150% (issue 15 §6); the row's label says the rest.
	f.durationReason = entry("The exceptional reason")
	f.outOfHours = entry("Why at that time")
	var methodLabels []string
	for _, m := range pk.DeliveryMethods {
		methodLabels = append(methodLabels, m.Label)
	}
	f.platform = widget.NewSelect(nil, nil)
	f.platform.PlaceHolder = "Choose a method first"
	f.method = widget.NewSelect(methodLabels, func(string) {
		f.platform.Options = platformLabels(pk.PlatformsFor(f.methodID()))
		if !slices.Contains(f.platform.Options, f.platform.Selected) {
			f.platform.ClearSelected()
		}
		f.platform.PlaceHolder = "Choose a platform"
		f.platform.Refresh()
		f.changed()
	})
	f.access = entry("Blank if none")
	f.facilitator = entry("A role, never a name")
	f.notified = multiline("How the customer was told, and how to join")
	f.parentCarer = entry("How, where required")
	f.crisis = multiline("What you will do if a crisis arises during the session")
	f.link = entry("https://… (kept encrypted in the plan)")
	f.attendees = entry("Expected number of attendees")
	f.recorded = widget.NewCheck("It will be recorded", nil)
	f.storedWhere = entry("Where the recording is stored (GDPR)")
	f.told = entry("How attendees were told it is recorded")
	f.whyNot = entry("Why it will not be recorded")

	f.outcome = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.concerns = widget.NewLabel("")
	f.concerns.Wrapping = fyne.TextWrapWord
	f.status = widget.NewLabel("")
	f.checklist = container.NewVBox()
	f.save = widget.NewButtonWithIcon("Save plan", theme.DocumentSaveIcon(), f.saveTapped)
	f.save.Importance = widget.HighImportance
	f.next = widget.NewButtonWithIcon("Consent and invitation", theme.NavigateNextIcon(), func() { u.ShowConsent(f.s) })
	f.next.Hide()
	if s != nil && (s.State() == session.Assessed || s.State() == session.Consented) {
		f.next.Show()
	}

	if s != nil {
		f.fill(s.Document())
	} else {
		now := u.cfg.Clock.Now().In(pk.Location())
		f.date.SetText(now.Format(dateLayout))
		f.duration.SetText(strconv.Itoa(pk.Session.NormalDurationMinutes))
	}
	for _, e := range []*widget.Entry{f.ref, f.age, f.dob, f.date, f.start, f.duration, f.durationReason, f.outOfHours, f.access, f.facilitator, f.parentCarer, &f.notified.Entry, &f.crisis.Entry,
		f.link, f.attendees, f.storedWhere, f.told, f.whyNot} {
		e.OnChanged = func(string) { f.changed() }
	}
	f.adultAtRisk.OnChanged = func(bool) { f.changed() }
	f.recorded.OnChanged = func(bool) { f.changed() }
	f.platform.OnChanged = func(string) { f.changed() }
	f.carryOffer = container.NewVBox()
	f.carriedBox = container.NewVBox()
	f.carriedMsg = wrappedLabel("")
	f.carriedMsg.Importance = widget.DangerImportance
	if s != nil {
		f.showCarried(s.Document().Plan.Carried)
	}
	f.ref.OnChanged = func(string) { f.offerCarry(); f.changed() }
	// Enter goes on: to plan from the customer's last session when that
	// is offered, else to the next thing to do (plannext.go).
	f.ref.OnSubmitted = func(string) {
		if f.offered != nil {
			f.carryFrom(*f.offered)
			return
		}
		f.nextToDo()
	}
	for _, e := range []*widget.Entry{f.age, f.dob, f.date, f.start, f.duration, f.durationReason, f.outOfHours, f.access, f.facilitator, f.parentCarer,
		f.link, f.attendees, f.storedWhere, f.told, f.whyNot} {
		e.OnSubmitted = func(string) { f.nextToDo() }
	}
	f.changed()
	f.base, f.dirty = f.draft(), false
	return f
}

// lastSessionWith is the customer's most recent signed record, by their
// reference.
func (j *journal) lastSessionWith(ref string) (session.Document, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return session.Document{}, false
	}
	var best session.Document
	found := false
	for _, h := range j.history {
		if strings.EqualFold(h.doc.Plan.Customer.Reference, ref) && (!found || h.doc.Plan.Start.After(best.Plan.Start)) {
			best, found = h.doc, true
		}
	}
	return best, found
}

// offerCarry offers, when the reference typed is a returning customer's,
// to plan from their last session.
func (f *planForm) offerCarry() {
	f.carryOffer.RemoveAll()
	f.offered = nil
	if f.s != nil || len(f.carried) > 0 {
		return
	}
	prev, ok := f.journal.lastSessionWith(f.ref.Text)
	if !ok {
		return
	}
	f.offered = &prev
	when := f.clockText(prev.Plan.Start, "Monday 2 January")
	f.carryOffer.Add(container.NewBorder(nil, nil, nil,
		widget.NewButtonWithIcon("Plan from that session", theme.ContentCopyIcon(), func() { f.carryFrom(prev) }),
		wrappedLabel("A returning customer: their last session was on "+when+". Enter plans from it.")))
}

// carryFrom fills the form from the customer's last session: their facts
// and the answers about them, each shown for "still true?" (issue 19).
func (f *planForm) carryFrom(prev session.Document) {
	pk := f.cfg.Pack
	next := pk.NextPlan(prev)
	f.carryOffer.RemoveAll()
	f.offered = nil
	f.fillCustomer(next)
	for id, a := range session.CarriedAnswers(prev, next) {
		f.answers[id] = a
	}
	f.itemIDs = nil // rebuild the checklist with the carried answers
	f.showCarried(next.Carried)
	f.changed()
	if f.allTrue != nil {
		f.win.Canvas().Focus(f.allTrue) // one glance, one key
	}
}

// showCarried lists the carried facts, each with its "still true" box.
func (f *planForm) showCarried(cs []session.CarriedFact) {
	f.carried = append([]session.CarriedFact(nil), cs...)
	f.carriedBox.RemoveAll()
	f.stillTrue, f.allTrue = nil, nil
	if len(cs) == 0 {
		return
	}
	f.carriedBox.Add(widget.NewLabelWithStyle("From the last session: still true?", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for i, c := range cs {
		i := i
		// The box alone, with the fact in a label beside it that wraps: a
		// checklist item's words are long.
		check := widget.NewCheck("", func(on bool) {
			f.carried[i].Reconfirmed = on
			f.changed()
		})
		check.SetChecked(c.Reconfirmed)
		f.stillTrue = append(f.stillTrue, check)
		f.carriedBox.Add(container.NewBorder(nil, nil, check, nil, wrappedLabel(strings.TrimSuffix(c.Label, ".")+": "+c.Value)))
	}
	f.allTrue = widget.NewButton("All still true", func() {
		for _, c := range f.stillTrue {
			c.SetChecked(true)
		}
		f.nextToDo()
	})
	f.carriedBox.Add(container.NewBorder(nil, nil, f.allTrue, nil, wrappedLabel("If something has changed, change it in the plan instead.")))
	f.carriedBox.Add(f.carriedMsg)
}

func platformLabels(ps []session.Platform) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Label
	}
	return out
}

func (f *planForm) methodID() string {
	for _, m := range f.cfg.Pack.DeliveryMethods {
		if m.Label == f.method.Selected {
			return m.ID
		}
	}
	return ""
}

func (f *planForm) platformID() string {
	for _, p := range f.cfg.Pack.Platforms {
		if p.Label == f.platform.Selected && p.Method == f.methodID() {
			return p.ID
		}
	}
	return ""
}

// fillCustomer puts the customer's facts of a plan into the widgets: what
// a stored plan and a returning customer's carried plan share.
func (f *planForm) fillCustomer(p session.Plan) {
	pk := f.cfg.Pack
	if p.Customer.Age > 0 {
		f.age.SetText(strconv.Itoa(p.Customer.Age))
	}
	if !p.Customer.DateOfBirth.IsZero() {
		f.dob.SetText(p.Customer.DateOfBirth.Format(dateLayout))
	}
	f.adultAtRisk.SetChecked(p.Customer.AdultAtRisk)
	if m, ok := pk.Method(p.Method); ok {
		f.method.SetSelected(m.Label)
	}
	if pl, ok := pk.Platform(p.Platform); ok {
		f.platform.SetSelected(pl.Label)
	}
	f.access.SetText(p.AccessibilityNeeds)
	f.facilitator.SetText(p.Facilitator)
	f.parentCarer.SetText(p.ParentCarerInformed)
	f.crisis.SetText(p.CrisisPlan)
}

// fill puts a stored plan and assessment into the widgets.
func (f *planForm) fill(d session.Document) {
	pk := f.cfg.Pack
	p := d.Plan
	f.ref.SetText(p.Customer.Reference)
	f.fillCustomer(p)
	start := p.Start.In(pk.Location())
	f.date.SetText(start.Format(dateLayout))
	f.start.SetText(start.Format(timeLayout))
	f.duration.SetText(strconv.Itoa(int(p.Duration / time.Minute)))
	f.durationReason.SetText(p.DurationReason)
	f.outOfHours.SetText(p.OutOfHoursReason)
	f.notified.SetText(p.HowNotified)
	f.link.SetText(p.MeetingLink)
	if g := p.Group; g != nil {
		f.attendees.SetText(strconv.Itoa(g.ExpectedAttendees))
		f.recorded.SetChecked(g.Recording.Recorded)
		f.storedWhere.SetText(g.Recording.StoredWhere)
		f.told.SetText(g.Recording.AttendeesTold)
		f.whyNot.SetText(g.Recording.WhyNot)
	}
	for id, a := range d.Assessment.Answers {
		f.answers[id] = a
	}
}

// readPlan turns the widgets into a plan. Text that cannot be read as a
// number, date or time is reported against its field.
func (f *planForm) readPlan() (session.Plan, session.FieldErrors) {
	pk := f.cfg.Pack
	var errs session.FieldErrors
	add := func(field, msg string) { errs = append(errs, &session.FieldError{Field: field, Message: msg}) }
	p := session.Plan{
		Customer:            session.Customer{Reference: strings.TrimSpace(f.ref.Text), AdultAtRisk: f.adultAtRisk.Checked},
		DurationReason:      strings.TrimSpace(f.durationReason.Text),
		OutOfHoursReason:    strings.TrimSpace(f.outOfHours.Text),
		Method:              f.methodID(),
		Platform:            f.platformID(),
		AccessibilityNeeds:  strings.TrimSpace(f.access.Text),
		Facilitator:         strings.TrimSpace(f.facilitator.Text),
		HowNotified:         strings.TrimSpace(f.notified.Text),
		MeetingLink:         strings.TrimSpace(f.link.Text),
		ParentCarerInformed: strings.TrimSpace(f.parentCarer.Text),
		CrisisPlan:          strings.TrimSpace(f.crisis.Text),
	}
	if t := strings.TrimSpace(f.age.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			add("customer.age", "Enter the age in whole years, for example 16.")
		}
		p.Customer.Age = n
	}
	if t := strings.TrimSpace(f.dob.Text); t != "" {
		d, err := time.ParseInLocation(dateLayout, t, pk.Location())
		if err != nil {
			add("customer.date_of_birth", "Enter the date of birth as DD/MM/YYYY.")
		}
		p.Customer.DateOfBirth = d
	}
	day, errDay := time.ParseInLocation(dateLayout, strings.TrimSpace(f.date.Text), pk.Location())
	clock, errClock := time.Parse(timeLayout, strings.TrimSpace(f.start.Text))
	switch {
	case errDay != nil:
		add("start", "Enter the date as DD/MM/YYYY.")
	case errClock != nil:
		add("start", "Enter the start time as HH:MM, for example 10:30.")
	default:
		p.Start = time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, pk.Location())
	}
	switch n, err := strconv.Atoi(strings.TrimSpace(f.duration.Text)); {
	case pk.DelayedResponse(p):
		// An e-mail, letter or text has no length (Annex 2 1.2.1).
	case err != nil:
		add("duration", "Enter the planned length in minutes, for example 45.")
	default:
		p.Duration = time.Duration(n) * time.Minute
	}
	if pk.OneToMany(p) {
		g := &session.Group{Recording: session.Recording{Recorded: f.recorded.Checked,
			StoredWhere: strings.TrimSpace(f.storedWhere.Text), AttendeesTold: strings.TrimSpace(f.told.Text), WhyNot: strings.TrimSpace(f.whyNot.Text)}}
		if t := strings.TrimSpace(f.attendees.Text); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil {
				add("group.expected_attendees", "Enter the number of attendees expected, for example 30.")
			}
			g.ExpectedAttendees = n
		}
		if !g.Recording.Recorded {
			g.Recording.StoredWhere, g.Recording.AttendeesTold = "", ""
		} else {
			g.Recording.WhyNot = ""
		}
		p.Group = g
	}
	p.Carried = append([]session.CarriedFact(nil), f.carried...)
	return p, errs
}

func (f *planForm) assessment() session.Assessment {
	a := session.Assessment{Answers: map[string]session.ItemAnswer{}}
	for _, id := range f.itemIDs {
		if ans, ok := f.answers[id]; ok {
			a.Answers[id] = ans
		}
	}
	plan, _ := f.readPlan()
	return f.cfg.Pack.WithKnown(plan, a, f.known())
}

// changed recomputes everything that depends on the form: field messages,
// which checklist items apply, and the outcome.
func (f *planForm) changed() {
	f.dirty = true
	pk := f.cfg.Pack
	plan, errs := f.readPlan()
	if f.showErrors {
		errs = append(errs, session.Fields(pk.ValidatePlan(plan, f.cfg.Clock.Now()))...)
		f.showFieldErrors(errs)
	}
	f.showKind(plan)
	items := pk.Items(plan)
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	if !slices.Equal(ids, f.itemIDs) {
		f.itemIDs = ids
		f.buildChecklist(items)
	}
	f.showOutcome(pk.Assess(plan, f.assessment()))
}

// showKind shows the fields that belong to the delivery chosen: the group
// details of a webinar (3.10), no length for an e-mail, letter or text
// (1.2.1).
func (f *planForm) showKind(p session.Plan) {
	pk := f.cfg.Pack
	group := pk.OneToMany(p)
	if f.groupBox != nil && f.groupBox.Visible() != group {
		f.groupBox.Hidden = !group
		f.groupBox.Refresh()
	}
	recorded := f.recorded.Checked
	f.storedWhere.Hidden, f.told.Hidden, f.whyNot.Hidden = !recorded, !recorded, recorded
	for _, e := range []*widget.Entry{f.storedWhere, f.told, f.whyNot} {
		e.Refresh()
	}
	delayed := pk.DelayedResponse(p)
	if f.duration.Visible() == delayed {
		f.duration.Hidden = delayed
		f.durationReason.Hidden = delayed
		f.duration.Refresh()
		f.durationReason.Refresh()
	}
	if group {
		f.ref.SetPlaceHolder("Event reference, e.g. WEB-Y11-CAREERS")
		f.age.SetPlaceHolder("youngest attendee")
		f.adultAtRisk.Text = "Some attendees are adults at risk"
	} else {
		f.ref.SetPlaceHolder("e.g. CUS-4821 (never a name)")
		f.age.SetPlaceHolder("years")
		f.adultAtRisk.Text = "Adult at risk"
	}
	f.adultAtRisk.Refresh()
}

func (f *planForm) showFieldErrors(errs session.FieldErrors) {
	for _, fm := range f.errs {
		var msgs []string
		for _, field := range fm.fields {
			if m := errs.For(field); m != "" {
				msgs = append(msgs, m)
			}
		}
		fm.label.SetText(strings.Join(msgs, " "))
		fm.label.Hidden = len(msgs) == 0
		fm.label.Refresh()
	}
	var carried []string
	for i := range f.carried {
		if m := errs.For(fmt.Sprintf("carried[%d]", i)); m != "" {
			carried = append(carried, "• "+m)
		}
	}
	f.carriedMsg.SetText(strings.Join(carried, "\n"))
}

func (f *planForm) showOutcome(r session.Result) {
	f.outcome.SetText("Outcome: " + r.Outcome.Label())
	switch r.Outcome {
	case session.Proceed:
		f.outcome.Importance = widget.SuccessImportance
	case session.ProceedWithMitigations:
		f.outcome.Importance = widget.WarningImportance
	case session.DoNotProceed:
		f.outcome.Importance = widget.DangerImportance
	default:
		f.outcome.Importance = widget.MediumImportance
	}
	f.outcome.Refresh()
	var lines []string
	for _, c := range r.Concerns {
		lines = append(lines, fmt.Sprintf("• %s (%s)", c.Message, c.Clause))
	}
	for _, m := range r.Mitigations {
		lines = append(lines, fmt.Sprintf("• Mitigation: %s (%s)", m.Message, m.Clause))
	}
	if n := len(r.Unanswered); n > 0 {
		lines = append(lines, fmt.Sprintf("• %d question%s still to answer.", n, plural(n)))
	}
	f.concerns.SetText(strings.Join(lines, "\n"))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func answerWord(a session.Answer) string {
	switch a {
	case session.Met:
		return answerYes
	case session.NotMet:
		return answerNo
	case session.NotApplicable:
		return answerNA
	}
	return ""
}

func wordAnswer(s string) session.Answer {
	switch s {
	case answerYes:
		return session.Met
	case answerNo:
		return session.NotMet
	case answerNA:
		return session.NotApplicable
	}
	return session.Unanswered
}

// buildChecklist lays out the applicable items. Answers are kept by item id,
// so an item that disappears and comes back keeps its answer.
func (f *planForm) buildChecklist(items []session.ChecklistItem) {
	f.checklist.RemoveAll()
	f.rows = map[string]checkRow{}
	known := f.known()
	for _, it := range items {
		text := widget.NewLabel(it.Text)
		text.Wrapping = fyne.TextWrapWord
		clause := widget.NewLabel(string(it.Clause))
		clause.Importance = widget.LowImportance
		// What the app knows, it does not ask (issue 19): the answer and
		// where it came from are shown instead of the choices.
		if ans, ok := f.cfg.Pack.KnownAnswer(it, known); ok {
			f.answers[it.ID] = ans
			source := widget.NewLabel(ans.Source)
			source.Wrapping = fyne.TextWrapWord
			if ans.Answer != session.Met {
				source.Importance = widget.DangerImportance
			}
			f.checklist.Add(container.NewVBox(text, container.NewBorder(nil, nil, nil, clause, source), widget.NewSeparator()))
			continue
		}
		blocks := it.Obligation == session.Must || it.IfUnmet == session.Block
		mitigation := entry("How you will reduce this risk")
		reason := entry("Why this does not apply to this session")
		note := widget.NewLabel("The policy does not allow the session while this is unmet.")
		if it.Obligation == session.Must {
			note.SetText("The policy says this must be so (" + string(it.Clause) + "): no mitigation can stand in for it.")
		}
		note.Importance = widget.DangerImportance
		note.Wrapping = fyne.TextWrapWord
		ans := f.answers[it.ID]
		mitigation.SetText(ans.Mitigation)
		reason.SetText(ans.Reason())
		update := func() {
			a := f.answers[it.ID]
			mitigation.Hidden = !(a.Answer == session.NotMet && !blocks)
			reason.Hidden = a.Answer != session.NotApplicable
			note.Hidden = !(a.Answer == session.NotMet && blocks)
			mitigation.Refresh()
			reason.Refresh()
			note.Refresh()
		}
		// An item that always applies is never offered as not applicable
		// (Annex 2 1.2, 1.3.3, 3.6).
		options := []string{answerYes, answerNo, answerNA}
		if it.AlwaysApplies {
			options = options[:2]
		}
		radio := newAnswerChoice(options)
		radio.SetSelected(answerWord(ans.Answer))
		radio.OnAnswered = func() { f.answered(it.ID) }
		mitigation.OnSubmitted = func(string) { f.nextToDo() }
		reason.OnSubmitted = func(string) { f.nextToDo() }
		radio.OnChanged = func(s string) {
			a := f.answers[it.ID]
			a.Answer = wordAnswer(s)
			// One note per answer: the mitigation of "no" or the reason of
			// "not applicable", whichever box is showing.
			switch a.Answer {
			case session.NotMet:
				a.Mitigation = strings.TrimSpace(mitigation.Text)
			case session.NotApplicable:
				a.Mitigation = strings.TrimSpace(reason.Text)
			default:
				a.Mitigation = ""
			}
			f.answers[it.ID] = a
			update()
			f.changed()
		}
		mitigation.OnChanged = func(s string) {
			a := f.answers[it.ID]
			if a.Answer == session.NotMet {
				a.Mitigation = strings.TrimSpace(s)
				f.answers[it.ID] = a
			}
			f.changed()
		}
		reason.OnChanged = func(s string) {
			a := f.answers[it.ID]
			if a.Answer == session.NotApplicable {
				a.Mitigation = strings.TrimSpace(s)
				f.answers[it.ID] = a
			}
			f.changed()
		}
		update()
		f.rows[it.ID] = checkRow{radio, mitigation, reason}
		// The clause goes beside the question, not the choices: beside the
		// choices it made the form too wide for text at 150% (issue 15 §6).
		f.checklist.Add(container.NewVBox(container.NewBorder(nil, nil, nil, clause, text), radio, mitigation, reason, note, widget.NewSeparator()))
	}
	f.checklist.Refresh()
}

// fieldLine is the line under a form row that shows the messages for the
// domain fields that row edits.
type fieldLine struct {
	fields []string
	label  *widget.Label
}

// row is a labelled form row with its message line underneath.
func (f *planForm) row(label string, obj fyne.CanvasObject, fields ...string) *widget.FormItem {
	msg := widget.NewLabel("")
	msg.Importance = widget.DangerImportance
	msg.Wrapping = fyne.TextWrapWord
	msg.Hide()
	f.errs = append(f.errs, fieldLine{fields, msg})
	return widget.NewFormItem(label, container.NewVBox(obj, msg))
}

func (f *planForm) content() fyne.CanvasObject {
	ageRow := container.NewGridWithColumns(2, f.age, f.dob)
	// The date has a row to itself: three boxes in one row clip it when
	// text is scaled to 150% (issue 15 §6).
	when := container.NewGridWithColumns(2, f.start, f.duration)
	f.groupBox = container.NewVBox(
		widget.NewLabelWithStyle("Webinar or live broadcast (Annex 2 3.10)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewForm(
			f.row("Attendees expected", f.attendees, "group.expected_attendees"),
			f.row("Recording", container.NewVBox(f.recorded, f.storedWhere, f.told, f.whyNot),
				"group.recording", "group.recording.stored_where", "group.recording.attendees_told", "group.recording.why_not"),
		))
	f.groupBox.Hidden = !f.cfg.Pack.OneToMany(session.Plan{Method: f.methodID()})
	plan := widget.NewForm(
		f.row("Customer reference", f.ref, "customer.reference"),
		f.row("Age, or date of birth", container.NewVBox(ageRow, f.adultAtRisk), "customer.age", "customer.date_of_birth"),
		f.row("Date", f.date, "start"),
		f.row("Time, minutes", when, "duration"),
		f.row("If longer than normal", f.durationReason),
		f.row("If outside agreed hours", f.outOfHours),
		f.row("Delivery method", f.method, "method"),
		f.row("Platform", f.platform, "platform"),
		f.row("Accessibility needs", f.access),
		f.row("Facilitator invited", f.facilitator),
		f.row("Customer told how", f.notified, "how_notified"),
		f.row("Meeting link", f.link, "meeting_link"),
		f.row("Parent or carer told", f.parentCarer),
		f.row("Crisis plan", f.crisis, "crisis_plan"),
	)
	left := container.NewVScroll(container.NewPadded(container.NewVBox(
		widget.NewLabelWithStyle("Plan (Annex 2 1.3)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), f.carryOffer, f.carriedBox, plan, f.groupBox)))
	right := container.NewBorder(
		widget.NewLabelWithStyle("Pre-session risk assessment (Annex 2 3.2)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewVBox(widget.NewSeparator(), f.outcome, f.concerns, container.NewBorder(nil, nil, f.save, f.next, f.status)),
		nil, nil,
		container.NewVScroll(container.NewPadded(f.checklist)))
	split := container.NewHSplit(left, right)
	split.Offset = 0.5
	return split
}

// saveTapped saves the plan and the assessment into the session. An invalid
// plan is not saved; its problems show next to their fields.
func (f *planForm) saveTapped() {
	f.showErrors = true
	f.changed()
	plan, convErrs := f.readPlan()
	if len(convErrs) > 0 {
		f.status.SetText("Check the highlighted fields.")
		return
	}
	// The plan and its assessment become the session's once saved (issue
	// 15); a new session joins the list only then.
	target, isNew := f.s, f.s == nil
	if isNew {
		s, err := session.New(f.cfg.Pack, f.cfg.Clock, f.id(), f.cfg.Me.KeyID, plan)
		if err != nil {
			f.planError(err)
			return
		}
		target = s
	}
	var r session.Result
	change := func(c *session.Session) error {
		if !isNew {
			if err := c.UpdatePlan(plan); err != nil {
				return err
			}
		}
		var err error
		r, err = c.Assess(f.assessment())
		return err
	}
	// A new plan's save takes its turn behind the plan draft's autosaves:
	// it replaces the draft (the same id), and none may land after it.
	f.journal.inTurn(f.turn, func(nextTurn func()) {
		if isNew && f.s != nil { // saved meanwhile by a press before this one
			nextTurn()
			f.saveTapped()
			return
		}
		f.journal.commitChange(target, change, func(err error) {
			f.saved(target, isNew, &r, err)
			if err != nil || isNew {
				nextTurn()
				return
			}
			f.dropEdits(nextTurn) // the changes are the plan now
		})
	})
}

// saved shows the outcome of saveTapped's change.
func (f *planForm) saved(target *session.Session, isNew bool, result *session.Result, err error) {
	r := *result
	var ns *notSavedError
	switch {
	case errors.As(err, &ns):
		f.status.SetText(notSaved(ns.err))
		return
	case err != nil:
		f.planError(err)
		return
	}
	if isNew {
		f.s = target
		f.journal.sessions = append(f.journal.sessions, target)
	}
	f.base = f.draft() // what is saved needs no draft
	f.status.SetText("Saved. " + r.Outcome.Label() + ".")
	f.next.Hidden = !r.Outcome.MayProceed()
	f.next.Refresh()
	if !f.next.Hidden {
		f.win.Canvas().Focus(f.next) // the next step, for the keyboard
	}
}

// planError says why the plan or its assessment was refused.
func (f *planForm) planError(err error) {
	if fe := session.Fields(err); len(fe) > 0 {
		f.status.SetText("Check the highlighted fields.")
		return
	}
	var te *session.TransitionError
	if errors.As(err, &te) {
		f.status.SetText("This session has started; its plan can no longer change.")
		return
	}
	f.status.SetText("Could not save the plan: " + plainWords(err, saving))
}

// parseDate reads a DD/MM/YYYY date in loc.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	return time.ParseInLocation(dateLayout, strings.TrimSpace(s), loc)
}
