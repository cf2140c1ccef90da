package session

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// readySession returns a session that has been assessed and consented, with
// the clock at the planned start.
func readySession(t *testing.T) (*Session, *fakeClock) {
	t.Helper()
	p := defaultPack(t)
	clock := &fakeClock{t: testNow()}
	s, err := New(p, clock, "rec-1", "key-adviser", goodPlan())
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Assess(allMet(p, s.Document().Plan)); err != nil || r.Outcome != Proceed {
		t.Fatalf("assess: %v %v", r.Outcome, err)
	}
	reply := &ConsentReply{Channel: ChannelSMS, ReceivedAt: clock.t, From: RespondentCustomer, ExactWords: "YES"}
	if err := s.RecordConsent(Consent{Reply: reply}); err != nil {
		t.Fatal(err)
	}
	clock.t = goodPlan().Start
	return s, clock
}

func confirmAll(t *testing.T, s *Session) {
	t.Helper()
	for _, a := range s.Pack().Agreement {
		if err := s.ConfirmAgreement(a.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLifecycleHappyPath(t *testing.T) {
	s, clock := readySession(t)
	steps := []struct {
		name string
		do   func() error
		want State
	}{
		{"Annex 2 3.3 start", s.Start, Live},
		{"Annex 2 2.1 agreement confirmed", func() error { confirmAll(t, s); return nil }, Live},
		{"connection lost: pause", func() error { clock.Advance(10 * time.Minute); return s.Pause() }, Paused},
		{"resume", func() error { clock.Advance(3 * time.Minute); return s.Resume() }, Live},
		{"end on time", func() error { clock.Advance(30 * time.Minute); return s.End() }, Ended},
		{"Annex 2 3.4 record", func() error {
			return s.SaveRecord(Record{Method: "video", Summary: "Explored college options", Actions: []Action{{Who: "Adviser", What: "Send course list", Due: clock.t.AddDate(0, 0, 7)}}})
		}, Recorded},
		{"sign", s.Sign, Signed},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if s.State() != st.want {
			t.Fatalf("%s: state %s, want %s", st.name, s.State(), st.want)
		}
	}
	if got := s.Elapsed(); got != 40*time.Minute {
		t.Errorf("elapsed %v, want 40m (pause not counted)", got)
	}
	if err := s.SaveRecord(Record{Method: "video", Summary: "changed"}); !errors.Is(err, ErrLocked) {
		t.Errorf("Annex 2 3.4: edit after signing: %v, want ErrLocked", err)
	}
	if err := s.Sign(); !errors.Is(err, ErrLocked) {
		t.Errorf("second sign: %v", err)
	}
}

func TestIllegalTransitions(t *testing.T) {
	p := defaultPack(t)
	newPlanned := func() (*Session, *fakeClock) {
		c := &fakeClock{t: testNow()}
		s, err := New(p, c, "rec-2", "key-adviser", goodPlan())
		if err != nil {
			t.Fatal(err)
		}
		return s, c
	}
	cases := []struct {
		name string
		run  func(t *testing.T) error
		want error
	}{
		{"Annex 2 3.2 start without risk assessment", func(t *testing.T) error { s, _ := newPlanned(); return s.Start() }, ErrIllegalTransition},
		{"Annex 2 3.2 start after a do-not-proceed assessment", func(t *testing.T) error {
			s, _ := newPlanned()
			a := allMet(p, goodPlan())
			a.Answers["training_current"] = ItemAnswer{Answer: NotMet}
			if r, _ := s.Assess(a); r.Outcome != DoNotProceed {
				t.Fatalf("outcome %s", r.Outcome)
			}
			return s.Start()
		}, ErrIllegalTransition},
		{"Annex 2 1.3.6 start without consent", func(t *testing.T) error {
			s, _ := newPlanned()
			s.Assess(allMet(p, goodPlan()))
			return s.Start()
		}, ErrConsentRequired},
		{"Annex 2 1.3.6 consent with neither reply nor reason", func(t *testing.T) error {
			s, _ := newPlanned()
			s.Assess(allMet(p, goodPlan()))
			return s.RecordConsent(Consent{})
		}, ErrConsentRequired},
		{"consent before assessment", func(t *testing.T) error {
			s, _ := newPlanned()
			return s.RecordConsent(Consent{NoConsentReason: "x"})
		}, ErrIllegalTransition},
		{"pause when not live", func(t *testing.T) error { s, _ := readySession(t); return s.Pause() }, ErrIllegalTransition},
		{"resume when live", func(t *testing.T) error { s, _ := readySession(t); s.Start(); return s.Resume() }, ErrIllegalTransition},
		{"end before start", func(t *testing.T) error { s, _ := readySession(t); return s.End() }, ErrIllegalTransition},
		{"Annex 2 3.4 record before the end", func(t *testing.T) error {
			s, _ := readySession(t)
			s.Start()
			return s.SaveRecord(Record{Method: "video", Summary: "x"})
		}, ErrIllegalTransition},
		{"sign without a record", func(t *testing.T) error {
			s, _ := readySession(t)
			s.Start()
			s.End()
			return s.Sign()
		}, ErrIllegalTransition},
		{"marker before the call", func(t *testing.T) error {
			s, _ := readySession(t)
			return s.Mark(Marker{Kind: MarkThirdParty})
		}, ErrIllegalTransition},
		{"cancel a live session", func(t *testing.T) error { s, _ := readySession(t); s.Start(); return s.Cancel("x") }, ErrIllegalTransition},
		{"change the plan of a live session", func(t *testing.T) error { s, _ := readySession(t); s.Start(); return s.UpdatePlan(goodPlan()) }, ErrIllegalTransition},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestConsentWaiverIsFlagged(t *testing.T) {
	p := defaultPack(t)
	c := &fakeClock{t: testNow()}
	s, _ := New(p, c, "rec-3", "key", goodPlan())
	s.Assess(allMet(p, goodPlan()))
	if err := s.RecordConsent(Consent{NoConsentReason: "Customer in crisis; DSL agreed to proceed"}); err != nil {
		t.Fatal(err)
	}
	c.t = goodPlan().Start
	if err := s.Start(); err != nil {
		t.Fatalf("Annex 2 1.3.6: a recorded reason allows the session: %v", err)
	}
	if !s.Document().Flags().NoConsent {
		t.Error("a session without consent must be flagged for review")
	}
}

func TestChangedPlanNeedsNewAssessment(t *testing.T) {
	s, _ := readySession(t)
	pl := goodPlan()
	pl.Platform = "zoom"
	if err := s.UpdatePlan(pl); err != nil {
		t.Fatal(err)
	}
	d := s.Document()
	if d.State != Planned || d.Consent != nil || d.Outcome != "" {
		t.Errorf("Annex 2 3.2: after a plan change: state %s consent %v outcome %q", d.State, d.Consent, d.Outcome)
	}
}

func TestTimerWarningsAndOverrun(t *testing.T) {
	s, clock := readySession(t)
	s.Start()
	confirmAll(t, s)
	cases := []struct {
		name     string
		at       time.Duration
		warnings []int
		overrun  bool
	}{
		{"Annex 2 3.3 no warning at 30 min", 30 * time.Minute, nil, false},
		{"Annex 2 3.3 10-minute warning", 35 * time.Minute, []int{10}, false},
		{"Annex 2 3.3 5 and 1 minute warnings when late", 44*time.Minute + 30*time.Second, []int{5, 1}, false},
		{"Annex 2 3.3 overrun", 46 * time.Minute, nil, true},
	}
	start := clock.t
	for _, tc := range cases {
		clock.t = start.Add(tc.at)
		tm := s.Timer()
		if !equalInts(tm.Warnings, tc.warnings) || tm.Overrun != tc.overrun {
			t.Fatalf("%s: warnings %v overrun %v, want %v %v", tc.name, tm.Warnings, tm.Overrun, tc.warnings, tc.overrun)
		}
		s.AcknowledgeWarnings(tm.Warnings...)
	}
	if got := s.Timer().Remaining; got != -time.Minute {
		t.Errorf("remaining = %v, want -1m", got)
	}
	if err := s.End(); !errors.Is(err, ErrOverrunReason) {
		t.Fatalf("Annex 2 3.3: ending an overrun without a reason: %v", err)
	}
	if err := s.SetOverrunReason("Disclosure; stayed with the customer until the DSO called back"); err != nil {
		t.Fatal(err)
	}
	if err := s.End(); err != nil {
		t.Fatalf("end with reason: %v", err)
	}
	if !s.Document().Flags().Overrun {
		t.Error("overrun must be flagged")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMarkers(t *testing.T) {
	s, clock := readySession(t)
	s.Start()
	clock.Advance(12 * time.Minute)
	if err := s.Mark(Marker{Kind: MarkDisclosure}); Fields(err).For("exact_words") == "" {
		t.Fatalf("Annex 2 3.1: a disclosure needs the exact words: %v", err)
	}
	if err := s.Mark(Marker{Kind: MarkDisclosure, ExactWords: "he said he'd hurt me"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []MarkerKind{MarkThirdParty, MarkFacilitator, MarkRiskChanged, MarkConnectionLost} {
		m := Marker{Kind: k}
		if k == MarkRiskChanged {
			m.Reassessment = &Reassessment{WhatChanged: "Older brother came in", Outcome: Proceed, Action: RiskContinue}
		}
		if err := s.Mark(m); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if err := s.Mark(Marker{Kind: "invented"}); err == nil {
		t.Error("unknown marker accepted")
	}
	d := s.Document()
	if len(d.Markers) != 5 || d.Markers[0].Elapsed != 12*time.Minute || !d.Markers[0].At.Equal(clock.t) {
		t.Fatalf("markers %+v", d.Markers)
	}
	if f := d.Flags(); !f.Disclosure || f.Escalated {
		t.Errorf("flags %+v", f)
	}
	s.End()
	if err := s.Mark(Marker{Kind: MarkEscalated, IncidentID: "inc-1"}); err != nil {
		t.Errorf("escalation after the call, before signing: %v", err)
	}
	if !s.Document().Flags().Escalated {
		t.Error("escalation must be flagged")
	}
}

func TestSignNeedsAgreement(t *testing.T) {
	s, clock := readySession(t)
	s.Start()
	s.ConfirmAgreement("confidentiality")
	if err := s.ConfirmAgreement("made_up"); err == nil {
		t.Error("unknown agreement point accepted")
	}
	clock.Advance(20 * time.Minute)
	s.End()
	if err := s.SaveRecord(Record{Method: "video", Summary: "Short call"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(); !errors.Is(err, ErrAgreementIncomplete) {
		t.Fatalf("Annex 2 2.1: sign with unconfirmed agreement: %v", err)
	}
	if len(s.UnconfirmedAgreement()) != 3 {
		t.Errorf("unconfirmed = %v", s.UnconfirmedAgreement())
	}
	s.SetAgreementReason("Call dropped before the remaining points; covered by e-mail")
	if err := s.Sign(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRecord(t *testing.T) {
	p := defaultPack(t)
	day := goodPlan().Start
	cases := []struct {
		name  string
		r     Record
		field string
	}{
		{"Annex 2 3.4 complete", Record{Method: "video", Summary: "s", Actions: []Action{{"Customer", "Apply", day.AddDate(0, 1, 0)}}}, ""},
		{"Annex 2 3.4 method", Record{Summary: "s"}, "method"},
		{"Annex 2 3.4 summary", Record{Method: "video"}, "summary"},
		{"Annex 2 3.4 action who", Record{Method: "video", Summary: "s", Actions: []Action{{"", "Apply", day}}}, "actions[0].who"},
		{"Annex 2 3.4 action what", Record{Method: "video", Summary: "s", Actions: []Action{{"Me", "", day}}}, "actions[0].what"},
		{"Annex 2 3.4 action by when", Record{Method: "video", Summary: "s", Actions: []Action{{"Me", "x", time.Time{}}}}, "actions[0].due"},
		{"Annex 2 3.4 action due before session", Record{Method: "video", Summary: "s", Actions: []Action{{"Me", "x", day.AddDate(0, 0, -2)}}}, "actions[0].due"},
	}
	for _, tc := range cases {
		fe := Fields(p.ValidateRecord(tc.r, day))
		if (tc.field == "") != (len(fe) == 0) || (tc.field != "" && fe.For(tc.field) == "") {
			t.Errorf("%s: got %v, want %q", tc.name, fe, tc.field)
		}
	}
}

func TestAddendum(t *testing.T) {
	s, clock := readySession(t)
	if _, err := NewAddendum(s.Document(), "add-1", "key", "note", clock); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("addendum to an unsigned record: %v", err)
	}
	s.Start()
	confirmAll(t, s)
	s.End()
	s.SaveRecord(Record{Method: "video", Summary: "s"})
	s.Sign()
	a, err := NewAddendum(s.Document(), "add-1", "key-manager", "  Countersigned; follow up in a week ", clock)
	if err != nil {
		t.Fatal(err)
	}
	if a.ParentID != "rec-1" || a.Text != "Countersigned; follow up in a week" || !a.At.Equal(clock.t) {
		t.Errorf("addendum %+v", a)
	}
	if _, err := NewAddendum(s.Document(), "add-2", "key", " ", clock); Fields(err).For("text") == "" {
		t.Errorf("empty addendum: %v", err)
	}
}

// A draft saved mid-session and restored after a crash carries on where it
// was: the timer keeps counting from the real start.
func TestRestoreFromDraft(t *testing.T) {
	s, clock := readySession(t)
	s.Start()
	s.Mark(Marker{Kind: MarkThirdParty})
	clock.Advance(20 * time.Minute)
	b, err := json.Marshal(s.Document())
	if err != nil {
		t.Fatal(err)
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	r, err := Restore(s.Pack(), clock, d)
	if err != nil {
		t.Fatal(err)
	}
	if r.State() != Live || r.Elapsed() != 20*time.Minute || len(r.Document().Markers) != 1 {
		t.Errorf("restored: %s %v %d markers", r.State(), r.Elapsed(), len(r.Document().Markers))
	}
	// The restored copy is independent of the original.
	r.Mark(Marker{Kind: MarkFacilitator})
	if len(s.Document().Markers) != 1 {
		t.Error("restore shares state with the original")
	}
	d.PackID = "other"
	if _, err := Restore(s.Pack(), clock, d); err == nil {
		t.Error("a document from another pack was restored")
	}
}

func TestCancel(t *testing.T) {
	s, _ := readySession(t)
	if err := s.Cancel(" "); Fields(err).For("cancel_reason") == "" {
		t.Errorf("cancel without reason: %v", err)
	}
	if err := s.Cancel("Customer unwell"); err != nil || s.State() != Cancelled {
		t.Errorf("cancel: %v %s", err, s.State())
	}
}
