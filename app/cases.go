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
	"safeguard/companion/report"
	"safeguard/companion/session"
)

// caseRow is one incident in the DSL's queue, with its folded status.
type caseRow struct {
	it      *report.Item
	status  session.CaseStatus
	overdue string
}

// casesScreen is the DSL's queue of incidents.
type casesScreen struct {
	u          *UI
	recs       *report.Records
	rows       []caseRow
	showClosed bool
	list       *widget.List
	count      *widget.Label
}

// ShowCases shows the DSL's incident queue: open cases with the time since
// escalation, overdue ones first and marked.
func (u *UI) ShowCases() {
	cs := &casesScreen{u: u, recs: &report.Records{}}
	cs.count = widget.NewLabel("Opening incidents…")
	cs.list = widget.NewList(
		func() int { return len(cs.rows) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil,
				container.NewGridWrap(fyne.NewSize(330, 36), container.NewGridWithColumns(2, widget.NewLabel("raised"), widget.NewLabel("since"))),
				container.NewGridWrap(fyne.NewSize(300, 36), widget.NewLabel("status")),
				widget.NewLabel("classification"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { cs.fill(cs.rows[i], o) })
	cs.list.OnSelected = func(i widget.ListItemID) {
		cs.list.UnselectAll()
		if i < len(cs.rows) {
			u.showCase(cs.recs, cs.rows[i].it, cs.show)
		}
	}
	cs.show()
	if u.cfg.Vault == nil {
		cs.count.SetText("No incidents on this device.")
		return
	}
	var recs *report.Records
	u.background(func(ctx context.Context) error {
		entries, _, err := u.cfg.Vault.Open(ctx, nil, crypto.KindIncident, crypto.KindReview)
		if err != nil {
			return err
		}
		recs, _ = report.NewRecords(entries)
		return nil
	}, func(err error) {
		if err != nil {
			cs.count.SetText("The incidents could not be opened: " + plainError(err))
			return
		}
		cs.recs = recs
		cs.refresh()
	})
}

func (cs *casesScreen) show() {
	closed := widget.NewCheck("Show closed cases", func(b bool) { cs.showClosed = b; cs.refresh() })
	closed.SetChecked(cs.showClosed)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, closed, cs.count),
		widget.NewLabel(fmt.Sprintf("Escalations should be acknowledged within %d hours (Annex 1: as soon as possible).", int(session.AckWithin.Hours()))),
		widget.NewSeparator())
	cs.u.show("Incident cases", container.NewBorder(top, nil, nil, nil, cs.list),
		widget.NewButtonWithIcon("Home", theme.HomeIcon(), cs.u.ShowHome))
	cs.refresh()
}

// refresh rebuilds the queue: overdue cases first, then the longest
// waiting; closed cases last when shown.
func (cs *casesScreen) refresh() {
	now := cs.u.cfg.Clock.Now()
	cs.rows = cs.rows[:0]
	open := 0
	overdue := 0
	for _, it := range cs.recs.Items {
		if it.Incident == nil {
			continue
		}
		st := session.CaseOf(cs.recs.Reviews[it.Entry.Header.ID])
		if !st.Closed {
			open++
		}
		if st.Closed && !cs.showClosed {
			continue
		}
		r := caseRow{it: it, status: st, overdue: st.Overdue(it.Incident.Raised, now)}
		if r.overdue != "" {
			overdue++
		}
		cs.rows = append(cs.rows, r)
	}
	slices.SortStableFunc(cs.rows, func(a, b caseRow) int {
		rank := func(r caseRow) int {
			switch {
			case r.status.Closed:
				return 2
			case r.overdue != "":
				return 0
			}
			return 1
		}
		return cmp.Or(cmp.Compare(rank(a), rank(b)), a.it.Incident.Raised.Compare(b.it.Incident.Raised))
	})
	if cs.recs.Items != nil || open > 0 {
		cs.count.SetText(fmt.Sprintf("%d open case%s, %d overdue.", open, plural(open), overdue))
	}
	cs.list.Refresh()
}

func (cs *casesScreen) fill(r caseRow, o fyne.CanvasObject) {
	u := cs.u
	now := u.cfg.Clock.Now()
	c := o.(*fyne.Container).Objects
	left := c[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects
	left[0].(*widget.Label).SetText(u.clockText(r.it.Incident.Raised, "Mon 2 Jan 2006 15:04"))
	since := left[1].(*widget.Label)
	if r.status.Closed {
		since.SetText("closed " + u.clockText(r.status.ClosedAt, "2 Jan"))
	} else {
		since.SetText(waited(now.Sub(r.it.Incident.Raised)) + " ago")
	}
	cls := c[0].(*widget.Label)
	cls.Truncation = fyne.TextTruncateEllipsis
	text := report.CaseLabel(r.it.Incident.Category, r.it.Incident.Type)
	if r.it.Incident.Immediate {
		text += " · immediate risk"
	}
	cls.SetText(text)
	st := c[2].(*fyne.Container).Objects[0].(*widget.Label)
	st.Truncation = fyne.TextTruncateEllipsis
	st.TextStyle = fyne.TextStyle{}
	st.Importance = widget.MediumImportance
	switch {
	case r.overdue != "":
		st.Importance = widget.DangerImportance
		st.TextStyle = fyne.TextStyle{Bold: true}
		st.SetText("OVERDUE: " + r.overdue)
	default:
		st.SetText(caseStatusText(u, r.status))
	}
}

func caseStatusText(u *UI, s session.CaseStatus) string {
	switch {
	case s.Closed:
		return "Closed"
	case !s.Acknowledged:
		return "Not yet acknowledged"
	}
	parts := []string{"Acknowledged"}
	if n := len(s.Referrals); n > 0 {
		parts = append(parts, fmt.Sprintf("%d referral%s", n, plural(n)))
	}
	if !s.NextMonitoring.IsZero() {
		parts = append(parts, "check "+u.clockText(s.NextMonitoring, "2 Jan"))
	}
	return strings.Join(parts, " · ")
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

// showCase shows one incident to the DSL: its facts, its chronology of case
// actions, and the next steps. Opening it is audited.
func (u *UI) showCase(recs *report.Records, it *report.Item, back func()) {
	u.viewed(it.Entry.Header.ID)
	u.renderCase(recs, it, back)
}

// renderCase draws the case screen; after an action it is drawn again
// without auditing another view.
func (u *UI) renderCase(recs *report.Records, it *report.Item, back func()) {
	id := it.Entry.Header.ID
	now := u.cfg.Clock.Now()
	f := it.Incident
	st := session.CaseOf(recs.Reviews[id])

	var b strings.Builder
	fmt.Fprintf(&b, "%s, escalated by %s on %s (%s ago).\n", report.CaseLabel(f.Category, f.Type), authorName(it),
		u.clockText(f.Raised, "Monday 2 January 2006 15:04"), waited(now.Sub(f.Raised)))
	if f.Immediate {
		b.WriteString("Immediate risk was identified.\n")
	}
	if f.SessionID != "" {
		fmt.Fprintf(&b, "From session record %s.\n", f.SessionID)
	}
	if d, ok := st.TimeToAcknowledge(f.Raised); ok {
		fmt.Fprintf(&b, "Acknowledged after %s.\n", waited(d))
	}
	facts := widget.NewLabel(strings.TrimRight(b.String(), "\n"))
	facts.Wrapping = fyne.TextWrapWord
	overdue := widget.NewLabel("")
	if o := st.Overdue(f.Raised, now); o != "" {
		overdue.SetText("OVERDUE: " + o)
		overdue.Importance = widget.DangerImportance
		overdue.TextStyle = fyne.TextStyle{Bold: true}
	}
	chron := widget.NewLabel(u.reviewHistory(recs.Reviews[id]))
	chron.Wrapping = fyne.TextWrapWord
	left := container.NewVScroll(container.NewVBox(facts, overdue, widget.NewSeparator(),
		widget.NewLabelWithStyle("Chronology of case actions", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), chron))

	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.DangerImportance
	act := func(r session.Review, btn *widget.Button) {
		btn.Disable()
		u.putReview(recs, it, r, func(err error) {
			btn.Enable()
			if err != nil {
				msg.SetText(reviewMessage(err))
				return
			}
			u.renderCase(recs, it, back)
		})
	}
	ackBtn := widget.NewButtonWithIcon("Acknowledge", theme.ConfirmIcon(), nil)
	ackBtn.Importance = widget.HighImportance
	ackBtn.OnTapped = func() { act(session.Review{Action: session.CaseAcknowledged}, ackBtn) }
	if st.Acknowledged {
		ackBtn.Disable()
	}

	var agencyNames []string
	for _, a := range session.Agencies() {
		agencyNames = append(agencyNames, a.Label())
	}
	agency := widget.NewSelect(agencyNames, nil)
	agency.PlaceHolder = "Agency referred to"
	refNote := entry("Note (how, reference given)")
	referBtn := widget.NewButtonWithIcon("Record referral", theme.MailSendIcon(), nil)
	referBtn.OnTapped = func() {
		var a session.Agency
		if i := agency.SelectedIndex(); i >= 0 {
			a = session.Agencies()[i]
		}
		act(session.Review{Action: session.CaseReferral, Agency: a, Text: refNote.Text}, referBtn)
	}

	monDue := entry("Next check (YYYY-MM-DD)")
	monBtn := widget.NewButtonWithIcon("Set monitoring date", theme.HistoryIcon(), nil)
	monBtn.OnTapped = func() {
		r := session.Review{Action: session.CaseMonitoring}
		if t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(monDue.Text), u.cfg.Pack.Location()); err == nil {
			r.Due = t
		}
		act(r, monBtn)
	}

	outcome := multiline("Outcome: what was done and why the case can close")
	closeBtn := widget.NewButtonWithIcon("Close case", theme.CancelIcon(), nil)
	closeBtn.OnTapped = func() { act(session.Review{Action: session.CaseClosed, Text: outcome.Text}, closeBtn) }

	bold := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	var right fyne.CanvasObject
	if st.Closed {
		right = container.NewVBox(bold("Closed "+u.clockText(st.ClosedAt, "2 Jan 2006 15:04")), widget.NewLabel(st.Outcome))
	} else {
		right = container.NewVScroll(container.NewVBox(
			bold(caseStatusText(u, st)), ackBtn, msg,
			widget.NewSeparator(), bold("Referral"), agency, refNote, referBtn,
			widget.NewSeparator(), bold("Monitoring"), monDue, monBtn,
			widget.NewSeparator(), bold("Close"), outcome, closeBtn))
	}
	split := container.NewHSplit(left, right)
	split.Offset = 0.55
	u.show("Incident case", split, widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), back))
}
