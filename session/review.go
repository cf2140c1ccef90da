package session

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// ReviewAction is what a line manager does to a signed session record.
// Every action is its own signed addendum (docs/ARCHITECTURE.md, journey 7): a record is
// never edited, so its review history is the list of these in order. The
// DSL's work on an incident is not a review: it is a new version of the
// incident itself (see Incident and IncidentDocument.Extends).
type ReviewAction string

// Manager's actions on a session record.
const (
	// ReviewMarked: the line manager has read the record.
	ReviewMarked ReviewAction = "reviewed"
	// ReviewCountersigned: the line manager vouches for the record; it
	// implies ReviewMarked.
	ReviewCountersigned ReviewAction = "countersigned"
	ReviewComment       ReviewAction = "comment"
	// ReviewFollowUp adds an action for someone, with a due date.
	ReviewFollowUp ReviewAction = "follow_up"
	// ReviewFollowUpDone closes a follow-up, named by its review id.
	ReviewFollowUpDone ReviewAction = "follow_up_done"
)

// Label is the action in words.
func (a ReviewAction) Label() string {
	switch a {
	case ReviewMarked:
		return "Reviewed"
	case ReviewCountersigned:
		return "Countersigned"
	case ReviewComment:
		return "Comment"
	case ReviewFollowUp:
		return "Follow-up"
	case ReviewFollowUpDone:
		return "Follow-up done"
	}
	return string(a)
}

// FollowUp is an action a reviewer asks for: who does what, by when.
type FollowUp struct {
	Who  string    `json:"who"`
	What string    `json:"what"`
	Due  time.Time `json:"due"`
}

// Review is one signed reviewer's action on a session record.
type Review struct {
	ID       string       `json:"id"`
	ParentID string       `json:"parent_id"`
	Reviewer string       `json:"reviewer"` // person id
	At       time.Time    `json:"at"`
	Action   ReviewAction `json:"action"`
	Text     string       `json:"text,omitempty"`
	FollowUp *FollowUp    `json:"follow_up,omitempty"`
	// Closes names the follow-up a ReviewFollowUpDone completes.
	Closes string `json:"closes,omitempty"`
}

// ParentRecordID lets the vault put the parent id in the routing header, so
// a review travels and sorts with its record.
func (r Review) ParentRecordID() string { return r.ParentID }

// ErrOwnRecord is returned when someone would countersign their own record:
// a countersignature is a second person's word.
var ErrOwnRecord = errors.New("you cannot countersign your own record; ask your line manager")

// NewReview checks a reviewer's action and stamps it. recordAuthor is the
// person id of whoever wrote the parent record; prior are the reviews the
// parent already has, oldest first.
func NewReview(r Review, recordAuthor string, prior []Review, clock Clock) (Review, error) {
	now := clock.Now()
	r.At = now
	r.Text = strings.TrimSpace(r.Text)
	if r.ID == "" || r.ParentID == "" || r.Reviewer == "" {
		return Review{}, errors.New("new review: id, parent and reviewer are required")
	}
	var errs FieldErrors
	switch r.Action {
	case ReviewMarked:
	case ReviewCountersigned:
		if r.Reviewer == recordAuthor {
			return Review{}, ErrOwnRecord
		}
	case ReviewComment:
		if r.Text == "" {
			errs.add("text", "Write the comment.")
		}
	case ReviewFollowUp:
		switch {
		case r.FollowUp == nil:
			errs.add("what", "Say what needs to be done.")
		default:
			f := *r.FollowUp
			f.Who, f.What = strings.TrimSpace(f.Who), strings.TrimSpace(f.What)
			if f.Who == "" {
				errs.add("who", "Say who will do it.")
			}
			if f.What == "" {
				errs.add("what", "Say what needs to be done.")
			}
			if f.Due.IsZero() {
				errs.add("due", "Give a date it is due.")
			} else if f.Due.Before(startOfDay(now)) {
				errs.add("due", "The due date has passed; choose today or later.")
			}
			r.FollowUp = &f
		}
	case ReviewFollowUpDone:
		if !slices.ContainsFunc(prior, func(p Review) bool { return p.ID == r.Closes && p.Action == ReviewFollowUp }) {
			errs.add("closes", "Choose the follow-up that is done.")
		}
	default:
		errs.add("action", "Unknown review action.")
	}
	if err := errs.err(); err != nil {
		return Review{}, err
	}
	return r, nil
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// ReviewDue is how long a signed record may wait for its line manager's
// review before it shows as overdue. The policy sets no figure; a week
// keeps reviews inside the fortnightly supervision most teams hold.
const ReviewDue = 7 * 24 * time.Hour

// ReviewStatus is what a record's reviews add up to.
type ReviewStatus struct {
	Reviewed      bool
	ReviewedAt    time.Time
	Countersigned bool
	Comments      int
	// OpenFollowUps are follow-ups not yet marked done, oldest first.
	OpenFollowUps []Review
}

// StatusOf folds a record's reviews (any order) into its status.
func StatusOf(reviews []Review) ReviewStatus {
	rs := slices.Clone(reviews)
	slices.SortStableFunc(rs, func(a, b Review) int { return a.At.Compare(b.At) })
	var s ReviewStatus
	done := map[string]bool{}
	for _, r := range rs {
		if r.Action == ReviewFollowUpDone {
			done[r.Closes] = true
		}
	}
	for _, r := range rs {
		switch r.Action {
		case ReviewMarked, ReviewCountersigned:
			if !s.Reviewed {
				s.Reviewed, s.ReviewedAt = true, r.At
			}
			s.Countersigned = s.Countersigned || r.Action == ReviewCountersigned
		case ReviewComment:
			s.Comments++
		case ReviewFollowUp:
			if !done[r.ID] {
				s.OpenFollowUps = append(s.OpenFollowUps, r)
			}
		}
	}
	return s
}

// ReviewOverdue reports whether a record signed at signed, with status s,
// is waiting too long for review at now.
func (s ReviewStatus) ReviewOverdue(signed, now time.Time) bool {
	return !s.Reviewed && now.Sub(signed) > ReviewDue
}

// OverdueFollowUps are the open follow-ups whose due day has passed.
func (s ReviewStatus) OverdueFollowUps(now time.Time) []Review {
	var out []Review
	for _, r := range s.OpenFollowUps {
		if r.FollowUp != nil && r.FollowUp.Due.Before(startOfDay(now)) {
			out = append(out, r)
		}
	}
	return out
}
