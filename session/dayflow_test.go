package session

import (
	"strings"
	"testing"
	"time"
)

// assessedNext is the customer's next session, planned from prev a week
// on, reconfirmed and assessed, with the clock a day before it.
func assessedNext(t *testing.T, prev Document) (*Session, *fakeClock) {
	t.Helper()
	p := defaultPack(t)
	next := p.NextPlan(prev)
	next.Start = testclock7(prev)
	next.HowNotified = "Text with the Teams link"
	for i := range next.Carried {
		next.Carried[i].Reconfirmed = true
	}
	clock := &fakeClock{t: next.Start.AddDate(0, 0, -1)}
	s, err := New(p, clock, "rec-2", "key-adviser", next)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Assess(allMet(p, next)); err != nil || !r.Outcome.MayProceed() {
		t.Fatalf("assess: %v %v", r.Outcome, err)
	}
	return s, clock
}

// TestReturningCustomerConsent: Annex 2 1.3.6 for a returning customer.
// The channel and who answers are kept from the last reply and shown for
// "still the same?"; kept, they must be reconfirmed (changed, they stand);
// the reply itself is this session's: one no later than the last session's
// is that session's reply and is refused; a session that goes ahead
// without a reply keeps nothing.
func TestReturningCustomerConsent(t *testing.T) {
	prev := signedDoc(t)
	kept, ok := CarryConsent(prev)
	if !ok || kept.Channel != prev.Consent.Reply.Channel || kept.From != prev.Consent.Reply.From || kept.FromSession != prev.ID || kept.Reconfirmed {
		t.Fatalf("Annex 2 1.3.6 the last reply's channel and respondent are not kept: %+v %v", kept, ok)
	}
	if !strings.Contains(kept.Words(), "text message from the customer") {
		t.Errorf("Annex 2 1.3.6 the kept channel in words: %q", kept.Words())
	}
	noReply := prev
	noReply.Consent = &Consent{NoConsentReason: "Phoned; no reply by text"}
	if _, ok := CarryConsent(noReply); ok {
		t.Error("Annex 2 1.3.6 a session that went ahead without a reply gave a channel to keep")
	}

	for _, tc := range []struct {
		clause  string
		consent func(now time.Time) Consent
		field   string // the field refused, "" for accepted
	}{
		{"Annex 2 1.3.6 kept and reconfirmed, this session's reply", func(now time.Time) Consent {
			k := kept
			k.Reconfirmed = true
			return Consent{Carried: &k, Reply: &ConsentReply{Channel: k.Channel, From: k.From, ReceivedAt: now, ExactWords: "Yes that's fine"}}
		}, ""},
		{"Annex 2 1.3.6 kept but not reconfirmed", func(now time.Time) Consent {
			k := kept
			return Consent{Carried: &k, Reply: &ConsentReply{Channel: k.Channel, From: k.From, ReceivedAt: now, ExactWords: "Yes"}}
		}, "carried"},
		{"Annex 2 1.3.6 changed this time: the change stands", func(now time.Time) Consent {
			k := kept
			return Consent{Carried: &k, Reply: &ConsentReply{Channel: ChannelEmail, From: RespondentParentCare, ReceivedAt: now, ExactWords: "I agree for her"}}
		}, ""},
		{"Annex 2 1.3.6 the last session's reply again", func(time.Time) Consent {
			k := kept
			k.Reconfirmed = true
			r := *prev.Consent.Reply
			return Consent{Carried: &k, Reply: &r}
		}, "received_at"},
		{"Annex 2 1.3.6 this session's exact words are still needed", func(now time.Time) Consent {
			k := kept
			k.Reconfirmed = true
			return Consent{Carried: &k, Reply: &ConsentReply{Channel: k.Channel, From: k.From, ReceivedAt: now}}
		}, "exact_words"},
	} {
		t.Run(tc.clause, func(t *testing.T) {
			s, clock := assessedNext(t, prev)
			err := s.RecordConsent(tc.consent(clock.Now()))
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("%s: refused: %v", tc.clause, err)
			case tc.field == "":
				if d := s.Document(); d.State != Consented || d.Consent.Carried == nil || d.Consent.Reply.ReceivedAt.IsZero() {
					t.Errorf("%s: recorded as %+v", tc.clause, d.Consent)
				}
			case Fields(err).For(tc.field) == "":
				t.Errorf("%s: want %s refused, got %v", tc.clause, tc.field, err)
			}
		})
	}

	// Going ahead without a reply keeps nothing of the last one.
	s, _ := assessedNext(t, prev)
	k := kept
	if err := s.RecordConsent(Consent{Carried: &k, NoConsentReason: "No reply; customer confirmed on the phone"}); err != nil {
		t.Fatal(err)
	}
	if s.Document().Consent.Carried != nil {
		t.Error("Annex 2 1.3.6 a waiver kept the last reply's channel")
	}
}

// TestAgendaOfTheDay: issue 19's agenda, by Annex 2's steps. Each session
// of the day shows where it stands (3.2 risk assessment, 1.3.6 consent),
// soonest first; another day's and a cancelled one are left out.
func TestAgendaOfTheDay(t *testing.T) {
	p := defaultPack(t)
	day := planDay()
	doc := func(id string, st State, at time.Time, mutate func(*Document)) Document {
		d := Document{ID: id, State: st, Plan: goodPlan()}
		d.Plan.Start = at
		if st == Consented {
			d.Consent = &Consent{Reply: &ConsentReply{Channel: ChannelSMS}}
		}
		if mutate != nil {
			mutate(&d)
		}
		return d
	}
	docs := []Document{
		doc("ready", Consented, day.Add(4*time.Hour), func(d *Document) { d.Plan.MeetingLink = "https://teams.example/l/abc" }),
		doc("consent", Assessed, day.Add(2*time.Hour), nil),
		doc("plan", Planned, day, nil),
		doc("stop", Planned, day.Add(time.Hour), func(d *Document) { d.Outcome = DoNotProceed }),
		doc("held", Ended, day.Add(-time.Hour), nil),
		doc("tomorrow", Consented, day.AddDate(0, 0, 1), nil),
		doc("cancelled", Cancelled, day.Add(3*time.Hour), nil),
		doc("no-consent", Consented, day.Add(5*time.Hour), func(d *Document) { d.Consent = nil }),
	}
	got := p.Agenda(docs, day)
	want := []struct {
		id      string
		state   AgendaState
		missing string
	}{
		{"held", AgendaRecordToWrite, ""},
		{"plan", AgendaPlanToFinish, "risk assessment not finished, consent not yet recorded"},
		{"stop", AgendaPlanToFinish, "the risk assessment says do not proceed, consent not yet recorded"},
		{"consent", AgendaConsentWaiting, "consent not yet recorded"},
		{"ready", AgendaReadyToStart, ""},
		{"no-consent", AgendaConsentWaiting, "consent not yet recorded"},
	}
	if len(got) != len(want) {
		t.Fatalf("issue 19 agenda: %d items, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].ID != w.id || got[i].State != w.state || strings.Join(got[i].Missing, ", ") != w.missing {
			t.Errorf("issue 19 agenda item %d: %+v, want %s %s %q", i, got[i], w.id, w.state, w.missing)
		}
	}
	if !got[4].HasLink || got[3].HasLink {
		t.Error("Annex 2 1.3.4 the meeting link is not told apart")
	}
}

// TestReminderTenMinutesBefore: issue 19's reminder comes once, from ten
// minutes before a session not yet started until its start, says what is
// missing (Annex 2 1.3.6 consent) and names no one (policy 2.9 h).
func TestReminderTenMinutesBefore(t *testing.T) {
	p := defaultPack(t)
	start := planDay().Add(4 * time.Hour) // 14:00
	it := AgendaItem{ID: "rec-1", Start: start, State: AgendaConsentWaiting, Missing: []string{"consent not yet recorded"}}
	live := AgendaItem{ID: "rec-2", Start: start, State: AgendaInProgress}
	for _, tc := range []struct {
		name string
		now  time.Time
		done map[string]bool
		due  bool
	}{
		{"eleven minutes before", start.Add(-11 * time.Minute), nil, false},
		{"ten minutes before", start.Add(-10 * time.Minute), nil, true},
		{"a minute before", start.Add(-time.Minute), nil, true},
		{"at the start", start, nil, false},
		{"already reminded", start.Add(-5 * time.Minute), map[string]bool{"rec-1": true}, false},
	} {
		due := RemindersDue([]AgendaItem{it, live}, tc.now, tc.done)
		if (len(due) == 1) != tc.due || len(due) > 1 {
			t.Errorf("issue 19 reminder %s: due %v, want %v", tc.name, due, tc.due)
		}
	}
	text := p.ReminderText(it, start.Add(-10*time.Minute))
	if want := "Session at " + start.In(p.Location()).Format("15:04") + " in 10 minutes: consent not yet recorded."; text != want {
		t.Errorf("Annex 2 1.3.6 reminder %q, want %q", text, want)
	}
	ready := AgendaItem{ID: "rec-3", Start: start}
	if text := p.ReminderText(ready, start.Add(-9*time.Minute-30*time.Second)); !strings.HasSuffix(text, "in 10 minutes: ready to start.") {
		t.Errorf("issue 19 reminder for a ready session: %q", text)
	}
}

// TestPlanDraftEmpty: a form opened and left at once is not kept as a
// draft; anything typed or answered is.
func TestPlanDraftEmpty(t *testing.T) {
	defaults := map[string]string{"date": "03/12/2026", "duration": "45"}
	for _, tc := range []struct {
		d     PlanDraft
		empty bool
	}{
		{PlanDraft{Fields: map[string]string{"date": "03/12/2026", "duration": "45", "reference": ""}}, true},
		{PlanDraft{Fields: map[string]string{"date": "03/12/2026", "reference": "CUS-1"}}, false},
		{PlanDraft{Fields: map[string]string{"date": "04/12/2026"}}, false},
		{PlanDraft{Answers: map[string]ItemAnswer{"clothing": {Answer: Met}}}, false},
	} {
		if got := tc.d.Empty(defaults); got != tc.empty {
			t.Errorf("%+v: empty %v, want %v", tc.d, got, tc.empty)
		}
	}
}

// TestPlanEditDraftUnchanged: changes to a saved plan are kept as a draft
// only when something differs from the plan as saved: a field, an answer
// or a carried fact's "still true?" (issue 19; the saved plan keeps its
// Annex 2 3.2 assessment until the changes are saved and assessed again).
func TestPlanEditDraftUnchanged(t *testing.T) {
	base := PlanDraft{Fields: map[string]string{"reference": "CUS-1", "start": "10:00"},
		Answers: map[string]ItemAnswer{"clothing": {Answer: Met}},
		Carried: []CarriedFact{{Field: "platform", Reconfirmed: true}}}
	for _, tc := range []struct {
		name      string
		d         PlanDraft
		unchanged bool
	}{
		{"as saved", PlanDraft{Fields: map[string]string{"reference": "CUS-1 ", "start": "10:00"}, Answers: map[string]ItemAnswer{"clothing": {Answer: Met}},
			Carried: []CarriedFact{{Field: "platform", Reconfirmed: true}}}, true},
		{"a field typed", PlanDraft{Fields: map[string]string{"reference": "CUS-1", "start": "11:0"}, Answers: base.Answers, Carried: base.Carried}, false},
		{"an answer changed", PlanDraft{Fields: base.Fields, Answers: map[string]ItemAnswer{"clothing": {Answer: NotMet}}, Carried: base.Carried}, false},
		{"a fact no longer reconfirmed", PlanDraft{Fields: base.Fields, Answers: base.Answers, Carried: []CarriedFact{{Field: "platform"}}}, false},
	} {
		if got := tc.d.Unchanged(base); got != tc.unchanged {
			t.Errorf("%s: unchanged %v, want %v", tc.name, got, tc.unchanged)
		}
	}
}

// TestPlanEditDraftStands: Annex 2 3.2, a draft of changes applies to its
// session only while the plan may still change; once the session started
// the plan it ran with stands, and the changes are dropped.
func TestPlanEditDraftStands(t *testing.T) {
	d := PlanDraft{ID: EditDraftID("s1"), Edits: "s1"}
	if d.ID == "s1" {
		t.Fatal("a draft of changes takes the session's own id: saving it would replace the session")
	}
	for _, tc := range []struct {
		doc    Document
		stands bool
	}{
		{Document{ID: "s1", State: Planned}, true},
		{Document{ID: "s1", State: Assessed}, true},
		{Document{ID: "s1", State: Consented}, true},
		{Document{ID: "s1", State: Live}, false},
		{Document{ID: "s1", State: Ended}, false},
		{Document{ID: "s2", State: Planned}, false},
	} {
		if got := d.Stands(tc.doc); got != tc.stands {
			t.Errorf("Annex 2 3.2 %s %s: stands %v, want %v", tc.doc.ID, tc.doc.State, got, tc.stands)
		}
	}
}
