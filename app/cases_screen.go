package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/records"
	"safeguard/companion/report"
	"safeguard/companion/session"
	"safeguard/companion/vault"
)

// caseScreen is one incident shown to the DSL: everything reported, the
// chronology, and the DSL's side of the flow. Every rule is the domain's:
// the screen restores the Incident from the latest version, calls its
// method, shows its refusal in words or seals the result as a new version.
type caseScreen struct {
	*shell
	nav   navigator
	sync  *syncStatus
	typed *keptWords
	recs  *records.Index
	c     *records.Case
	// using are the kept boxes (keptwords.go) the action being taken
	// reads: once it is saved they are emptied.
	using []string
	back  func()
	inc   *session.Incident
	msg   *widget.Label
	busy  bool
}

// showCase shows one incident to the DSL. Opening it is audited.
func (u *UI) showCase(recs *records.Index, c *records.Case, back func()) {
	u.viewed(c.Latest.Entry.Header.ID)
	(&caseScreen{shell: u.shell, nav: u, sync: u.sync, typed: u.typed, recs: recs, c: c, back: back}).render("")
}

// render draws the case screen; after an action it is drawn again without
// auditing another view. note is shown in the message line.
func (cs *caseScreen) render(note string) {
	d := cs.c.Doc()
	inc, err := session.RestoreIncident(cs.cfg.Pack, cs.cfg.Clock, d, cs.caseActor())
	if err != nil {
		// Made under another policy pack: shown, but not worked here.
		body := wrappedLabel("This incident cannot be worked on this device: " + plainWords(err, caseWork))
		cs.nav.show("Incident", body, widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), cs.back))
		return
	}
	cs.inc = inc
	cs.msg = wrappedLabel(note)
	cs.msg.Importance = widget.SuccessImportance
	left := container.NewVScroll(container.NewPadded(container.NewVBox(cs.facts(d)...)))
	right := container.NewVScroll(container.NewPadded(container.NewVBox(cs.actions(d)...)))
	split := container.NewHSplit(left, right)
	split.Offset = 0.52
	title := "Incident: " + d.Subject.Reference
	cs.nav.show(title, split, widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), cs.back))
}

func bold(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Wrapping = fyne.TextWrapWord
	return l
}

// facts is the incident as reported and worked: origin, who it is about,
// what happened, classification, answers, imagery, and the chronology.
func (cs *caseScreen) facts(d session.IncidentDocument) []fyne.CanvasObject {
	pk := cs.cfg.Pack
	now := cs.cfg.Clock.Now()
	var out []fyne.CanvasObject
	// shown holds every line printed above the chronology, so the
	// chronology does not print it again.
	shown := map[string]bool{}
	add := func(head, text string) {
		if text == "" {
			return
		}
		out = append(out, bold(head), wrappedLabel(text))
		for _, line := range strings.Split(text, "\n") {
			shown[strings.TrimSuffix(strings.TrimSpace(line), ".")] = true
		}
	}

	status := caseStatusText(cs.shell, d)
	if d.Status == session.IncidentReported {
		status = fmt.Sprintf("Not yet acknowledged: escalated %s ago", waited(now.Sub(d.RaisedAt)))
	}
	head := bold(report.CaseLabel(pk, d) + " · " + status)
	out = append(out, head)
	if o := caseOverdue(d, now); len(o) > 0 {
		l := bold("OVERDUE: " + strings.Join(o, " · "))
		l.Importance = widget.DangerImportance
		out = append(out, l)
	}

	var origin strings.Builder
	fmt.Fprintf(&origin, "Raised by %s at %s", cs.personName(d.Author), cs.clockText(d.RaisedAt, "15:04 on Monday 2 January 2006"))
	switch d.Origin.Kind {
	case session.OriginSession:
		fmt.Fprintf(&origin, ", %s into a session", waited(d.Origin.Elapsed))
		if pl, ok := pk.Platform(d.Platform); ok {
			fmt.Fprintf(&origin, " on %s", pl.Label)
		}
	case session.OriginRecord:
		origin.WriteString(", from the record of a session")
	default:
		origin.WriteString(", from home")
	}
	origin.WriteString(".")
	if d.Context != "" {
		origin.WriteString("\n" + d.Context)
	}
	add("Where it came from", origin.String())
	add("Retention", strings.TrimPrefix(cs.retentionText(session.IncidentRetentionFacts(d)), "Retention: ")) // issue 16
	var said []string
	for _, w := range d.Disclosures {
		said = append(said, "“"+w+"”")
	}
	add("Disclosures, in their exact words", strings.Join(said, "\n"))

	subject := "Customer " + d.Subject.Reference
	if age, known := d.Subject.AgeOn(d.RaisedAt); known {
		subject += fmt.Sprintf(", aged %d", age)
	} else {
		subject += ", age not known (treated as a child)"
	}
	if d.Subject.AdultAtRisk {
		subject += ", adult at risk"
	}
	add("Who it is about", subject)
	add("What happened", d.Description)

	var cls []string
	if t, ok := pk.IncidentType(d.Type); ok {
		cat, _ := pk.IncidentCategory(d.Category)
		cls = append(cls, fmt.Sprintf("%s (%s), %s (%s)", cat.Label, cat.Clause, t.Label, t.Clause))
		if st, ok := t.Subtype(d.Subtype); ok {
			cls = append(cls, fmt.Sprintf("%s (%s)", st.Label, st.Clause))
		}
	} else {
		cls = append(cls, "Not classified yet.")
	}
	if d.AdultInvolved {
		cls = append(cls, "An adult was involved.")
	}
	if d.WelfareConcern {
		cls = append(cls, "Concern for the person's welfare.")
	}
	add("Classification (1.4, 3, 4)", strings.Join(cls, "\n"))

	req := cs.inc.Requirements()
	answer := func(b *bool) string {
		switch {
		case b == nil:
			return "not answered"
		case *b:
			return "yes"
		}
		return "no"
	}
	illegal := "Illegal: " + answer(d.Illegal)
	if req.IllegalFixed {
		illegal = "Illegal: yes. " + req.IllegalReason
	}
	annex1 := illegal + "\nImmediate risk: " + answer(d.ImmediateRisk) + "\nWhere this stands: " + req.Branch.Label()
	for _, q := range req.Questions {
		if q.Required && !q.Answered {
			annex1 += "\nNot answered yet: " + q.Question.Text
		}
	}
	add("Annex 1 questions", annex1)

	if im := d.Imagery; im != nil {
		where := strings.Join(nonEmptyStrings(im.Platform, im.Account, im.URL), ", ")
		att := "Not viewed (attested by " + cs.personName(im.RecordedBy) + ")."
		if im.Attestation == session.ViewedByAccident {
			att = fmt.Sprintf("Seen by accident at %s: %s", cs.clockText(im.ViewedAt, "2 Jan 2006 15:04"), im.ViewedHow)
		}
		add("Imagery: where it is, never the imagery", where+"\n"+att)
	}
	if p := d.Prevent; p != nil {
		add("Prevent referral summary", fmt.Sprintf("How the concern arose: %s\nIndicators: %s\nOnline activity: %s\nNeeds: %s\nDiscussions held: %s",
			p.HowConcernArose, p.Indicators, p.OnlineActivity, p.Needs, p.DiscussionsHeld))
	}
	if d.Status == session.IncidentClosed {
		closed := fmt.Sprintf("Closed by %s at %s: %s", cs.personName(d.ClosedBy), cs.clockText(d.ClosedAt, "2 Jan 2006 15:04"), d.Outcome)
		if d.CloseReason != "" {
			closed += "\nClosed with things left undone, because: " + d.CloseReason
		}
		add("Outcome", closed)
	}

	var chron []string
	for _, e := range d.Chronology {
		what := e.Detail
		if shown[strings.TrimSuffix(strings.TrimSpace(what), ".")] {
			what = chronologyEvent(e.Event) + " (as above)"
		}
		if e.Event == session.EventRaised {
			// Where it came from is above, in words.
			what = "Raised"
		}
		line := fmt.Sprintf("%s · %s · %s", cs.clockText(e.At, "2 Jan 2006 15:04"), cs.personName(e.By), what)
		if e.Rationale != "" {
			line += ". Why: " + e.Rationale
		}
		chron = append(chron, line)
	}
	add("Chronology", strings.Join(chron, "\n"))

	versions := fmt.Sprintf("Version %d, sealed by %s at %s. Every version is checked to extend the one before.",
		len(cs.c.Versions), authorName(cs.c.Latest), cs.clockText(cs.c.Latest.Entry.Header.Created, "2 Jan 2006 15:04"))
	out = append(out, widget.NewSeparator(), wrappedLabel(versions))
	for _, o := range cs.c.Others {
		l := wrappedLabel(fmt.Sprintf("%s wrote another version at %s from the same earlier version; it is not part of what is shown here. Check with them and record what they did again.",
			authorName(o), cs.clockText(o.Entry.Header.Created, "2 Jan 2006 15:04")))
		l.Importance = widget.WarningImportance
		out = append(out, l)
	}
	for _, it := range cs.recs.Refused {
		if it.Incident.ID == d.ID {
			l := wrappedLabel("A version of this incident was refused and is not shown: " + it.Refused + ". Tell your ICT administrator.")
			l.Importance = widget.DangerImportance
			out = append(out, l)
		}
	}
	return out
}

func nonEmptyStrings(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// act applies one DSL action to the incident as it stands and, if the
// domain accepts it, seals the result as a new version whose parent is the
// latest one. A refusal is shown in the domain's words and nothing is sealed.
func (cs *caseScreen) act(done string, apply func(*session.Incident) error) {
	cs.actSaying(func(i *session.Incident) (string, error) { return done, apply(i) })
}

// actSaying is act for an action whose message depends on what it changed.
func (cs *caseScreen) actSaying(apply func(*session.Incident) (string, error)) {
	used := cs.using
	cs.using = nil
	if cs.busy {
		return
	}
	prev := cs.c.Latest
	inc, err := session.RestoreIncident(cs.cfg.Pack, cs.cfg.Clock, *prev.Incident, cs.caseActor())
	var done string
	if err == nil {
		done, err = apply(inc)
	}
	if err != nil {
		cs.refuse(err)
		return
	}
	doc := inc.Document()
	// The domain only appends; checked again here because a version that
	// failed this would be refused on every device that reads it.
	if err := doc.Extends(*prev.Incident); err != nil {
		cs.refuse(err)
		return
	}
	cs.busy = true
	cs.msg.Importance = widget.MediumImportance
	cs.msg.SetText("Sealing and saving…")
	id := cs.cfg.NewID()
	parent := prev.Entry
	var saved vault.Entry
	cs.background(func(ctx context.Context) error {
		// Sealed for the raiser too, so they see what became of what
		// they escalated.
		e, err := cs.cfg.Vault.ReportIncidentFor(ctx, id, doc, &parent, vault.SubjectOf(parent))
		saved = e
		return err
	}, func(err error) {
		cs.busy = false
		if err == nil {
			err = cs.recs.Add(saved)
		}
		if err != nil {
			cs.msg.Importance = widget.DangerImportance
			cs.msg.SetText("Not saved: " + plainWords(err, caseWork))
			return
		}
		cs.sync.kick()
		cs.typed.forget(used...)
		if c, ok := cs.recs.Case(doc.ID); ok {
			cs.c = c
		}
		cs.render(done)
	})
}

// keep keeps what is typed in e, a box of this case called box, until an
// action that uses it is saved (issue 20 item 2).
func (cs *caseScreen) keep(box string, e *widget.Entry) string {
	key := cs.keyOf(box)
	cs.typed.keep(key, e)
	return key
}

// keyOf is the key of this case's box called box (keptwords.go).
func (cs *caseScreen) keyOf(box string) string {
	return "case:" + cs.inc.Document().ID + ":" + box
}

// refuse shows why an action was refused or not saved, in the app's one
// voice for errors (plainWords).
func (cs *caseScreen) refuse(err error) {
	cs.msg.Importance = widget.DangerImportance
	cs.msg.SetText(plainList(err, caseWork))
}

// actions is the DSL's side of the flow, as the domain offers it now.
func (cs *caseScreen) actions(d session.IncidentDocument) []fyne.CanvasObject {
	req := cs.inc.Requirements()
	out := []fyne.CanvasObject{cs.msg}
	if !cs.caseActor().Safeguarding {
		out = append(out, wrappedLabel("Only a safeguarding lead can work an incident."))
		return out
	}
	switch d.Status {
	case session.IncidentClosed:
		return append(out, bold("This incident is closed."))
	case session.IncidentReported:
		ack := widget.NewButtonWithIcon("Acknowledge", theme.ConfirmIcon(), func() {
			cs.act("Acknowledged.", func(i *session.Incident) error { return i.Acknowledge() })
		})
		ack.Importance = widget.HighImportance
		return append(out, bold("Acknowledge to start working it; the time it waited is recorded."), ack)
	}
	// The classification and the questions first: they decide the
	// routes. Then referrals: they are what the policy most often demands,
	// and what a closing is most often refused for.
	out = append(out, cs.classifyBox(d)...)
	out = append(out, cs.questionsBox(d, req)...)
	out = append(out, cs.routesBox(req)...)
	out = append(out, cs.sharingBox(d)...)
	out = append(out, cs.stepsBox(req)...)
	out = append(out, cs.followUpsBox(d)...)
	if req.Prevent {
		out = append(out, cs.preventBox(d)...)
	}
	out = append(out, cs.noteBox()...)
	out = append(out, cs.closeBox()...)
	return out
}

// stepsBox lists the required steps, with Done and "not doing this" for
// each still open; the steps the flow offers but does not require are
// folded away below them.
func (cs *caseScreen) stepsBox(req session.Requirements) []fyne.CanvasObject {
	out := []fyne.CanvasObject{widget.NewSeparator(), bold("Required steps (Annex 1 and the UKCIS initial response)")}
	optional := container.NewVBox()
	n := 0
	for _, st := range req.Steps {
		if st.Required {
			out = append(out, cs.stepRow(st)...)
		} else {
			optional.Objects = append(optional.Objects, cs.stepRow(st)...)
			n++
		}
	}
	if n > 0 {
		out = append(out, widget.NewAccordion(widget.NewAccordionItem(fmt.Sprintf("Other steps the policy offers (%d)", n), optional)))
	}
	return out
}

func (cs *caseScreen) stepRow(st session.StepStatus) []fyne.CanvasObject {
	text := fmt.Sprintf("%s (%s)", st.Step.Text, st.Step.Clause)
	switch {
	case st.Done:
		return []fyne.CanvasObject{wrappedLabel("✓ " + text)}
	case st.Skipped:
		return []fyne.CanvasObject{wrappedLabel("– " + text + ". Not done: " + st.Record.SkipReason)}
	}
	l := wrappedLabel("○ " + text)
	if st.Required {
		l.Importance = widget.WarningImportance
	}
	id := st.Step.ID
	why := entry("Why this step is not being taken")
	whyKey := cs.keep("skip:"+id, why)
	skip := widget.NewButton("Not doing this", func() {
		cs.using = []string{whyKey}
		cs.act("Recorded why the step is not being taken.", func(i *session.Incident) error { return i.SkipStep(id, why.Text) })
	})
	var row []fyne.CanvasObject
	if len(st.Step.CompletedBy) == 0 {
		row = append(row, widget.NewButton("Done", func() {
			cs.act("Step recorded as done.", func(i *session.Incident) error { return i.CompleteStep(id, "") })
		}))
	} else {
		l.SetText(l.Text + "\nDone by " + cs.completedByText(st.Step.CompletedBy) + ".")
	}
	row = append(row, skip)
	return []fyne.CanvasObject{l, container.NewBorder(nil, nil, nil, container.NewHBox(row...), why)}
}

// completedByText says in words which events complete a step.
func (cs *caseScreen) completedByText(events []string) string {
	var out []string
	for _, ev := range events {
		if route, ok := strings.CutPrefix(ev, "referral:"); ok {
			out = append(out, "a referral to "+routeLabel(cs.shell, route))
			continue
		}
		switch ev {
		case session.CompletedByReport:
			out = append(out, "reporting the incident")
		case session.CompletedByAck:
			out = append(out, "acknowledging it")
		case session.CompletedByImagery:
			out = append(out, "recording where the imagery is")
		case session.CompletedByPrevent:
			out = append(out, "saving the Prevent summary")
		case session.CompletedByFollowUp:
			out = append(out, "setting a monitoring follow-up")
		case session.CompletedBySeverity:
			out = append(out, "answering how severe it is")
		default:
			out = append(out, ev)
		}
	}
	return strings.Join(out, ", or ")
}

const referralTimeLayout = "02/01/2006 15:04"

// routesBox shows the referral routes the flow offers, what was decided on
// each, and the form to record a referral or a decision not to refer.
func (cs *caseScreen) routesBox(req session.Requirements) []fyne.CanvasObject {
	out := []fyne.CanvasObject{widget.NewSeparator(), bold("Referrals")}
	var tell []string
	for _, c := range req.Contacts {
		if c.Required {
			tell = append(tell, c.Contact.Label+contactNumber(c.Contact))
		}
	}
	if len(tell) > 0 {
		out = append(out, wrappedLabel("To be told (Annex 1 relevant person): "+strings.Join(tell, "; ")+"."))
	}
	var names []string
	var ids []string
	for _, r := range req.Routes {
		line := r.Route.Label
		if r.Required {
			line += " (required)"
		}
		switch r.Decision() {
		case session.RouteReferred:
			for _, ref := range r.Referrals {
				line += fmt.Sprintf(": referred %s", cs.clockText(ref.ReferredAt, "2 Jan 2006 15:04"))
				if ref.Reference != "" {
					line += ", reference " + ref.Reference
				}
			}
			line = "✓ " + line
		case session.RouteDeclined:
			line = "– " + line + ": not referred. " + r.Declined.Reason
		default:
			line = "○ " + line + ": " + r.Route.Purpose
		}
		l := wrappedLabel(line)
		if r.Required && r.Decision() == session.RouteOpen {
			l.Importance = widget.WarningImportance
		}
		out = append(out, l)
		names = append(names, r.Route.Label)
		ids = append(ids, r.Route.ID)
	}
	var excluded []string
	for _, e := range req.Excluded {
		if e.Kind == "route" {
			excluded = append(excluded, fmt.Sprintf("Not for this incident: %s. %s", e.Label, e.Reason))
		}
	}
	if len(excluded) > 0 {
		l := wrappedLabel(strings.Join(excluded, "\n"))
		l.Importance = widget.LowImportance
		out = append(out, l)
	}
	if len(names) == 0 {
		return append(out, wrappedLabel("The flow offers no referral route for this incident as it stands."))
	}
	route := widget.NewSelect(names, nil)
	route.PlaceHolder = "Agency"
	ref := entry("Agency's reference number")
	when := entry("Referred at DD/MM/YYYY HH:MM")
	// Most referrals are recorded as they are made: now, to be corrected
	// if it was earlier.
	when.SetText(cs.clockText(cs.cfg.Clock.Now(), referralTimeLayout))
	note := entry("Note (how it was made; why no reference yet)")
	refKeys := []string{cs.keep("referral ref", ref), cs.keep("referral time", when), cs.keep("referral note", note)}
	chosen := func() string {
		if i := route.SelectedIndex(); i >= 0 {
			return ids[i]
		}
		return ""
	}
	record := widget.NewButtonWithIcon("Record referral", theme.MailSendIcon(), func() {
		r := session.IncidentReferral{RouteID: chosen(), Reference: ref.Text, Note: note.Text}
		if s := strings.TrimSpace(when.Text); s != "" {
			t, err := time.ParseInLocation(referralTimeLayout, s, cs.cfg.Pack.Location())
			if err != nil {
				cs.refuse(&session.FieldError{Field: "referral time", Message: "write the time of the referral as DD/MM/YYYY HH:MM, for example " + cs.clockText(cs.cfg.Clock.Now(), referralTimeLayout) + ", or leave it empty for now"})
				return
			}
			r.ReferredAt = t
		}
		cs.using = refKeys
		cs.act("Referral recorded.", func(i *session.Incident) error { return i.RecordReferral(r) })
	})
	reason := entry("Why this referral is not being made")
	reasonKey := cs.keep("referral declined", reason)
	decline := widget.NewButton("Not referring", func() {
		id := chosen()
		cs.using = []string{reasonKey}
		cs.act("Decision not to refer recorded.", func(i *session.Incident) error { return i.DeclineRoute(id, reason.Text) })
	})
	return append(out, route, container.NewGridWithColumns(2, ref, when), note, container.NewHBox(record),
		container.NewBorder(nil, nil, nil, decline, reason))
}

const dueLayout = "02/01/2006"

// followUpsBox lists the monitoring follow-ups, overdue ones marked, with a
// form to add one and a way to record each as done.
func (cs *caseScreen) followUpsBox(d session.IncidentDocument) []fyne.CanvasObject {
	now := cs.cfg.Clock.Now()
	out := []fyne.CanvasObject{widget.NewSeparator(), bold("Monitoring follow-ups")}
	for _, f := range d.FollowUps {
		line := fmt.Sprintf("%s (%s), due %s", f.What, f.Who, cs.clockText(f.Due, "Mon 2 Jan 2006"))
		if !f.Open() {
			out = append(out, wrappedLabel(fmt.Sprintf("✓ %s. Done %s: %s", line, cs.clockText(f.DoneAt, "2 Jan"), f.Note)))
			continue
		}
		l := wrappedLabel("○ " + line)
		if f.Overdue(now) {
			l.SetText("OVERDUE: " + line)
			l.Importance = widget.DangerImportance
			l.TextStyle = fyne.TextStyle{Bold: true}
		}
		id := f.ID
		found := entry("What the check found")
		foundKey := cs.keep("found:"+id, found)
		done := widget.NewButton("Checked", func() {
			cs.using = []string{foundKey}
			cs.act("Follow-up recorded as done.", func(i *session.Incident) error { return i.CompleteFollowUp(id, found.Text) })
		})
		out = append(out, l, container.NewBorder(nil, nil, nil, done, found))
	}
	what := entry("What will be checked")
	who := entry("Who will check it")
	due := entry("Due (DD/MM/YYYY)")
	followKeys := []string{cs.keep("follow-up what", what), cs.keep("follow-up who", who), cs.keep("follow-up due", due)}
	add := widget.NewButtonWithIcon("Add follow-up", theme.ContentAddIcon(), func() {
		var t time.Time
		if s := strings.TrimSpace(due.Text); s != "" {
			var err error
			if t, err = time.ParseInLocation(dueLayout, s, cs.cfg.Pack.Location()); err != nil {
				cs.refuse(&session.FieldError{Field: "due", Message: "write the due date as DD/MM/YYYY, for example 09/12/2026"})
				return
			}
		}
		cs.using = followKeys
		cs.act("Follow-up set.", func(i *session.Incident) error {
			_, err := i.AddFollowUp(what.Text, who.Text, t)
			return err
		})
	})
	return append(out, what, container.NewGridWithColumns(2, who, due), container.NewHBox(add))
}

// preventBox is the Prevent referral summary, pre-filled by the domain from
// the record, for the DSL to check, complete and save.
func (cs *caseScreen) preventBox(d session.IncidentDocument) []fyne.CanvasObject {
	draft := cs.inc.PreventDraft()
	head := "Prevent referral summary (section 4)"
	if d.Prevent != nil {
		head += ": saved " + cs.clockText(d.Prevent.SavedAt, "2 Jan 2006 15:04")
	}
	out := []fyne.CanvasObject{widget.NewSeparator(), bold(head)}
	fields := []struct{ label, value string }{
		{"How the concern arose", draft.HowConcernArose}, {"Indicators", draft.Indicators},
		{"Online activity", draft.OnlineActivity}, {"Needs", draft.Needs}, {"Discussions held", draft.DiscussionsHeld},
	}
	es := make([]*textArea, len(fields))
	var keys []string
	for k, f := range fields {
		es[k] = multiline(f.label)
		es[k].SetText(f.value)
		keys = append(keys, cs.keep("prevent:"+f.label, &es[k].Entry))
		out = append(out, widget.NewLabel(f.label), es[k])
	}
	save := widget.NewButton("Save Prevent summary", func() {
		cs.using = keys
		p := session.PreventSummary{HowConcernArose: es[0].Text, Indicators: es[1].Text, OnlineActivity: es[2].Text, Needs: es[3].Text, DiscussionsHeld: es[4].Text}
		cs.act("Prevent summary saved.", func(i *session.Incident) error { return i.SavePreventSummary(p) })
	})
	return append(out, container.NewHBox(save))
}

// noteBox adds a note to the chronology: a call made, a discussion held.
func (cs *caseScreen) noteBox() []fyne.CanvasObject {
	note := multiline("A call made, a discussion held (added to the chronology)")
	noteKey := cs.keep("note", &note.Entry)
	add := widget.NewButton("Add note", func() {
		cs.using = []string{noteKey}
		cs.act("Note added.", func(i *session.Incident) error { return i.AddNote(note.Text) })
	})
	return []fyne.CanvasObject{widget.NewSeparator(), bold("Note"), note, container.NewHBox(add)}
}

// closeBox closes the incident with its outcome. The domain refuses while a
// required route is undecided, and while steps or follow-ups are left
// unless a reason is given; its messages are shown as they are.
func (cs *caseScreen) closeBox() []fyne.CanvasObject {
	outcome := multiline("Outcome: what was done and why the incident can close")
	reason := multiline("Only if closing with steps or follow-ups left: why")
	closeKeys := []string{cs.keep("outcome", &outcome.Entry), cs.keep("close reason", &reason.Entry)}
	closeBtn := widget.NewButtonWithIcon("Close incident", theme.CancelIcon(), func() {
		cs.using = closeKeys
		cs.act("Incident closed.", func(i *session.Incident) error { return i.Close(outcome.Text, reason.Text) })
	})
	closeBtn.Importance = widget.DangerImportance
	return []fyne.CanvasObject{widget.NewSeparator(), bold("Close"), outcome, reason, container.NewHBox(closeBtn)}
}

// questionsBox asks the DSL the questions the rules need, with the
// practitioner's widgets (questionWidgets), and the two Annex 1 questions
// while they are unanswered: an incident reported without them could never
// close otherwise. All answers given are saved as one new version, and the
// message says how the referral routes changed.
func (cs *caseScreen) questionsBox(d session.IncidentDocument, req session.Requirements) []fyne.CanvasObject {
	q := &questionWidgets{u: cs.shell}
	why := entry("Why an answer is changing (only when changing one already given)")
	var illegal, risk *widget.RadioGroup
	var illegalWhy, riskWhy *widget.Entry
	// Answering is the DSL's signed act, done by "Save these answers";
	// until then the answers chosen are kept like words typed
	// (keptwords.go), and go once saved (issue 20).
	answersKey := cs.keyOf("answers")
	used := []string{answersKey, cs.keep("answers why", why)}
	given := session.AnswersOf(d.Circumstances)
	chosen := given
	if s, ok := cs.typed.kept(answersKey); ok {
		_ = json.Unmarshal([]byte(s), &chosen) // kept by this app: on a fault, the answers given
	}
	q.changed = func(bool) {
		a, kept := q.answers(), ""
		if a != given {
			b, _ := json.Marshal(a) // plain strings: cannot fail
			kept = string(b)
		}
		cs.typed.setKept(answersKey, kept)
	}
	q.save = func() {
		c, err := q.circumstances()
		if err != nil {
			cs.refuse(err)
			return
		}
		cs.using = used
		cs.actSaying(func(i *session.Incident) (string, error) {
			before := i.Requirements()
			if err := i.SetCircumstances(c, why.Text); err != nil {
				return "", err
			}
			if illegal != nil && illegal.Selected != "" {
				if err := i.SetIllegal(illegal.Selected == yes, illegalWhy.Text); err != nil {
					return "", err
				}
			}
			if risk != nil && risk.Selected != "" {
				if err := i.SetImmediateRisk(risk.Selected == yes, riskWhy.Text); err != nil {
					return "", err
				}
			}
			return "Answers saved. " + requirementChanges(before, i.Requirements()), nil
		})
	}
	box := q.buildQuestions(chosen)
	q.refreshQuestions(req)
	var annex1 []fyne.CanvasObject
	if d.Illegal == nil && !req.IllegalFixed {
		illegal = widget.NewRadioGroup([]string{yes, no}, nil)
		illegal.Horizontal = true
		illegalWhy = entry("Why it is not illegal (needed for no)")
		used = append(used, cs.keep("illegal why", illegalWhy), cs.keyOf("illegal"))
		cs.typed.keepChoice(cs.keyOf("illegal"), illegal)
		annex1 = append(annex1, bold("Is the material or action illegal? (Annex 1)"), illegal, illegalWhy)
	}
	if d.ImmediateRisk == nil {
		risk = widget.NewRadioGroup([]string{yes, no}, nil)
		risk.Horizontal = true
		riskWhy = entry("Why no one is at immediate risk (needed for no)")
		used = append(used, cs.keep("risk why", riskWhy), cs.keyOf("risk"))
		cs.typed.keepChoice(cs.keyOf("risk"), risk)
		annex1 = append(annex1, bold("Is there an immediate risk? (Annex 1)"), risk, riskWhy)
	}
	// The rationale and the Annex 1 questions go above the box's own
	// "Save these answers" button, its last row.
	last := len(box.Objects) - 1
	rows := append(append(annex1, why), box.Objects[last])
	box.Objects = append(box.Objects[:last], rows...)
	open := len(annex1) > 0
	for _, q := range req.Questions {
		open = open || q.Required && !q.Answered
	}
	if open {
		return []fyne.CanvasObject{widget.NewSeparator(), box}
	}
	// All answered: folded away, so the referrals they decide come first.
	box.Objects = box.Objects[1:] // the heading, now the fold's title
	fold := widget.NewAccordion(widget.NewAccordionItem("What the rules need to know: all answered (open to change an answer)", box))
	return []fyne.CanvasObject{widget.NewSeparator(), fold}
}

// classifyBox lets the DSL classify the incident (1.4, 3, 4) with the
// practitioner's widgets (classificationWidgets): a practitioner may report
// without classifying, and an unclassified incident can never close. The
// classification is sealed as one new version, and the message says how
// the referral routes changed. Once classified it is folded away, open to
// change with a reason.
func (cs *caseScreen) classifyBox(d session.IncidentDocument) []fyne.CanvasObject {
	c := newClassificationWidgets(cs.shell)
	c.fill(d)
	save := widget.NewButtonWithIcon("Save the classification", theme.DocumentSaveIcon(), func() {
		cl, ok := c.classification()
		if !ok {
			cs.refuse(&session.FieldError{Field: "type", Message: "choose the type of incident first; it brings its usual category"})
			return
		}
		why := c.changeWhy.Text
		cs.actSaying(func(i *session.Incident) (string, error) {
			before := i.Requirements()
			if err := i.Classify(cl, why); err != nil {
				return "", err
			}
			return "Classified. " + requirementChanges(before, i.Requirements()), nil
		})
	})
	box := c.box()
	if d.Type == "" {
		c.changeWhy.Hide()
		needed := widget.NewLabel("Needed before the incident can close: the practitioner reported it without saying what kind it is.")
		needed.Wrapping = fyne.TextWrapWord
		needed.Importance = widget.WarningImportance
		return []fyne.CanvasObject{widget.NewSeparator(), bold("What kind of incident (1.4, 3, 4)"), needed, box, container.NewHBox(save)}
	}
	box.Add(container.NewHBox(save))
	label := report.CaseLabel(cs.cfg.Pack, d)
	fold := widget.NewAccordion(widget.NewAccordionItem("What kind of incident: "+label+" (open to change it)", box))
	return []fyne.CanvasObject{widget.NewSeparator(), fold}
}

// requirementChanges says in words how the referral routes and the
// questions asked changed between two readings of the requirements.
func requirementChanges(before, after session.Requirements) string {
	was := map[string]session.RouteStatus{}
	for _, r := range before.Routes {
		was[r.Route.ID] = r
	}
	var changes []string
	for _, r := range after.Routes {
		old, offered := was[r.Route.ID]
		delete(was, r.Route.ID)
		switch {
		case r.Required && !old.Required:
			changes = append(changes, r.Route.Label+" is now required")
		case !r.Required && old.Required:
			changes = append(changes, r.Route.Label+" is no longer required, only offered")
		case !offered:
			changes = append(changes, r.Route.Label+" is now offered")
		}
	}
	for _, r := range before.Routes {
		if _, gone := was[r.Route.ID]; gone {
			changes = append(changes, r.Route.Label+" is no longer offered")
		}
	}
	text := "The referral routes are unchanged."
	if len(changes) > 0 {
		text = "Referral routes: " + strings.Join(changes, "; ") + "."
	}
	toldBefore := map[string]bool{}
	for _, c := range before.Contacts {
		toldBefore[c.Contact.ID] = c.Required
	}
	var tell, untell []string
	for _, c := range after.Contacts {
		switch {
		case c.Required && !toldBefore[c.Contact.ID]:
			tell = append(tell, c.Contact.Label)
		case !c.Required && toldBefore[c.Contact.ID]:
			untell = append(untell, c.Contact.Label)
		}
		delete(toldBefore, c.Contact.ID)
	}
	for _, c := range before.Contacts {
		if toldBefore[c.Contact.ID] {
			untell = append(untell, c.Contact.Label)
		}
	}
	if len(tell) > 0 {
		text += " Now to be told: " + strings.Join(tell, "; ") + "."
	}
	if len(untell) > 0 {
		text += " No longer need telling: " + strings.Join(untell, "; ") + "."
	}
	asked := map[string]bool{}
	for _, q := range before.Questions {
		asked[q.Question.ID] = true
	}
	var more []string
	for _, q := range after.Questions {
		if !asked[q.Question.ID] && !q.Implied {
			more = append(more, q.Question.Text)
		}
	}
	if len(more) > 0 {
		text += " Now also asked: " + strings.Join(more, " ")
	}
	return text
}

// chronologyEvent names what a chronology entry records, for an entry
// whose words are already shown above it.
func chronologyEvent(ev session.ChronologyEvent) string {
	switch ev {
	case session.EventSubject:
		return "Said who it is about"
	case session.EventDescribed:
		return "Said what happened"
	case session.EventClassified:
		return "Classified"
	case session.EventIllegal:
		return "Answered whether it is illegal"
	case session.EventImmediateRisk:
		return "Answered whether there is an immediate risk"
	case session.EventCircumstances:
		return "Answered the questions"
	}
	return "Recorded"
}
