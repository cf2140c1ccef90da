package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/report"
	"safeguard/companion/vault"
)

// inboxScreen is the manager's and DSL's inbox: every record addressed to
// them, verified and decrypted on this device, held in memory only.
type inboxScreen struct {
	u     *UI
	recs  *records.Index
	shown []*records.Item
	// loaded is set once every record is open; until then the list holds
	// the first screenful.
	loaded   bool
	failures []vault.Failure
	q        inboxQuery

	list          *widget.List
	count, status *widget.Label
	search        *widget.Entry
	from, to      *widget.Entry
	people        []*crypto.Person
	top           fyne.CanvasObject
}

// ShowInbox shows every record addressed to the person using the app, with
// filters and a search over the decrypted text.
func (u *UI) ShowInbox() {
	ib := &inboxScreen{u: u, recs: &records.Index{}, q: inboxQuery{Kind: kindRecordsIncidents, Status: statusAny}}
	ib.build()
	ib.show()
	ib.load()
}

// load opens every record off the UI goroutine. The first screenful comes
// back as soon as it is verified, long before the rest.
func (ib *inboxScreen) load() {
	v := ib.u.cfg.Vault
	if v == nil {
		ib.status.SetText("No records on this device yet.")
		return
	}
	ib.status.SetText("Opening your records…")
	var (
		recs  *records.Index
		fails []vault.Failure
		bad   int
	)
	ib.u.background(func(ctx context.Context) error {
		entries, f, err := v.Open(ctx, func(first []vault.Entry) {
			// The first screenful's undecodable records are said with
			// the rest's, once everything is open.
			firstRecs, _ := records.New(first)
			ib.u.runOnUI(func() {
				if !ib.loaded {
					ib.recs = firstRecs
					ib.refilter()
				}
			})
		})
		if err != nil {
			return err
		}
		recs, bad = ib.u.readIndex(entries, f)
		fails = f
		return nil
	}, func(err error) {
		if err != nil {
			ib.status.SetText("Your records could not be opened: " + plainWords(err, reading))
			ib.status.Importance = widget.DangerImportance
			ib.status.Refresh()
			return
		}
		ib.recs, ib.loaded, ib.failures = recs, true, fails
		ib.refilter()
		ib.setStatus(bad)
	})
}

func (ib *inboxScreen) setStatus(unreadable int) {
	verified := fmt.Sprintf("%d records verified and decrypted on this device.", len(ib.recs.Items))
	if len(ib.failures)+unreadable+len(ib.recs.Refused) == 0 {
		ib.status.SetText(verified)
		return
	}
	// Refused records are never shown as genuine (docs/ARCHITECTURE.md, Promises);
	// records that could not be read are said, not dropped (issue 15).
	words := []string{verified}
	if n := len(ib.recs.Refused); n > 0 {
		words = append(words, fmt.Sprintf("%d incident version%s refused and not shown, because %s not follow on from the version before. Tell your ICT administrator.", n, plural(n), doesDo(n)))
	}
	if w := notShownWords(ib.failures, unreadable); w != "" {
		words = append(words, w)
	}
	ib.status.SetText(strings.Join(words, " "))
	ib.status.Importance = widget.DangerImportance
	ib.status.Refresh()
}

func (ib *inboxScreen) build() {
	u := ib.u
	ib.count = widget.NewLabel("")
	ib.status = widget.NewLabel("")
	ib.status.Wrapping = fyne.TextWrapWord
	ib.search = entry("Search the text of every record…")
	ib.search.OnChanged = func(s string) { ib.q.Text = s; ib.refilter() }

	personNames := []string{"Anyone"}
	if u.cfg.Vault != nil {
		for i := range u.cfg.Vault.Directory().People {
			p := &u.cfg.Vault.Directory().People[i]
			ib.people = append(ib.people, p)
			personNames = append(personNames, p.Name)
		}
	}
	person := widget.NewSelect(personNames, func(s string) {
		ib.q.PersonID = ""
		for _, p := range ib.people {
			if p.Name == s {
				ib.q.PersonID = p.ID
			}
		}
		ib.refilter()
	})
	person.SetSelectedIndex(0)
	kind := widget.NewSelect(kindChoices, func(s string) { ib.q.Kind = s; ib.refilter() })
	kind.SetSelected(ib.q.Kind)
	status := widget.NewSelect(statusChoices, func(s string) { ib.q.Status = s; ib.refilter() })
	status.SetSelected(ib.q.Status)
	ib.from = entry("From (YYYY-MM-DD)")
	ib.to = entry("To (YYYY-MM-DD)")
	ib.from.OnChanged = func(string) { ib.readDates() }
	ib.to.OnChanged = func(string) { ib.readDates() }

	check := func(label string, set func(bool)) *widget.Check {
		return widget.NewCheck(label, func(on bool) { set(on); ib.refilter() })
	}
	flags := container.NewHBox(widget.NewLabel("Only:"),
		check("Overrun", func(b bool) { ib.q.Overrun = b }),
		check("No consent", func(b bool) { ib.q.NoConsent = b }),
		check("Disclosure", func(b bool) { ib.q.Disclosure = b }),
		check("Escalated", func(b bool) { ib.q.Escalated = b }),
		check("Unreviewed", func(b bool) { ib.q.Unreviewed = b }))

	ib.list = widget.NewList(
		func() int { return len(ib.shown) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil,
				container.NewGridWrap(fyne.NewSize(400, 36), container.NewGridWithColumns(2, widget.NewLabel("when"), widget.NewLabel("who"))),
				container.NewGridWrap(fyne.NewSize(250, 36), widget.NewLabel("status")),
				widget.NewLabel("subject"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := ib.shown[i]
			c := o.(*fyne.Container).Objects
			left := c[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects
			left[0].(*widget.Label).SetText(u.clockText(itemTime(it), "Mon 2 Jan 2006 15:04"))
			left[1].(*widget.Label).SetText(authorName(it))
			subject := c[0].(*widget.Label)
			subject.Truncation = fyne.TextTruncateEllipsis
			subject.SetText(kindText(it) + " · " + itemSubject(u.cfg.Pack, it))
			st := c[2].(*fyne.Container).Objects[0].(*widget.Label)
			text, overdue := statusText(ib.recs, it, u.cfg.Clock.Now())
			st.Truncation = fyne.TextTruncateEllipsis
			st.Importance = widget.MediumImportance
			if overdue {
				st.Importance = widget.DangerImportance
			}
			st.SetText(text)
		})
	ib.list.OnSelected = func(i widget.ListItemID) {
		ib.list.UnselectAll()
		if i < len(ib.shown) {
			ib.open(ib.shown[i])
		}
	}

	ib.top = container.NewVBox(
		container.NewBorder(nil, nil, nil, ib.count, ib.search),
		container.NewGridWithColumns(5, person, kind, status, ib.from, ib.to),
		flags, ib.status, widget.NewSeparator())
}

func (ib *inboxScreen) show() {
	ib.u.show("Inbox", container.NewBorder(ib.top, nil, nil, nil, ib.list),
		widget.NewButtonWithIcon("Home", theme.HomeIcon(), ib.u.ShowHome))
	ib.u.focusOnOpen(ib.search)
}

// readDates reads the date filters; a date that does not parse is ignored
// and marked, rather than emptying the list.
func (ib *inboxScreen) readDates() {
	loc := ib.u.cfg.Pack.Location()
	parse := func(e *widget.Entry) time.Time {
		s := strings.TrimSpace(e.Text)
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return time.Time{}
		}
		return t
	}
	ib.q.From = parse(ib.from)
	ib.q.To = parse(ib.to)
	if !ib.q.To.IsZero() {
		ib.q.To = ib.q.To.AddDate(0, 0, 1) // the To day is included
	}
	ib.refilter()
}

func (ib *inboxScreen) refilter() {
	if ib.list == nil {
		return // still building the filters
	}
	ib.shown = filterInbox(ib.recs, ib.q, ib.u.cfg.Clock.Now())
	total := len(ib.recs.Items)
	suffix := ""
	if !ib.loaded && ib.u.cfg.Vault != nil {
		suffix = " (still opening)"
	}
	ib.count.SetText(fmt.Sprintf("%d shown of %d%s", len(ib.shown), total, suffix))
	ib.list.Refresh()
}

// open shows a record for review: a session record on the review screen,
// an incident as a case; a review or addendum opens the record it is on.
func (ib *inboxScreen) open(it *records.Item) {
	back := func() { ib.show(); ib.refilter() }
	if it.Review != nil || it.Addendum != nil {
		parent := it.Entry.Header.ParentID
		if p, ok := ib.recs.Get(parent); ok {
			it = p
		}
	}
	switch {
	case it.Doc != nil:
		ib.u.showReview(ib.recs, it, back)
	case it.Incident != nil:
		if c, ok := ib.recs.CaseOf(it); ok {
			ib.u.showCase(ib.recs, c, back)
		}
	case it.Figures != nil:
		ib.showFigures(it)
	}
}

// showFigures says what a line manager's shared session figures hold.
func (ib *inboxScreen) showFigures(it *records.Item) {
	u := ib.u
	c := it.Figures
	f := report.Build(report.Input{Shared: c.Facts}, c.Quarter(), u.cfg.Pack.Location(), u.cfg.Clock.Now()).Current
	msg := fmt.Sprintf("%s shared these figures for %s on %s, for the quarterly report.\n\n"+
		"Sessions: %d\nRisk assessment completed before the session: %d\nConsent recorded: %d\n"+
		"Went ahead without recorded consent: %d\nOverruns: %d\nDisclosures: %d",
		authorName(it), c.Quarter(), u.clockText(c.SentAt, "2 Jan 2006"),
		f.Sessions, f.RiskAssessed, f.Consented, f.NoConsent, f.Overruns, f.Disclosures)
	dialog.ShowInformation("Session figures", msg, u.win)
}

func authorName(it *records.Item) string {
	if it.Entry.Author != nil {
		return it.Entry.Author.Name
	}
	return "Unknown"
}
