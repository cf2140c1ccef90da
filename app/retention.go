package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// The DSL's Retention screen (issue 16 sections 1 and 2): what falls due
// this month and in the next three months, by the schedule of the pack each
// record was made under, and the legal holds that block disposal. Every
// rule is the domain's (session/retention.go, retention_holds.go); the
// screen reads records and holds from the vault, and seals a hold placed
// or lifted before it shows it.
//
// The DSL ticks records and, in one batch, approves their disposal or
// keeps them longer with the reason (session/retention_decisions.go); a
// held record is never offered for disposal.

// retentionPacks are the policy packs this device holds, the one in force
// first: the schedule of the pack a record was made under decides.
func (sh *shell) retentionPacks() []*session.Pack { return []*session.Pack{sh.cfg.Pack} }

// retentionText is a record's retention in words, for its own screen.
func (sh *shell) retentionText(f session.RetentionFacts) string {
	r, err := session.RetentionOf(sh.retentionPacks(), f)
	if err != nil {
		return "Retention: " + err.Error()
	}
	return "Retention: " + r.Describe()
}

// retentionScreen is the DSL's list of what falls due and what is held.
type retentionScreen struct {
	*shell
	nav       navigator
	sync      *syncStatus
	items     []session.DueItem
	certs     []crypto.Tombstone
	facts     []session.RetentionFacts
	holds     []session.Hold
	problems  []string
	showLater bool
	loaded    bool

	// The hold form, kept across redraws so nothing typed is lost.
	scope  *widget.RadioGroup
	ref    *widget.Entry
	reason *textArea
	msg    *widget.Label
	note   *widget.Label
	// lifting is the hold whose lifting is being written, if any.
	lifting    string
	liftReason *widget.Entry
	busy       bool

	// The batch decision: ticked records and the form, kept across
	// redraws.
	ticked    map[string]bool
	decReason *widget.Entry
	decUntil  *widget.Entry
	decMsg    *widget.Label
}

// ShowRetention shows the Retention screen.
func (u *UI) ShowRetention() {
	rs := &retentionScreen{shell: u.shell, nav: u, sync: u.sync}
	rs.scope = widget.NewRadioGroup(scopeLabels(), nil)
	rs.scope.SetSelected(session.HoldCustomer.Label())
	rs.ref = entry("Customer reference or record")
	rs.reason = multiline("Why the hold is placed (for example, a police investigation, a claim or a subject access request)")
	rs.msg = wrappedLabel("")
	rs.msg.Importance = widget.DangerImportance
	rs.note = wrappedLabel("")
	rs.note.Importance = widget.SuccessImportance
	rs.ticked = map[string]bool{}
	rs.decReason = entry("Reason (needed to keep longer)")
	rs.decUntil = entry("Keep until (DD/MM/YYYY)")
	rs.decMsg = wrappedLabel("")
	rs.decMsg.Importance = widget.DangerImportance
	rs.render()
	rs.load()
}

func scopeLabels() []string {
	var out []string
	for _, s := range session.HoldScopes() {
		out = append(out, s.Label())
	}
	return out
}

func scopeOf(label string) session.HoldScope {
	for _, s := range session.HoldScopes() {
		if s.Label() == label {
			return s
		}
	}
	return ""
}

// load reads every record the DSL can read and every hold, and works out
// what falls due.
func (rs *retentionScreen) load() {
	if rs.cfg.Vault == nil {
		rs.loaded = true
		rs.problems = []string{"No records on this device."}
		rs.render()
		return
	}
	var (
		facts    []session.RetentionFacts
		signed   []session.SignedHold
		decided  []session.SignedDecision
		certs    []crypto.Tombstone
		holds    []session.Hold
		items    []session.DueItem
		problems []string
	)
	now, loc := rs.cfg.Clock.Now(), rs.cfg.Pack.Location()
	rs.background(func(ctx context.Context) error {
		entries, fails, err := rs.cfg.Vault.Open(ctx, nil, crypto.KindSessionRecord, crypto.KindIncident)
		if err != nil {
			return err
		}
		recs, bad := rs.readIndex(entries, nil)
		if bad > 0 {
			problems = append(problems, unreadableWords(bad))
		}
		for _, f := range fails {
			problems = append(problems, fmt.Sprintf("Record %s was refused: %s", f.ID, plainWords(f.Err, reading)))
		}
		// Records this DSL cannot read (practitioners' session records,
		// sealed to their line of management) are listed from the facts
		// their authors shared (issue 16).
		shared, sfails, err := rs.cfg.Vault.RetentionFacts(ctx)
		if err != nil {
			return err
		}
		for _, f := range sfails {
			problems = append(problems, fmt.Sprintf("Retention facts %s were refused: %s", f.ID, plainWords(f.Err, reading)))
		}
		var merr []error
		facts, merr = session.MergeRetentionFacts(retentionFactsOf(recs), shared)
		for _, e := range merr {
			problems = append(problems, e.Error())
		}
		hs, hfails, err := rs.cfg.Vault.Holds(ctx)
		signed = hs
		for _, f := range hfails {
			problems = append(problems, fmt.Sprintf("Hold record %s was refused: %s", f.ID, plainWords(f.Err, reading)))
		}
		if err != nil {
			return err
		}
		ds, dfails, err := rs.cfg.Vault.RetentionDecisions(ctx)
		decided = ds
		for _, f := range dfails {
			problems = append(problems, fmt.Sprintf("Retention decision %s was refused: %s", f.ID, plainWords(f.Err, reading)))
		}
		if err != nil {
			return err
		}
		cs, cfails, err := rs.cfg.Vault.Disposals(ctx)
		certs = cs
		for _, f := range cfails {
			problems = append(problems, fmt.Sprintf("The disposal certificate of %s does not verify: %s", f.ID, plainWords(f.Err, reading)))
		}
		if err != nil {
			return err
		}
		// What falls due is worked out here too: over five years of
		// records it takes longer than a frame (issue 15 §3).
		var errs []error
		holds, errs = session.FoldHolds(signed)
		for _, e := range errs {
			problems = append(problems, e.Error())
		}
		items, errs = session.DueList(rs.retentionPacks(), facts, holds, now)
		for _, e := range errs {
			problems = append(problems, e.Error())
		}
		items, errs = session.ApplyDecisions(items, decided, now, loc)
		for _, e := range errs {
			problems = append(problems, e.Error())
		}
		return nil
	}, func(err error) {
		rs.loaded = true
		if err != nil {
			rs.problems = []string{"The records could not be opened: " + plainWords(err, reading)}
			rs.render()
			return
		}
		rs.facts, rs.holds = facts, holds
		for id := range rs.ticked {
			if !slices.ContainsFunc(items, func(it session.DueItem) bool { return it.Facts.RecordID == id }) {
				delete(rs.ticked, id)
			}
		}
		rs.items, rs.problems, rs.certs = items, problems, certs
		rs.render()
	})
}

// render draws the screen: what falls due on the left, holds and the
// schedule on the right.
func (rs *retentionScreen) render() {
	home := widget.NewButtonWithIcon("Home", theme.HomeIcon(), rs.nav.ShowHome)
	if !rs.loaded {
		// One line until the records are read: the full screen is drawn
		// once, when there is something to show (issue 15 §3).
		rs.nav.show("Retention", wrapped("Opening records…"), home)
		return
	}
	left := container.NewVBox(rs.note)
	rs.dueBox(left)
	right := container.NewVBox(rs.holdsBox()...)
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(left)), container.NewVScroll(container.NewPadded(right)))
	split.Offset = 0.58
	rs.nav.show("Retention", split, home)
}

func (rs *retentionScreen) dueBox(box *fyne.Container) {
	counts := map[session.DueWhen]int{}
	for _, it := range rs.items {
		counts[it.When]++
	}
	box.Add(wrappedLabel(fmt.Sprintf("%d past their date · %d due this month · %d due in the next three months · %d later · %d with no date yet.",
		counts[session.DueOverdue], counts[session.DueThisMonth], counts[session.DueNextQuarter], counts[session.DueLater], counts[session.DueNotKnown])))
	info := wrappedLabel("Each date comes from the retention schedule of the policy pack the record was made under. Tick records to approve their disposal or keep them longer; a record under a legal hold is never offered for disposal.")
	info.TextStyle = fyne.TextStyle{Italic: true}
	box.Add(info)
	rs.decisionBox(box)
	for _, p := range rs.problems {
		l := wrappedLabel(p)
		l.Importance = widget.DangerImportance
		box.Add(l)
	}
	later := widget.NewCheck("Show records due later and those with no date yet", nil)
	later.SetChecked(rs.showLater)
	later.OnChanged = func(b bool) { rs.showLater = b; rs.render() }
	box.Add(later)
	box.Add(widget.NewSeparator())
	windows := []session.DueWhen{session.DueOverdue, session.DueThisMonth, session.DueNextQuarter}
	if rs.showLater {
		windows = append(windows, session.DueLater, session.DueNotKnown)
	}
	for _, w := range windows {
		head := bold(fmt.Sprintf("%s (%d)", w.Label(), counts[w]))
		if w == session.DueOverdue && counts[w] > 0 {
			head.Importance = widget.DangerImportance
		}
		box.Add(head)
		if counts[w] == 0 {
			box.Add(widget.NewLabel("Nothing."))
		}
		for _, it := range rs.items {
			if it.When == w {
				box.Add(rs.itemRow(it))
			}
		}
	}
}

// itemRow is one record: what it is, its date and why, and its holds.
func (rs *retentionScreen) itemRow(it session.DueItem) fyne.CanvasObject {
	f := it.Facts
	what := f.Kind.Label()
	if ref := f.Customer.Reference; ref != "" {
		what += " · " + ref
	}
	verb := "made"
	if f.Kind == session.RetainIncident {
		verb = "raised"
	}
	what += fmt.Sprintf(" · %s %s", verb, rs.clockText(f.Made, "2 January 2006"))
	if f.Kind == session.RetainIncident && !f.Closed.IsZero() {
		what += ", closed " + rs.clockText(f.Closed, "2 January 2006")
	}
	rows := []fyne.CanvasObject{bold(what), wrappedLabel(it.Retention.Describe())}
	for _, h := range it.Holds {
		l := bold("HELD: " + rs.holdText(h))
		l.Importance = widget.WarningImportance
		rows = append(rows, l)
	}
	if x := it.Extension; x != nil {
		rows = append(rows, wrappedLabel(fmt.Sprintf("Kept until %s: %s (decided by %s on %s).", rs.clockText(x.Until, "2 January 2006"), x.Reason, rs.personName(x.By), rs.clockText(x.At, "2 January 2006"))))
	}
	if d := it.Disposal; d != nil {
		l := bold(fmt.Sprintf("Disposal approved by %s on %s.", rs.personName(d.By), rs.clockText(d.At, "2 January 2006")))
		l.Importance = widget.SuccessImportance
		rows = append(rows, l)
	}
	if c := rs.tickFor(it); c != nil {
		rows = append(rows, c)
	}
	holdBtn := widget.NewButtonWithIcon("Hold this record", theme.MediaPauseIcon(), func() {
		rs.scope.SetSelected(session.HoldRecord.Label())
		rs.ref.SetText(f.RecordID)
		rs.msg.SetText("")
		rs.render()
		rs.focusOnOpen(rs.reason)
	})
	holdBtn.Importance = widget.LowImportance
	rows = append(rows, container.NewHBox(holdBtn), widget.NewSeparator())
	return container.NewVBox(rows...)
}

// holdText is a hold in words: what it covers, why, who set it and when.
func (rs *retentionScreen) holdText(h session.Hold) string {
	p := h.Placed
	return fmt.Sprintf("%s. %s (set by %s on %s)", rs.coverText(p.Scope, p.Ref), p.Reason, rs.personName(p.By), rs.clockText(p.At, "2 January 2006"))
}

// coverText names what a hold covers the way the DSL knows it.
func (rs *retentionScreen) coverText(scope session.HoldScope, ref string) string {
	switch scope {
	case session.HoldRecord:
		for _, f := range rs.facts {
			if f.RecordID == ref {
				return fmt.Sprintf("%s %s of %s", f.Kind.Label(), ref, orUnknown(f.Customer.Reference))
			}
		}
		return "Record " + ref
	case session.HoldCase:
		for _, f := range rs.facts {
			if f.Kind == session.RetainIncident && f.RecordID == ref {
				return fmt.Sprintf("Incident case %s of %s", ref, orUnknown(f.Customer.Reference))
			}
		}
		return "Incident case " + ref
	}
	return "Everything about customer " + ref
}

func orUnknown(ref string) string {
	if ref == "" {
		return "an unnamed customer"
	}
	return ref
}

// holdsBox is the standing holds, the form to place one, and the schedule
// with the rows the organisation is still to confirm.
func (rs *retentionScreen) holdsBox() []fyne.CanvasObject {
	var out []fyne.CanvasObject
	standing := 0
	for _, h := range rs.holds {
		if h.Active() {
			standing++
		}
	}
	out = append(out, bold(fmt.Sprintf("Legal holds standing (%d)", standing)))
	if standing == 0 {
		out = append(out, widget.NewLabel("None."))
	}
	for _, h := range rs.holds {
		if h.Active() {
			out = append(out, rs.holdRow(h)...)
		}
	}
	out = append(out, widget.NewSeparator(), bold("Place a legal hold"),
		wrappedLabel("A hold stops disposal of everything it covers until a DSL lifts it. It is signed, sent to every DSL and audited."),
		rs.scope, wrappedLabel("Type what it covers, or choose Hold on a record on the left."), rs.ref, rs.reason, rs.msg,
		container.NewHBox(widget.NewButtonWithIcon("Place hold", theme.ConfirmIcon(), rs.place)))
	out = append(out, widget.NewSeparator())
	out = append(out, rs.certBox()...)
	out = append(out, widget.NewSeparator())
	out = append(out, rs.scheduleBox()...)
	return out
}

func (rs *retentionScreen) holdRow(h session.Hold) []fyne.CanvasObject {
	out := []fyne.CanvasObject{wrappedLabel(rs.holdText(h))}
	if rs.lifting != h.Placed.ID {
		out = append(out, container.NewHBox(widget.NewButtonWithIcon("Lift hold…", theme.MediaPlayIcon(), func() {
			rs.lifting = h.Placed.ID
			rs.liftReason = entry("Why the hold is lifted")
			rs.render()
		})))
		return out
	}
	return append(out, rs.liftReason, container.NewHBox(
		widget.NewButton("Lift", func() { rs.lift(h) }),
		widget.NewButton("Cancel", func() { rs.lifting = ""; rs.render() })))
}

// scheduleBox is the schedule in force, row by row, with its source and
// whether the organisation has confirmed it.
func (rs *retentionScreen) scheduleBox() []fyne.CanvasObject {
	pk := rs.cfg.Pack
	s := pk.Retention
	out := []fyne.CanvasObject{bold(fmt.Sprintf("Retention schedule (policy pack %s)", pk.Version))}
	if s == nil {
		return append(out, wrappedLabel("This policy pack sets no retention schedule. Publish one with a \"retention\" object."))
	}
	if n := len(s.ToConfirm()); n > 0 {
		l := wrappedLabel(fmt.Sprintf("%d of %d periods are still to be confirmed by the organisation.", n, len(s.Rows)))
		l.Importance = widget.WarningImportance
		out = append(out, l)
	}
	for _, r := range s.Rows {
		status := "confirmed"
		if r.Status != session.Confirmed {
			status = "to confirm"
		}
		out = append(out, wrappedLabel(fmt.Sprintf("• %s about %s: %s (%s). Source: %s.", r.Kind.Label(), r.Subject.Label(), r.Describe(), status, r.Source)))
	}
	return out
}

func (rs *retentionScreen) actor() session.Actor {
	a := session.Actor{ID: rs.cfg.Me.KeyID}
	if me := rs.me(); me != nil {
		a = session.Actor{ID: me.ID, Safeguarding: me.HasRole(crypto.RoleDSL)}
	}
	return a
}

// place seals a hold from the form, then shows it.
func (rs *retentionScreen) place() {
	if rs.busy {
		return
	}
	e, err := session.PlaceHold(rs.cfg.Clock, rs.actor(), rs.cfg.NewID(), scopeOf(rs.scope.Selected), rs.ref.Text, rs.reason.Text)
	if err != nil {
		rs.msg.SetText(plainWords(err, saving))
		return
	}
	rs.seal(e, func() {
		rs.ref.SetText("")
		rs.reason.SetText("")
		rs.note.SetText("Hold placed and signed: " + rs.coverText(e.Scope, e.Ref) + ".")
	})
}

// lift seals the lifting of a hold, then shows it.
func (rs *retentionScreen) lift(h session.Hold) {
	if rs.busy {
		return
	}
	e, err := session.LiftHold(rs.cfg.Clock, rs.actor(), rs.cfg.NewID(), h, rs.liftReason.Text)
	if err != nil {
		rs.msg.SetText(plainWords(err, saving))
		rs.render()
		return
	}
	rs.seal(e, func() {
		rs.lifting = ""
		rs.note.SetText("Hold lifted and signed: " + rs.coverText(h.Placed.Scope, h.Placed.Ref) + ".")
	})
}

// seal saves a hold record durably, then reloads what falls due.
func (rs *retentionScreen) seal(e session.HoldEvent, done func()) {
	rs.sync.saveTeamRecord(teamSave{busy: &rs.busy, msg: rs.msg, saved: done, failed: rs.render, reload: rs.load,
		put: func(ctx context.Context) error { _, err := rs.cfg.Vault.PutHold(ctx, e); return err }})
}

// tickFor is a record's tick box for the batch decision: none for a record
// under a legal hold (never offered for disposal) or whose disposal is
// approved already.
func (rs *retentionScreen) tickFor(it session.DueItem) fyne.CanvasObject {
	if it.Held() {
		l := widget.NewLabel("Held: not offered for disposal.")
		l.Importance = widget.LowImportance
		return l
	}
	if it.Disposal != nil {
		return nil
	}
	id := it.Facts.RecordID
	label := "Tick " + id
	if it.Facts.Customer.Reference != "" {
		label += " (" + it.Facts.Customer.Reference + ")"
	}
	c := widget.NewCheck(label, nil)
	c.SetChecked(rs.ticked[id])
	c.OnChanged = func(b bool) {
		if b {
			rs.ticked[id] = true
		} else {
			delete(rs.ticked, id)
		}
		rs.render()
	}
	return c
}

// decisionBox is the batch decision: how many are ticked, and the two
// decisions with their reason and date.
func (rs *retentionScreen) decisionBox(box *fyne.Container) {
	box.Add(bold(fmt.Sprintf("Decide on ticked records (%d ticked)", len(rs.ticked))))
	dispose := widget.NewButtonWithIcon("Approve disposal of ticked", theme.DeleteIcon(), func() { rs.decide(session.ChoiceDispose) })
	dispose.Importance = widget.DangerImportance
	keep := widget.NewButtonWithIcon("Keep ticked longer", theme.HistoryIcon(), func() { rs.decide(session.ChoiceExtend) })
	if len(rs.ticked) == 0 || rs.busy {
		dispose.Disable()
		keep.Disable()
	}
	box.Add(container.NewGridWithColumns(2, rs.decReason, rs.decUntil))
	box.Add(container.NewHBox(dispose, keep))
	box.Add(rs.decMsg)
}

// ticks are the ticked records, in the list's order.
func (rs *retentionScreen) ticks() []session.DueItem {
	var out []session.DueItem
	for _, it := range rs.items {
		if rs.ticked[it.Facts.RecordID] {
			out = append(out, it)
		}
	}
	return out
}

// decide makes the batch decision, seals it, then shows it.
func (rs *retentionScreen) decide(choice session.RetentionChoice) {
	if rs.busy {
		return
	}
	var until time.Time
	if choice == session.ChoiceExtend && strings.TrimSpace(rs.decUntil.Text) != "" {
		d, err := parseDate(rs.decUntil.Text, rs.cfg.Pack.Location())
		if err != nil {
			rs.decMsg.SetText("Write the date to keep them until as DD/MM/YYYY.")
			return
		}
		until = d
	}
	d, err := session.DecideRetention(rs.cfg.Clock, rs.actor(), rs.cfg.NewID(), choice, rs.ticks(), rs.decReason.Text, until)
	if errors.Is(err, session.ErrSafeguardingOnly) {
		rs.decMsg.SetText("Only the safeguarding team (a DSL) can decide on disposal.")
		return
	}
	if err != nil {
		rs.decMsg.SetText(plainWords(err, saving))
		return
	}
	items := rs.ticks()
	disposed := 0
	put := func(ctx context.Context) error {
		disposed = 0 // counted afresh if a failed save is tried again
		if _, err := rs.cfg.Vault.PutRetentionDecision(ctx, d); err != nil {
			return err
		}
		if d.Choice != session.ChoiceDispose {
			return nil
		}
		// Carried out at once on this computer; the tombstones go to the
		// hub at the next sync, and from it to every device.
		for _, r := range d.Records {
			for _, it := range items {
				if it.Facts.RecordID != r.RecordID {
					continue
				}
				it.Disposal = &d
				if session.MayCarryOut(it) != nil {
					continue
				}
				if _, err := rs.cfg.Vault.Dispose(ctx, d, r); err != nil {
					return err
				}
				disposed++
			}
		}
		return nil
	}
	rs.sync.saveTeamRecord(teamSave{busy: &rs.busy, msg: rs.decMsg, put: put, failed: rs.render, reload: rs.load, saved: func() {
		rs.ticked = map[string]bool{}
		rs.decReason.SetText("")
		rs.decUntil.SetText("")
		if choice == session.ChoiceDispose {
			rs.note.SetText(fmt.Sprintf("Disposal of %d record%s approved and signed; %d disposed of on this computer, and the hub and every device follow at their next sync.", len(d.Records), plural(len(d.Records)), disposed))
		} else {
			rs.note.SetText(fmt.Sprintf("%d record%s kept until %s, signed with the reason.", len(d.Records), plural(len(d.Records)), rs.clockText(d.Until, "2 January 2006")))
		}
	}})
}

// certBox lists the disposal certificates: what was disposed of, its
// dates and who approved it; never its content, which is gone.
func (rs *retentionScreen) certBox() []fyne.CanvasObject {
	out := []fyne.CanvasObject{bold(fmt.Sprintf("Disposed of (%d)", len(rs.certs)))}
	if len(rs.certs) == 0 {
		return append(out, widget.NewLabel("Nothing yet."))
	}
	for _, t := range rs.certs {
		kind := "Session record"
		if t.Kind == crypto.KindIncident {
			kind = "Incident"
		}
		out = append(out, wrappedLabel(fmt.Sprintf("• %s %s, made %s, due %s: disposed of on the approval of %s on %s (decision %s). Certificate signed; nothing of its content is kept.",
			kind, t.RecordID, rs.clockText(t.Made, "2 January 2006"), rs.clockText(t.Due, "2 January 2006"),
			rs.personName(t.ApprovedBy), rs.clockText(t.ApprovedAt, "2 January 2006"), t.DecisionID)))
	}
	return out
}

// retentionFactsOf are the retention facts of every signed session record
// and incident case among recs.
func retentionFactsOf(recs *records.Index) []session.RetentionFacts {
	var facts []session.RetentionFacts
	for _, it := range recs.Items {
		if it.Doc != nil && it.Kind() == crypto.KindSessionRecord {
			facts = append(facts, session.SessionRetentionFacts(*it.Doc))
		}
	}
	for _, c := range recs.Cases {
		facts = append(facts, session.IncidentRetentionFacts(c.Doc()))
	}
	return facts
}

// retentionReport reads what the Board's report says of retention: the
// disposals carried out (from their certificates) and the dates, after
// any extension, of the records still kept.
func (sh *shell) retentionReport(ctx context.Context, recs *records.Index) ([]report.Disposal, []time.Time, error) {
	certs, _, err := sh.cfg.Vault.Disposals(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ds []report.Disposal
	for _, t := range certs {
		kind := "Session record"
		if t.Kind == crypto.KindIncident {
			kind = "Incident"
		}
		ds = append(ds, report.Disposal{RecordID: t.RecordID, Kind: kind, Made: t.Made, Due: t.Due, At: t.ApprovedAt, ApprovedBy: sh.personName(t.ApprovedBy)})
	}
	decided, _, err := sh.cfg.Vault.RetentionDecisions(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := sh.cfg.Clock.Now()
	shared, _, err := sh.cfg.Vault.RetentionFacts(ctx)
	if err != nil {
		return nil, nil, err
	}
	facts, _ := session.MergeRetentionFacts(retentionFactsOf(recs), shared)
	items, _ := session.DueList(sh.retentionPacks(), facts, nil, now)
	items, _ = session.ApplyDecisions(items, decided, now, sh.cfg.Pack.Location())
	var due []time.Time
	for _, it := range items {
		if it.Disposal == nil {
			due = append(due, it.Due())
		}
	}
	return ds, due, nil
}
