package app

import (
	"fmt"
	"strings"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/records"
	"safeguard/companion/report"
	"safeguard/companion/session"
)

// inboxQuery is what the inbox's filters are set to. It holds no widgets,
// so the filtering is tested and benchmarked without a window.
type inboxQuery struct {
	Text     string // searched in the decrypted text, case-insensitively
	PersonID string // author; "" for anyone
	Kind     string // one of the kindChoices keys
	Status   string // one of the statusChoices keys
	From, To time.Time
	// Flags that must all be set.
	Overrun, NoConsent, Disclosure, Escalated, Unreviewed bool
}

// Kind filter choices.
const (
	kindRecordsIncidents = "Sessions and incidents"
	kindSessions         = "Session records"
	kindIncidents        = "Incidents"
	kindReviews          = "Reviews and case actions"
	kindAddenda          = "Addenda"
	kindAll              = "Everything"
)

var kindChoices = []string{kindRecordsIncidents, kindSessions, kindIncidents, kindReviews, kindAddenda, kindAll}

// Status filter choices.
const (
	statusAny           = "Any status"
	statusUnreviewed    = "Waiting for review"
	statusReviewOverdue = "Review overdue"
	statusReviewed      = "Reviewed"
	statusCountersigned = "Countersigned"
	statusFollowUpOpen  = "Follow-up open"
	statusCaseOpen      = "Case open"
	statusCaseClosed    = "Case closed"
)

var statusChoices = []string{statusAny, statusUnreviewed, statusReviewOverdue, statusReviewed, statusCountersigned, statusFollowUpOpen, statusCaseOpen, statusCaseClosed}

// filterInbox returns the records matching q, in the order given.
func filterInbox(recs *records.Index, q inboxQuery, now time.Time) []*records.Item {
	return filterItems(recs, recs.Items, q, now)
}

// filterItems returns the items of recs matching q, in the order given.
func filterItems(recs *records.Index, items []*records.Item, q inboxQuery, now time.Time) []*records.Item {
	text := strings.ToLower(strings.TrimSpace(q.Text))
	out := make([]*records.Item, 0, len(items))
	for _, it := range items {
		if inboxMatch(recs, it, q, text, now) {
			out = append(out, it)
		}
	}
	return out
}

func inboxMatch(recs *records.Index, it *records.Item, q inboxQuery, text string, now time.Time) bool {
	h := it.Entry.Header
	switch q.Kind {
	case kindRecordsIncidents, "":
		if h.Kind != crypto.KindSessionRecord && h.Kind != crypto.KindIncident {
			return false
		}
	case kindSessions:
		if h.Kind != crypto.KindSessionRecord {
			return false
		}
	case kindIncidents:
		if h.Kind != crypto.KindIncident {
			return false
		}
	case kindReviews:
		if h.Kind != crypto.KindReview {
			return false
		}
	case kindAddenda:
		if h.Kind != crypto.KindAddendum {
			return false
		}
	}
	if q.PersonID != "" && (it.Entry.Author == nil || it.Entry.Author.ID != q.PersonID) {
		return false
	}
	at := itemTime(it)
	if !q.From.IsZero() && at.Before(q.From) {
		return false
	}
	if !q.To.IsZero() && !at.Before(q.To) {
		return false
	}
	var flags session.Flags
	if it.Doc != nil {
		flags = it.Doc.Flags()
	}
	// An incident is listed once, as it stands: earlier versions are in its
	// chronology, and a refused version is never listed as genuine.
	if it.Incident != nil && !recs.IsLatest(it) {
		return false
	}
	if (q.Overrun && !flags.Overrun) || (q.NoConsent && !flags.NoConsent) || (q.Disclosure && !flags.Disclosure) ||
		(q.Escalated && !flags.Escalated && it.Incident == nil) {
		return false
	}
	if q.Unreviewed || (q.Status != "" && q.Status != statusAny) {
		if !statusMatch(recs, it, q, now) {
			return false
		}
	}
	return it.Matches(text)
}

func statusMatch(recs *records.Index, it *records.Item, q inboxQuery, now time.Time) bool {
	id := it.Entry.Header.ID
	if d := it.Incident; d != nil {
		closed := d.Status == session.IncidentClosed
		switch q.Status {
		case statusCaseOpen:
			return !closed
		case statusCaseClosed:
			return closed
		case statusAny, "":
			return !q.Unreviewed || d.AcknowledgedAt.IsZero()
		}
		return false
	}
	if it.Doc == nil {
		return false
	}
	s := session.StatusOf(recs.Reviews[id])
	if q.Unreviewed && s.Reviewed {
		return false
	}
	switch q.Status {
	case statusUnreviewed:
		return !s.Reviewed
	case statusReviewOverdue:
		return s.ReviewOverdue(it.Doc.SignedAt, now)
	case statusReviewed:
		return s.Reviewed
	case statusCountersigned:
		return s.Countersigned
	case statusFollowUpOpen:
		return len(s.OpenFollowUps) > 0
	case statusCaseOpen, statusCaseClosed:
		return false
	}
	return true
}

// itemTime is the time a record is about: a session's start, an
// incident's raising, otherwise when the record was signed.
func itemTime(it *records.Item) time.Time {
	switch {
	case it.Doc != nil:
		return it.Doc.Plan.Start
	case it.Incident != nil:
		return it.Incident.RaisedAt
	}
	return it.Entry.Header.Created
}

// kindText names a record's kind for a list row.
func kindText(it *records.Item) string {
	switch {
	case it.Doc != nil:
		return "Session"
	case it.Incident != nil:
		return "Incident"
	case it.Review != nil:
		return it.Review.Action.Label()
	case it.Addendum != nil:
		return "Addendum"
	case it.Figures != nil:
		return "Session figures"
	}
	return string(it.Entry.Header.Kind)
}

// itemSubject is a short line about what the record is, for a list row;
// pack names incident types.
func itemSubject(pack *session.Pack, it *records.Item) string {
	switch {
	case it.Doc != nil:
		s := it.Doc.Plan.Customer.Reference
		if it.Doc.Record != nil {
			s += ": " + firstLine(it.Doc.Record.Summary)
		}
		return s
	case it.Incident != nil:
		return it.Incident.Subject.Reference + ": " + report.CaseLabel(pack, *it.Incident)
	case it.Review != nil:
		return "on " + it.Review.ParentID
	case it.Addendum != nil:
		return firstLine(it.Addendum.Text)
	case it.Figures != nil:
		return fmt.Sprintf("%s: %d sessions, for the quarterly report", it.Figures.Quarter(), len(it.Figures.Facts))
	}
	return ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 70 {
		return string(r[:69]) + "…"
	}
	return s
}

// statusText is a record's review or case status in words, for a list row.
func statusText(recs *records.Index, it *records.Item, now time.Time) (string, bool) {
	id := it.Entry.Header.ID
	switch {
	case it.Incident != nil:
		if o := caseOverdue(*it.Incident, now); len(o) > 0 {
			return strings.Join(o, " · "), true
		}
		return it.Incident.Status.Label(), false
	case it.Doc != nil:
		s := session.StatusOf(recs.Reviews[id])
		var parts []string
		if f := flagText(it.Doc.Flags()); f != "" {
			parts = append(parts, f)
		}
		overdue := false
		switch {
		case s.Countersigned:
			parts = append(parts, "Countersigned")
		case s.Reviewed:
			parts = append(parts, "Reviewed")
		case s.ReviewOverdue(it.Doc.SignedAt, now):
			parts = append(parts, "Review overdue")
			overdue = true
		default:
			parts = append(parts, "Waiting for review")
		}
		if n := len(s.OverdueFollowUps(now)); n > 0 {
			parts = append(parts, "Follow-up overdue")
			overdue = true
		}
		return strings.Join(parts, " · "), overdue
	}
	return "", false
}
