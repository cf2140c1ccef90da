package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/report"
	"safeguard/companion/session"
)

// The DSL's subject access requests (issue 16 section 3): the queue,
// overdue first, with each request's clock (session/sar.go); the records
// this DSL can read about the customer, each disclosed with names
// redacted or withheld under an exemption with the reason; and the
// disclosure pack exported as a PDF for the person and JSON for the file,
// each export in the access audit.

type sarScreen struct {
	*shell
	nav      navigator
	sync     *syncStatus
	reqs     []session.SubjectAccessRequest
	recs     *records.Index
	problems []string
	loaded   bool
	busy     bool

	sel     string
	choices map[string]session.DisclosureChoice

	ref, received           *widget.Entry
	until, notified, extWhy *widget.Entry
	names                   *widget.Entry
	staff                   *widget.Check
	msg, note               *widget.Label
	withholdReason          map[string]*widget.Entry
	withholdExemption       map[string]*widget.Select
}

// ShowSubjectAccess shows the subject access requests.
func (u *UI) ShowSubjectAccess() { u.showSubjectAccess() }

func (u *UI) showSubjectAccess() *sarScreen {
	s := &sarScreen{shell: u.shell, nav: u, sync: u.sync, choices: map[string]session.DisclosureChoice{},
		withholdReason: map[string]*widget.Entry{}, withholdExemption: map[string]*widget.Select{}}
	s.ref = entry("Customer reference")
	s.received = entry("Received (DD/MM/YYYY)")
	s.until = entry("Extend to (DD/MM/YYYY)")
	s.notified = entry("Requester told on (DD/MM/YYYY)")
	s.extWhy = entry("Why it needs longer (told to the requester)")
	s.names = entry("Other people's names to redact, separated by commas")
	s.staff = widget.NewCheck("Redact staff names (from the organisation directory)", nil)
	s.staff.SetChecked(true)
	s.msg, s.note = messageLines()
	s.render()
	s.load()
	return s
}

// messageLines are a screen's two message lines: what was refused, in
// red, and what was done, in green.
func messageLines() (msg, note *widget.Label) {
	msg, note = wrappedLabel(""), wrappedLabel("")
	msg.Importance, note.Importance = widget.DangerImportance, widget.SuccessImportance
	return msg, note
}

// openCaseRecords opens every session record and incident this device can
// read, for a disclosure pack or a file transfer. A record that cannot be
// read is never silently left out of either: unread says how many
// (issue 15 §2).
func (sh *shell) openCaseRecords(ctx context.Context) (recs *records.Index, unread []string, err error) {
	entries, fails, err := sh.cfg.Vault.Open(ctx, nil, crypto.KindSessionRecord, crypto.KindIncident)
	if err != nil {
		return nil, nil, err
	}
	recs, bad := sh.readIndex(entries, fails)
	if w := notShownWords(fails, bad); w != "" {
		unread = append(unread, w)
	}
	return recs, unread, nil
}

func (s *sarScreen) load() {
	var (
		signed  []session.SignedSAREvent
		refused []string
	)
	s.loadWithCaseRecords("requests", func(ctx context.Context) error {
		ev, fails, err := s.cfg.Vault.SARs(ctx)
		signed = ev
		for _, f := range fails {
			refused = append(refused, fmt.Sprintf("Request record %s was refused: %s", f.ID, plainWords(f.Err, reading)))
		}
		return err
	}, func(recs *records.Index, unread []string) {
		s.loaded = true
		problems := append(refused, unread...)
		reqs, errs := session.FoldSARs(signed, s.cfg.Pack.Location())
		for _, e := range errs {
			problems = append(problems, e.Error())
		}
		s.reqs = session.SARQueue(reqs, s.cfg.Clock.Now())
		s.recs, s.problems = recs, problems
		s.render()
	}, func(problem string) {
		s.loaded, s.problems = true, []string{problem}
		s.render()
	})
}

func (s *sarScreen) render() {
	left := container.NewVBox(s.note)
	if !s.loaded {
		left.Add(widget.NewLabel("Opening requests…"))
	} else {
		left.Add(wrappedLabel(sarCounts(s.reqs, s.cfg.Clock.Now())))
		for _, p := range s.problems {
			l := wrappedLabel(p)
			l.Importance = widget.DangerImportance
			left.Add(l)
		}
		for _, r := range s.reqs {
			left.Add(s.queueRow(r))
		}
		left.Add(widget.NewSeparator())
		left.Add(bold("Open a subject access request"))
		left.Add(wrappedLabel("The month runs from the day the request reached the organisation (UK GDPR Art 12(3))."))
		// One under the other: side by side, the date's words are cut off
		// when text is at 150% (issue 15 §6).
		left.Add(s.ref)
		left.Add(s.received)
		left.Add(container.NewHBox(widget.NewButtonWithIcon("Open request", theme.ContentAddIcon(), s.open)))
	}
	right := container.NewVBox(s.detail()...)
	// A refusal shows beside what was refused.
	if _, ok := s.selected(); ok {
		right.Objects = append([]fyne.CanvasObject{s.msg}, right.Objects...)
	} else {
		left.Add(s.msg)
	}
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(left)), container.NewVScroll(container.NewPadded(right)))
	split.Offset = 0.4
	s.nav.show("Subject access requests", split, widget.NewButtonWithIcon("Home", theme.HomeIcon(), s.nav.ShowHome))
}

// sarCounts is the queue in one line.
func sarCounts(reqs []session.SubjectAccessRequest, now time.Time) string {
	open, overdue := 0, 0
	for _, r := range reqs {
		if r.Open() {
			open++
			if r.Overdue(now) {
				overdue++
			}
		}
	}
	return fmt.Sprintf("%d subject access request%s open, %d overdue.", open, plural(open), overdue)
}

// sarState is a request's clock in words.
func (s *sarScreen) sarState(r session.SubjectAccessRequest) (string, widget.Importance) {
	now := s.cfg.Clock.Now()
	due := s.clockText(r.DueBy(), "2 January 2006")
	switch {
	case !r.Open() && r.Overdue(now):
		return fmt.Sprintf("Answered %s, after it was due (%s).", s.clockText(r.Answered, "2 January 2006"), due), widget.WarningImportance
	case !r.Open():
		return fmt.Sprintf("Answered %s, on time (due %s).", s.clockText(r.Answered, "2 January 2006"), due), widget.SuccessImportance
	case r.Overdue(now):
		return fmt.Sprintf("OVERDUE: was due %s.", due), widget.DangerImportance
	}
	days := int(r.DueBy().Sub(dayOfNow(now, s.cfg.Pack.Location())).Hours() / 24)
	return fmt.Sprintf("Due %s (%d day%s left).", due, days, plural(days)), widget.MediumImportance
}

func dayOfNow(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func (s *sarScreen) queueRow(r session.SubjectAccessRequest) fyne.CanvasObject {
	state, imp := s.sarState(r)
	l := bold(fmt.Sprintf("%s · received %s", r.Ref, s.clockText(r.Received, "2 January 2006")))
	st := wrappedLabel(state)
	st.Importance = imp
	open := widget.NewButton("Open "+r.Ref, func() {
		s.sel = r.ID
		// Another request: nothing typed for the last one carries over.
		s.choices = map[string]session.DisclosureChoice{}
		s.withholdReason, s.withholdExemption = map[string]*widget.Entry{}, map[string]*widget.Select{}
		for _, e := range []*widget.Entry{s.until, s.notified, s.extWhy, s.names} {
			e.SetText("")
		}
		s.msg.SetText("")
		s.render()
	})
	open.Importance = widget.LowImportance
	return container.NewVBox(l, st, container.NewHBox(open), widget.NewSeparator())
}

func (s *sarScreen) selected() (session.SubjectAccessRequest, bool) {
	for _, r := range s.reqs {
		if r.ID == s.sel {
			return r, true
		}
	}
	return session.SubjectAccessRequest{}, false
}

// sources are the records this DSL can read about the request's customer.
func (s *sarScreen) sources(ref string) []session.DisclosureSource {
	if s.recs == nil {
		return nil
	}
	match := func(c session.Customer) bool {
		return strings.EqualFold(strings.TrimSpace(c.Reference), strings.TrimSpace(ref))
	}
	date := func(t time.Time) string { return s.clockText(t, "2 January 2006") }
	var out []session.DisclosureSource
	for _, it := range s.recs.Items {
		if it.Doc == nil || it.Kind() != crypto.KindSessionRecord || !match(it.Doc.Plan.Customer) {
			continue
		}
		d := it.Doc
		src := session.DisclosureSource{RecordID: d.ID, Kind: session.RetainSessionRecord, Made: session.SessionRetentionFacts(*d).Made,
			Title: fmt.Sprintf("Session on %s", date(d.Plan.Start))}
		if d.Record != nil {
			src.Paragraphs = append(src.Paragraphs, nonEmptyStrings("Summary: "+d.Record.Summary)...)
			if d.Record.Concerns != "" {
				src.Paragraphs = append(src.Paragraphs, "Concerns: "+d.Record.Concerns)
			}
			for _, a := range d.Record.Actions {
				src.Paragraphs = append(src.Paragraphs, fmt.Sprintf("Action: %s to %s by %s", a.Who, a.What, date(a.Due)))
			}
		}
		out = append(out, src)
	}
	for _, c := range s.recs.Cases {
		d := c.Doc()
		if !match(d.Subject) {
			continue
		}
		src := session.DisclosureSource{RecordID: d.ID, Kind: session.RetainIncident, Made: d.RaisedAt, Title: "Safeguarding concern raised " + date(d.RaisedAt)}
		if d.Description != "" {
			src.Paragraphs = append(src.Paragraphs, "What was raised: "+d.Description)
		}
		for _, e := range d.Chronology {
			src.Paragraphs = append(src.Paragraphs, fmt.Sprintf("%s: %s", date(e.At), e.Detail))
		}
		if d.Outcome != "" {
			src.Paragraphs = append(src.Paragraphs, "Outcome: "+d.Outcome)
		}
		out = append(out, src)
	}
	return out
}

// redactNames are the names to redact: typed, and the staff's.
func (s *sarScreen) redactNames() []string {
	var out []string
	for _, n := range strings.Split(s.names.Text, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	if s.staff.Checked && s.cfg.Vault != nil {
		for _, p := range s.cfg.Vault.Directory().People {
			out = append(out, p.Name)
		}
	}
	return out
}

func exemptionLabels() []string {
	var out []string
	for _, e := range session.Exemptions() {
		out = append(out, e.Label+" ("+e.Reference+")")
	}
	return out
}

func exemptionOf(label string) string {
	for _, e := range session.Exemptions() {
		if e.Label+" ("+e.Reference+")" == label {
			return e.ID
		}
	}
	return ""
}

// detail is the selected request: its clock, its extension, its records
// and the export.
func (s *sarScreen) detail() []fyne.CanvasObject {
	r, ok := s.selected()
	if !ok {
		return []fyne.CanvasObject{wrappedLabel("Open a request on the left to see its records and prepare the disclosure.")}
	}
	state, imp := s.sarState(r)
	st := bold(state)
	st.Importance = imp
	out := []fyne.CanvasObject{bold(fmt.Sprintf("Subject access request for %s", r.Ref)), st,
		wrappedLabel(fmt.Sprintf("Received %s; due one calendar month later, %s (UK GDPR Art 12(3)).", s.clockText(r.Received, "2 January 2006"), s.clockText(r.Due, "2 January 2006")))}
	if !r.ExtendedTo.IsZero() {
		out = append(out, wrappedLabel(fmt.Sprintf("Extended to %s: %s. The requester was told on %s.", s.clockText(r.ExtendedTo, "2 January 2006"), r.Reason, s.clockText(r.Notified, "2 January 2006"))))
	} else if r.Open() {
		out = append(out, bold("Extend (complex or numerous requests)"),
			wrappedLabel(fmt.Sprintf("By up to two further months, to %s at the latest, only if the requester is told why by %s.", s.clockText(session.SARLatest(r.Received), "2 January 2006"), s.clockText(r.Due, "2 January 2006"))),
			container.NewGridWithColumns(2, s.until, s.notified), s.extWhy,
			container.NewHBox(widget.NewButtonWithIcon("Extend", theme.HistoryIcon(), func() { s.extend(r) })))
	}
	out = append(out, widget.NewSeparator())
	srcs := s.sources(r.Ref)
	out = append(out, bold(fmt.Sprintf("Records about %s you can read (%d)", r.Ref, len(srcs))), s.names, s.staff)
	for _, src := range srcs {
		out = append(out, s.sourceRow(src)...)
	}
	pdfBtn := widget.NewButtonWithIcon("Export PDF for the person", theme.DocumentSaveIcon(), func() { s.saveAs(r, "pdf") })
	jsonBtn := widget.NewButtonWithIcon("Export JSON for the file", theme.DocumentSaveIcon(), func() { s.saveAs(r, "json") })
	out = append(out, widget.NewSeparator(), container.NewHBox(pdfBtn, jsonBtn))
	if r.Open() {
		out = append(out, container.NewHBox(widget.NewButtonWithIcon("Mark answered (pack sent)", theme.ConfirmIcon(), func() { s.answer(r) })))
	}
	return out
}

func (s *sarScreen) sourceRow(src session.DisclosureSource) []fyne.CanvasObject {
	id := src.RecordID
	c := s.choices[id]
	kind := "Session record"
	if src.Kind == session.RetainIncident {
		kind = "Incident"
	}
	out := []fyne.CanvasObject{bold(fmt.Sprintf("%s %s · %s", kind, id, src.Title))}
	for _, p := range src.Paragraphs {
		out = append(out, wrappedLabel(p))
	}
	withhold := widget.NewCheck("Withhold "+id, nil)
	withhold.SetChecked(c.Withheld)
	withhold.OnChanged = func(b bool) {
		c := s.choices[id]
		c.Withheld = b
		s.choices[id] = c
		s.render()
	}
	out = append(out, withhold)
	if c.Withheld {
		ex, ok := s.withholdExemption[id]
		if !ok {
			ex = widget.NewSelect(exemptionLabels(), nil)
			ex.PlaceHolder = "Exemption relied on"
			s.withholdExemption[id] = ex
		}
		ex.OnChanged = func(l string) { c := s.choices[id]; c.Exemption = exemptionOf(l); s.choices[id] = c }
		why, ok := s.withholdReason[id]
		if !ok {
			why = entry("Why " + id + " is withheld (kept on file)")
			s.withholdReason[id] = why
		}
		why.OnChanged = func(t string) { c := s.choices[id]; c.Reason = t; s.choices[id] = c }
		out = append(out, ex, why)
	}
	return append(out, widget.NewSeparator())
}

func (s *sarScreen) actor() session.Actor {
	a := session.Actor{ID: s.cfg.Me.KeyID}
	if me := s.me(); me != nil {
		a = session.Actor{ID: me.ID, Safeguarding: me.HasRole(crypto.RoleDSL)}
	}
	return a
}

func (s *sarScreen) open() {
	loc := s.cfg.Pack.Location()
	var received time.Time
	if strings.TrimSpace(s.received.Text) != "" {
		d, err := parseDate(s.received.Text, loc)
		if err != nil {
			s.msg.SetText("Write the day received as DD/MM/YYYY.")
			return
		}
		received = d
	}
	e, err := session.OpenSAR(s.cfg.Clock, s.actor(), s.cfg.NewID(), s.ref.Text, received, loc)
	if err != nil {
		s.msg.SetText(plainWords(err, saving))
		return
	}
	s.seal(e, func() {
		s.ref.SetText("")
		s.received.SetText("")
		s.sel = e.RequestID
		s.note.SetText(fmt.Sprintf("Request for %s opened and signed: due %s.", e.Ref, s.clockText(session.SARDue(e.Received), "2 January 2006")))
	})
}

func (s *sarScreen) extend(r session.SubjectAccessRequest) {
	loc := s.cfg.Pack.Location()
	var until, notified time.Time
	for _, f := range []struct {
		e   *widget.Entry
		dst *time.Time
		say string
	}{{s.until, &until, "Write the new date as DD/MM/YYYY."}, {s.notified, &notified, "Write the day the requester was told as DD/MM/YYYY."}} {
		if strings.TrimSpace(f.e.Text) == "" {
			continue
		}
		d, err := parseDate(f.e.Text, loc)
		if err != nil {
			s.msg.SetText(f.say)
			return
		}
		*f.dst = d
	}
	e, err := session.ExtendSAR(s.cfg.Clock, s.actor(), s.cfg.NewID(), r, until, notified, s.extWhy.Text, loc)
	if err != nil {
		s.msg.SetText(plainWords(err, saving))
		return
	}
	s.seal(e, func() {
		s.until.SetText("")
		s.notified.SetText("")
		s.extWhy.SetText("")
		s.note.SetText(fmt.Sprintf("Request for %s extended to %s, signed with the reason.", r.Ref, s.clockText(e.Until, "2 January 2006")))
	})
}

func (s *sarScreen) answer(r session.SubjectAccessRequest) {
	e, err := session.AnswerSAR(s.cfg.Clock, s.actor(), s.cfg.NewID(), r)
	if err != nil {
		s.msg.SetText(plainWords(err, saving))
		return
	}
	s.seal(e, func() { s.note.SetText(fmt.Sprintf("Request for %s marked answered and signed.", r.Ref)) })
}

// seal saves a request record durably, then reloads the queue.
func (s *sarScreen) seal(e session.SAREvent, done func()) {
	s.sync.saveTeamRecord(teamSave{busy: &s.busy, msg: s.msg, saved: done, reload: s.load,
		put: func(ctx context.Context) error { _, err := s.cfg.Vault.PutSAR(ctx, e); return err }})
}

// export builds the disclosure pack as it stands and writes it as a PDF
// for the person or JSON for the file, recording the export in the audit
// chain first: no pack leaves unaudited.
func (s *sarScreen) export(ctx context.Context, r session.SubjectAccessRequest, format string) ([]byte, error) {
	p, err := session.BuildDisclosure(s.cfg.Clock, s.actor(), r, s.sources(r.Ref), s.choices, s.redactNames())
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Vault.AuditExport(ctx, r.ID); err != nil {
		return nil, fmt.Errorf("record the export in the audit: %w", err)
	}
	var b bytes.Buffer
	if format == "pdf" {
		err = report.WriteDisclosurePDF(&b, p, s.cfg.Pack.Organisation, s.cfg.Pack.Location())
	} else {
		err = report.WriteDisclosureJSON(&b, p)
	}
	return b.Bytes(), err
}

func (s *sarScreen) saveAs(r session.SubjectAccessRequest, format string) {
	// Refuse before the dialog what the pack would refuse after it.
	if _, err := session.BuildDisclosure(s.cfg.Clock, s.actor(), r, s.sources(r.Ref), s.choices, nil); err != nil {
		s.msg.SetText(plainWords(err, saving))
		return
	}
	s.saveInBackground(fmt.Sprintf("subject-access-%s.%s", r.Ref, format), func(ctx context.Context, w io.Writer) error {
		b, err := s.export(ctx, r, format)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}, func(saved string, err error) {
		if err != nil {
			s.msg.SetText("Not exported: " + plainWords(err, exporting))
			return
		}
		s.note.SetText("Exported " + saved + ". The export is recorded in the access audit.")
	})
}

// sarQueueLine is the subject access queue in one line for the incident
// queue: the counts, and the first request (overdue first) with its clock.
func sarQueueLine(q []session.SubjectAccessRequest, u *UI) string {
	line := sarCounts(q, u.cfg.Clock.Now())
	if len(q) > 0 && q[0].Open() {
		s := &sarScreen{shell: u.shell, nav: u, sync: u.sync}
		state, _ := s.sarState(q[0])
		line += " First: " + q[0].Ref + ", " + lowerFirst(state)
	}
	return line
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "OVERDUE") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// sarReport reads the subject access requests' dates for the Board.
func (sh *shell) sarReport(ctx context.Context) ([]report.SARFacts, error) {
	ev, _, err := sh.cfg.Vault.SARs(ctx)
	if err != nil {
		return nil, err
	}
	reqs, _ := session.FoldSARs(ev, sh.cfg.Pack.Location())
	out := make([]report.SARFacts, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, report.SARFacts{Received: r.Received, DueBy: r.DueBy(), Answered: r.Answered})
	}
	return out, nil
}
