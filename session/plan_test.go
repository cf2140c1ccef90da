package session

import (
	"errors"
	"strings"
	"testing"
	"time"

	"safeguard/companion/testclock"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

var london = testclock.London

// testNow is the suite's "now" (testclock: the wall clock, or
// COMPANION_TEST_NOW); the planned session is the next working day at 10:00.
func testNow() time.Time { return testclock.Start() }

// planDay is the planned session's start: the next working day at 10:00.
func planDay() time.Time { return testclock.NextWorkday(testNow(), 10, 0) }

func goodPlan() Plan {
	return Plan{
		Customer:    Customer{Reference: "CUS-4821", Age: 16},
		Start:       planDay(),
		Duration:    45 * time.Minute,
		Method:      "video",
		Platform:    "teams",
		Facilitator: "Form tutor",
		HowNotified: "E-mail with the Teams link on 20 November",
		CrisisPlan:  "Call the DSO on the duty number; 999 if in immediate danger.",

		ParentCarerInformed: "Letter home via school",
	}
}

// allMet answers every applicable item as met.
func allMet(p *Pack, plan Plan) Assessment {
	a := Assessment{Answers: map[string]ItemAnswer{}}
	for _, it := range p.Items(plan) {
		a.Answers[it.ID] = ItemAnswer{Answer: Met}
	}
	return a
}

func TestValidatePlan(t *testing.T) {
	p := defaultPack(t)
	cases := []struct {
		name  string
		edit  func(*Plan)
		field string
	}{
		{"Annex 2 1.3 a good plan passes", func(*Plan) {}, ""},
		{"2.9h reference required", func(pl *Plan) { pl.Customer.Reference = "" }, "customer.reference"},
		{"2.9h a name is refused as a reference", func(pl *Plan) { pl.Customer.Reference = "Jane Smith" }, "customer.reference"},
		{"Annex 2 1.3 age or date of birth required", func(pl *Plan) { pl.Customer.Age = 0 }, "customer.age"},
		{"Annex 2 1.3 impossible age", func(pl *Plan) { pl.Customer.Age = 200 }, "customer.age"},
		{"Annex 2 1.3 future date of birth", func(pl *Plan) { pl.Customer.DateOfBirth = testNow().AddDate(1, 0, 0) }, "customer.date_of_birth"},
		{"Annex 2 1.3.1 date required", func(pl *Plan) { pl.Start = time.Time{} }, "start"},
		{"Annex 2 1.3.1 date in the past", func(pl *Plan) { pl.Start = testNow().AddDate(0, 0, -3) }, "start"},
		{"Annex 2 3.3 duration too short", func(pl *Plan) { pl.Duration = time.Minute }, "duration"},
		{"Annex 2 3.3 duration absurd", func(pl *Plan) { pl.Duration = 10 * time.Hour }, "duration"},
		{"Annex 2 1.1 method required", func(pl *Plan) { pl.Method = "" }, "method"},
		{"Annex 2 1.1 platform must fit method", func(pl *Plan) { pl.Method = "telephone" }, "platform"},
		{"Annex 2 1.3.4 how notified required", func(pl *Plan) { pl.HowNotified = " " }, "how_notified"},
		{"Annex 2 1.3.3 crisis plan required for a call", func(pl *Plan) { pl.CrisisPlan = "" }, "crisis_plan"},
		{"Annex 2 1.3.3 no crisis plan needed for a letter", func(pl *Plan) { pl.CrisisPlan = ""; pl.Method = "letter"; pl.Platform = "post" }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pl := goodPlan()
			tc.edit(&pl)
			err := p.ValidatePlan(pl, testNow())
			fe := Fields(err)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if fe.For(tc.field) == "" {
				t.Fatalf("want a message for %q, got %v", tc.field, err)
			}
			if strings.Contains(fe.For(tc.field), "nil") || strings.Contains(fe.For(tc.field), "err") {
				t.Errorf("message reads like a Go error: %q", fe.For(tc.field))
			}
		})
	}
}

func TestAgeOn(t *testing.T) {
	dob := time.Date(2010, 11, 26, 0, 0, 0, 0, time.UTC)
	c := Customer{DateOfBirth: dob, Age: 40}
	if age, _ := c.AgeOn(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)); age != 15 {
		t.Errorf("day before 16th birthday: %d", age)
	}
	if age, _ := c.AgeOn(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)); age != 16 {
		t.Errorf("on 16th birthday: %d", age)
	}
	if _, known := (Customer{}).AgeOn(dob); known {
		t.Error("no age and no date of birth must be unknown")
	}
}

func TestItemsApplyByAudienceAndMode(t *testing.T) {
	p := defaultPack(t)
	has := func(items []ChecklistItem, id string) bool {
		for _, it := range items {
			if it.ID == id {
				return true
			}
		}
		return false
	}
	child := goodPlan()
	adult := goodPlan()
	adult.Customer.Age = 30
	atRisk := adult
	atRisk.Customer.AdultAtRisk = true
	letter := goodPlan()
	letter.Method, letter.Platform = "letter", "post"
	cases := []struct {
		name string
		plan Plan
		id   string
		want bool
	}{
		{"Annex 2 3.5 facilitator for a child", child, "facilitator_invited", true},
		{"Annex 2 3.5 facilitator for an adult at risk", atRisk, "facilitator_invited", true},
		{"Annex 2 3.5 no facilitator item for other adults", adult, "facilitator_invited", false},
		{"Annex 2 1.3.5 parent or carer for a child", child, "parent_carer_informed", true},
		{"Annex 2 1.3.5 no parent or carer item for an adult at risk", atRisk, "parent_carer_informed", false},
		{"Annex 2 3.8 device location only for real-time", letter, "device_location", false},
		{"Annex 2 3.6 platform privacy checks included", child, "teams_recording_off", true},
		{"Annex 2 3.6 other platforms' checks excluded", child, "zoom_waiting_room", false},
		{"Annex 2 1.2 training for everyone", adult, "training_current", true},
	}
	for _, tc := range cases {
		if got := has(p.Items(tc.plan), tc.id); got != tc.want {
			t.Errorf("%s: item %q present = %v, want %v", tc.name, tc.id, got, tc.want)
		}
	}
}

func TestAssessOutcome(t *testing.T) {
	p := defaultPack(t)
	cases := []struct {
		name     string
		plan     func(*Plan)
		answers  func(Assessment)
		want     Outcome
		concern  string // item id of a blocking concern expected
		unanswer string
	}{
		{"Annex 2 3.2 everything met: proceed", nil, nil, Proceed, "", ""},
		{"Annex 2 3.2 unanswered item: incomplete", nil, func(a Assessment) { delete(a.Answers, "clothing") }, Incomplete, "", "clothing"},
		{"Annex 2 3.2 unmet item with mitigation: proceed with mitigations", nil,
			func(a Assessment) {
				a.Answers["facilitator_invited"] = ItemAnswer{Answer: NotMet, Mitigation: "Tutor unavailable; DSO on standby by phone"}
			}, ProceedWithMitigations, "", ""},
		{"Annex 2 3.2 unmet item without mitigation: do not proceed", nil,
			func(a Assessment) { a.Answers["facilitator_invited"] = ItemAnswer{Answer: NotMet} }, DoNotProceed, "facilitator_invited", ""},
		{"Annex 2 1.2 untrained practitioner blocks even with mitigation", nil,
			func(a Assessment) {
				a.Answers["training_current"] = ItemAnswer{Answer: NotMet, Mitigation: "will do it next week"}
			}, DoNotProceed, "training_current", ""},
		{"Annex 2 1.3.3 no crisis process blocks", nil,
			func(a Assessment) { a.Answers["crisis_plan"] = ItemAnswer{Answer: NotMet} }, DoNotProceed, "crisis_plan", ""},
		{"Annex 2 3.6 platform too old for the customer blocks", func(pl *Plan) { pl.Platform = "zoom"; pl.Customer.Age = 14 }, nil, DoNotProceed, "platform", ""},
		{"Annex 2 3.6 platform fine at its minimum age", func(pl *Plan) { pl.Platform = "zoom"; pl.Customer.Age = 16 }, nil, Proceed, "", ""},
		{"Annex 2 3.6 platform privacy check unmet blocks", nil,
			func(a Assessment) { a.Answers["teams_recording_off"] = ItemAnswer{Answer: NotMet} }, DoNotProceed, "teams_recording_off", ""},
		{"Annex 2 3.3 outside agreed hours without reason blocks", func(pl *Plan) { pl.Start = planDay().Add(9 * time.Hour) }, nil, DoNotProceed, "out_of_hours", ""},
		{"Annex 2 3.3 outside agreed hours with reason: mitigations", func(pl *Plan) {
			pl.Start = testclock.Next(testNow(), time.Saturday, 10, 0)
			pl.OutOfHoursReason = "Customer works weekdays; agreed with manager"
		}, nil, ProceedWithMitigations, "", ""},
		{"Annex 2 3.3 longer than normal without reason blocks", func(pl *Plan) { pl.Duration = 60 * time.Minute }, nil, DoNotProceed, "duration", ""},
		{"Annex 2 3.3 longer than normal with exceptional reason", func(pl *Plan) {
			pl.Duration = 60 * time.Minute
			pl.DurationReason = "Interpreter present; everything takes twice as long"
		}, nil, ProceedWithMitigations, "", ""},
		{"Annex 2 3.5 not applicable is accepted", nil,
			func(a Assessment) {
				a.Answers["facilitator_invited"] = ItemAnswer{Answer: NotApplicable, Mitigation: "Customer's own choice: a careers call at work, manager agreed"}
			}, Proceed, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := goodPlan()
			if tc.plan != nil {
				tc.plan(&plan)
			}
			a := allMet(p, plan)
			if tc.answers != nil {
				tc.answers(a)
			}
			r := p.Assess(plan, a)
			if r.Outcome != tc.want {
				t.Fatalf("outcome = %s, want %s (concerns %+v)", r.Outcome, tc.want, r.Concerns)
			}
			if tc.concern != "" {
				found := false
				for _, c := range r.Concerns {
					if c.ItemID == tc.concern && c.Blocking && c.Clause != "" && c.Message != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("want a blocking concern for %q with clause and message, got %+v", tc.concern, r.Concerns)
				}
			}
			if tc.unanswer != "" && (len(r.Unanswered) != 1 || r.Unanswered[0] != tc.unanswer) {
				t.Errorf("unanswered = %v, want [%s]", r.Unanswered, tc.unanswer)
			}
		})
	}
}

func TestConsentText(t *testing.T) {
	p := defaultPack(t)
	plan := goodPlan()
	email, err := p.ConsentText(ChannelEmail, plan, "Sam Adviser")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Sam Adviser", planDay().Format("Monday 2 January"), "10:00", "Video call", "45 minutes", "GDPR"} {
		if !strings.Contains(email.Body, want) {
			t.Errorf("Annex 2 1.3.6: e-mail body lacks %q", want)
		}
	}
	if !strings.Contains(email.Subject, planDay().Format("Monday 2 January")) {
		t.Errorf("subject = %q", email.Subject)
	}
	sms, err := p.ConsentText(ChannelSMS, plan, "Sam Adviser")
	if err != nil {
		t.Fatal(err)
	}
	if sms.Subject != "" || len([]rune(sms.Body)) > maxSMSChars || strings.Contains(sms.Body, "{") {
		t.Errorf("Annex 2 1.3.6: SMS %q (%d chars)", sms.Body, len(sms.Body))
	}
}

func TestValidateReply(t *testing.T) {
	p := defaultPack(t)
	now := testNow()
	good := ConsentReply{Channel: ChannelEmail, ReceivedAt: now.Add(-time.Hour), From: RespondentCustomer, ExactWords: "I agree"}
	cases := []struct {
		name  string
		edit  func(*ConsentReply)
		field string
	}{
		{"Annex 2 1.3.6 complete reply", func(*ConsentReply) {}, ""},
		{"Annex 2 1.3.6 channel", func(r *ConsentReply) { r.Channel = "pigeon" }, "channel"},
		{"Annex 2 1.3.6 time", func(r *ConsentReply) { r.ReceivedAt = time.Time{} }, "received_at"},
		{"Annex 2 1.3.6 time in the future", func(r *ConsentReply) { r.ReceivedAt = now.Add(time.Hour) }, "received_at"},
		{"Annex 2 1.3.6 who", func(r *ConsentReply) { r.From = "" }, "from"},
		{"Annex 2 1.3.6 exact words", func(r *ConsentReply) { r.ExactWords = "  " }, "exact_words"},
	}
	for _, tc := range cases {
		r := good
		tc.edit(&r)
		fe := Fields(p.ValidateReply(r, now))
		if (tc.field == "") != (len(fe) == 0) || (tc.field != "" && fe.For(tc.field) == "") {
			t.Errorf("%s: got %v, want field %q", tc.name, fe, tc.field)
		}
	}
	if !errors.Is(ErrConsentRequired, ErrConsentRequired) {
		t.Fatal("sentinel")
	}
}

func TestTraining(t *testing.T) {
	p := defaultPack(t)
	now := testNow()
	cases := []struct {
		name      string
		completed time.Time
		known     bool
		current   bool
	}{
		{"Annex 2 1.2 unknown", time.Time{}, false, false},
		{"Annex 2 1.2 done last month", now.AddDate(0, -1, 0), true, true},
		{"Annex 2 1.2 expired after 12 months", now.AddDate(-1, 0, -1), true, false},
	}
	for _, tc := range cases {
		s := p.Training(tc.completed, now)
		if s.Known != tc.known || s.Current != tc.current {
			t.Errorf("%s: %+v", tc.name, s)
		}
	}
}

func TestInvitation(t *testing.T) {
	p := defaultPack(t)
	plan := goodPlan()
	inv, err := p.Invitation(plan, "rec-1", "Sam Okafor", testNow())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{planDay().Format("Monday 2 January 2006") + ", 10:00 to 10:45", "Microsoft Teams", "lobby", "up to 45 minutes"} {
		if !strings.Contains(inv.Text, want) {
			t.Errorf("Annex 2 1.3.4: invitation lacks %q:\n%s", want, inv.Text)
		}
	}
	ics := string(inv.ICS)
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "DTSTART:" + planDay().UTC().Format("20060102T150405Z") + "\r\n", "DTEND:" + planDay().Add(45*time.Minute).UTC().Format("20060102T150405Z") + "\r\n", "UID:rec-1@safeguard-companion\r\n", "END:VCALENDAR\r\n"} {
		if !strings.Contains(ics, want) {
			t.Errorf("ics lacks %q", want)
		}
	}
	for _, l := range strings.Split(ics, "\r\n") {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %q", l)
		}
	}
	if strings.Contains(ics, plan.Customer.Reference) {
		t.Error("the calendar entry must not name the customer")
	}
	plan.Platform = ""
	if _, err := p.Invitation(plan, "x", "y", testNow()); Fields(err).For("platform") == "" {
		t.Error("invitation without a platform")
	}
}
