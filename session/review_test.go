package session

import (
	"errors"
	"testing"
	"time"
)

type reviewClock struct{ t time.Time }

func (c reviewClock) Now() time.Time { return c.t }

func TestNewReviewRules(t *testing.T) {
	now := testNow()
	clock := reviewClock{now}
	base := Review{ID: "rv-1", ParentID: "rec-1", Reviewer: "priya"}
	with := func(mod func(*Review)) Review { r := base; mod(&r); return r }
	followUp := Review{ID: "fu-1", ParentID: "rec-1", Reviewer: "priya", Action: ReviewFollowUp, FollowUp: &FollowUp{Who: "sam", What: "call back", Due: now}}
	cases := []struct {
		name   string
		r      Review
		author string
		prior  []Review
		field  string // expected field error, "" for none
		err    error
	}{
		{"mark reviewed", with(func(r *Review) { r.Action = ReviewMarked }), "sam", nil, "", nil},
		{"countersign another's record", with(func(r *Review) { r.Action = ReviewCountersigned }), "sam", nil, "", nil},
		{"countersign own record", with(func(r *Review) { r.Action = ReviewCountersigned }), "priya", nil, "", ErrOwnRecord},
		{"empty comment", with(func(r *Review) { r.Action = ReviewComment; r.Text = "  " }), "sam", nil, "text", nil},
		{"follow-up without who", with(func(r *Review) {
			r.Action = ReviewFollowUp
			r.FollowUp = &FollowUp{What: "x", Due: now}
		}), "sam", nil, "who", nil},
		{"follow-up due yesterday", with(func(r *Review) {
			r.Action = ReviewFollowUp
			r.FollowUp = &FollowUp{Who: "sam", What: "x", Due: now.AddDate(0, 0, -1)}
		}), "sam", nil, "due", nil},
		{"follow-up done names a follow-up", with(func(r *Review) { r.Action = ReviewFollowUpDone; r.Closes = "fu-1" }), "sam", []Review{followUp}, "", nil},
		{"follow-up done names nothing", with(func(r *Review) { r.Action = ReviewFollowUpDone; r.Closes = "nope" }), "sam", []Review{followUp}, "closes", nil},
		{"unknown action", with(func(r *Review) { r.Action = "edit" }), "sam", nil, "action", nil},
		// The DSL's side of an incident is a new version of the incident,
		// not a review; the old case actions are refused.
		{"no case actions as reviews", with(func(r *Review) { r.Action = "acknowledged" }), "sam", nil, "action", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := NewReview(c.r, c.author, c.prior, clock)
			switch {
			case c.err != nil:
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
			case c.field != "":
				if Fields(err).For(c.field) == "" {
					t.Fatalf("want a problem with %s, got %v", c.field, err)
				}
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			case !got.At.Equal(now):
				t.Fatalf("not stamped with the clock: %v", got.At)
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	t0 := testNow()
	rs := []Review{
		{ID: "c", Action: ReviewFollowUpDone, Closes: "a", At: t0.Add(3 * time.Hour)},
		{ID: "a", Action: ReviewFollowUp, FollowUp: &FollowUp{Due: t0}, At: t0.Add(time.Hour)},
		{ID: "b", Action: ReviewFollowUp, FollowUp: &FollowUp{Due: t0.AddDate(0, 0, 2)}, At: t0.Add(2 * time.Hour)},
		{ID: "d", Action: ReviewComment, At: t0.Add(4 * time.Hour)},
		{ID: "e", Action: ReviewCountersigned, At: t0.Add(5 * time.Hour)},
	}
	s := StatusOf(rs)
	if !s.Reviewed || !s.Countersigned || s.Comments != 1 || !s.ReviewedAt.Equal(t0.Add(5*time.Hour)) {
		t.Fatalf("status = %+v", s)
	}
	if len(s.OpenFollowUps) != 1 || s.OpenFollowUps[0].ID != "b" {
		t.Fatalf("open follow-ups = %+v", s.OpenFollowUps)
	}
	if n := len(s.OverdueFollowUps(t0.AddDate(0, 0, 2))); n != 0 {
		t.Fatalf("due today is not overdue, got %d", n)
	}
	if n := len(s.OverdueFollowUps(t0.AddDate(0, 0, 3))); n != 1 {
		t.Fatalf("due yesterday is overdue, got %d", n)
	}
	var none ReviewStatus
	if none.ReviewOverdue(t0, t0.Add(ReviewDue)) || !none.ReviewOverdue(t0, t0.Add(ReviewDue+time.Minute)) {
		t.Fatal("review overdue boundary wrong")
	}
}
