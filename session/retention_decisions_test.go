package session

import (
	"errors"
	"strings"
	"testing"
	"time"

	"safeguard/companion/testclock"
)

// dueItems is a due list of three adults' session records two days past
// their date (one under a legal hold on its customer) and one not yet due.
func dueItems(t *testing.T) ([]DueItem, *fakeClock) {
	t.Helper()
	p := defaultPack(t)
	now := testclock.Start()
	clock := &fakeClock{t: now}
	r, ok := p.Retention.Row(RetainSessionRecord, SubjectAdult)
	if !ok {
		t.Fatal("no row for adults' session records")
	}
	today := dayOf(now, p.Location())
	f := func(id, ref string, made time.Time) RetentionFacts {
		return RetentionFacts{RecordID: id, Kind: RetainSessionRecord, PackID: p.ID, PackVersion: p.Version, Customer: Customer{Reference: ref, Age: 30}, Made: made}
	}
	records := []RetentionFacts{
		f("ses-a", "CUS-A", today.AddDate(-r.Years, 0, -2)),
		f("ses-b", "CUS-B", today.AddDate(-r.Years, 0, -2)),
		f("ses-held", "CUS-H", today.AddDate(-r.Years, 0, -2)),
		f("ses-new", "CUS-N", today.AddDate(0, 0, -2)),
	}
	h, err := PlaceHold(clock, dsl, "hold-h", HoldCustomer, "CUS-H", "Police investigation")
	must(t, err)
	items, errs := DueList([]*Pack{p}, records, []Hold{{Placed: h}}, now)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	return items, clock
}

func itemsByID(items []DueItem, ids ...string) []DueItem {
	var out []DueItem
	for _, id := range ids {
		for _, it := range items {
			if it.Facts.RecordID == id {
				out = append(out, it)
			}
		}
	}
	return out
}

func TestDecideRetentionBatch(t *testing.T) {
	items, clock := dueItems(t)
	now := clock.Now()
	later := now.AddDate(2, 0, 0)
	practitioner := Actor{ID: "key-prac"}
	cases := []struct {
		name      string
		by        Actor
		choice    RetentionChoice
		ids       []string
		reason    string
		until     time.Time
		wantField string
		wantWords string
		wantIDs   string
	}{
		{"UK GDPR Art 5(1)(e) two records past their date disposed of in one batch", dsl, ChoiceDispose, []string{"ses-a", "ses-b"}, "", time.Time{}, "", "", "ses-a,ses-b"},
		{"Annex 2 3.4 a held record is never disposed of, whatever is ticked with it", dsl, ChoiceDispose, []string{"ses-a", "ses-held"}, "", time.Time{}, "records", "ses-held (legal hold set by key-dsl", ""},
		{"UK GDPR Art 5(1)(e) a record not yet due is not disposed of", dsl, ChoiceDispose, []string{"ses-new"}, "", time.Time{}, "records", "ses-new (not yet due)", ""},
		{"nothing ticked", dsl, ChoiceDispose, nil, "", time.Time{}, "records", "Tick the records", ""},
		{"UK GDPR Art 5(2) an extension needs its reason", dsl, ChoiceExtend, []string{"ses-a"}, "  ", later, "reason", "Say why the records are kept longer", ""},
		{"an extension needs its date", dsl, ChoiceExtend, []string{"ses-a"}, "Complaint open", time.Time{}, "until", "until when", ""},
		{"an extension into the past", dsl, ChoiceExtend, []string{"ses-a"}, "Complaint open", now.AddDate(0, 0, -1), "until", "after today", ""},
		{"an extension earlier than the record's own date", dsl, ChoiceExtend, []string{"ses-new"}, "Complaint open", now.AddDate(0, 1, 0), "until", "no extension for: ses-new", ""},
		{"UK GDPR Art 5(1)(e) an extension for ever", dsl, ChoiceExtend, []string{"ses-a"}, "Complaint open", now.AddDate(200, 0, 0), "until", "within 100 years", ""},
		{"UK GDPR Art 5(2) a held record may be kept longer, with the reason", dsl, ChoiceExtend, []string{"ses-a", "ses-held"}, "Complaint open", later, "", "", "ses-a,ses-held"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := DecideRetention(clock, tc.by, "dec-1", tc.choice, itemsByID(items, tc.ids...), tc.reason, tc.until)
			if tc.wantField != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tc.wantField || !strings.Contains(fe.Message, tc.wantWords) {
					t.Fatalf("err = %v, want field %q saying %q", err, tc.wantField, tc.wantWords)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range d.Records {
				ids = append(ids, r.RecordID)
				if r.Made.IsZero() || r.Due.IsZero() || r.Kind != RetainSessionRecord || r.RowID == "" {
					t.Errorf("a decided record keeps its kind, dates and row: %+v", r)
				}
			}
			if strings.Join(ids, ",") != tc.wantIDs || d.By != dsl.ID || !d.At.Equal(now) || d.Choice != tc.choice {
				t.Errorf("decision %+v", d)
			}
		})
	}
	if _, err := DecideRetention(clock, practitioner, "dec-2", ChoiceDispose, itemsByID(items, "ses-a"), "", time.Time{}); !errors.Is(err, ErrSafeguardingOnly) {
		t.Errorf("Annex 1 only the DSL decides on disposal: %v", err)
	}
}

func TestMayApproveDisposal(t *testing.T) {
	items, clock := dueItems(t)
	now := clock.Now()
	cases := []struct {
		id   string
		want error
	}{
		{"ses-a", nil},
		{"ses-held", ErrOnHold},
		{"ses-new", ErrNotDue},
	}
	for _, tc := range cases {
		err := MayApproveDisposal(itemsByID(items, tc.id)[0], now)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.id, err, tc.want)
		}
	}
}

// Decisions put against the due list: an extension moves the date and the
// window; an approval is marked and not offered again; a decision by
// anyone but a DSL is ignored; a hold placed after an approval wins.
func TestApplyDecisions(t *testing.T) {
	items, clock := dueItems(t)
	now := clock.Now()
	until := now.AddDate(1, 0, 0)
	ext, err := DecideRetention(clock, dsl, "dec-ext", ChoiceExtend, itemsByID(items, "ses-b"), "Complaint open", until)
	must(t, err)
	disp, err := DecideRetention(clock, dsl, "dec-disp", ChoiceDispose, itemsByID(items, "ses-a"), "", time.Time{})
	must(t, err)
	forged := disp
	forged.ID, forged.Records = "dec-forged", []DecidedRecord{{RecordID: "ses-new"}}
	got, errs := ApplyDecisions(items, []SignedDecision{{ext, dsl.ID, true}, {disp, dsl.ID, true}, {forged, "key-prac", false}}, now, london)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "dec-forged") {
		t.Errorf("a decision signed by someone else is ignored and said: %v", errs)
	}
	b := itemsByID(got, "ses-b")[0]
	if !b.Due().Equal(until) || b.When != DueLater || b.Extension == nil || b.Extension.Reason != "Complaint open" {
		t.Errorf("UK GDPR Art 5(2) an extension moves the date, with its reason: %+v", b)
	}
	var order []string
	for _, it := range got {
		order = append(order, it.Facts.RecordID)
	}
	if strings.Join(order, ",") != "ses-a,ses-held,ses-b,ses-new" {
		t.Errorf("the extended record sorts by its new date: %v", order)
	}
	a := itemsByID(got, "ses-a")[0]
	if a.Disposal == nil || !errors.Is(MayApproveDisposal(a, now), ErrAlreadyApproved) || MayCarryOut(a) != nil {
		t.Errorf("an approved disposal is marked and not offered again: %+v", a)
	}
	if n := itemsByID(got, "ses-new")[0]; n.Disposal != nil {
		t.Error("a forged approval marks a record")
	}
	h, err := PlaceHold(clock, dsl, "hold-late", HoldRecord, "ses-a", "Claim notified after approval")
	must(t, err)
	a.Holds = []Hold{{Placed: h}}
	if err := MayCarryOut(a); !errors.Is(err, ErrOnHold) {
		t.Errorf("Annex 2 3.4 a hold placed after approval blocks disposal: %v", err)
	}
}
