package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/session"
)

// incidentForm is the Annex 1 flow after the guidance: what happened, the
// classification (1.4, 3, 4), the two questions of the decision tree, where
// any imagery is (never the imagery), and what the flow demands as a result.
// Every rule is the domain's: the screen asks Incident.Requirements after
// each change and shows it.
type incidentForm struct {
	*shell
	nav     navigator
	journal *journal
	mine    *myIncidentList
	sync    *syncStatus
	inc     *session.Incident
	from    escalation

	describe                     *textArea
	illegal, risk                *widget.RadioGroup
	illegalWhy, riskWhy          *widget.Entry
	illegalFixed                 *widget.Label
	ref, age                     *widget.Entry
	adultAtRisk                  *widget.Check
	imageryBox                   *fyne.Container
	imPlatform, imAccount, imURL *widget.Entry
	imAttest                     *widget.RadioGroup
	imWhen, imHow                *widget.Entry
	noAttach                     *widget.Label
	requirements, chronology     *fyne.Container
	branch, status               *widget.Label
	report                       *widget.Button
	// unlinked is a reported incident whose session could not yet be
	// saved as knowing it: Report then saves that link again.
	unlinked      bool
	preventBox    *fyne.Container
	preventFields []*textArea
	// dirty is set by every keystroke in what happened and whom it is
	// about; autosave keeps the words typed (session.IncidentTyping) every
	// few seconds and on leaving the screen (issue 20).
	dirty bool
	// problem is why the answers as chosen cannot be taken in as they
	// stand (a child of 24), said until they change.
	problem string

	// The classification (1.4, 3, 4), shared with the DSL's case screen.
	*classificationWidgets
	// The questions the rules need (issue 13), each row shown only when
	// the domain asks it (Requirements.Questions).
	*questionWidgets
	advice                  *widget.Label
	questionsBox            *fyne.Container
	formScroll, rightScroll *container.Scroll
}

// questionWidgets ask the questions the rules need (issue 13), one row per
// question of the pack. The practitioner's incident screen and the DSL's
// case screen both use them. changed is called on every change (submitted:
// a choice made, or Enter in a box; else a key typed). save, if set, is
// what a "Save these answers" button does: the DSL's answers are a signed
// act of their own; the practitioner's are kept as chosen (issue 20).
type questionWidgets struct {
	u                                     *shell
	save                                  func()
	changed                               func(submitted bool)
	qRows                                 map[string]*fyne.Container
	qNeeded                               map[string]*widget.Label
	qSeverity, qRelationship              *widget.Select
	qWho, qImages, qCompany               *widget.RadioGroup
	qIntent, qReckless, qShared, qThreats *widget.RadioGroup
	qAge, qSharer, qHarmed, qPlatform     *widget.Entry
}

const (
	whoAdult   = "An adult"
	whoChild   = "A child (under 18)"
	whoUnknown = "Not known"
	imagesYes  = "Images or videos"
	imagesNo   = "Only words (text)"
)

const (
	yes             = "Yes"
	no              = "No"
	attestNotViewed = "I have not seen the imagery"
	attestAccident  = "I saw it by accident"
)

// ShowIncident shows an incident being raised.
func (u *UI) ShowIncident(inc *session.Incident, from escalation) {
	f := &incidentForm{shell: u.shell, nav: u, journal: u.journal, mine: u.mine, sync: u.sync, inc: inc, from: from}
	d := inc.Document()
	typed := inc.Typing()

	f.describe = multiline("What happened, in your own words (not the imagery)")
	f.describe.SetMinRowsVisible(4)
	f.describe.SetText(typed.Description)
	// Coming back to add to it, the cursor is at the end of what is there.
	if lines := strings.Split(typed.Description, "\n"); typed.Description != "" {
		f.describe.CursorRow, f.describe.CursorColumn = len(lines)-1, len([]rune(lines[len(lines)-1]))
	}
	f.classificationWidgets = newClassificationWidgets(u.shell)

	f.illegal = widget.NewRadioGroup([]string{yes, no}, nil)
	f.illegal.Horizontal = true
	f.risk = widget.NewRadioGroup([]string{yes, no}, nil)
	f.risk.Horizontal = true
	f.illegalWhy = entry("Why (needed for no)")
	f.riskWhy = entry("Why (needed for no)")
	f.illegalWhy.SetText(typed.IllegalWhy)
	f.riskWhy.SetText(typed.RiskWhy)
	f.illegalFixed = widget.NewLabel("")
	f.illegalFixed.Wrapping = fyne.TextWrapWord
	f.illegalFixed.Importance = widget.DangerImportance

	f.ref = entry("Reference, never a name")
	f.age = entry("Age")
	f.adultAtRisk = widget.NewCheck("Adult at risk", nil)
	f.ref.SetText(typed.Reference)
	f.age.SetText(typed.Age)
	f.adultAtRisk.SetChecked(typed.AdultAtRisk)
	// What is typed is taken as it is typed: no Save to press (issue 20).
	for _, e := range []*widget.Entry{&f.describe.Entry, f.ref, f.age, f.illegalWhy, f.riskWhy} {
		e.OnChanged = func(string) { f.dirty = true }
	}
	// Whom it is about decides the rules (a child or an adult): Enter in
	// its boxes, or ticking adult at risk, takes it in at once.
	f.ref.OnSubmitted = func(string) { f.setSubject() }
	f.age.OnSubmitted = func(string) { f.setSubject() }
	f.adultAtRisk.OnChanged = func(bool) { f.dirty = true; f.setSubject() }

	f.noAttach = widget.NewLabel("")
	f.noAttach.Wrapping = fyne.TextWrapWord
	f.noAttach.Importance = widget.DangerImportance
	f.imPlatform = entry("Platform or app where it is")
	f.imAccount = entry("Account or username")
	f.imURL = entry("Link, if known (do not open it)")
	f.imAttest = widget.NewRadioGroup([]string{attestNotViewed, attestAccident}, nil)
	f.imWhen = entry("When you saw it (DD/MM/YYYY HH:MM)")
	f.imHow = entry("How it was seen")
	f.fillImagery(typed.Imagery)
	// Where the imagery is is kept as it is typed and chosen, and taken in
	// by Report: no button to press (issue 20).
	f.imageryBox = container.NewVBox(
		widget.NewLabelWithStyle("Imagery: where it is, never the imagery itself", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.noAttach, f.imPlatform, f.imAccount, f.imURL, f.imAttest, f.imWhen, f.imHow)

	f.questionWidgets = &questionWidgets{u: u.shell, changed: f.answered}
	questions := f.buildQuestions(typed.Answers)
	f.questionsBox = questions
	f.advice = widget.NewLabel("")
	f.advice.Wrapping = fyne.TextWrapWord
	f.advice.Importance = widget.WarningImportance

	f.requirements = container.NewVBox()
	f.chronology = container.NewVBox()
	f.preventBox = container.NewVBox()
	f.branch = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.branch.Wrapping = fyne.TextWrapWord
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	f.report = widget.NewButtonWithIcon("Report to the safeguarding team", theme.MailSendIcon(), f.reportTapped)
	f.report.Importance = widget.DangerImportance

	f.fillClassification(d)
	f.onChange = f.classify
	f.illegal.OnChanged = func(string) { f.answer(true) }
	f.risk.OnChanged = func(string) { f.answer(false) }
	f.illegalWhy.OnSubmitted = func(string) { f.answer(true) }
	f.riskWhy.OnSubmitted = func(string) { f.answer(false) }

	origin := widget.NewLabel(f.originText())
	origin.Wrapping = fyne.TextWrapWord
	form := container.NewVBox(
		origin,
		widget.NewLabelWithStyle("What happened", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.describe,
		widget.NewLabelWithStyle("Who it is about", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewGridWithColumns(3, f.ref, f.age, f.adultAtRisk),
		widget.NewLabelWithStyle("What kind of incident (1.4, 3, 4)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.classificationWidgets.box(), f.advice,
		questions,
		widget.NewLabelWithStyle("Is the material or action illegal? (Annex 1)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.illegalFixed, f.illegal, f.illegalWhy,
		widget.NewLabelWithStyle("Is there an immediate risk? (Annex 1)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.risk, f.riskWhy,
		f.imageryBox, f.preventBox,
	)
	right := container.NewVBox(f.branch, f.requirements,
		widget.NewLabelWithStyle("Chronology", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), f.chronology)
	f.formScroll, f.rightScroll = container.NewVScroll(container.NewPadded(form)), container.NewVScroll(container.NewPadded(right))
	split := container.NewHSplit(f.formScroll, f.rightScroll)
	split.Offset = 0.55
	bottom := container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, f.report, f.status))
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() { u.returnTo(from) })
	u.show("Incident (Annex 1)", container.NewBorder(nil, bottom, nil, nil, split), back)
	u.currentIncident = f
	u.inEscalation = true
	f.autosave()
	f.refresh()
	u.focusOnOpen(f.describe)
}

// autosave keeps what is typed, sealed to its author, every few seconds
// and when the screen is left (Home, Back, anything), as the record form
// does: an account half written is never lost (issue 20). It is taken
// into the incident when it is reported, so the safeguarding team reads
// one account, as it stood when it was sent.
func (f *incidentForm) autosave() {
	f.keepWhileShown(f.nav, func() {
		f.keepTyping()
		f.mine.remember(f.inc.Document())
	})
}

// typing is the boxes as typed and the choices as made, unchecked.
func (f *incidentForm) typing() session.IncidentTyping {
	return session.IncidentTyping{Description: f.describe.Text, Reference: f.ref.Text, Age: f.age.Text, AdultAtRisk: f.adultAtRisk.Checked,
		Answers: f.answers(), Imagery: f.imagery(), IllegalWhy: f.illegalWhy.Text, RiskWhy: f.riskWhy.Text}
}

// answered is called on every change to an answer: a choice is kept
// (sealed) at once and the screen shows what it now demands; a key typed
// is kept at the next autosave (issue 20).
func (f *incidentForm) answered(submitted bool) {
	f.dirty = true
	if submitted {
		f.keepTyping()
		f.refresh()
	}
}

// fillImagery shows where the imagery is, as typed, and keeps every change
// to it like the answers.
func (f *incidentForm) fillImagery(t session.ImageryTyping) {
	f.imPlatform.SetText(t.Platform)
	f.imAccount.SetText(t.Account)
	f.imURL.SetText(t.URL)
	f.imWhen.SetText(t.When)
	f.imHow.SetText(t.How)
	switch t.Attestation {
	case session.NotViewed:
		f.imAttest.SetSelected(attestNotViewed)
	case session.ViewedByAccident:
		f.imAttest.SetSelected(attestAccident)
	}
	for _, e := range []*widget.Entry{f.imPlatform, f.imAccount, f.imURL, f.imWhen, f.imHow} {
		e.OnChanged = func(string) { f.answered(false) }
		e.OnSubmitted = func(string) { f.answered(true) }
	}
	f.imAttest.OnChanged = func(string) { f.answered(true) }
}

// imagery is where the imagery is, as typed.
func (f *incidentForm) imagery() session.ImageryTyping {
	t := session.ImageryTyping{Platform: f.imPlatform.Text, Account: f.imAccount.Text, URL: f.imURL.Text}
	switch f.imAttest.Selected {
	case attestNotViewed:
		t.Attestation = session.NotViewed
	case attestAccident:
		t.Attestation, t.When, t.How = session.ViewedByAccident, f.imWhen.Text, f.imHow.Text
	}
	return t
}

// keepTyping saves the words typed since the last save, if any. They are
// kept in memory at once, so that leaving while the store is failing
// never loses them, and saved after; a failed save says so and is tried
// again at the next autosave (issue 15).
func (f *incidentForm) keepTyping() {
	if !f.dirty || f.inc.Status() != session.IncidentDraft {
		return
	}
	if err := f.inc.KeepTyping(f.typing()); err != nil {
		return
	}
	f.dirty = false
	f.saveDraft(func(err error) {
		if err != nil {
			f.dirty = true
			f.status.SetText("Not saved: " + plainWords(err, saving) + " What you typed is kept; it is saved again in a few seconds.")
			return
		}
		f.status.SetText(strings.TrimSpace("Saved " + f.clockText(f.cfg.Clock.Now(), "15:04:05") + ". " + f.problem))
	})
}

// saveDraft saves the incident as it stands when its turn comes, after the
// incident saves already asked for (so they land in the order asked), and
// tells done how it went.
func (f *incidentForm) saveDraft(done func(error)) {
	if f.cfg.Vault == nil {
		return
	}
	f.journal.inTurn(f.mine.turn(), func(next func()) {
		if f.inc.Status() != session.IncidentDraft { // reported meanwhile
			next()
			return
		}
		doc := f.inc.Document()
		f.background(func(ctx context.Context) error { return f.cfg.Vault.SaveIncidentDraft(ctx, doc) }, func(err error) {
			defer next()
			done(err)
		})
	})
}

func (f *incidentForm) originText() string {
	d := f.inc.Document()
	raised := f.clockText(d.RaisedAt, "15:04 on Monday 2 January")
	switch d.Origin.Kind {
	case session.OriginSession:
		t := fmt.Sprintf("Raised at %s from the session with %s, %d minutes in.", raised, d.Subject.Reference, int(d.Origin.Elapsed/time.Minute))
		for _, w := range d.Origin.Disclosures {
			t += "\nDisclosure: “" + w + "”"
		}
		return t
	case session.OriginRecord:
		return fmt.Sprintf("Raised at %s from the record of %s.", raised, d.Subject.Reference)
	}
	return fmt.Sprintf("Raised at %s.", raised)
}

// fillClassification shows the stored classification and answers without
// triggering the change handlers.
func (f *incidentForm) fillClassification(d session.IncidentDocument) {
	f.fill(d)
	f.filling = true
	defer func() { f.filling = false }()
	if d.Illegal != nil {
		f.illegal.SetSelected(yesNo(*d.Illegal))
	}
	if d.ImmediateRisk != nil {
		f.risk.SetSelected(yesNo(*d.ImmediateRisk))
	}
}

func yesNo(b bool) string {
	if b {
		return yes
	}
	return no
}

// classify records the classification as soon as a type is chosen.
func (f *incidentForm) classify() {
	c, ok := f.classification()
	if !ok {
		return
	}
	f.after(f.inc.Classify(c, strings.TrimSpace(f.changeWhy.Text)), "")
}

func (f *incidentForm) answer(illegal bool) {
	if f.filling {
		return
	}
	var err error
	if illegal {
		if f.illegal.Selected == "" {
			return
		}
		err = f.inc.SetIllegal(f.illegal.Selected == yes, strings.TrimSpace(f.illegalWhy.Text))
	} else {
		if f.risk.Selected == "" {
			return
		}
		err = f.inc.SetImmediateRisk(f.risk.Selected == yes, strings.TrimSpace(f.riskWhy.Text))
	}
	f.after(err, "")
}

// setSubject takes whom it is about, as typed, into the incident (the
// description stays typed until the report).
func (f *incidentForm) setSubject() {
	if f.inc.Status() != session.IncidentDraft {
		return
	}
	next, err := session.RestoreIncident(f.cfg.Pack, f.cfg.Clock, f.inc.Document(), f.actor())
	if err == nil {
		err = next.KeepTyping(f.typing())
	}
	if err == nil {
		err = next.ApplyTypedSubject(strings.TrimSpace(f.changeWhy.Text))
	}
	if err != nil {
		f.status.SetText(plainWords(err, reporting))
		return
	}
	f.inc = next
	f.dirty = true // the description typed is kept at the next autosave
	f.after(nil, "")
}

// after shows the outcome of a change and saves the draft.
func (f *incidentForm) after(err error, ok string) {
	if err != nil {
		f.status.SetText(plainWords(err, reporting))
		f.refresh()
		return
	}
	f.status.SetText(ok)
	f.saveDraft(func(err error) {
		if err != nil {
			f.status.SetText("Not saved: " + plainWords(err, saving))
		}
	})
	f.refresh()
}

// refresh redraws what the flow demands now, with the answers as chosen.
func (f *incidentForm) refresh() {
	req := f.inc.Requirements()
	if f.inc.Status() == session.IncidentDraft && f.inc.KeepTyping(f.typing()) == nil {
		var err error
		f.problem = ""
		if req, err = f.inc.RequirementsAsTyped(strings.TrimSpace(f.changeWhy.Text)); err != nil {
			f.problem = plainWords(err, reporting)
			f.status.SetText(f.problem)
		}
	}
	d := f.inc.Document()
	f.branch.SetText("Where this stands: " + req.Branch.Label())

	f.refreshQuestions(req)
	f.advice.SetText(strings.Join(req.Advice, "\n"))
	f.advice.Hidden = len(req.Advice) == 0
	f.advice.Refresh()

	f.illegalFixed.SetText(req.IllegalReason)
	f.illegalFixed.Hidden = !req.IllegalFixed
	f.illegalFixed.Refresh()
	// The pack's reason says it first, as a rule; said once (issue 20
	// item 8).
	noAttach := req.AttachmentsReason
	if !strings.HasPrefix(noAttach, "No image or file can be attached") {
		noAttach = "No image or file can be attached anywhere here. " + noAttach
	}
	f.noAttach.SetText(noAttach)
	f.imageryBox.Hidden = !req.AskImagery
	f.imWhen.Hidden = f.imAttest.Selected != attestAccident
	f.imHow.Hidden = f.imWhen.Hidden
	f.imageryBox.Refresh()

	f.requirements.RemoveAll()
	var mine, theirs []fyne.CanvasObject
	for _, st := range req.Steps {
		if !st.Required {
			continue
		}
		line := fmt.Sprintf("%s (%s)", st.Step.Text, st.Step.Clause)
		switch {
		case st.Done:
			line = "✓ " + line
		case st.Skipped:
			line = "– " + line + ": not done, reason recorded"
		}
		l := widget.NewLabel(line)
		l.Wrapping = fyne.TextWrapWord
		if st.Step.Actor != session.ByPractitioner {
			theirs = append(theirs, l)
			continue
		}
		row := container.NewVBox(l)
		if !st.Done && !st.Skipped && len(st.Step.CompletedBy) == 0 {
			id := st.Step.ID
			row.Add(container.NewHBox(widget.NewButton("Done", func() { f.after(f.inc.CompleteStep(id, ""), "") }),
				widget.NewButton("Not doing this…", func() { f.skip(id) })))
		}
		mine = append(mine, row)
	}
	head := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	if len(mine) > 0 {
		f.requirements.Add(head("Your steps"))
		f.requirements.Objects = append(f.requirements.Objects, mine...)
	}
	var contacts []string
	for _, c := range req.Contacts {
		if c.Required {
			contacts = append(contacts, "• "+c.Contact.Label+contactNumber(c.Contact))
		}
	}
	if len(contacts) > 0 {
		f.requirements.Add(head("Tell"))
		f.requirements.Add(wrappedLabel(strings.Join(contacts, "\n")))
	}
	if len(theirs) > 0 {
		f.requirements.Add(head("The safeguarding lead will"))
		f.requirements.Objects = append(f.requirements.Objects, theirs...)
	}
	// Beside each route, why it is required, offered or excluded, in the
	// policy's words.
	var routes []fyne.CanvasObject
	for _, r := range req.Routes {
		mark, imp := "May refer to", widget.MediumImportance
		if r.Required {
			mark, imp = "Must refer to", widget.DangerImportance
		}
		name := widget.NewLabelWithStyle(fmt.Sprintf("%s %s (%s)", mark, r.Route.Label, r.Route.Clause), fyne.TextAlignLeading, fyne.TextStyle{Bold: r.Required})
		name.Wrapping = fyne.TextWrapWord
		name.Importance = imp
		why := wrappedLabel("Why: " + r.Why)
		routes = append(routes, container.NewVBox(name, why))
	}
	if len(routes) > 0 {
		f.requirements.Add(head("Referral routes"))
		f.requirements.Objects = append(f.requirements.Objects, routes...)
	}
	var excluded []string
	for _, e := range req.Excluded {
		excluded = append(excluded, fmt.Sprintf("• %s: not offered. Why: %s", strings.TrimSuffix(e.Label, "."), e.Reason))
	}
	if len(excluded) > 0 {
		f.requirements.Add(head("Not for this incident"))
		f.requirements.Add(wrappedLabel(strings.Join(excluded, "\n")))
	}
	f.requirements.Refresh()

	f.preventBox.RemoveAll()
	if req.Prevent && f.inc.MayWritePrevent() != nil {
		// Never a button that cannot work: the summary is the safeguarding
		// team's to write, once they acknowledge the incident.
		f.preventBox.Add(head("Prevent referral (section 4)"))
		f.preventBox.Add(wrappedLabel("Your safeguarding team writes the Prevent referral summary once they acknowledge this incident. Say in what happened how the concern arose and what was seen or said."))
	} else if req.Prevent {
		f.preventBox.Add(head("Prevent referral summary (section 4)"))
		draft := f.inc.PreventDraft()
		if d.Prevent != nil {
			draft = *d.Prevent
		}
		fields := []struct {
			label, value string
		}{{"How the concern arose", draft.HowConcernArose}, {"Indicators", draft.Indicators}, {"Online activity", draft.OnlineActivity},
			{"Needs", draft.Needs}, {"Discussions held", draft.DiscussionsHeld}}
		f.preventFields = nil
		for _, fl := range fields {
			e := multiline(fl.label)
			e.SetText(fl.value)
			f.preventFields = append(f.preventFields, e)
			f.preventBox.Add(widget.NewLabel(fl.label))
			f.preventBox.Add(e)
		}
		f.preventBox.Add(container.NewHBox(widget.NewButton("Save Prevent summary", func() {
			p := session.PreventSummary{HowConcernArose: f.preventFields[0].Text, Indicators: f.preventFields[1].Text,
				OnlineActivity: f.preventFields[2].Text, Needs: f.preventFields[3].Text, DiscussionsHeld: f.preventFields[4].Text}
			f.after(f.inc.SavePreventSummary(p), "Prevent summary saved.")
		})))
	}
	f.preventBox.Refresh()

	f.chronology.RemoveAll()
	var lines []string
	for _, c := range f.inc.Chronology() {
		line := fmt.Sprintf("%s  %s", f.clockText(c.At, "15:04:05"), c.Detail)
		if c.Rationale != "" {
			line += ": " + c.Rationale
		}
		lines = append(lines, line)
	}
	f.chronology.Add(wrappedLabel(strings.Join(lines, "\n")))
	f.chronology.Refresh()

	if f.inc.Status() != session.IncidentDraft && !f.unlinked {
		f.report.Disable()
		f.report.SetText("Reported")
	}
}

func contactNumber(c session.IncidentContact) string {
	if c.Number != "" {
		return ": " + c.Number
	}
	return ""
}

func wrappedLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (f *incidentForm) skip(id string) {
	why := entry("Why this step is not being done")
	why.OnSubmitted = func(string) {}
	f.requirements.Add(container.NewVBox(why, container.NewHBox(widget.NewButton("Record reason", func() {
		f.after(f.inc.SkipStep(id, strings.TrimSpace(why.Text)), "")
	}))))
	f.requirements.Refresh()
	f.focusOnOpen(why)
}

// reportTapped sends the incident: sealed to the safeguarding team and the
// recovery key, durably stored, and first in the sync queue.
//
// The report is made on a copy of the incident and becomes the screen's
// only once it is saved (issue 15): a save that fails (a full disk, a
// locked database) leaves the incident a draft that can be reported again.
func (f *incidentForm) reportTapped() {
	if f.unlinked {
		f.linkSession(f.inc.Document().ID)
		return
	}
	// What is in the boxes is what is reported (issue 20): no Save first.
	next, err := session.RestoreIncident(f.cfg.Pack, f.cfg.Clock, f.inc.Document(), f.actor())
	if err == nil {
		err = next.KeepTyping(f.typing())
	}
	if err == nil {
		err = next.ApplyTyping(strings.TrimSpace(f.changeWhy.Text))
	}
	if err == nil {
		err = next.Report()
	}
	if err != nil {
		f.status.SetText(plainWords(err, reporting))
		return
	}
	doc := next.Document()
	f.report.Disable()
	f.status.SetText("Sealing and saving…")
	// In turn with the draft's saves: a draft saved on leaving while the
	// report is on its way waits for it, and then has nothing to save.
	f.journal.inTurn(f.mine.turn(), func(done func()) {
		f.background(func(ctx context.Context) error {
			_, err := f.cfg.Vault.ReportIncident(ctx, doc.ID, doc, nil)
			return err
		}, func(err error) {
			defer done()
			if err != nil {
				f.report.Enable()
				f.status.SetText("Not sent: " + plainWords(err, reporting) + " Call your safeguarding lead now.")
				return
			}
			f.inc = next
			f.mine.remember(next.Document())
			f.sync.kick()
			f.status.SetText(reportedText)
			f.refresh()
			f.linkSession(doc.ID)
		})
	})
}

const reportedText = "Reported to the safeguarding team. It goes first when this laptop next syncs; if anyone is at risk now, phone them too."

// linkSession saves, in the session the incident was raised from, that it
// is reported, so its record may now be signed (issue 13). The session
// changes only once that is saved (issue 15); until then Report saves it
// again.
func (f *incidentForm) linkSession(id string) {
	s := f.from.session
	if s == nil {
		return
	}
	f.journal.commitChange(s, func(c *session.Session) error { return c.IncidentReported(id) }, func(err error) {
		var ns *notSavedError
		if errors.As(err, &ns) {
			f.unlinked = true
			f.report.SetText("Save it in the session's record")
			f.report.Enable()
			f.status.SetText("Reported to the safeguarding team, but the session's record does not know it yet. " + notSaved(ns.err))
			return
		}
		if f.unlinked {
			f.unlinked = false
			f.status.SetText(reportedText)
			f.refresh()
		}
	})
}

// saveIncidentDraft autosaves an incident being raised, sealed to its author.
func (sh *shell) saveIncidentDraft(inc *session.Incident, status func(string)) {
	if sh.cfg.Vault == nil || inc.Status() != session.IncidentDraft {
		return
	}
	doc := inc.Document()
	sh.background(func(ctx context.Context) error { return sh.cfg.Vault.SaveIncidentDraft(ctx, doc) }, func(err error) {
		if err != nil && status != nil {
			status("Not saved: " + plainWords(err, saving))
		}
	})
}

// buildQuestions makes one row per question of the pack, filled with the
// answers as chosen; refreshQuestions shows only those the domain asks now.
func (f *questionWidgets) buildQuestions(a session.AnswersTyping) *fyne.Container {
	pk := f.u.cfg.Pack
	changed := func(submitted bool) {
		if f.changed != nil {
			f.changed(submitted)
		}
	}
	yn := func(v session.Choice) *widget.RadioGroup {
		r := widget.NewRadioGroup([]string{yes, no}, nil)
		r.Horizontal = true
		r.SetSelected(map[session.Choice]string{session.ChoiceYes: yes, session.ChoiceNo: no}[v])
		return r
	}
	text := func(placeholder, v string) *widget.Entry {
		e := entry(placeholder)
		e.SetText(v)
		return e
	}
	var sevs []string
	for _, s := range pk.Incident.Severities {
		sevs = append(sevs, s.Label)
	}
	f.qSeverity = widget.NewSelect(sevs, nil)
	f.qSeverity.PlaceHolder = "Choose the severity"
	if s, ok := pk.Severity(a.Severity); ok {
		f.qSeverity.SetSelected(s.Label)
	}
	f.qWho = widget.NewRadioGroup([]string{whoAdult, whoChild, whoUnknown}, nil)
	f.qWho.Horizontal = true
	f.qWho.SetSelected(map[session.PartyAge]string{session.PartyAdult: whoAdult, session.PartyChild: whoChild, session.PartyUnknown: whoUnknown}[a.OtherParty])
	f.qAge = text("Their age, if known", a.OtherAge)
	var rels []string
	for _, r := range session.Relationships() {
		rels = append(rels, r.Label())
	}
	f.qRelationship = widget.NewSelect(rels, nil)
	f.qRelationship.PlaceHolder = "How they know each other"
	if a.Relationship != "" {
		f.qRelationship.SetSelected(a.Relationship.Label())
	}
	f.qImages = widget.NewRadioGroup([]string{imagesYes, imagesNo}, nil)
	f.qImages.Horizontal = true
	f.qImages.SetSelected(map[session.Choice]string{session.ChoiceYes: imagesYes, session.ChoiceNo: imagesNo}[a.NudeImagery])
	f.qIntent, f.qReckless, f.qShared, f.qThreats = yn(a.IntentToHarm), yn(a.RecklessMisuse), yn(a.SharedWithoutConsent), yn(a.ThreatsOrCoercion)
	f.qSharer = text("Reference of the young person who shared it", a.Sharers)
	f.qHarmed = text("Reference of the young person harmed, if not the person above", a.Harmed)
	f.qCompany = yn(a.CompanySystems)
	f.qPlatform = text("Platform or app, for example Snapchat", a.Platform)
	// Handlers only now: filling them is not a change.
	for _, r := range []*widget.RadioGroup{f.qWho, f.qImages, f.qIntent, f.qReckless, f.qShared, f.qThreats, f.qCompany} {
		r.OnChanged = func(string) { changed(true) }
	}
	for _, sel := range []*widget.Select{f.qSeverity, f.qRelationship} {
		sel.OnChanged = func(string) { changed(true) }
	}
	for _, e := range []*widget.Entry{f.qAge, f.qSharer, f.qHarmed, f.qPlatform} {
		e.OnChanged = func(string) { changed(false) }
		e.OnSubmitted = func(string) { changed(true) }
	}

	widgets := map[string][]fyne.CanvasObject{
		session.QSeverity:             {f.qSeverity},
		session.QOtherParty:           {f.qWho, container.NewGridWithColumns(2, f.qAge, f.qRelationship)},
		session.QNudeImagery:          {f.qImages},
		session.QIntentToHarm:         {f.qIntent},
		session.QRecklessMisuse:       {f.qReckless},
		session.QSharedWithoutConsent: {f.qShared},
		session.QThreatsOrCoercion:    {f.qThreats},
		session.QYoungPeople:          {f.qSharer, f.qHarmed},
		session.QWhere:                {widget.NewLabel("On a company device or network?"), f.qCompany, f.qPlatform},
	}
	box := container.NewVBox(widget.NewLabelWithStyle("What the rules need to know", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	f.qRows, f.qNeeded = map[string]*fyne.Container{}, map[string]*widget.Label{}
	for _, q := range pk.Incident.Questions {
		ws, ok := widgets[q.ID]
		if !ok {
			continue
		}
		text := widget.NewLabelWithStyle(q.Text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		text.Wrapping = fyne.TextWrapWord
		why := wrappedLabel("Why we ask: " + q.Why + " (" + string(q.Clause) + ")")
		why.TextStyle = fyne.TextStyle{Italic: true}
		needed := widget.NewLabel("Needed before the incident can close.")
		needed.Importance = widget.WarningImportance
		row := container.NewVBox(append([]fyne.CanvasObject{text, why, needed}, ws...)...)
		f.qRows[q.ID], f.qNeeded[q.ID] = row, needed
		box.Add(row)
	}
	if f.save != nil {
		box.Add(container.NewHBox(widget.NewButton("Save these answers", f.save)))
	}
	return box
}

// refreshQuestions shows the questions the domain asks of the incident as
// it stands, and hides the rest: they change nothing here.
func (f *questionWidgets) refreshQuestions(req session.Requirements) {
	asked := map[string]session.QuestionStatus{}
	for _, q := range req.Questions {
		asked[q.Question.ID] = q
	}
	for id, row := range f.qRows {
		q, ok := asked[id]
		row.Hidden = !ok || q.Implied
		f.qNeeded[id].Hidden = !q.Required || q.Answered
		row.Refresh()
	}
}

// answers reads the answers as chosen; unanswered questions stay
// unanswered, never "no".
func (f *questionWidgets) answers() session.AnswersTyping {
	pk := f.u.cfg.Pack
	var a session.AnswersTyping
	for _, s := range pk.Incident.Severities {
		if s.Label == f.qSeverity.Selected {
			a.Severity = s.ID
		}
	}
	a.OtherParty = map[string]session.PartyAge{whoAdult: session.PartyAdult, whoChild: session.PartyChild, whoUnknown: session.PartyUnknown}[f.qWho.Selected]
	a.OtherAge = f.qAge.Text
	for _, r := range session.Relationships() {
		if r.Label() == f.qRelationship.Selected {
			a.Relationship = r
		}
	}
	choice := func(r *widget.RadioGroup, yesText string) session.Choice {
		switch r.Selected {
		case "":
			return ""
		case yesText:
			return session.ChoiceYes
		}
		return session.ChoiceNo
	}
	a.NudeImagery = choice(f.qImages, imagesYes)
	a.IntentToHarm = choice(f.qIntent, yes)
	a.RecklessMisuse = choice(f.qReckless, yes)
	a.SharedWithoutConsent = choice(f.qShared, yes)
	a.ThreatsOrCoercion = choice(f.qThreats, yes)
	a.CompanySystems = choice(f.qCompany, yes)
	a.Platform, a.Sharers, a.Harmed = f.qPlatform.Text, f.qSharer.Text, f.qHarmed.Text
	return a
}

// circumstances reads the answers given (answers, read by the domain).
func (f *questionWidgets) circumstances() (session.Circumstances, error) {
	return f.answers().Circumstances()
}

// classificationWidgets choose what kind of incident it is (1.4, 3, 4): the
// type, its subtype where it has them, and the category. The
// practitioner's incident screen and the DSL's case screen both use them;
// onChange is called after the person changes a choice.
type classificationWidgets struct {
	u                       *shell
	category, kind, subtype *widget.Select
	adult, welfare          *widget.Check
	changeWhy               *widget.Entry
	// help is the pack's words for the type chosen and each of its
	// subtypes (what makes sharing experimental or aggravated, 3.4.7), so
	// the choice is made on the policy's terms, not the label's.
	help     *widget.Label
	onChange func()
	filling  bool
}

func newClassificationWidgets(u *shell) *classificationWidgets {
	pk := u.cfg.Pack
	c := &classificationWidgets{u: u}
	var cats, kinds []string
	for _, cat := range pk.Incident.Categories {
		cats = append(cats, cat.Label)
	}
	for _, t := range pk.Incident.Types {
		kinds = append(kinds, t.Label)
	}
	changed := func() {
		if !c.filling && c.onChange != nil {
			c.onChange()
		}
	}
	c.category = widget.NewSelect(cats, func(string) { changed() })
	c.category.PlaceHolder = "Content, contact, conduct or commerce"
	c.subtype = widget.NewSelect(nil, func(string) { changed() })
	c.subtype.PlaceHolder = "Which kind"
	c.kind = widget.NewSelect(kinds, func(string) { c.kindChanged(); changed() })
	c.kind.PlaceHolder = "Choose the type"
	c.adult = widget.NewCheck("An adult was involved", func(bool) { changed() })
	c.welfare = widget.NewCheck("Concern for the person's welfare", func(bool) { changed() })
	c.changeWhy = entry("Why the classification changed")
	c.help = wrappedLabel("")
	c.help.TextStyle = fyne.TextStyle{Italic: true}
	c.help.Hide()
	return c
}

// box lays the widgets out, type first: the type brings its subtypes and
// its usual category.
func (c *classificationWidgets) box() *fyne.Container {
	return container.NewVBox(c.kind, c.subtype, c.help, c.category, container.NewGridWithColumns(2, c.adult, c.welfare), c.changeWhy)
}

// fill shows a stored classification without calling onChange.
func (c *classificationWidgets) fill(d session.IncidentDocument) {
	pk := c.u.cfg.Pack
	c.filling = true
	defer func() { c.filling = false }()
	if t, ok := pk.IncidentType(d.Type); ok {
		c.kind.SetSelected(t.Label)
		c.kindChanged()
		if st, ok := t.Subtype(d.Subtype); ok {
			c.subtype.SetSelected(st.Label)
		}
	}
	if cat, ok := pk.IncidentCategory(d.Category); ok {
		c.category.SetSelected(cat.Label)
	}
	c.adult.SetChecked(d.AdultInvolved)
	c.welfare.SetChecked(d.WelfareConcern)
}

func (c *classificationWidgets) selectedType() (session.IncidentType, bool) {
	for _, t := range c.u.cfg.Pack.Incident.Types {
		if t.Label == c.kind.Selected {
			return t, true
		}
	}
	return session.IncidentType{}, false
}

// kindChanged offers the chosen type's subtypes, with the pack's help for
// each, and its default category.
func (c *classificationWidgets) kindChanged() {
	t, ok := c.selectedType()
	// Clearing the subtype and setting the category are part of this
	// change, not changes of their own.
	was := c.filling
	c.filling = true
	defer func() { c.filling = was }()
	c.subtype.Options = nil
	c.subtype.ClearSelected()
	var help []string
	if ok {
		if t.Help != "" {
			help = append(help, t.Help)
		}
		for _, s := range t.Subtypes {
			c.subtype.Options = append(c.subtype.Options, s.Label)
			if s.Help != "" {
				help = append(help, fmt.Sprintf("%s (%s): %s", s.Label, s.Clause, s.Help))
			}
		}
		// A new type brings its own default category (1.4); the person
		// classifying may still choose another.
		if cat, ok := c.u.cfg.Pack.IncidentCategory(t.Category); ok && (c.category.Selected == "" || !was) {
			c.category.SetSelected(cat.Label)
		}
	}
	c.subtype.Hidden = len(c.subtype.Options) == 0
	c.subtype.Refresh()
	c.help.SetText(strings.Join(help, "\n"))
	c.help.Hidden = len(help) == 0
	c.help.Refresh()
}

// classification reads the choices; false while no type is chosen.
func (c *classificationWidgets) classification() (session.Classification, bool) {
	t, ok := c.selectedType()
	if !ok {
		return session.Classification{}, false
	}
	cl := session.Classification{Type: t.ID, AdultInvolved: c.adult.Checked, WelfareConcern: c.welfare.Checked}
	for _, cat := range c.u.cfg.Pack.Incident.Categories {
		if cat.Label == c.category.Selected {
			cl.Category = cat.ID
		}
	}
	for _, s := range t.Subtypes {
		if s.Label == c.subtype.Selected {
			cl.Subtype = s.ID
		}
	}
	return cl, true
}
