package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/report"
	"safeguard/companion/session"
)

// reviewNeeds is what waits on a line manager (issue 15: a home that says
// what needs you): her team's records not yet reviewed, how many of those
// are overdue and the oldest, the follow-ups past their day, and whether
// last quarter's session figures are shared with the safeguarding team
// (policy 9.1).
type reviewNeeds struct {
	waiting, overdue, followUpsDue int
	oldestSigned                   string
	figuresShared                  bool
	lastQuarter                    report.Quarter
}

// reviewsWaitingLine is home's line for a line manager; it is hidden for
// anyone else, and filled in from her records in the background.
func (h *homeScreen) reviewsWaitingLine() fyne.CanvasObject {
	l := warningLabel("")
	l.Hide()
	me := h.me()
	if me == nil || !me.HasRole(crypto.RoleLineManager) {
		return l
	}
	now := h.cfg.Clock.Now()
	var n reviewNeeds
	var bad int
	h.background(func(ctx context.Context) error {
		entries, fails, err := h.cfg.Vault.Open(ctx, nil, crypto.KindSessionRecord, crypto.KindReview, crypto.KindFigures)
		if err != nil {
			return err
		}
		var recs *records.Index
		recs, bad = h.readIndex(entries, fails)
		n = needsOf(recs, me.ID, now, h.cfg.Pack)
		return nil
	}, func(err error) {
		if err != nil {
			l.SetText("Your team's records could not be opened: " + plainWords(err, reading))
			l.Show()
			return
		}
		l.SetText(strings.TrimSpace(n.text() + " " + unreadableWords(bad)))
		if n.overdue > 0 || n.followUpsDue > 0 {
			l.Importance = widget.DangerImportance
		} else {
			l.Importance = widget.MediumImportance
		}
		l.Show()
	})
	return l
}

// needsOf counts what waits on the manager me among recs at now.
func needsOf(recs *records.Index, me string, t time.Time, pk *session.Pack) reviewNeeds {
	var n reviewNeeds
	n.lastQuarter = report.QuarterOf(t, pk.Location()).Prev()
	var oldest *records.Item
	for _, it := range recs.Items {
		switch {
		case it.Figures != nil:
			if it.Entry.Author != nil && it.Entry.Author.ID == me && it.Figures.Quarter() == n.lastQuarter {
				n.figuresShared = true
			}
		case it.Doc != nil && it.Entry.Author != nil && it.Entry.Author.ID != me:
			s := session.StatusOf(recs.Reviews[it.Entry.Header.ID])
			n.followUpsDue += len(s.OverdueFollowUps(t))
			if s.Reviewed {
				continue
			}
			n.waiting++
			if s.ReviewOverdue(it.Doc.SignedAt, t) {
				n.overdue++
			}
			if oldest == nil || it.Doc.SignedAt.Before(oldest.Doc.SignedAt) {
				oldest = it
			}
		}
	}
	if oldest != nil {
		n.oldestSigned = oldest.Doc.SignedAt.In(pk.Location()).Format("2 January")
	}
	return n
}

func (n reviewNeeds) text() string {
	var parts []string
	switch n.waiting {
	case 0:
		parts = append(parts, "No record is waiting for your review.")
	default:
		s := fmt.Sprintf("%d record%s waiting for your review", n.waiting, plural(n.waiting))
		if n.overdue > 0 {
			s += fmt.Sprintf(", %d overdue", n.overdue)
		}
		parts = append(parts, s+"; the oldest was signed on "+n.oldestSigned+". Open the Inbox.")
	}
	if n.followUpsDue > 0 {
		parts = append(parts, fmt.Sprintf("%d follow-up%s past their day.", n.followUpsDue, plural(n.followUpsDue)))
	}
	if !n.figuresShared {
		parts = append(parts, fmt.Sprintf("Your session figures for %s are not yet shared with the safeguarding team (policy 9.1): Quarterly report, Share.", n.lastQuarter))
	}
	return strings.Join(parts, " ")
}

// draftsLine is home's "to finish" for the person using the app (issue 15):
// their session records still to write or to sign, and the incidents they
// raised that are not reported yet (Annex 1: report it, or discard it with
// the reason). It is hidden when nothing is unfinished. Records waiting to
// sync are the sync line's (refreshWaiting).
func (h *homeScreen) draftsLine() fyne.CanvasObject {
	write, sign, incidents := 0, 0, 0
	for _, s := range h.journal.sessions {
		switch s.State() {
		case session.Ended:
			write++
		case session.Recorded:
			sign++
		}
	}
	for _, m := range h.mine.list {
		if m.draft {
			incidents++
		}
	}
	var parts []string
	if write > 0 {
		parts = append(parts, fmt.Sprintf("%d session record%s to write", write, plural(write)))
	}
	switch {
	case sign > 0 && write > 0:
		parts = append(parts, fmt.Sprintf("%d to sign", sign))
	case sign > 0:
		parts = append(parts, fmt.Sprintf("%d session record%s to sign", sign, plural(sign)))
	}
	if incidents > 0 {
		parts = append(parts, fmt.Sprintf("%d incident%s not reported yet", incidents, plural(incidents)))
	}
	l := warningLabel("")
	if len(parts) == 0 {
		l.Hide()
		return l
	}
	l.SetText("To finish: " + strings.Join(parts, ", ") + ".")
	if incidents > 0 {
		l.Importance = widget.DangerImportance
	}
	return l
}
