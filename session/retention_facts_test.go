package session

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"safeguard/companion/testclock"
)

// signedFactsDoc is a signed session record about a customer, with content the
// facts must never carry.
func signedFactsDoc(p *Pack, signed time.Time, c Customer) Document {
	return Document{ID: "ses-1", PackID: p.ID, PackVersion: p.Version, Author: "key-sam", State: Signed,
		CreatedAt: signed.Add(-time.Hour), SignedAt: signed, Plan: Plan{Customer: c},
		Incidents: []RaisedIncident{{ID: "inc-9"}},
		Record:    &Record{Summary: "SECRET summary of the discussion", Concerns: "SECRET concern"}}
}

// The retention facts a session record's author (or line manager) shares
// with the DSLs: what the schedule reads, never the content (Annex 2 3.4:
// records kept secure; UK GDPR Art 5(1)(c) data minimisation), and only for
// a signed record, by someone who can read it.
func TestShareRetentionFacts(t *testing.T) {
	p := defaultPack(t)
	now := testclock.Start()
	clock := &fakeClock{t: now}
	dob := time.Date(now.Year()-15, 3, 4, 0, 0, 0, 0, time.UTC)
	author := FactsSharer{ID: "sam", Author: true}
	cases := []struct {
		name    string
		by      FactsSharer
		doc     func(d *Document)
		want    error
		check   func(t *testing.T, r RetentionFactsRecord)
		subject RecordSubject
	}{
		{name: "Annex 2 3.4 the author shares a signed record's facts, date of birth kept, no age", by: author, subject: SubjectChild,
			check: func(t *testing.T, r RetentionFactsRecord) {
				if !r.DateOfBirth.Equal(dob) || r.Age != 0 || r.Reference != "CUS-1" || r.RecordID != "ses-1" || r.By != "sam" || !r.At.Equal(now) {
					t.Errorf("facts %+v", r)
				}
				if len(r.Cases) != 1 || r.Cases[0] != "inc-9" {
					t.Errorf("the incidents it escalated to, for holds on a case: %v", r.Cases)
				}
			}},
		{name: "Annex 2 3.4 age at the time when no date of birth is recorded", by: author, subject: SubjectChild,
			doc: func(d *Document) { d.Plan.Customer = Customer{Reference: "CUS-1", Age: 16} },
			check: func(t *testing.T, r RetentionFactsRecord) {
				if r.Age != 16 || !r.DateOfBirth.IsZero() {
					t.Errorf("facts %+v", r)
				}
			}},
		{name: "Annex 2 3.4 an adult at risk", by: author, subject: SubjectAdultAtRisk,
			doc: func(d *Document) { d.Plan.Customer = Customer{Reference: "CUS-1", Age: 30, AdultAtRisk: true} }},
		{name: "Annex 2 3.4 a line manager shares for a record signed before facts were shared", by: FactsSharer{ID: "priya", LineManager: true}, subject: SubjectChild},
		{name: "Annex 2 3.4 nobody else speaks for the record", by: FactsSharer{ID: "carol"}, want: ErrFactsNotYours},
		{name: "UK GDPR Art 5(1)(e) a draft's retention has not begun", by: author, doc: func(d *Document) { d.State, d.SignedAt = Recorded, time.Time{} }, want: ErrFactsUnsigned},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := signedFactsDoc(p, now.AddDate(0, 0, -1), Customer{Reference: "CUS-1", DateOfBirth: dob})
			if tc.doc != nil {
				tc.doc(&d)
			}
			r, err := ShareRetentionFacts(clock, tc.by, "facts-1", d, []*Pack{p})
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				return
			}
			must(t, err)
			b, _ := json.Marshal(r)
			if strings.Contains(string(b), "SECRET") {
				t.Fatalf("the facts carry the record's content: %s", b)
			}
			if r.ParentRecordID() != d.ID {
				t.Error("the facts are not filed under their record (a tombstone for it must take them)")
			}
			// The DSL's device reads the same schedule row and date from
			// the facts as the author's did from the record.
			mine, err := RetentionOf([]*Pack{p}, SessionRetentionFacts(d))
			must(t, err)
			theirs, err := RetentionOf([]*Pack{p}, r.Facts())
			must(t, err)
			if !theirs.Due.Equal(mine.Due) || theirs.Row.ID != mine.Row.ID || !r.Due.Equal(mine.Due) || r.Row != mine.Row.Describe() {
				t.Errorf("due %v row %s from the facts, %v %s from the record", theirs.Due, theirs.Row.ID, mine.Due, mine.Row.ID)
			}
			if s := r.Facts().Subjects(); len(s) != 1 || s[0] != tc.subject {
				t.Errorf("subjects %v, want %s", s, tc.subject)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// A legal hold on a customer reference or a case covers a record the DSL
// knows only by its shared facts: that is why the reference and the cases
// are shared (Annex 2 3.4; a record under a hold is never disposed of).
func TestSharedFactsAreCoveredByHolds(t *testing.T) {
	p := defaultPack(t)
	now := testclock.Start()
	clock := &fakeClock{t: now}
	d := signedFactsDoc(p, now.AddDate(-30, 0, 0), Customer{Reference: "CUS-1", Age: 30})
	r, err := ShareRetentionFacts(clock, FactsSharer{ID: "sam", Author: true}, "facts-1", d, []*Pack{p})
	must(t, err)
	onCustomer, err := PlaceHold(clock, dsl, "hold-c", HoldCustomer, "cus-1", "Claim")
	must(t, err)
	onCase, err := PlaceHold(clock, dsl, "hold-k", HoldCase, "inc-9", "Police investigation")
	must(t, err)
	for _, h := range []HoldEvent{onCustomer, onCase} {
		items, errs := DueList([]*Pack{p}, []RetentionFacts{r.Facts()}, []Hold{{Placed: h}}, now)
		if len(errs) != 0 || len(items) != 1 {
			t.Fatal(errs)
		}
		if err := MayApproveDisposal(items[0], now); !errors.Is(err, ErrOnHold) {
			t.Errorf("Annex 2 3.4 a hold by %s does not block disposal of a record known by its facts: %v", h.Scope, err)
		}
	}
}

// The DSL's list: records it reads itself win over shared facts; of two
// shared for one record the later wins; a malformed one is said, not used;
// records without shared facts are found for sharing.
func TestMergeRetentionFacts(t *testing.T) {
	p := defaultPack(t)
	now := testclock.Start()
	clock := &fakeClock{t: now}
	share := func(id, rec string, by string, at time.Time, age int) RetentionFactsRecord {
		clock.t = at
		d := signedFactsDoc(p, now.AddDate(-1, 0, 0), Customer{Reference: "CUS-" + rec, Age: age})
		d.ID = rec
		r, err := ShareRetentionFacts(clock, FactsSharer{ID: by, Author: true}, id, d, []*Pack{p})
		must(t, err)
		return r
	}
	own := []RetentionFacts{{RecordID: "inc-1", Kind: RetainIncident, Made: now}}
	bad := share("f-bad", "ses-x", "sam", now, 20)
	bad.Made = time.Time{}
	shared := []RetentionFactsRecord{
		share("f-1", "ses-1", "sam", now, 15),
		share("f-2", "ses-1", "priya", now.Add(time.Hour), 16),
		share("f-own", "inc-1", "sam", now, 40),
		bad,
	}
	got, errs := MergeRetentionFacts(own, shared)
	if len(errs) != 1 || !errors.Is(errs[0], ErrFactsMalformed) || !strings.Contains(errs[0].Error(), "f-bad") {
		t.Errorf("Annex 2 3.4 malformed facts are said, not used: %v", errs)
	}
	if len(got) != 2 || got[0].RecordID != "inc-1" || got[0].Kind != RetainIncident || got[1].RecordID != "ses-1" || got[1].Customer.Age != 16 {
		t.Errorf("UK GDPR Art 5(1)(d) merged facts: %+v", got)
	}
	docs := []Document{signedFactsDoc(p, now, Customer{}), {ID: "ses-draft", State: Recorded}}
	docs[0].ID = "ses-2"
	have := map[string]bool{}
	for _, r := range shared {
		have[r.RecordID] = true
	}
	if m := MissingRetentionFacts(docs, have); len(m) != 1 || m[0].ID != "ses-2" {
		t.Errorf("Annex 2 3.4 records without facts: %+v", m)
	}
}
