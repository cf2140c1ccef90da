package session

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"safeguard/companion/testclock"
)

// retentionRow is row i of the pack's retention schedule, as generic JSON.
func retentionRow(m map[string]any, i int) map[string]any {
	return m["retention"].(map[string]any)["rows"].([]any)[i].(map[string]any)
}

func TestRetentionScheduleRefusesMalformed(t *testing.T) {
	cases := []struct {
		name      string
		edit      func(m map[string]any)
		wantField string
		wantWords string
	}{
		{"Annex 2 3.4 schedule without its clause", func(m map[string]any) { delete(m["retention"].(map[string]any), "clause") }, "retention.clause", "cite the policy clause"},
		{"UK GDPR Art 5(1)(e) no rows", func(m map[string]any) { m["retention"].(map[string]any)["rows"] = []any{} }, "retention.rows", "how long"},
		{"UK GDPR Art 5(1)(e) a kind of record left without a period", func(m map[string]any) {
			rows := m["retention"].(map[string]any)["rows"].([]any)
			m["retention"].(map[string]any)["rows"] = rows[1:]
		}, "retention.rows", "no row for incident records about a child"},
		{"unknown kind of record", func(m map[string]any) { retentionRow(m, 0)["kind"] = "email" }, "retention.rows[0].kind", "not a kind of record"},
		{"unknown subject", func(m map[string]any) { retentionRow(m, 0)["subject"] = "pupil" }, "retention.rows[0].subject", "not a subject"},
		{"a staff allegation is never a session record", func(m map[string]any) {
			retentionRow(m, 1)["subject"] = "staff_allegation"
		}, "retention.rows[1].subject", "never a session record"},
		{"two rows for one kind and subject", func(m map[string]any) { retentionRow(m, 1)["kind"] = "incident" }, "retention.rows[1].subject", "keep one row each"},
		{"UK GDPR Art 5(1)(e) no period", func(m map[string]any) { delete(retentionRow(m, 0), "years") }, "retention.rows[0].years", "between 1 and 100"},
		{"UK GDPR Art 5(1)(e) a period for ever", func(m map[string]any) { retentionRow(m, 0)["years"] = 250 }, "retention.rows[0].years", "between 1 and 100"},
		{"wrong type of period", func(m map[string]any) { retentionRow(m, 0)["years"] = "25" }, "retention.rows.years", "should be int"},
		{"unknown start", func(m map[string]any) { retentionRow(m, 0)["from"] = "enrolment" }, "retention.rows[0].from", "date_of_birth"},
		{"a session record is never closed", func(m map[string]any) { retentionRow(m, 1)["from"] = "closure" }, "retention.rows[1].from", "only an incident is closed"},
		{"IRMS Toolkit for Schools staff allegation from a date of birth the record lacks", func(m map[string]any) {
			retentionRow(m, 6)["from"] = "date_of_birth"
		}, "retention.rows[6].from", "does not hold the member of staff's date of birth"},
		{"IRMS Toolkit for Schools retirement age only for staff", func(m map[string]any) { retentionRow(m, 0)["or_until_retirement"] = true }, "retention.rows[0].or_until_retirement", "only to allegations"},
		{"IRMS Toolkit for Schools staff allegation disposed of unseen", func(m map[string]any) { retentionRow(m, 6)["then"] = "dispose" }, "retention.rows[6].then", `must be "review"`},
		{"unknown end", func(m map[string]any) { retentionRow(m, 0)["then"] = "archive" }, "retention.rows[0].then", `"review" or "dispose"`},
		{"row without its source", func(m map[string]any) { retentionRow(m, 2)["source"] = " " }, "retention.rows[2].source", "must cite where the period comes from"},
		{"row not marked confirmed or to confirm", func(m map[string]any) { delete(retentionRow(m, 3), "status") }, "retention.rows[3].status", "to_confirm"},
		{"misspelt field", func(m map[string]any) { retentionRow(m, 0)["yeras"] = 25 }, "yeras", "misspelt"},
		{"duplicate id", func(m map[string]any) { retentionRow(m, 1)["id"] = "child_incident" }, "retention.rows[1].id", "used twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPack(bytes.NewReader(mutate(t, tc.edit)))
			var pe *PackError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidPack) {
				t.Fatalf("LoadPack: err = %v, want a PackError", err)
			}
			if pe.Field != tc.wantField || !strings.Contains(pe.Error(), tc.wantWords) {
				t.Errorf("got field %q, %q; want field %q mentioning %q", pe.Field, pe.Error(), tc.wantField, tc.wantWords)
			}
		})
	}
}

// A pack published before retention was data still loads; its records are
// worked out with a schedule from a later pack, and say so.
func TestPackWithoutRetentionStillLoads(t *testing.T) {
	old, err := LoadPack(bytes.NewReader(mutate(t, func(m map[string]any) {
		delete(m, "retention")
		m["version"] = "2022.01-1"
	})))
	if err != nil {
		t.Fatalf("a pack without a retention schedule: %v", err)
	}
	if old.Retention != nil {
		t.Fatal("no schedule should read as none")
	}
	f := RetentionFacts{Kind: RetainSessionRecord, PackID: old.ID, PackVersion: old.Version, Customer: Customer{Age: 30}, Made: time.Date(2026, 3, 2, 10, 0, 0, 0, london)}
	if _, err := RetentionOf([]*Pack{old}, f); !errors.Is(err, ErrNoSchedule) {
		t.Errorf("no schedule anywhere: err = %v, want ErrNoSchedule", err)
	}
	r, err := RetentionOf([]*Pack{defaultPack(t), old}, f)
	if err != nil || !r.OtherPack || !strings.Contains(r.Describe(), "2022.01-1") {
		t.Errorf("worked out with another pack: %+v, %v", r, err)
	}
}

// The default schedule carries the figures, each citing its source
// and marked for the organisation to confirm.
func TestDefaultRetentionSchedule(t *testing.T) {
	s := defaultPack(t).Retention
	if s == nil {
		t.Fatal("the default pack has no retention schedule")
	}
	child, ok := s.Row(RetainIncident, SubjectChild)
	if !ok || child.Years != 25 || child.From != FromDateOfBirth || child.Then != EndReview || !strings.Contains(child.Source, "IRMS") {
		t.Errorf("IRMS Toolkit for Schools: a child's safeguarding file is date of birth + 25 years, then review; got %+v", child)
	}
	staff, ok := s.Row(RetainIncident, SubjectStaffAllegation)
	if !ok || staff.Years != 10 || staff.From != FromCreation || !staff.OrUntilRetirement || staff.Then != EndReview {
		t.Errorf("IRMS Toolkit for Schools: allegations about staff to retirement age or 10 years, whichever is longer; got %+v", staff)
	}
	if len(s.ToConfirm()) != len(s.Rows) {
		t.Errorf("every row is the organisation's to confirm: %d of %d", len(s.ToConfirm()), len(s.Rows))
	}
	for _, r := range s.Rows {
		if strings.TrimSpace(r.Source) == "" {
			t.Errorf("row %s cites no source", r.ID)
		}
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, london) }

func TestRetentionOf(t *testing.T) {
	p := defaultPack(t)
	made := time.Date(2026, 5, 10, 14, 0, 0, 0, london)
	closed := time.Date(2026, 9, 1, 11, 0, 0, 0, london)
	incident := func(c Customer, closedAt time.Time, staff bool) RetentionFacts {
		return RetentionFacts{RecordID: "inc-1", Kind: RetainIncident, PackID: p.ID, PackVersion: p.Version, Customer: c, Made: made, Closed: closedAt, StaffAllegation: staff}
	}
	record := func(c Customer) RetentionFacts {
		return RetentionFacts{RecordID: "rec-1", Kind: RetainSessionRecord, PackID: p.ID, PackVersion: p.Version, Customer: c, Made: made}
	}
	cases := []struct {
		name      string
		f         RetentionFacts
		want      time.Time // zero: no date yet
		then      RetentionEnd
		row       string
		estimated bool
		words     string
	}{
		{"IRMS Toolkit for Schools a child's incident: date of birth + 25 years, then review",
			incident(Customer{DateOfBirth: time.Date(2011, 3, 14, 0, 0, 0, 0, time.UTC)}, time.Time{}, false), day(2036, 3, 14), EndReview, "child_incident", false, "Review on 14 March 2036"},
		{"IRMS Toolkit for Schools an open incident about a child still has its date: it runs from birth",
			incident(Customer{DateOfBirth: time.Date(2011, 3, 14, 0, 0, 0, 0, time.UTC)}, time.Time{}, false), day(2036, 3, 14), EndReview, "child_incident", false, "IRMS"},
		{"IRMS Toolkit for Schools a child's session record goes with their file",
			record(Customer{DateOfBirth: time.Date(2010, 11, 2, 0, 0, 0, 0, time.UTC)}), day(2035, 11, 2), EndReview, "child_session_record", false, "date of birth + 25 years"},
		{"IRMS Toolkit for Schools born on 29 February: 25 years on is 1 March, never earlier",
			incident(Customer{DateOfBirth: time.Date(2012, 2, 29, 0, 0, 0, 0, time.UTC)}, time.Time{}, false), day(2037, 3, 1), EndReview, "child_incident", false, "1 March 2037"},
		{"IRMS Toolkit for Schools 17 on the day the incident was raised, 18 the next: a child's file",
			incident(Customer{DateOfBirth: time.Date(2008, 5, 11, 0, 0, 0, 0, time.UTC)}, time.Time{}, false), day(2033, 5, 11), EndReview, "child_incident", false, ""},
		{"UK GDPR Art 5(1)(e) 18 on the day the incident was raised: an adult's, and open, so no date yet",
			incident(Customer{DateOfBirth: time.Date(2008, 5, 10, 0, 0, 0, 0, time.UTC)}, time.Time{}, false), time.Time{}, EndReview, "adult_incident", false, "still open"},
		{"IRMS Toolkit for Schools date of birth unknown: the age at the time gives an estimate, the latest birth it could be",
			incident(Customer{Age: 14}, time.Time{}, false), day(2037, 5, 10), EndReview, "child_incident", true, "Estimated: the date of birth is not recorded, so it is taken from the age (14) on 10 May 2026"},
		{"IRMS Toolkit for Schools age recorded on 29 February: the estimated birth is 1 March",
			RetentionFacts{RecordID: "inc-2", Kind: RetainIncident, PackID: p.ID, PackVersion: p.Version, Customer: Customer{Age: 14}, Made: time.Date(2028, 2, 29, 9, 0, 0, 0, london)},
			day(2039, 3, 1), EndReview, "child_incident", true, "Estimated"},
		{"IRMS Toolkit for Schools neither date of birth nor age: kept as a child's, from the day it was made",
			incident(Customer{Reference: "CUS-1"}, time.Time{}, false), day(2051, 5, 10), EndReview, "child_incident", true, "neither date of birth nor age"},
		{"UK GDPR Art 5(1)(e) an adult's session record: 6 years from signing, then dispose",
			record(Customer{Age: 34}), day(2032, 5, 10), EndDispose, "adult_session_record", false, "Dispose of it on 10 May 2032"},
		{"UK GDPR Art 5(1)(e) an adult at risk's session record: 6 years, then review",
			record(Customer{Age: 34, AdultAtRisk: true}), day(2032, 5, 10), EndReview, "adult_at_risk_session_record", false, ""},
		{"UK GDPR Art 5(1)(e) an open incident about an adult at risk has no closure date, so no end yet",
			incident(Customer{Age: 40, AdultAtRisk: true}, time.Time{}, false), time.Time{}, EndReview, "adult_at_risk_incident", false, "the incident is still open"},
		{"UK GDPR Art 5(1)(e) a closed incident about an adult at risk: 6 years from closure",
			incident(Customer{Age: 40, AdultAtRisk: true}, closed, false), day(2032, 9, 1), EndReview, "adult_at_risk_incident", false, ""},
		{"IRMS Toolkit for Schools an allegation about staff: 10 years from the allegation, retirement age to check at review",
			incident(Customer{DateOfBirth: time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC)}, closed, true), day(2036, 5, 10), EndReview, "staff_allegation", false, "normal retirement age"},
		{"IRMS Toolkit for Schools an allegation about staff concerning a young child: the child's file runs longer",
			incident(Customer{DateOfBirth: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)}, closed, true), day(2044, 6, 1), EndReview, "child_incident", false, "normal retirement age"},
		{"IRMS Toolkit for Schools an allegation about staff in an open adult incident: no date until closure",
			incident(Customer{Age: 30}, time.Time{}, true), time.Time{}, EndReview, "adult_incident", false, "still open"},
		{"Annex 2 3.4 a record is dated in the organisation's time zone: 23:30 UTC on 30 June is 1 July in London",
			RetentionFacts{RecordID: "rec-2", Kind: RetainSessionRecord, PackID: p.ID, PackVersion: p.Version, Customer: Customer{Age: 30}, Made: time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)},
			day(2032, 7, 1), EndDispose, "adult_session_record", false, "1 July 2032"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := RetentionOf([]*Pack{p}, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Due.Equal(tc.want) {
				t.Errorf("due %v, want %v", r.Due, tc.want)
			}
			if r.Known() != !tc.want.IsZero() {
				t.Errorf("Known = %v", r.Known())
			}
			if r.Then != tc.then || r.Row.ID != tc.row || r.Estimated != tc.estimated {
				t.Errorf("then %s row %s estimated %v; want %s %s %v", r.Then, r.Row.ID, r.Estimated, tc.then, tc.row, tc.estimated)
			}
			if !r.ToConfirm || !strings.Contains(r.Describe(), "still to be confirmed by the organisation") {
				t.Errorf("the default rows are to confirm, and the words say so: %q", r.Describe())
			}
			if !strings.Contains(r.Describe(), tc.words) {
				t.Errorf("Describe() = %q, want it to say %q", r.Describe(), tc.words)
			}
		})
	}
}

// The schedule in force when the record was made decides, not the one in
// force now.
func TestRetentionUsesTheRecordsOwnPack(t *testing.T) {
	current := defaultPack(t)
	older, err := LoadPack(bytes.NewReader(mutate(t, func(m map[string]any) {
		m["version"] = "2024.01-1"
		retentionRow(m, 5)["years"] = 3
	})))
	if err != nil {
		t.Fatal(err)
	}
	made := time.Date(2026, 5, 10, 14, 0, 0, 0, london)
	f := RetentionFacts{RecordID: "rec-1", Kind: RetainSessionRecord, PackID: older.ID, PackVersion: older.Version, Customer: Customer{Age: 30}, Made: made}
	r, err := RetentionOf([]*Pack{current, older}, f)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Due.Equal(day(2029, 5, 10)) || r.PackVersion != "2024.01-1" || r.OtherPack {
		t.Errorf("UK GDPR Art 5(1)(e) the record's own pack (3 years) decides: due %v under %s (other %v)", r.Due, r.PackVersion, r.OtherPack)
	}
	f.PackVersion = "2019.01-1"
	r, err = RetentionOf([]*Pack{current, older}, f)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OtherPack || r.PackVersion != current.Version || !strings.Contains(r.Describe(), "2019.01-1") {
		t.Errorf("a pack this device does not hold: falls back to the one in force, and says so: %+v", r)
	}
}

func TestRecordFactsAndSubjects(t *testing.T) {
	staff := IncidentDocument{ID: "inc-9", PackID: "p", PackVersion: "v", Status: IncidentClosed, RaisedAt: testNow(), ClosedAt: testNow().Add(time.Hour),
		Subject: Customer{Reference: "CUS-7", Age: 15}, Origin: Origin{Kind: OriginSession, SessionID: "ses-3"},
		Circumstances: Circumstances{OtherParty: &OtherParty{Is: PartyAdult, Relationship: RelStaff}}}
	f := IncidentRetentionFacts(staff)
	if f.Closed.IsZero() || !f.StaffAllegation || f.SessionID != "ses-3" || f.Cases[0] != "inc-9" {
		t.Errorf("incident facts: %+v", f)
	}
	if got := f.Subjects(); len(got) != 2 || got[0] != SubjectChild || got[1] != SubjectStaffAllegation {
		t.Errorf("IRMS Toolkit for Schools an allegation about staff involving a child is both: %v", got)
	}
	staff.Status = IncidentAcknowledged
	if f := IncidentRetentionFacts(staff); !f.Closed.IsZero() {
		t.Error("an incident not closed has no closure date")
	}
	d := Document{ID: "ses-3", SignedAt: testNow(), CreatedAt: testNow().Add(-time.Hour), Plan: Plan{Customer: Customer{Reference: "CUS-7", Age: 19, AdultAtRisk: true}},
		Incidents: []RaisedIncident{{ID: "inc-9"}}}
	sf := SessionRetentionFacts(d)
	if !sf.Made.Equal(testNow()) || sf.Cases[0] != "inc-9" {
		t.Errorf("session record facts: %+v", sf)
	}
	if got := sf.Subjects(); len(got) != 1 || got[0] != SubjectAdultAtRisk {
		t.Errorf("an adult at risk: %v", got)
	}
}

func TestDueWindow(t *testing.T) {
	now := testclock.Start()
	today := dayOf(now, london)
	firstNext := time.Date(today.Year(), today.Month()+1, 1, 0, 0, 0, 0, london)
	cases := []struct {
		name string
		due  time.Time
		want DueWhen
	}{
		{"UK GDPR Art 5(1)(e) yesterday is past its date", today.AddDate(0, 0, -1), DueOverdue},
		{"today is due this month", today, DueThisMonth},
		{"the last day of this month", firstNext.AddDate(0, 0, -1), DueThisMonth},
		{"the first of next month is the next quarter", firstNext, DueNextQuarter},
		{"the last day of the third month after this", firstNext.AddDate(0, 3, -1), DueNextQuarter},
		{"four months on is later", firstNext.AddDate(0, 3, 0), DueLater},
		{"no date yet", time.Time{}, DueNotKnown},
	}
	for _, tc := range cases {
		if got := DueWindow(tc.due, now, london); got != tc.want {
			t.Errorf("%s: %v is %s, want %s", tc.name, tc.due, got.Label(), tc.want.Label())
		}
	}
}

func TestLegalHolds(t *testing.T) {
	clock := &fakeClock{t: testNow()}
	if _, err := PlaceHold(clock, practitioner, "hold-1", HoldCustomer, "CUS-7", "Police investigation"); !errors.Is(err, ErrSafeguardingOnly) {
		t.Errorf("a practitioner places a hold: %v", err)
	}
	for _, tc := range []struct {
		name, ref, reason, field string
		scope                    HoldScope
	}{
		{"no reason", "CUS-7", " ", "reason", HoldCustomer},
		{"no reference", "", "Police investigation", "ref", HoldCustomer},
		{"unknown scope", "CUS-7", "Police investigation", "scope", "everything"},
	} {
		_, err := PlaceHold(clock, dsl, "hold-1", tc.scope, tc.ref, tc.reason)
		if Fields(err).For(tc.field) == "" {
			t.Errorf("%s: err = %v, want a message on %s", tc.name, err, tc.field)
		}
	}
	placed, err := PlaceHold(clock, dsl, "hold-1", HoldCustomer, " CUS-7 ", "Police investigation: disclosure of 3 May")
	must(t, err)
	if placed.Ref != "CUS-7" || placed.By != "key-dsl" || !placed.At.Equal(testNow()) || placed.ParentRecordID() != "" {
		t.Errorf("placed: %+v", placed)
	}
	holds, errs := FoldHolds([]SignedHold{{Event: placed, SignerID: "key-dsl", SignerIsDSL: true}})
	if len(holds) != 1 || len(errs) != 0 || !holds[0].Active() {
		t.Fatalf("fold: %+v %v", holds, errs)
	}
	if _, err := LiftHold(clock, practitioner, "lift-1", holds[0], "Case closed"); !errors.Is(err, ErrSafeguardingOnly) {
		t.Errorf("a practitioner lifts a hold: %v", err)
	}
	if _, err := LiftHold(clock, dsl, "lift-1", holds[0], ""); Fields(err).For("reason") == "" {
		t.Errorf("a lifting without its reason: %v", err)
	}
	clock.Advance(24 * time.Hour)
	lifted, err := LiftHold(clock, dsl, "lift-1", holds[0], "Police confirm no further action")
	must(t, err)
	if lifted.HoldID != "hold-1" || lifted.ParentRecordID() != "hold-1" || lifted.Ref != "CUS-7" {
		t.Errorf("lifted: %+v", lifted)
	}

	forged := lifted
	forged.ID, forged.By = "lift-2", "sam"
	cases := []struct {
		name       string
		records    []SignedHold
		wantActive bool
		wantErrs   int
	}{
		{"placed and lifted by a DSL", []SignedHold{{lifted, "key-dsl", true}, {placed, "key-dsl", true}}, false, 0},
		{"a lifting signed by a practitioner is refused: the hold stands", []SignedHold{{placed, "key-dsl", true}, {forged, "sam", false}}, true, 1},
		{"a lifting claiming another signer is refused", []SignedHold{{placed, "key-dsl", true}, {lifted, "morgan", true}}, true, 1},
		{"a lifting of a hold not on this device is kept back", []SignedHold{{lifted, "key-dsl", true}}, false, 1},
		{"a hold placed by someone no longer a DSL stands, with a warning", []SignedHold{{placed, "key-dsl", false}}, true, 1},
		{"a placing claiming another signer is refused", []SignedHold{{placed, "morgan", true}}, false, 1},
	}
	for _, tc := range cases {
		holds, errs := FoldHolds(tc.records)
		active := len(holds) == 1 && holds[0].Active()
		if active != tc.wantActive || len(errs) != tc.wantErrs {
			t.Errorf("%s: active %v (%d holds), errors %v", tc.name, active, len(holds), errs)
		}
	}
	if _, errs := FoldHolds([]SignedHold{{lifted, "key-dsl", true}}); len(errs) == 1 && !strings.Contains(errs[0].Error(), "not on this device") {
		t.Errorf("says why: %v", errs)
	}
	done, _ := FoldHolds([]SignedHold{{placed, "key-dsl", true}, {lifted, "key-dsl", true}})
	if _, err := LiftHold(clock, dsl, "lift-3", done[0], "again"); err == nil {
		t.Error("a hold lifted twice")
	}
}

func TestHoldCoversAndBlocksDisposal(t *testing.T) {
	clock := &fakeClock{t: testNow()}
	p := defaultPack(t)
	made := time.Date(2026, 5, 10, 14, 0, 0, 0, london)
	rec := RetentionFacts{RecordID: "ses-3", Kind: RetainSessionRecord, PackID: p.ID, PackVersion: p.Version, Customer: Customer{Reference: "CUS-7", Age: 30}, Made: made}
	inc := RetentionFacts{RecordID: "inc-9", Kind: RetainIncident, PackID: p.ID, PackVersion: p.Version, Customer: Customer{Reference: "CUS-7", Age: 30}, Made: made, Cases: []string{"inc-9"}, SessionID: "ses-3"}
	other := RetentionFacts{RecordID: "ses-4", Kind: RetainSessionRecord, PackID: p.ID, PackVersion: p.Version, Customer: Customer{Reference: "CUS-8", Age: 30}, Made: made}
	all := []RetentionFacts{rec, inc, other}
	hold := func(scope HoldScope, ref string) Hold {
		e, err := PlaceHold(clock, dsl, "hold-"+ref, scope, ref, "Subject access request under way")
		must(t, err)
		return Hold{Placed: e}
	}
	cases := []struct {
		name string
		h    Hold
		want []bool // rec, inc, other
	}{
		{"a record hold covers that record only", hold(HoldRecord, "ses-3"), []bool{true, false, false}},
		{"a case hold covers the incident and the session it was raised from", hold(HoldCase, "inc-9"), []bool{true, true, false}},
		{"a customer hold covers every record about them, whatever the case", hold(HoldCustomer, "cus-7"), []bool{true, true, false}},
	}
	for _, tc := range cases {
		for i, f := range all {
			if got := tc.h.Covers(f, all); got != tc.want[i] {
				t.Errorf("%s: covers %s = %v", tc.name, f.RecordID, got)
			}
		}
	}

	r, err := RetentionOf([]*Pack{p}, rec)
	must(t, err)
	after := r.Due.AddDate(0, 0, 1)
	if err := MayDispose(r, nil, after); err != nil {
		t.Errorf("UK GDPR Art 5(1)(e) an adult's session record past its date, no hold: %v", err)
	}
	if err := MayDispose(r, nil, r.Due.AddDate(0, 0, -1)); !errors.Is(err, ErrNotDue) {
		t.Errorf("before its date: %v", err)
	}
	held := HoldsOn([]Hold{hold(HoldCustomer, "CUS-7")}, rec, all)
	err = MayDispose(r, held, after)
	if !errors.Is(err, ErrOnHold) || !strings.Contains(err.Error(), "Subject access request under way") || !strings.Contains(err.Error(), "key-dsl") {
		t.Errorf("a legal hold blocks disposal, saying who and why: %v", err)
	}
	lifted := held[0]
	lifted.Lifted = &HoldEvent{ID: "lift", Action: HoldLifted, HoldID: lifted.Placed.ID}
	if got := HoldsOn([]Hold{lifted}, rec, all); len(got) != 0 {
		t.Errorf("a lifted hold blocks nothing: %v", got)
	}
	ri, err := RetentionOf([]*Pack{p}, IncidentRetentionFacts(IncidentDocument{ID: "inc-1", PackID: p.ID, PackVersion: p.Version, Status: IncidentClosed, RaisedAt: made, ClosedAt: made, Subject: Customer{Age: 30}}))
	must(t, err)
	if err := MayDispose(ri, nil, ri.Due.AddDate(0, 0, 1)); !errors.Is(err, ErrReviewFirst) {
		t.Errorf("a row that says review is never disposed of unseen: %v", err)
	}
}

func TestDueList(t *testing.T) {
	// Four years, so that a record made four years before a 29 February
	// falls due on it: the suite runs on any date.
	p, err := LoadPack(bytes.NewReader(mutate(t, func(m map[string]any) { retentionRow(m, 5)["years"] = 4 })))
	must(t, err)
	now := testclock.Start()
	today := dayOf(now, london)
	// An adult's session record made four years ago, give or take, falls
	// due around now.
	f := func(id string, made time.Time, ref string) RetentionFacts {
		return RetentionFacts{RecordID: id, Kind: RetainSessionRecord, PackID: p.ID, PackVersion: p.Version, Customer: Customer{Reference: ref, Age: 30}, Made: made}
	}
	records := []RetentionFacts{
		f("later", today.AddDate(-4, 6, 0), "CUS-1"),
		f("overdue", today.AddDate(-4, 0, -3), "CUS-2"),
		f("today", today.AddDate(-4, 0, 0), "CUS-3"),
		{RecordID: "open", Kind: RetainIncident, PackID: p.ID, PackVersion: p.Version, Customer: Customer{Age: 30}, Made: today.AddDate(-1, 0, 0)},
	}
	e, err := PlaceHold(&fakeClock{t: now}, dsl, "hold-1", HoldCustomer, "CUS-2", "Claim notified")
	must(t, err)
	items, errs := DueList([]*Pack{p}, records, []Hold{{Placed: e}}, now)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var order []string
	for _, it := range items {
		order = append(order, it.Facts.RecordID)
	}
	if strings.Join(order, ",") != "overdue,today,later,open" {
		t.Errorf("soonest first, no date last: %v", order)
	}
	if items[0].When != DueOverdue || !items[0].Held() || items[1].When != DueThisMonth || items[1].Held() || items[3].When != DueNotKnown {
		t.Errorf("windows and holds: %+v", items)
	}
}
