package session

import (
	"slices"
	"testing"
	"time"
)

// The rules in this file were once worked out by the screens themselves;
// the screens now ask these functions.

func TestOverrunReasonDue(t *testing.T) {
	cases := []struct {
		name   string
		at     time.Duration
		pause  bool
		reason string
		want   bool
	}{
		{"Annex 2 3.3 within the planned 45 minutes: no reason asked", 44 * time.Minute, false, "", false},
		{"Annex 2 3.3 exactly the planned time is not an overrun", 45 * time.Minute, false, "", false},
		{"Annex 2 3.3 past the planned time: the exceptional reason is due", 46 * time.Minute, false, "", true},
		{"Annex 2 3.3 paused after the planned time: still due", 46 * time.Minute, true, "", true},
		{"Annex 2 3.3 a blank reason is no reason", 46 * time.Minute, false, "   ", true},
		{"Annex 2 3.3 reason recorded: nothing due", 46 * time.Minute, false, "Disclosure; waited with the customer for the DSO", false},
	}
	for _, tc := range cases {
		s, clock := readySession(t)
		must(t, s.Start())
		clock.t = clock.t.Add(tc.at)
		if tc.pause {
			must(t, s.Pause())
		}
		if tc.reason != "" {
			must(t, s.SetOverrunReason(tc.reason))
		}
		if got := s.OverrunReasonDue(); got != tc.want {
			t.Errorf("%s: OverrunReasonDue = %v, want %v", tc.name, got, tc.want)
		}
		if err := s.End(); (err != nil) != tc.want {
			t.Errorf("%s: End = %v, want refused %v", tc.name, err, tc.want)
		}
	}
}

func TestOverrunReasonDueNeverForAnEmail(t *testing.T) {
	p := defaultPack(t)
	clock := &fakeClock{t: testNow()}
	s, err := New(p, clock, "mail-1", "key-adviser", emailPlan())
	must(t, err)
	_, err = s.Assess(allMet(p, emailPlan()))
	must(t, err)
	must(t, s.RecordConsent(Consent{Reply: &ConsentReply{Channel: ChannelEmail, ReceivedAt: clock.t, From: RespondentCustomer, ExactWords: "I agree"}}))
	must(t, s.Start())
	clock.Advance(5 * time.Hour)
	if s.OverrunReasonDue() || s.Document().Overran() {
		t.Error("Annex 2 1.2.1 an e-mail exchange has no timer and cannot overrun")
	}
}

func TestFlagsOverrunComesFromTheTimer(t *testing.T) {
	at := goodPlan().Start
	seg := func(from, to time.Duration) Segment {
		s := Segment{From: at.Add(from)}
		if to >= 0 {
			s.To = at.Add(to)
		}
		return s
	}
	const open = -1
	cases := []struct {
		name     string
		segments []Segment
		reason   string
		want     bool
	}{
		{"Annex 2 3.3 within the planned time", []Segment{seg(0, 40*time.Minute)}, "", false},
		{"Annex 2 3.3 exactly the planned time", []Segment{seg(0, 45*time.Minute)}, "", false},
		{"Annex 2 3.3 ran past the planned time", []Segment{seg(0, 50*time.Minute)}, "Disclosure", true},
		{"Annex 2 3.3 pauses do not count towards the time", []Segment{seg(0, 30*time.Minute), seg(60*time.Minute, 70*time.Minute)}, "", false},
		{"Annex 2 3.3 live time across pauses adds up", []Segment{seg(0, 30*time.Minute), seg(60*time.Minute, 80*time.Minute)}, "Reconnected after a dropped call", true},
		{"Annex 2 3.3 a reason without an overrun is not an overrun", []Segment{seg(0, 30*time.Minute)}, "Just in case", false},
		{"Annex 2 3.3 a segment still open is not counted", []Segment{seg(0, 40*time.Minute), seg(50*time.Minute, open)}, "", false},
		{"Annex 2 1.2.1 no call, no overrun", nil, "", false},
	}
	for _, tc := range cases {
		d := Document{Plan: goodPlan(), Segments: tc.segments, OverrunReason: tc.reason}
		if got := d.Flags().Overrun; got != tc.want {
			t.Errorf("%s: Flags().Overrun = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAgreementUnexplained(t *testing.T) {
	cases := []struct {
		name      string
		confirm   int // the first n of the pack's points are confirmed
		reason    string
		explained bool // nothing left to confirm or explain
	}{
		{"Annex 2 2.1 nothing confirmed: every point is unexplained", 0, "", false},
		{"Annex 2 2.1 some confirmed: the rest are unexplained", 2, "", false},
		{"Annex 2 2.1 all confirmed: nothing to explain", 99, "", true},
		{"Annex 2 2.1 a reason explains the points not confirmed", 1, "The call dropped before the agreement; agreed by text", true},
		{"Annex 2 2.1 a blank reason explains nothing", 0, "  ", false},
	}
	for _, tc := range cases {
		s, _ := readySession(t)
		must(t, s.Start())
		points := s.Pack().Agreement
		if len(points) < 3 {
			t.Fatalf("the default pack has %d agreement points; this test needs 3", len(points))
		}
		var want []string
		for k, p := range points {
			if k < tc.confirm {
				must(t, s.ConfirmAgreement(p.ID))
			} else if !tc.explained {
				want = append(want, p.ID)
			}
		}
		if tc.reason != "" {
			must(t, s.SetAgreementReason(tc.reason))
		}
		var got []string
		for _, p := range s.AgreementUnexplained() {
			got = append(got, p.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: unexplained %v, want %v", tc.name, got, want)
		}
	}
}

// The imagery section's rule (Requirements.AskImagery) is tested with the
// attachment rule it follows: TestIncidentNoAttachmentRule.
