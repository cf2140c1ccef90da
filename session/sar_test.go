package session

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// UK GDPR Art 12(3), as the ICO counts a calendar month.
func TestSARDue(t *testing.T) {
	cases := []struct {
		name        string
		received    time.Time
		due, latest time.Time
	}{
		{"UK GDPR Art 12(3) the corresponding date next month", day(2026, 3, 3), day(2026, 4, 3), day(2026, 6, 3)},
		{"UK GDPR Art 12(3) no 31 September: the last day of the month", day(2026, 8, 31), day(2026, 9, 30), day(2026, 11, 30)},
		{"UK GDPR Art 12(3) 31 January in a leap year", day(2028, 1, 31), day(2028, 2, 29), day(2028, 4, 30)},
		{"UK GDPR Art 12(3) across the year", day(2026, 12, 15), day(2027, 1, 15), day(2027, 3, 15)},
	}
	for _, tc := range cases {
		if got := SARDue(tc.received); !got.Equal(tc.due) {
			t.Errorf("%s: due %s, want %s", tc.name, got, tc.due)
		}
		if got := SARLatest(tc.received); !got.Equal(tc.latest) {
			t.Errorf("%s: latest %s, want %s", tc.name, got, tc.latest)
		}
	}
}

func TestSARClockAndExtension(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, london)}
	open, err := OpenSAR(clock, dsl, "sar-1", " CUS-7 ", day(2026, 3, 3), london)
	must(t, err)
	if _, err := OpenSAR(clock, Actor{ID: "key-prac"}, "sar-x", "CUS-7", day(2026, 3, 3), london); !errors.Is(err, ErrSafeguardingOnly) {
		t.Errorf("a practitioner opens a request: %v", err)
	}
	if _, err := OpenSAR(clock, dsl, "sar-x", "CUS-7", day(2026, 3, 11), london); err == nil {
		t.Error("a request received tomorrow")
	}
	reqs, errs := FoldSARs([]SignedSAREvent{{open, dsl.ID, true}}, london)
	if len(errs) != 0 || len(reqs) != 1 {
		t.Fatal(errs)
	}
	r := reqs[0]
	if r.Ref != "CUS-7" || !r.Due.Equal(day(2026, 4, 3)) || r.Overdue(clock.Now()) {
		t.Fatalf("opened: %+v", r)
	}
	cases := []struct {
		name             string
		until, notified  time.Time
		reason           string
		wantField, words string
	}{
		{"UK GDPR Art 12(3) an extension needs its reason", day(2026, 6, 3), day(2026, 3, 9), "", "reason", "complex or numerous"},
		{"UK GDPR Art 12(3) more than two further months", day(2026, 6, 4), day(2026, 3, 9), "Numerous records", "until", "no later than 3 June 2026"},
		{"UK GDPR Art 12(3) no extension at all", day(2026, 4, 3), day(2026, 3, 9), "Numerous records", "until", "must be after 3 April 2026"},
		{"UK GDPR Art 12(3) told after the first month", day(2026, 6, 3), day(2026, 4, 4), "Numerous records", "notified", "future"},
		{"told before it was received", day(2026, 6, 3), day(2026, 3, 2), "Numerous records", "notified", "before the request was received"},
	}
	for _, tc := range cases {
		_, err := ExtendSAR(clock, dsl, "ext", r, tc.until, tc.notified, tc.reason, london)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.wantField || !strings.Contains(fe.Message, tc.words) {
			t.Errorf("%s: %v, want %s saying %q", tc.name, err, tc.wantField, tc.words)
		}
	}
	// Later, the requester told on the first month's last day is in time;
	// a day later is not.
	late := &fakeClock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, london)}
	if _, err := ExtendSAR(late, dsl, "ext", r, day(2026, 6, 3), day(2026, 4, 4), "Numerous records", london); err == nil || !strings.Contains(err.Error(), "Too late to extend") {
		t.Errorf("UK GDPR Art 12(3) told a day after the first month: %v", err)
	}
	ext, err := ExtendSAR(late, dsl, "ext-1", r, day(2026, 6, 3), day(2026, 4, 3), "Numerous records across two services", london)
	must(t, err)
	ans, err := AnswerSAR(&fakeClock{t: time.Date(2026, 6, 3, 17, 0, 0, 0, london)}, dsl, "ans-1", r)
	must(t, err)
	forged := ans
	forged.ID, forged.By = "ans-forged", "key-prac"
	reqs, errs = FoldSARs([]SignedSAREvent{{ans, dsl.ID, true}, {ext, dsl.ID, true}, {open, dsl.ID, true}, {forged, "key-prac", false}}, london)
	if len(errs) != 1 {
		t.Errorf("a practitioner's answer is ignored and said: %v", errs)
	}
	r = reqs[0]
	if !r.DueBy().Equal(day(2026, 6, 3)) || r.Open() || r.Overdue(late.Now()) {
		t.Errorf("UK GDPR Art 12(3) extended, answered on its last day, on time: %+v", r)
	}
	if _, err := ExtendSAR(late, dsl, "ext-2", r, day(2026, 6, 3), day(2026, 4, 3), "again", london); err == nil {
		t.Error("an answered request extended")
	}
}

func TestSARQueueOverdueFirst(t *testing.T) {
	now := time.Date(2026, 5, 10, 9, 0, 0, 0, london)
	mk := func(id string, received time.Time, answered time.Time) SubjectAccessRequest {
		return SubjectAccessRequest{ID: id, Received: received, Due: SARDue(received), Answered: answered}
	}
	q := SARQueue([]SubjectAccessRequest{
		mk("answered", day(2026, 3, 1), day(2026, 3, 20)),
		mk("due-soon", day(2026, 4, 20), time.Time{}),
		mk("overdue", day(2026, 4, 1), time.Time{}),
		mk("due-later", day(2026, 5, 1), time.Time{}),
	}, now)
	var ids []string
	for _, r := range q {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "overdue,due-soon,due-later,answered" {
		t.Errorf("UK GDPR Art 12(3) overdue first: %v", ids)
	}
	if !q[0].Overdue(now) || q[1].Overdue(now) {
		t.Error("overdue marks")
	}
	// Due on 1 May: still on time all that day, overdue from 2 May.
	r := mk("r", day(2026, 4, 1), time.Time{})
	if r.Overdue(time.Date(2026, 5, 1, 23, 0, 0, 0, london)) || !r.Overdue(time.Date(2026, 5, 2, 0, 0, 0, 0, london)) {
		t.Error("the due day counts whole")
	}
}

func TestBuildDisclosure(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 20, 9, 0, 0, 0, london)}
	r := SubjectAccessRequest{ID: "sar-1", Ref: "CUS-7", Received: day(2026, 3, 3), Due: SARDue(day(2026, 3, 3))}
	sources := []DisclosureSource{
		{RecordID: "ses-2", Kind: RetainSessionRecord, Made: day(2026, 2, 1), Title: "Session with Sam Adviser", Paragraphs: []string{"Sam Adviser and the customer talked about college. Her uncle Dave Jones joined; dave jones left early.", "Davenport Road was mentioned.", "Morgan Hughes (demo) joined."}},
		{RecordID: "inc-1", Kind: RetainIncident, Made: day(2026, 1, 5), Title: "Incident", Paragraphs: []string{"Disclosure about a relative."}},
	}
	names := []string{"Dave Jones", "Sam Adviser", " ", "Dave", "Morgan Hughes (demo)"}
	p, err := BuildDisclosure(clock, dsl, r, sources, map[string]DisclosureChoice{"inc-1": {Withheld: true, Exemption: "child_abuse_data", Reason: "Police investigation under way; the parent is the alleged abuser."}}, names)
	must(t, err)
	if len(p.Items) != 2 || p.Items[0].RecordID != "inc-1" {
		t.Fatalf("items oldest first: %+v", p.Items)
	}
	w := p.Items[0]
	if !w.Withheld || len(w.Paragraphs) != 0 || w.Reference != "DPA 2018 Sch 3 Part 5 para 21" || w.Reason == "" {
		t.Errorf("a withheld item keeps no words and names its exemption and reason: %+v", w)
	}
	d := p.Items[1]
	want := "[name withheld] and the customer talked about college. Her uncle [name withheld] joined; [name withheld] left early."
	if d.Paragraphs[0] != want || d.Paragraphs[1] != "Davenport Road was mentioned." || d.Paragraphs[2] != "[name withheld] joined." || d.Title != "Session with [name withheld]" || d.Redactions != 5 {
		t.Errorf("third-party and staff names redacted as whole words, any case: %q %q %q %d", d.Paragraphs[0], d.Paragraphs[1], d.Title, d.Redactions)
	}
	for _, c := range []struct {
		name   string
		choice DisclosureChoice
		field  string
	}{
		{"UK GDPR Art 15 withheld without an exemption", DisclosureChoice{Withheld: true, Reason: "x"}, "exemption"},
		{"UK GDPR Art 5(2) withheld without a reason", DisclosureChoice{Withheld: true, Exemption: "crime"}, "reason"},
	} {
		_, err := BuildDisclosure(clock, dsl, r, sources, map[string]DisclosureChoice{"inc-1": c.choice}, nil)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Message, "inc-1") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
