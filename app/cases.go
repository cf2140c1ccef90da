package app

import (
	"cmp"
	"context"
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
	"safeguard/companion/vault"
)

// The DSL's incident queue and case screen. The incident is the domain's
// (session.Incident over an IncidentDocument): each thing the DSL does is
// applied by an Incident method to the latest version and sealed as a new
// version naming the previous one as its parent (Vault.ReportIncident), so
// nothing is ever edited and the chronology only grows. records.Index folds
// the versions and refuses any that rewrites history.

// caseRow is one incident in the DSL's queue, as it stands, or the heading
// of a group of them.
type caseRow struct {
	heading string
	c       *records.Case
	doc     session.IncidentDocument
	req     session.Requirements
	overdue []string
	group   caseGroup
}

// caseGroup is where an incident sits in the queue: new ones apart and
// first, so an escalation waiting to be acknowledged is never lost among
// follow-ups (Annex 1: report to the DSL as soon as possible).
type caseGroup int

const (
	groupNew      caseGroup = iota // reported, not yet acknowledged
	groupFollowUp                  // acknowledged, a follow-up overdue
	groupWorking                   // acknowledged, nothing overdue
	groupClosed
)

func (g caseGroup) heading(n int) string {
	switch g {
	case groupNew:
		return fmt.Sprintf("New: not yet acknowledged (%d), longest waiting first", n)
	case groupFollowUp:
		return fmt.Sprintf("Acknowledged, with a follow-up overdue (%d)", n)
	case groupWorking:
		return fmt.Sprintf("Acknowledged and being worked (%d)", n)
	}
	return fmt.Sprintf("Closed (%d)", n)
}

func groupOf(d session.IncidentDocument, now time.Time) caseGroup {
	switch {
	case d.Status == session.IncidentClosed:
		return groupClosed
	case d.AcknowledgedAt.IsZero():
		return groupNew
	}
	for _, f := range d.FollowUps {
		if f.Overdue(now) {
			return groupFollowUp
		}
	}
	return groupWorking
}

// casesScreen is the DSL's queue of incidents.
type casesScreen struct {
	*shell
	nav        navigator
	recs       *records.Index
	failures   []vault.Failure
	unreadable int // records that did not decode (readIndex)
	// all is every incident's row, worked out off the UI goroutine
	// (caseRowsOf); rows is what the list shows of them, with headings.
	all        []caseRow
	rows       []caseRow
	headings   []int // the rows that are headings, whose height is set
	showClosed bool
	list       *widget.List
	count      *widget.Label
	refused    *widget.Label
	// sar is the subject access queue beside the incidents (issue 16).
	sar *widget.Label
}

// ShowCases shows the DSL's incident queue: open incidents with the time
// since escalation, acknowledgement, the steps still open, referrals and
// monitoring dates; overdue ones first and marked.
func (u *UI) ShowCases() {
	cs := &casesScreen{shell: u.shell, nav: u, recs: &records.Index{}}
	cs.count = widget.NewLabel("Opening incidents…")
	cs.refused = widget.NewLabel("")
	cs.refused.Wrapping = fyne.TextWrapWord
	cs.refused.Importance = widget.DangerImportance
	cs.refused.Hide()
	cs.sar = widget.NewLabel("")
	cs.list = widget.NewList(
		func() int { return len(cs.rows) },
		caseRowTemplate,
		func(i widget.ListItemID, o fyne.CanvasObject) { cs.fill(cs.rows[i], o) })
	cs.list.OnSelected = func(i widget.ListItemID) {
		cs.list.UnselectAll()
		if i < len(cs.rows) && cs.rows[i].c != nil {
			u.showCase(cs.recs, cs.rows[i].c, cs.show)
		}
	}
	cs.show()
	if u.cfg.Vault == nil {
		cs.count.SetText("No incidents on this device.")
		return
	}
	var (
		recs  *records.Index
		fails []vault.Failure
		bad   int
		sars  []session.SignedSAREvent
		all   []caseRow
	)
	actor, now := cs.caseActor(), u.cfg.Clock.Now()
	u.background(func(ctx context.Context) error {
		entries, f, err := u.cfg.Vault.Open(ctx, nil, crypto.KindIncident)
		if err != nil {
			return err
		}
		recs, bad = u.readIndex(entries, f)
		fails = f
		all = caseRowsOf(recs, u.cfg.Pack, u.cfg.Clock, actor, now)
		sars, _, err = u.cfg.Vault.SARs(ctx)
		return err
	}, func(err error) {
		if err != nil {
			cs.count.SetText("The incidents could not be opened: " + plainWords(err, reading))
			return
		}
		reqs, _ := session.FoldSARs(sars, u.cfg.Pack.Location())
		cs.sar.SetText("Subject access: " + sarQueueLine(session.SARQueue(reqs, u.cfg.Clock.Now()), u))
		cs.recs, cs.failures, cs.unreadable, cs.all = recs, fails, bad, all
		cs.refresh()
	})
}

func (cs *casesScreen) show() {
	closed := widget.NewCheck("Show closed incidents", func(b bool) { cs.showClosed = b; cs.refresh() })
	closed.SetChecked(cs.showClosed)
	// Issue 16: subject access requests and file transfers sit beside the
	// incidents (the home screen's row of buttons is full).
	sarBtn := widget.NewButtonWithIcon("Subject access requests", theme.AccountIcon(), cs.nav.ShowSubjectAccess)
	trBtn := widget.NewButtonWithIcon("Transfers", theme.MailForwardIcon(), cs.nav.ShowTransfers)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, closed, cs.count), cs.refused,
		container.NewBorder(nil, nil, nil, container.NewHBox(sarBtn, trBtn), cs.sar),
		widget.NewLabel(fmt.Sprintf("Escalations should be acknowledged within %d hours (Annex 1: as soon as possible).", int(session.AckWithin.Hours()))),
		widget.NewSeparator())
	cs.nav.show("Incident cases", container.NewBorder(top, nil, nil, nil, cs.list),
		widget.NewButtonWithIcon("Home", theme.HomeIcon(), cs.nav.ShowHome))
	if cs.all != nil {
		cs.reload() // back from a case, which may have changed it
		return
	}
	cs.refresh()
}

// caseRowsOf is every incident's row, in the order the queue shows them:
// new ones first, then by group, oldest first. Each needs its requirements
// worked out by the domain, so it is made off the UI goroutine: with a
// thousand incidents that took longer than a frame (issue 15 §3).
func caseRowsOf(recs *records.Index, pack *session.Pack, clock session.Clock, actor session.Actor, now time.Time) []caseRow {
	var rows []caseRow
	for _, c := range recs.Cases {
		d := c.Doc()
		r := caseRow{c: c, doc: d, overdue: caseOverdue(d, now), group: groupOf(d, now)}
		if inc, err := session.RestoreIncident(pack, clock, d, actor); err == nil {
			r.req = inc.Requirements()
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b caseRow) int {
		return cmp.Or(cmp.Compare(a.group, b.group), a.doc.RaisedAt.Compare(b.doc.RaisedAt))
	})
	return rows
}

// reload works the rows out again from the records held, off the UI
// goroutine (on coming back from a case, which may have changed it), then
// shows them.
func (cs *casesScreen) reload() {
	recs, actor, now := cs.recs, cs.caseActor(), cs.cfg.Clock.Now()
	var all []caseRow
	cs.background(func(context.Context) error {
		all = caseRowsOf(recs, cs.cfg.Pack, cs.cfg.Clock, actor, now)
		return nil
	}, func(error) {
		cs.all = all
		cs.refresh()
	})
}

// caseOverdue says what is overdue on an incident at now, in words: an
// acknowledgement later than session.AckWithin, or a monitoring follow-up
// whose due day has passed.
func caseOverdue(d session.IncidentDocument, now time.Time) []string {
	if d.Status == session.IncidentClosed {
		return nil
	}
	var out []string
	if d.AcknowledgedAt.IsZero() && d.AckLate(now) {
		out = append(out, "not acknowledged, "+waited(now.Sub(d.RaisedAt)))
	}
	for _, f := range d.FollowUps {
		if f.Overdue(now) {
			out = append(out, "Follow-up overdue")
			break
		}
	}
	return out
}

// caseRowTemplate is one row of the queue: a group's heading, or an
// incident in three columns.
func caseRowTemplate() fyne.CanvasObject {
	heading := widget.NewLabelWithStyle("heading", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.Importance = widget.HighImportance
	return container.NewStack(heading, container.NewBorder(nil, nil,
		container.NewGridWrap(fyne.NewSize(300, 72), container.NewVBox(widget.NewLabel("raised"), widget.NewLabel("since"))),
		container.NewGridWrap(fyne.NewSize(290, 72), container.NewVBox(widget.NewLabel("status"), widget.NewLabel("overdue"))),
		container.NewVBox(widget.NewLabel("classification"), widget.NewLabel("detail"))))
}

// refresh rebuilds the queue in groups, each under its heading: new
// incidents not yet acknowledged, longest waiting first; then those with a
// follow-up overdue; then the rest being worked; closed ones last when
// shown. Within a group the oldest comes first.
func (cs *casesScreen) refresh() {
	var incidents []caseRow
	open, unacked, overdue := 0, 0, 0
	for _, r := range cs.all {
		closed := r.doc.Status == session.IncidentClosed
		if !closed {
			open++
		}
		if closed && !cs.showClosed {
			continue
		}
		if len(r.overdue) > 0 {
			overdue++
		}
		if r.group == groupNew {
			unacked++
		}
		incidents = append(incidents, r)
	}
	cs.rows = cs.rows[:0]
	rowHeight := caseRowTemplate().MinSize().Height
	headingHeight := widget.NewLabel("heading").MinSize().Height + theme.Padding()*2
	// Only the headings' heights are set: the rest take the template's.
	// Setting each row's refreshes the list each time, which with a
	// thousand incidents took seconds on the UI goroutine (issue 15 §3).
	for _, i := range cs.headings {
		cs.list.SetItemHeight(i, rowHeight)
	}
	cs.headings = cs.headings[:0]
	for k := 0; k < len(incidents); {
		g := incidents[k].group
		n := 0
		for k+n < len(incidents) && incidents[k+n].group == g {
			n++
		}
		cs.headings = append(cs.headings, len(cs.rows))
		cs.list.SetItemHeight(len(cs.rows), headingHeight)
		cs.rows = append(cs.rows, caseRow{heading: g.heading(n), group: g})
		cs.rows = append(cs.rows, incidents[k:k+n]...)
		k += n
	}
	if cs.recs.Items != nil {
		cs.count.SetText(fmt.Sprintf("%d open incident%s: %d not yet acknowledged, %d overdue.", open, plural(open), unacked, overdue))
	}
	// Refused versions are named, never shown as genuine (docs/ARCHITECTURE.md, Promises).
	// Records that could not be read are said too (issue 15).
	var words []string
	if n := len(cs.recs.Refused); n > 0 {
		var why []string
		for _, it := range cs.recs.Refused {
			why = append(why, fmt.Sprintf("a version of incident %s: %s", it.Incident.ID, it.Refused))
		}
		words = append(words, fmt.Sprintf("%d incident record%s refused and not shown. Tell your ICT administrator. ", n, plural(n))+strings.Join(why, "; ")+".")
	}
	if w := notShownWords(cs.failures, cs.unreadable); w != "" {
		words = append(words, w)
	}
	if len(words) > 0 {
		cs.refused.SetText(strings.Join(words, " "))
		cs.refused.Show()
	}
	cs.list.Refresh()
}

func (cs *casesScreen) fill(r caseRow, o fyne.CanvasObject) {
	now := cs.cfg.Clock.Now()
	d := r.doc
	stack := o.(*fyne.Container).Objects
	heading, row := stack[0].(*widget.Label), stack[1].(*fyne.Container)
	if r.c == nil {
		heading.SetText(r.heading)
		heading.Show()
		row.Hide()
		return
	}
	heading.Hide()
	row.Show()
	c := row.Objects
	mid := c[0].(*fyne.Container).Objects
	left := c[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects
	right := c[2].(*fyne.Container).Objects[0].(*fyne.Container).Objects

	left[0].(*widget.Label).SetText(cs.clockText(d.RaisedAt, "Mon 2 Jan 2006 15:04"))
	since := left[1].(*widget.Label)
	if d.Status == session.IncidentClosed {
		since.SetText("closed " + cs.clockText(d.ClosedAt, "2 Jan 2006"))
	} else {
		since.SetText("escalated " + waited(now.Sub(d.RaisedAt)) + " ago")
	}

	cls := mid[0].(*widget.Label)
	cls.Truncation = fyne.TextTruncateEllipsis
	cls.TextStyle = fyne.TextStyle{Bold: true}
	text := d.Subject.Reference + " · " + report.CaseLabel(cs.cfg.Pack, d)
	if d.ImmediateRisk != nil && *d.ImmediateRisk {
		text += " · immediate risk"
	}
	cls.SetText(text)
	detail := mid[1].(*widget.Label)
	detail.Truncation = fyne.TextTruncateEllipsis
	detail.SetText(caseDetail(cs.shell, d, r.req, now))

	st := right[0].(*widget.Label)
	st.Truncation = fyne.TextTruncateEllipsis
	st.SetText(caseStatusText(cs.shell, d))
	od := right[1].(*widget.Label)
	od.Truncation = fyne.TextTruncateEllipsis
	od.Importance = widget.DangerImportance
	od.TextStyle = fyne.TextStyle{Bold: true}
	if len(r.overdue) > 0 {
		od.SetText("OVERDUE: " + strings.Join(r.overdue, " · "))
	} else {
		od.SetText("")
	}
}

// caseStatusText is where the incident is, with the time to acknowledge.
func caseStatusText(u *shell, d session.IncidentDocument) string {
	switch d.Status {
	case session.IncidentReported:
		return "Not yet acknowledged"
	case session.IncidentAcknowledged:
		return "Acknowledged after " + waited(d.AcknowledgedAt.Sub(d.RaisedAt))
	case session.IncidentClosed:
		return "Closed: " + firstLine(d.Outcome)
	}
	return d.Status.Label()
}

// caseDetail is the queue's second line: required steps still open,
// referrals made, and the next monitoring date.
func caseDetail(u *shell, d session.IncidentDocument, req session.Requirements, now time.Time) string {
	var parts []string
	open := 0
	for _, s := range req.Steps {
		if s.Required && !s.Done && !s.Skipped {
			open++
		}
	}
	for _, r := range req.Routes {
		if r.Required && r.Decision() == session.RouteOpen {
			open++
		}
	}
	if d.Status != session.IncidentClosed {
		if open == 0 {
			parts = append(parts, "no required step open")
		} else {
			parts = append(parts, fmt.Sprintf("%d required step%s open", open, plural(open)))
		}
	}
	if n := len(d.Referrals); n > 0 {
		var names []string
		for _, r := range d.Referrals {
			names = append(names, routeLabel(u, r.RouteID))
		}
		parts = append(parts, "referred to "+strings.Join(names, ", "))
	} else {
		parts = append(parts, "no referral")
	}
	var next *session.IncidentFollowUp
	for k := range d.FollowUps {
		f := &d.FollowUps[k]
		if f.Open() && (next == nil || f.Due.Before(next.Due)) {
			next = f
		}
	}
	if next != nil {
		parts = append(parts, "check due "+u.clockText(next.Due, "2 Jan"))
	}
	return strings.Join(parts, " · ")
}

func routeLabel(u *shell, id string) string {
	if r, ok := u.cfg.Pack.Route(id); ok {
		return r.Label
	}
	return id
}

// waited is a wait in words: minutes, hours or days.
func waited(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// caseActor is the person using the app as the incident flow sees them: by
// key id, as the escalation records the raiser, with the safeguarding role
// from the signed directory the vault trusts.
func (sh *shell) caseActor() session.Actor {
	a := session.Actor{ID: sh.cfg.Me.KeyID}
	if sh.cfg.Vault != nil {
		a.ID = sh.cfg.Vault.KeyID()
	}
	if me := sh.me(); me != nil {
		a.Safeguarding = me.HasRole(crypto.RoleDSL)
	}
	return a
}

// personName names whoever a chronology entry or a document says did
// something: a person id or a key id, resolved through the directory.
func (sh *shell) personName(id string) string {
	if sh.cfg.Vault == nil || id == "" {
		return id
	}
	dir := sh.cfg.Vault.Directory()
	if p, ok := dir.Person(id); ok {
		return p.Name
	}
	if p, _, ok := dir.Key(crypto.KeyID(id)); ok {
		return p.Name
	}
	return id
}

// casesWaitingLine is home's line for the safeguarding team: how many
// incidents are not yet acknowledged and how long the oldest has waited
// since it was raised, marked when that is past session.AckWithin. It stays
// hidden for everyone else.
func (h *homeScreen) casesWaitingLine() fyne.CanvasObject {
	l := warningLabel("")
	l.Hide()
	if me := h.me(); me == nil || !me.HasRole(crypto.RoleDSL) {
		return l
	}
	var (
		n, bad int
		oldest session.IncidentDocument
		due    session.CaseDue // follow-ups and referral checks due (issue 15)
	)
	actor := h.caseActor()
	h.background(func(ctx context.Context) error {
		entries, fails, err := h.cfg.Vault.Open(ctx, nil, crypto.KindIncident)
		if err != nil {
			return err
		}
		var recs *records.Index
		recs, bad = h.readIndex(entries, fails)
		for _, c := range recs.Cases {
			d := c.Doc()
			if inc, err := session.RestoreIncident(h.cfg.Pack, h.cfg.Clock, d, actor); err == nil {
				cd := inc.Due()
				due.FollowUps += cd.FollowUps
				due.Referrals += cd.Referrals
			}
			if d.Status != session.IncidentReported {
				continue
			}
			if n++; n == 1 || d.RaisedAt.Before(oldest.RaisedAt) {
				oldest = d
			}
		}
		return nil
	}, func(err error) {
		now := h.cfg.Clock.Now()
		switch {
		case err != nil:
			l.SetText("The incidents could not be opened: " + plainWords(err, reading))
		case n == 0 && bad > 0:
			l.SetText(unreadableWords(bad))
		case n == 0:
			l.SetText("No incident is waiting to be acknowledged.")
			l.Importance = widget.MediumImportance
		default:
			text := fmt.Sprintf("%d incident%s not yet acknowledged; the oldest has waited %s.", n, plural(n), waited(now.Sub(oldest.RaisedAt)))
			if oldest.AckLate(now) {
				text += fmt.Sprintf(" Escalations should be acknowledged within %d hours: open Incident cases.", int(session.AckWithin.Hours()))
				l.Importance = widget.DangerImportance
			}
			if bad > 0 {
				text += " " + unreadableWords(bad)
			}
			l.SetText(text)
		}
		if t := dueText(due); err == nil && t != "" {
			l.SetText(l.Text + " " + t)
			l.Importance = widget.DangerImportance
		}
		l.Show()
	})
	return l
}

// dueText says what is due on the team's incidents, if anything.
func dueText(d session.CaseDue) string {
	var parts []string
	if d.FollowUps > 0 {
		parts = append(parts, fmt.Sprintf("%d follow-up%s due", d.FollowUps, plural(d.FollowUps)))
	}
	if d.Referrals > 0 {
		parts = append(parts, fmt.Sprintf("%d referral check%s due", d.Referrals, plural(d.Referrals)))
	}
	if len(parts) == 0 {
		return ""
	}
	due := strings.Join(parts, " and ")
	return strings.ToUpper(due[:1]) + due[1:] + ": open Incident cases."
}
