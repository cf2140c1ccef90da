package report_test

import (
	"slices"
	"testing"
	"time"

	"safeguard/companion/report"
)

// TestSharedFactsLatestPerSenderAndQuarter: which shared session facts the
// DSL's report counts (policy 9.1). The decoding and refusal of figures from
// another device is tested with the record index (package records).
func TestSharedFactsLatestPerSenderAndQuarter(t *testing.T) {
	in := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, time.UTC) }
	fig := func(q int, sent time.Time, ids ...string) report.Contribution {
		c := report.Contribution{Year: 2026, Q: q, SentAt: sent, Version: 1}
		for _, id := range ids {
			start := in(time.Month(3*q-1), 1) // the quarter's middle month
			if id == "s9" {
				start = in(5, 1) // Q2
			}
			c.Facts = append(c.Facts, report.SessionFacts{ID: id, Start: start})
		}
		return c
	}
	cases := []struct {
		name     string
		received []report.Received
		want     []string
	}{
		{"9.1 one manager's figures count", []report.Received{{"priya", fig(3, in(8, 20), "s1", "s2")}}, []string{"s1", "s2"}},
		{"9.1 a manager who sends again replaces, not adds", []report.Received{
			{"priya", fig(3, in(8, 25), "s1", "s2", "s3")}, {"priya", fig(3, in(8, 20), "s1")}}, []string{"s1", "s2", "s3"}},
		{"9.1 the older figures sent later do not win", []report.Received{
			{"priya", fig(3, in(8, 20), "s1")}, {"priya", fig(3, in(8, 25), "s1", "s2")}}, []string{"s1", "s2"}},
		{"9.1 two managers' figures both count", []report.Received{
			{"priya", fig(3, in(8, 20), "s1")}, {"omar", fig(3, in(8, 21), "s7")}}, []string{"s7", "s1"}},
		{"9.1 each quarter's figures stand for that quarter", []report.Received{
			{"priya", fig(2, in(5, 20), "s4")}, {"priya", fig(3, in(8, 20), "s1")}}, []string{"s4", "s1"}},
		{"9.1 facts outside the figures' quarter are not counted", []report.Received{{"priya", fig(3, in(8, 20), "s1", "s9")}}, []string{"s1"}},
	}
	for _, tc := range cases {
		var got []string
		for _, f := range report.SharedFacts(tc.received, time.UTC) {
			got = append(got, f.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: counted %v, want %v", tc.name, got, tc.want)
		}
	}
}
