package app

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
)

// historyScreen is the person's signed records: the list with what the
// line manager made of each, and one record with its addenda.
type historyScreen struct {
	*shell
	nav     navigator
	journal *journal
	sync    *syncStatus
}

func (u *UI) historyScreen() *historyScreen {
	return &historyScreen{shell: u.shell, nav: u, journal: u.journal, sync: u.sync}
}

// ShowHistory lists past, signed sessions with their flags and what the
// line manager made of each, searchable over the decrypted text held in
// memory. The reviews are read after the list is drawn.
func (u *UI) ShowHistory() { u.historyScreen().list() }

func (hs *historyScreen) list() {
	search := entry("Search reference, summary, actions, review comments…")
	shown := hs.journal.history
	latest := hs.latestOwnPerCustomer()
	var reviews map[string][]recordReview
	list := widget.NewList(
		func() int { return len(shown) },
		func() fyne.CanvasObject {
			// The review takes the width its words need, then "Plan the
			// next session" or the room it takes, so that the columns line
			// up; the rest share what is left.
			next := widget.NewButtonWithIcon("Plan the next session", theme.ContentAddIcon(), nil)
			room := canvas.NewRectangle(color.Transparent)
			room.SetMinSize(next.MinSize())
			return container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel("review"), container.NewStack(room, next)),
				container.NewGridWithColumns(4, widget.NewLabel("ref"), widget.NewLabel("when"), widget.NewLabel("method"), widget.NewLabel("flags")))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			h := shown[i]
			row := o.(*fyne.Container).Objects
			cells := row[0].(*fyne.Container).Objects
			right := row[1].(*fyne.Container).Objects
			// The customer's next session is planned from their latest
			// record (issue 19), carried over and reconfirmed as from the
			// signed record itself: an older one would carry facts since
			// changed.
			next := right[1].(*fyne.Container).Objects[1].(*widget.Button)
			next.OnTapped = func() { hs.nav.ShowNextPlan(h.doc) }
			if latest[h.doc.ID] {
				next.Show()
			} else {
				next.Hide()
			}
			cells[0].(*widget.Label).SetText(h.doc.Plan.Customer.Reference)
			cells[1].(*widget.Label).SetText(hs.clockText(h.doc.Plan.Start, "2 Jan 2006 15:04"))
			m, _ := hs.cfg.Pack.Method(h.doc.Plan.Method)
			cells[2].(*widget.Label).SetText(m.Label)
			cells[3].(*widget.Label).SetText(flagText(h.doc.Flags()))
			review := ""
			if reviews != nil {
				review = hs.reviewSummary(reviews[h.doc.ID])
			}
			right[0].(*widget.Label).SetText(review)
			o.(*fyne.Container).Refresh() // the review's width changed
		})
	list.OnSelected = func(i widget.ListItemID) { hs.nav.ShowSignedRecord(shown[i]) }
	count := widget.NewLabel("")
	filter := func(q string) {
		q = strings.ToLower(strings.TrimSpace(q))
		shown = shown[:0:0]
		for _, h := range hs.journal.history {
			if q == "" || strings.Contains(searchText(h.doc), q) || strings.Contains(reviewSearchText(reviews[h.doc.ID]), q) {
				shown = append(shown, h)
			}
		}
		count.SetText(fmt.Sprintf("%d of %d records", len(shown), len(hs.journal.history)))
		list.UnselectAll()
		list.Refresh()
	}
	search.OnChanged = filter
	filter("")
	top := container.NewBorder(nil, nil, nil, count, search)
	hs.nav.show("History", container.NewBorder(top, nil, nil, nil, list), widget.NewButtonWithIcon("Home", theme.HomeIcon(), hs.nav.ShowHome))
	hs.focusOnOpen(search)
	hs.loadReviews(func(got map[string][]recordReview) {
		reviews = got
		filter(search.Text)
	})
}

// latestOwnPerCustomer are the ids of the person's own signed records that
// are their customer's latest: the ones History offers to plan the next
// session from.
func (hs *historyScreen) latestOwnPerCustomer() map[string]bool {
	last := map[string]session.Document{}
	for _, h := range hs.journal.history {
		if string(h.entry.Header.Author) != hs.cfg.Me.KeyID {
			continue
		}
		ref := strings.ToLower(strings.TrimSpace(h.doc.Plan.Customer.Reference))
		if prev, ok := last[ref]; !ok || h.doc.Plan.Start.After(prev.Plan.Start) {
			last[ref] = h.doc
		}
	}
	out := map[string]bool{}
	for _, d := range last {
		out[d.ID] = true
	}
	return out
}

// recordReview is one of the line manager's reviews of the person's own
// record, with the name of whoever signed it.
type recordReview struct {
	session.Review
	by string
}

// loadReviews reads the reviews of the person's records, which are sealed
// to them as well as to their managers (vault.PutFor), grouped by the
// record they review (the signed header's parent, not the payload's word)
// and oldest first; done gets them on the UI goroutine.
func (hs *historyScreen) loadReviews(done func(map[string][]recordReview)) {
	if hs.cfg.Vault == nil {
		return
	}
	got := map[string][]recordReview{}
	hs.background(func(ctx context.Context) error {
		entries, _, err := hs.cfg.Vault.Open(ctx, nil, crypto.KindReview)
		for _, e := range entries {
			var r session.Review
			if e.Decode(&r) != nil || e.Header.ParentID == "" || r.ParentID != e.Header.ParentID {
				continue
			}
			by := r.Reviewer
			if e.Author != nil {
				by = e.Author.Name
			}
			got[r.ParentID] = append(got[r.ParentID], recordReview{Review: r, by: by})
		}
		for _, rs := range got {
			slices.SortStableFunc(rs, func(a, b recordReview) int { return a.At.Compare(b.At) })
		}
		return err
	}, func(error) { done(got) })
}

func reviewsOf(rs []recordReview) []session.Review {
	out := make([]session.Review, len(rs))
	for i, r := range rs {
		out[i] = r.Review
	}
	return out
}

// reviewSummary is a record's review in a few words, for the history list.
func (hs *historyScreen) reviewSummary(rs []recordReview) string {
	st := session.StatusOf(reviewsOf(rs))
	var parts []string
	switch {
	case st.Countersigned:
		parts = append(parts, "Countersigned")
	case st.Reviewed:
		parts = append(parts, "Reviewed")
	default:
		parts = append(parts, "Not reviewed yet")
	}
	if st.Comments == 1 {
		parts = append(parts, "1 comment")
	} else if st.Comments > 1 {
		parts = append(parts, fmt.Sprintf("%d comments", st.Comments))
	}
	if n := len(st.OpenFollowUps); n > 0 {
		parts = append(parts, fmt.Sprintf("%d follow-up open", n))
	}
	return strings.Join(parts, " · ")
}

// reviewSearchText is what a history search matches in a record's reviews.
func reviewSearchText(rs []recordReview) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, r.Text)
		if r.FollowUp != nil {
			parts = append(parts, r.FollowUp.Who, r.FollowUp.What)
		}
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// reviewLines are a record's reviews as its author reads them: who
// reviewed or countersigned it, their comments, and each follow-up with
// whether it is done or overdue.
func (hs *historyScreen) reviewLines(rs []recordReview) string {
	if len(rs) == 0 {
		return "Not reviewed yet."
	}
	now := hs.cfg.Clock.Now()
	done := map[string]recordReview{}
	for _, r := range rs {
		if r.Action == session.ReviewFollowUpDone {
			done[r.Closes] = r
		}
	}
	var lines []string
	for _, r := range rs {
		at := hs.clockText(r.At, "2 Jan 2006 15:04")
		switch r.Action {
		case session.ReviewMarked:
			lines = append(lines, fmt.Sprintf("Reviewed by %s, %s.", r.by, at))
		case session.ReviewCountersigned:
			lines = append(lines, fmt.Sprintf("Countersigned by %s, %s.", r.by, at))
		case session.ReviewComment:
			lines = append(lines, fmt.Sprintf("Comment from %s, %s: %s", r.by, at, r.Text))
		case session.ReviewFollowUp:
			if r.FollowUp == nil {
				continue
			}
			line := fmt.Sprintf("Follow-up from %s for %s: %s, due %s.", r.by, r.FollowUp.Who, r.FollowUp.What, hs.clockText(r.FollowUp.Due, "2 Jan 2006"))
			switch d, ok := done[r.ID]; {
			case ok:
				line += fmt.Sprintf(" Done (%s, %s).", d.by, hs.clockText(d.At, "2 Jan 2006"))
			case session.StatusOf([]session.Review{r.Review}).OverdueFollowUps(now) != nil:
				line += " OVERDUE."
			default:
				line += " Open."
			}
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// searchText is what a history search matches, lower-cased.
func searchText(d session.Document) string {
	parts := []string{d.Plan.Customer.Reference, flagText(d.Flags())}
	if d.Record != nil {
		parts = append(parts, d.Record.Summary, d.Record.Concerns)
		for _, a := range d.Record.Actions {
			parts = append(parts, a.Who, a.What)
		}
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// ShowSignedRecord shows a signed record read-only, with its addenda and a
// box to add one. Opening it is recorded in the audit chain.
func (u *UI) ShowSignedRecord(h historyItem) { u.historyScreen().record(h) }

func (hs *historyScreen) record(h historyItem) {
	d := h.doc
	if hs.cfg.Vault != nil {
		id := d.ID
		hs.background(func(ctx context.Context) error { return hs.cfg.Vault.Viewed(ctx, id) }, func(error) {})
	}
	var b strings.Builder
	b.WriteString(hs.documentText(d, hs.cfg.Me.Name) + "\n")
	for _, a := range hs.journal.addenda[d.ID] {
		fmt.Fprintf(&b, "\nAddendum, %s\n%s\n", hs.clockText(a.At, "2 January 2006 15:04"), a.Text)
	}
	text := widget.NewLabel(b.String())
	text.Wrapping = fyne.TextWrapWord
	// What the line manager made of it, once read (the reviews are sealed
	// to the record's author too).
	reviewed := wrappedLabel("Reading your line manager's review…")
	hs.loadReviews(func(got map[string][]recordReview) { reviewed.SetText(hs.reviewLines(got[d.ID])) })
	page := container.NewVBox(text, widget.NewSeparator(),
		widget.NewLabelWithStyle("Your line manager's review", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), reviewed)

	note := multiline("Add a note to this record (it is signed and cannot be changed)")
	status := widget.NewLabel("")
	add := widget.NewButtonWithIcon("Add addendum", theme.ContentAddIcon(), nil)
	add.OnTapped = func() {
		a, err := session.NewAddendum(d, hs.cfg.NewID(), hs.cfg.Me.KeyID, note.Text, hs.cfg.Clock)
		if err != nil {
			status.SetText(plainWords(err, saving))
			return
		}
		add.Disable()
		hs.background(func(ctx context.Context) error {
			if hs.cfg.Vault == nil {
				return fmt.Errorf("no vault")
			}
			_, err := hs.cfg.Vault.AddAddendum(ctx, h.entry, a)
			return err
		}, func(err error) {
			add.Enable()
			if err != nil {
				status.SetText("Not saved: " + plainWords(err, saving))
				return
			}
			hs.journal.addenda[d.ID] = append(hs.journal.addenda[d.ID], a)
			hs.sync.kick()
			hs.nav.ShowSignedRecord(h)
		})
	}
	export := widget.NewButtonWithIcon("Export encrypted record", theme.DownloadIcon(), func() { hs.exportRecord(d.ID, status.SetText) })
	// The customer's next session is planned from this one (issue 19),
	// when the record is the person's own.
	var next fyne.CanvasObject = layout.NewSpacer()
	if string(h.entry.Header.Author) == hs.cfg.Me.KeyID {
		next = widget.NewButtonWithIcon("Plan the next session", theme.ContentAddIcon(), func() { hs.nav.ShowNextPlan(d) })
	}
	bottom := container.NewVBox(widget.NewSeparator(), note, container.NewBorder(nil, nil, container.NewHBox(export, next), add, status))
	hs.nav.show("Signed record (read-only)", container.NewBorder(nil, bottom, nil, nil, container.NewVScroll(container.NewPadded(page))),
		widget.NewButtonWithIcon("History", theme.HistoryIcon(), hs.nav.ShowHistory), hs.nav.escalateButton(escalateFromRecord(h)))
}

// markerDetail is what a signed record says about a marker beyond its
// kind: the reassessment of a change of risk (Annex 2 3.2) and the decision
// on a disclosure or change of risk.
func markerDetail(m session.Marker) string {
	var out string
	if r := m.Reassessment; r != nil {
		out += fmt.Sprintf(". What changed: %s. Risk now: %s. Action: %s", r.WhatChanged, strings.ToLower(r.Outcome.Label()), strings.ToLower(r.Action.Label()))
		if r.Approach != "" {
			out += " (" + r.Approach + ")"
		}
	}
	if d := m.Decision; d != nil {
		switch d.Kind {
		case session.DecisionEscalated:
			out += ". Escalated to the safeguarding team"
		case session.DecisionNoConcern:
			out += ". No safeguarding concern: " + d.Reason
		}
	}
	return out
}

// annex2Text is the rest of what a signed record holds: incidents raised
// from the session and what became of them, and a webinar's recording
// decision and attendance (Annex 2 3.10).
func (sh *shell) annex2Text(d session.Document) string {
	var b strings.Builder
	if len(d.Incidents) > 0 {
		b.WriteString("\nIncidents raised from this session\n")
		for _, r := range d.Incidents {
			at := sh.clockText(r.RaisedAt, "15:04")
			switch {
			case r.Status == session.IncidentDiscarded:
				fmt.Fprintf(&b, "• Raised at %s, discarded: %s\n", at, r.DiscardReason)
			case r.Reported():
				fmt.Fprintf(&b, "• Raised at %s, reported to the safeguarding team\n", at)
			default:
				fmt.Fprintf(&b, "• Raised at %s, not yet reported\n", at)
			}
		}
	}
	if g := d.Plan.Group; g != nil {
		b.WriteString("\nWebinar or live broadcast\n")
		fmt.Fprintf(&b, "Expected attendees: %d.", g.ExpectedAttendees)
		if d.Record != nil && d.Record.Attendance != nil {
			fmt.Fprintf(&b, " Attended: %d.", *d.Record.Attendance)
		}
		if r := g.Recording; r.Recorded {
			fmt.Fprintf(&b, "\nRecorded; stored: %s. Attendees told: %s.\n", r.StoredWhere, r.AttendeesTold)
		} else {
			fmt.Fprintf(&b, "\nNot recorded: %s.\n", r.WhyNot)
		}
	}
	return b.String()
}
