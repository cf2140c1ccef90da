package app

import (
	"context"
	"fmt"
	"slices"
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
	"safeguard/companion/store"
	"safeguard/companion/vault"
)

// inboxScreen is the manager's and DSL's inbox: the records addressed to
// them, verified and decrypted on this device, held in memory only. It
// pages from the store, newest first (issue 18: at 100,000 records it
// never holds them all): the first screenful at once, a few pages more in
// the background, then a page at a time as the list is scrolled to its
// end. A search goes through the blind index (vault.Search), so it finds
// records not yet paged in.
type inboxScreen struct {
	*shell
	nav navigator
	// hold records are paged in before the list is scrolled, page at a
	// time.
	hold, page int
	recs       *records.Index
	// shown is what the list shows: recs, or found while searching,
	// through the filters.
	shown []*records.Item
	// next is where the next page starts; done says every record has
	// been paged in; loading that a page is being opened.
	next          store.Ref
	done, loading bool
	failures      []vault.Failure
	failed        map[string]bool
	unreadable    int
	q             inboxQuery
	// The search: found are its results (nil while it runs), gen tells
	// an answer from one typed over since.
	found     []*records.Item
	searching bool
	searchGen int
	foundAll  int
	warmed    bool

	list          *widget.List
	count, status *widget.Label
	search        *widget.Entry
	from, to      *widget.Entry
	people        []*crypto.Person
	top           fyne.CanvasObject
}

// Inbox paging: the first page is a screenful; pages of inboxPage follow
// in the background until inboxHold records are held, then one more on
// each scroll to the end. A search shows the newest inboxSearchLimit
// matches.
const (
	inboxFirstPage   = 40
	inboxPage        = 500
	inboxHold        = 2000
	inboxSearchLimit = 40
	// inboxScrollAhead: a row this near the end of the list, drawn,
	// opens the next page.
	inboxScrollAhead = 10
)

// ShowInbox shows the records addressed to the person using the app, with
// filters and a search by whole words or customer reference.
func (u *UI) ShowInbox() { u.showInbox(inboxHold, inboxPage) }

// showInbox shows the inbox paging in the background, page records at a
// time, until hold records are held.
func (u *UI) showInbox(hold, page int) {
	ib := &inboxScreen{shell: u.shell, nav: u, hold: hold, page: page, recs: &records.Index{}, failed: map[string]bool{}, q: inboxQuery{Kind: kindRecordsIncidents, Status: statusAny}}
	ib.build()
	ib.show()
	ib.load()
}

// load opens the first screenful off the UI goroutine; more pages follow.
func (ib *inboxScreen) load() {
	if ib.cfg.Vault == nil {
		ib.status.SetText("No records on this device yet.")
		ib.done = true
		return
	}
	ib.status.SetText("Opening your records…")
	ib.more(inboxFirstPage)
}

// more opens the next page of n records in the background and takes it
// in; while fewer than inboxHold are held it asks for the page after.
func (ib *inboxScreen) more(n int) {
	v := ib.cfg.Vault
	if v == nil || ib.done || ib.loading {
		return
	}
	ib.loading = true
	at := ib.next
	var (
		page  vault.Page
		extra []vault.Entry
		fails []vault.Failure
	)
	ib.background(func(ctx context.Context) error {
		var err error
		if page, err = v.OpenPage(ctx, at, n); err != nil {
			return err
		}
		extra, fails, err = earlierVersions(ctx, v, page.Entries)
		return err
	}, func(err error) {
		ib.loading = false
		if err != nil {
			ib.status.SetText("Your records could not be opened: " + plainWords(err, reading))
			ib.status.Importance = widget.DangerImportance
			ib.status.Refresh()
			return
		}
		ib.next, ib.done = page.Next, page.Done
		ib.take(append(page.Entries, extra...), append(page.Failures, fails...))
		ib.refilter()
		ib.setStatus()
		switch {
		case !ib.done && len(ib.recs.Items) < ib.hold:
			ib.more(ib.page)
		case !ib.warmed:
			// The first screen and the pages held are open: read the
			// search filters into memory now, so the first search does
			// not wait for them (stopped with the window, services.go).
			ib.warmed = true
			ib.svc.Go(func(ctx context.Context) {
				if err := v.IndexPending(ctx); err != nil && ctx.Err() == nil && ib.cfg.Errors != nil {
					ib.cfg.Errors("indexing records for search", err)
				}
			})
		}
	})
}

// take decodes opened records into the index, counting those that do not
// decode and those refused, each once; a record opened twice (found by a
// search and as a later version of another hit) is taken once.
func (ib *inboxScreen) take(entries []vault.Entry, fails []vault.Failure) {
	seen := make(map[string]bool, len(entries))
	entries = slices.DeleteFunc(slices.Clone(entries), func(e vault.Entry) bool {
		dup := seen[e.Header.ID]
		seen[e.Header.ID] = true
		return dup
	})
	for _, f := range fails {
		if !ib.failed[f.ID] {
			ib.failed[f.ID] = true
			ib.failures = append(ib.failures, f)
		}
	}
	ib.unreadable += ib.readMore(ib.recs, entries, fails)
}

// earlierVersions opens the earlier versions of the incidents among
// entries that are not among them, so each incident's chain is checked
// whole however the pages fall (records.Index refuses a version whose
// parent it does not hold).
func earlierVersions(ctx context.Context, v *vault.Vault, entries []vault.Entry) ([]vault.Entry, []vault.Failure, error) {
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Header.ID] = true
	}
	var out []vault.Entry
	var fails []vault.Failure
	for todo := entries; len(todo) > 0; {
		var ids []string
		for _, e := range todo {
			if p := e.Header.ParentID; e.Header.Kind == crypto.KindIncident && p != "" && !have[p] {
				have[p] = true
				ids = append(ids, p)
			}
		}
		if len(ids) == 0 {
			break
		}
		got, f, err := v.OpenIDs(ctx, ids)
		if err != nil {
			return nil, nil, err
		}
		out, fails, todo = append(out, got...), append(fails, f...), got
	}
	return out, fails, nil
}

// laterVersions opens the later versions of the incidents among entries
// (and what hangs under each), however many, so that an incident found by
// an old version's words is shown as it stands now, never as that version:
// the search answers with the newest matches, and a later version of the
// case need not match the words or be among the pages opened.
func laterVersions(ctx context.Context, v *vault.Vault, entries []vault.Entry) ([]vault.Entry, []vault.Failure, error) {
	asked := map[string]bool{}
	var out []vault.Entry
	var fails []vault.Failure
	for todo := entries; len(todo) > 0; {
		var ids []string
		for _, e := range todo {
			if e.Header.Kind == crypto.KindIncident && !asked[e.Header.ID] {
				asked[e.Header.ID] = true
				ids = append(ids, e.Header.ID)
			}
		}
		if len(ids) == 0 {
			break
		}
		got, f, err := v.OpenChildren(ctx, ids)
		if err != nil {
			return nil, nil, err
		}
		out, fails, todo = append(out, got...), append(fails, f...), got
	}
	return out, fails, nil
}

// searchFor runs a search through the blind index in the background and
// shows its newest matches; an answer to a search typed over since is
// dropped.
func (ib *inboxScreen) searchFor() {
	ib.searchGen++
	gen := ib.searchGen
	v := ib.cfg.Vault
	text := strings.TrimSpace(ib.q.Text)
	if text == "" || v == nil {
		ib.found, ib.searching = nil, false
		ib.refilter()
		return
	}
	ib.found, ib.searching = nil, true
	ib.refilter()
	kinds := searchKinds(ib.q.Kind)
	var (
		res   vault.SearchResult
		extra []vault.Entry
		fails []vault.Failure
	)
	ib.background(func(ctx context.Context) error {
		var err error
		if res, err = v.Search(ctx, text, inboxSearchLimit, kinds...); err != nil {
			return err
		}
		// Reviews and addenda of what was found, and incidents' earlier
		// and later versions, for the status shown beside each: an
		// incident stands as its latest version.
		var ids []string
		for _, e := range res.Entries {
			if e.Header.Kind != crypto.KindIncident {
				ids = append(ids, e.Header.ID) // an incident's own are taken by laterVersions
			}
		}
		if extra, fails, err = v.OpenChildren(ctx, ids); err != nil {
			return err
		}
		later, f, err := laterVersions(ctx, v, res.Entries)
		if err != nil {
			return err
		}
		extra, fails = append(extra, later...), append(fails, f...)
		more, f, err := earlierVersions(ctx, v, append(slices.Clone(res.Entries), later...))
		extra, fails = append(extra, more...), append(fails, f...)
		return err
	}, func(err error) {
		if gen != ib.searchGen {
			return
		}
		ib.searching = false
		if err != nil {
			ib.found = []*records.Item{}
			ib.status.SetText("The search could not be done: " + plainWords(err, reading))
			ib.status.Importance = widget.DangerImportance
			ib.status.Refresh()
			ib.refilter()
			return
		}
		ib.take(append(slices.Clone(res.Entries), extra...), append(res.Failures, fails...))
		ib.found = make([]*records.Item, 0, len(res.Entries))
		for _, e := range res.Entries {
			if it, ok := ib.recs.Get(e.Header.ID); ok {
				ib.found = append(ib.found, it)
			}
		}
		ib.foundAll = res.Candidates
		ib.refilter()
		ib.setStatus()
	})
}

// searchKinds are the kinds of record the kind filter asks a search for.
func searchKinds(kind string) []crypto.Kind {
	switch kind {
	case kindRecordsIncidents, "":
		return []crypto.Kind{crypto.KindSessionRecord, crypto.KindIncident}
	case kindSessions:
		return []crypto.Kind{crypto.KindSessionRecord}
	case kindIncidents:
		return []crypto.Kind{crypto.KindIncident}
	case kindReviews:
		return []crypto.Kind{crypto.KindReview}
	case kindAddenda:
		return []crypto.Kind{crypto.KindAddendum}
	}
	return nil
}

func (ib *inboxScreen) setStatus() {
	verified := fmt.Sprintf("%d records verified and decrypted on this device.", len(ib.recs.Items))
	if !ib.done {
		verified = fmt.Sprintf("The newest %d records verified and decrypted on this device; older ones are opened as you scroll, and a search looks through them all.", len(ib.recs.Items))
	}
	ib.status.Importance = widget.MediumImportance
	if len(ib.failures)+ib.unreadable+len(ib.recs.Refused) == 0 {
		ib.status.SetText(verified)
		return
	}
	// Refused records are never shown as genuine (docs/ARCHITECTURE.md, Promises);
	// records that could not be read are said, not dropped (issue 15).
	words := []string{verified}
	if n := len(ib.recs.Refused); n > 0 {
		words = append(words, fmt.Sprintf("%d incident version%s refused and not shown, because %s not follow on from the version before. Tell your ICT administrator.", n, plural(n), doesDo(n)))
	}
	if w := notShownWords(ib.failures, ib.unreadable); w != "" {
		words = append(words, w)
	}
	ib.status.SetText(strings.Join(words, " "))
	ib.status.Importance = widget.DangerImportance
	ib.status.Refresh()
}

func (ib *inboxScreen) build() {
	ib.count = widget.NewLabel("")
	ib.status = widget.NewLabel("")
	ib.status.Wrapping = fyne.TextWrapWord
	// Search is by whole words or a customer reference: the blind index
	// holds no substrings (docs/search-index.md).
	ib.search = entry("Search by whole words or customer reference…")
	ib.search.OnChanged = func(s string) { ib.q.Text = s; ib.searchFor() }

	personNames := []string{"Anyone"}
	if ib.cfg.Vault != nil {
		for i := range ib.cfg.Vault.Directory().People {
			p := &ib.cfg.Vault.Directory().People[i]
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
	kind := widget.NewSelect(kindChoices, func(s string) {
		ib.q.Kind = s
		if ib.q.Text != "" {
			ib.searchFor()
			return
		}
		ib.refilter()
	})
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
			if i >= len(ib.shown)-inboxScrollAhead && ib.q.Text == "" {
				ib.more(ib.page) // scrolled near the end: the next page
			}
			it := ib.shown[i]
			c := o.(*fyne.Container).Objects
			left := c[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects
			left[0].(*widget.Label).SetText(ib.clockText(itemTime(it), "Mon 2 Jan 2006 15:04"))
			left[1].(*widget.Label).SetText(authorName(it))
			subject := c[0].(*widget.Label)
			subject.Truncation = fyne.TextTruncateEllipsis
			subject.SetText(kindText(it) + " · " + itemSubject(ib.cfg.Pack, it))
			st := c[2].(*fyne.Container).Objects[0].(*widget.Label)
			text, overdue := statusText(ib.recs, it, ib.cfg.Clock.Now())
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

	// Three choices to a row and the count beside the dates, so that
	// nothing is cut off with text at 150% (issue 15 §6).
	ib.top = container.NewVBox(
		ib.search,
		container.NewGridWithColumns(3, person, kind, status),
		container.NewBorder(nil, nil, nil, ib.count, container.NewGridWithColumns(2, ib.from, ib.to)),
		flags, ib.status, widget.NewSeparator())
}

func (ib *inboxScreen) show() {
	ib.nav.show("Inbox", container.NewBorder(ib.top, nil, nil, nil, ib.list),
		widget.NewButtonWithIcon("Home", theme.HomeIcon(), ib.nav.ShowHome))
	ib.focusOnOpen(ib.search)
}

// readDates reads the date filters; a date that does not parse is ignored
// and marked, rather than emptying the list.
func (ib *inboxScreen) readDates() {
	loc := ib.cfg.Pack.Location()
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
	q := ib.q
	q.Text = "" // the index answered the search
	now := ib.cfg.Clock.Now()
	switch {
	case ib.searching:
		ib.shown = nil
		ib.count.SetText("Searching…")
	case strings.TrimSpace(ib.q.Text) != "" && ib.cfg.Vault != nil:
		ib.shown = filterItems(ib.recs, ib.found, q, now)
		suffix := ""
		if len(ib.found) == inboxSearchLimit && ib.foundAll > len(ib.found) {
			suffix = fmt.Sprintf(", the newest %d", inboxSearchLimit)
		}
		ib.count.SetText(fmt.Sprintf("%d shown of %d found%s", len(ib.shown), len(ib.found), suffix))
	default:
		ib.shown = filterItems(ib.recs, ib.recs.Items, q, now)
		total := len(ib.recs.Items)
		if ib.done {
			ib.count.SetText(fmt.Sprintf("%d shown of %d", len(ib.shown), total))
		} else {
			ib.count.SetText(fmt.Sprintf("%d shown of %d newest (more as you scroll)", len(ib.shown), total))
		}
		// Too few for a screen: fetch on, as a scroll to the end would.
		if len(ib.shown) < inboxFirstPage && !ib.done && ib.next.Seq != 0 {
			ib.more(ib.page)
		}
	}
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
		ib.nav.showReview(ib.recs, it, back)
	case it.Incident != nil:
		if c, ok := ib.recs.CaseOf(it); ok {
			ib.nav.showCase(ib.recs, c, back)
		}
	case it.Figures != nil:
		ib.showFigures(it)
	}
}

// showFigures says what a line manager's shared session figures hold.
func (ib *inboxScreen) showFigures(it *records.Item) {
	c := it.Figures
	f := report.Build(report.Input{Shared: c.Facts}, c.Quarter(), ib.cfg.Pack.Location(), ib.cfg.Clock.Now()).Current
	msg := fmt.Sprintf("%s shared these figures for %s on %s, for the quarterly report.\n\n"+
		"Sessions: %d\nRisk assessment completed before the session: %d\nConsent recorded: %d\n"+
		"Went ahead without recorded consent: %d\nOverruns: %d\nDisclosures: %d",
		authorName(it), c.Quarter(), ib.clockText(c.SentAt, "2 Jan 2006"),
		f.Sessions, f.RiskAssessed, f.Consented, f.NoConsent, f.Overruns, f.Disclosures)
	dialog.ShowInformation("Session figures", msg, ib.win)
}

func authorName(it *records.Item) string {
	if it.Entry.Author != nil {
		return it.Entry.Author.Name
	}
	return "Unknown"
}
