package records

import (
	"encoding/json"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/report"
	"safeguard/companion/vault"
)

func figuresEntry(t *testing.T, id, author string, c report.Contribution) vault.Entry {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return vault.Entry{Header: crypto.Header{ID: id, Kind: crypto.KindFigures, Created: c.SentAt},
		Author: &crypto.Person{ID: author}, Body: b}
}

// Shared figures (policy 9.1): each manager's latest figures for a quarter
// stand for it, a session shared by two managers counts once, facts outside
// the figures' quarter are not counted, and figures in another format are
// refused, never guessed at.
func TestSharedFigures(t *testing.T) {
	q3 := report.Quarter{Year: 2026, Q: 3}
	in := func(d int) time.Time { return time.Date(2026, 8, d, 10, 0, 0, 0, time.UTC) }
	fact := func(id string, start time.Time, overrun bool) report.SessionFacts {
		return report.SessionFacts{ID: id, Start: start, Consented: true, Overrun: overrun}
	}
	early := report.Contribution{Year: 2026, Q: 3, SentAt: in(20), Version: 1, Facts: []report.SessionFacts{fact("s1", in(1), false)}}
	late := report.Contribution{Year: 2026, Q: 3, SentAt: in(25), Version: 1, Facts: []report.SessionFacts{
		fact("s1", in(1), false), fact("s2", in(2), true),
		fact("s9", time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), false), // Q2: not this figures' quarter
	}}
	other := report.Contribution{Year: 2026, Q: 3, SentAt: in(21), Version: 1, Facts: []report.SessionFacts{fact("s2", in(2), true), fact("s3", in(3), false)}}
	recs, errs := New([]vault.Entry{
		figuresEntry(t, "f1", "priya", early),
		figuresEntry(t, "f2", "priya", late),
		figuresEntry(t, "f3", "omar", other),
		figuresEntry(t, "f4", "omar", report.Contribution{Year: 2026, Q: 3, SentAt: in(22), Version: 2}),
		figuresEntry(t, "f5", "omar", report.Contribution{Year: 2026, Q: 7, SentAt: in(22), Version: 1}),
	})
	if len(errs) != 2 {
		t.Fatalf("%d refused, want the two malformed figures: %v", len(errs), errs)
	}
	input := recs.Input(nil)
	if got := input.SharedOnly(); got != 3 {
		t.Errorf("shared sessions = %d, want 3 (s1, s2, s3; s9 is outside the figures' quarter)", got)
	}
	f := report.Build(input, q3, time.UTC, in(30)).Current
	if f.Sessions != 3 || f.Overruns != 1 || f.Consented != 3 {
		t.Errorf("Q3 from shared figures: %d sessions, %d overruns, %d consented; want 3, 1, 3", f.Sessions, f.Overruns, f.Consented)
	}
	if q2 := report.Build(input, q3.Prev(), time.UTC, in(30)).Current; q2.Sessions != 0 {
		t.Errorf("Q2 counted %d sessions from Q3's figures", q2.Sessions)
	}
}

// FuzzSharedFigures: a manager's figures come from another person's device.
// Whatever their bytes, decoding and building the report must not panic; a
// refused record adds nothing; an accepted one counts no more sessions in
// its quarter than it holds facts for.
//
//	go test -run '^$' -fuzz FuzzSharedFigures -fuzztime 60s ./report
func FuzzSharedFigures(f *testing.F) {
	in := time.Date(2026, 8, 3, 10, 0, 0, 0, time.UTC)
	good, _ := json.Marshal(report.Contribution{Year: 2026, Q: 3, SentAt: in, Version: 1,
		Facts: []report.SessionFacts{{ID: "s1", Start: in, RiskAssessed: true, Consented: true, Overrun: true, OverrunReason: "r"}}})
	f.Add(good)
	f.Add([]byte(`{"v":1,"year":2026,"quarter":3,"sessions":[]}`))
	f.Add([]byte(`{"v":2}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e := vault.Entry{Header: crypto.Header{ID: "fig-1", Kind: crypto.KindFigures, Created: in}, Author: &crypto.Person{ID: "priya"}, Body: body}
		recs, errs := New([]vault.Entry{e})
		input := recs.Input(nil)
		if len(errs) > 0 {
			if len(input.Shared) != 0 {
				t.Fatal("a refused record added figures")
			}
			return
		}
		c := recs.Items[0].Figures
		if c == nil {
			t.Fatal("an accepted figures record has no figures")
		}
		if n := report.Build(input, c.Quarter(), time.UTC, in).Current.Sessions; n > len(c.Facts) {
			t.Fatalf("%d sessions counted from %d facts", n, len(c.Facts))
		}
	})
}
