package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/session"
)

// myIncident is an incident the person using the app raised: a draft on
// this laptop, not yet reported, or the latest version of one reported.
type myIncident struct {
	doc   session.IncidentDocument
	draft bool
}

// myIncidentList is the person's own incidents, as home lists them: the
// drafts not yet reported and the reported ones (issue 20: an unreported
// incident must never vanish).
type myIncidentList struct {
	*shell
	list []myIncident
	// saves is only a key for the journal's inTurn: incident drafts are
	// saved, and home reads them again, one after another.
	saves *session.Session
}

// read reads the person's incident drafts and the incidents they
// reported. Drafts come first, newest first, then reported ones, newest
// first.
func (l *myIncidentList) read(ctx context.Context) ([]myIncident, error) {
	u := l.shell
	drafts, err := u.cfg.Vault.IncidentDrafts(ctx)
	if err != nil {
		return nil, err
	}
	var out []myIncident
	for _, d := range drafts {
		if d.Status == session.IncidentDraft {
			out = append(out, myIncident{doc: d, draft: true})
		}
	}
	entries, fails, err := u.cfg.Vault.Open(ctx, nil, crypto.KindIncident)
	if err != nil {
		return nil, err
	}
	recs, _ := u.readIndex(entries, fails) // logged; the inbox says how many
	var reported []myIncident
	for _, c := range recs.Cases {
		if d := c.Doc(); d.Author == u.cfg.Me.KeyID {
			reported = append(reported, myIncident{doc: d})
		}
	}
	newest := func(a, b myIncident) int { return b.doc.RaisedAt.Compare(a.doc.RaisedAt) }
	slices.SortFunc(out, newest)
	slices.SortFunc(reported, newest)
	return append(out, reported...), nil
}

// line is one incident in words: where it stands, when it was
// raised, and what it is about so far.
func (l *myIncidentList) line(m myIncident) string {
	state := m.doc.Status.Label()
	if m.draft {
		state = "Not reported yet"
	}
	return state + ": " + l.raised(m)
}

// raised is when an incident was raised and what it is about so
// far.
func (l *myIncidentList) raised(m myIncident) string {
	u, d := l.shell, m.doc
	what := "not described yet"
	if t, ok := u.cfg.Pack.IncidentType(d.Type); ok {
		what = t.Label
	} else if d.Description != "" || d.Typed != nil && strings.TrimSpace(d.Typed.Description) != "" {
		what = "described, not yet classified"
	}
	about := ""
	if d.Subject.Reference != "" {
		about = ", about " + d.Subject.Reference
	}
	return fmt.Sprintf("raised %s%s (%s)", u.clockText(d.RaisedAt, "Mon 2 Jan 15:04"), about, what)
}

// myIncidentsBox is home's "My incidents": every draft, each with a button
// to carry on, and the reported ones with where they stand.
func (h *homeScreen) myIncidentsBox() fyne.CanvasObject {
	if len(h.mine.list) == 0 {
		return nil
	}
	box := container.NewVBox(widget.NewLabelWithStyle("My incidents", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	shown := 0
	for _, m := range h.mine.list {
		if !m.draft && shown >= 3 {
			continue // the three newest reported ones; every draft
		}
		m := m
		line := widget.NewLabel(h.mine.line(m))
		line.Wrapping = fyne.TextWrapWord
		if m.draft {
			line.Importance = widget.DangerImportance
			open := widget.NewButtonWithIcon("Carry on and report it", theme.WarningIcon(), func() { h.nav.openIncident(m) })
			open.Importance = widget.DangerImportance
			box.Add(container.NewBorder(nil, nil, nil, open, line))
		} else {
			box.Add(container.NewBorder(nil, nil, nil, widget.NewButton("Open", func() { h.nav.openIncident(m) }), line))
		}
		if !m.draft {
			shown++
		}
	}
	return box
}

// openIncident shows an incident of the person's on the incident screen,
// linked to the session it was raised from when that session is still being
// written, so that reporting it there lets the record be signed.
func (u *UI) openIncident(m myIncident) {
	// Home's buttons were made before the screen left saved what was
	// typed there: open the incident as it now stands.
	for _, c := range u.mine.list {
		if c.doc.ID == m.doc.ID {
			m = c
		}
	}
	inc, err := session.RestoreIncident(u.cfg.Pack, u.cfg.Clock, m.doc, u.actor())
	if err != nil {
		dialog.ShowInformation("The incident cannot be opened", "It could not be read: "+plainWords(err, reading)+" Call your safeguarding lead and tell them what happened.", u.win)
		return
	}
	from := escalation{}
	if m.doc.Origin.SessionID != "" {
		for _, s := range u.journal.sessions {
			if s.Document().ID == m.doc.Origin.SessionID {
				from = escalateFromSession(s)
			}
		}
	}
	u.ShowIncident(inc, from)
}

// offerIncidentDraft asks, when the app opens, to carry on with an incident
// that was started and never reported.
func (u *UI) offerIncidentDraft() {
	var drafts []myIncident
	for _, m := range u.mine.list {
		if m.draft {
			drafts = append(drafts, m)
		}
	}
	if len(drafts) == 0 {
		return
	}
	// Said once (issue 20 item 8: no sentence printed twice): not
	// "not been reported: Not reported yet".
	msg := fmt.Sprintf("You started an incident that has not been reported, %s: the safeguarding team does not have it yet. Open it now?", u.mine.raised(drafts[0]))
	if len(drafts) > 1 {
		msg = fmt.Sprintf("You started %d incidents that have not been reported; the newest was %s. The safeguarding team does not have them yet. Open the newest now? (All are listed under My incidents on home.)", len(drafts), u.mine.raised(drafts[0]))
	}
	dialog.ShowConfirm("Incident not reported", msg, func(ok bool) {
		if ok {
			u.openIncident(drafts[0])
		}
	}, u.win)
}

// refreshIncidents reads the person's incidents again, after home is shown,
// and shows home again if they changed: a draft saved or an incident
// reported a moment ago is then listed.
func (h *homeScreen) refreshIncidents() {
	if h.cfg.Vault == nil || !h.journal.loaded {
		return
	}
	var fresh []myIncident
	// Read in turn behind the incident saves asked for before (leaving
	// the incident screen saves what was typed): what is read holds them.
	h.journal.inTurn(h.mine.turn(), func(next func()) {
		h.background(func(ctx context.Context) error {
			var err error
			fresh, err = h.mine.read(ctx)
			return err
		}, func(err error) {
			defer next()
			if err != nil {
				return
			}
			same := slices.EqualFunc(fresh, h.mine.list, sameIncident)
			h.mine.list = fresh // what is typed may differ where home shows nothing of it
			if !same && h.nav.showingHome() {
				h.nav.ShowHome()
			}
		})
	})
}

// turn is the key under which incident drafts are saved in turn.
func (l *myIncidentList) turn() *session.Session {
	if l.saves == nil {
		l.saves = new(session.Session)
	}
	return l.saves
}

// remember puts an incident as it now stands in home's list, so
// that opening it from there before it is read again opens it as it is.
func (l *myIncidentList) remember(d session.IncidentDocument) {
	for k, m := range l.list {
		if m.doc.ID == d.ID {
			l.list[k] = myIncident{doc: d, draft: d.Status == session.IncidentDraft}
		}
	}
}

func sameIncident(a, b myIncident) bool {
	typed := func(m myIncident) session.IncidentTyping {
		if m.doc.Typed != nil {
			return *m.doc.Typed
		}
		return session.IncidentTyping{}
	}
	return a.draft == b.draft && a.doc.ID == b.doc.ID && a.doc.Status == b.doc.Status &&
		a.doc.Type == b.doc.Type && a.doc.Subject.Reference == b.doc.Subject.Reference && len(a.doc.Chronology) == len(b.doc.Chronology) &&
		(a.doc.Description != "") == (b.doc.Description != "") && (typed(a).Description != "") == (typed(b).Description != "")
}
