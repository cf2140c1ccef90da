package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"safeguard/companion/records"
	"safeguard/companion/report"
	"safeguard/companion/seed"
	"safeguard/companion/session"
	"safeguard/companion/testclock"
)

var london, _ = time.LoadLocation("Europe/London")

func world(t testing.TB, from, until time.Time, perDay int) *seed.World {
	t.Helper()
	w, err := seed.Generate(context.Background(), seed.Config{Dir: t.TempDir(), From: from, Until: until, SessionsPerDay: perDay, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func openRecords(t testing.TB, w *seed.World, who string) *records.Index {
	t.Helper()
	entries, fails, err := w.Vaults[who].Open(context.Background(), nil)
	if err != nil || len(fails) > 0 {
		t.Fatalf("open %s: %v %v", who, err, fails)
	}
	r, errs := records.New(entries)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// Every version the generator seals extends the one before it.
	for _, it := range r.Refused {
		t.Fatalf("seeded incident version %s refused: %s", it.Entry.Header.ID, it.Refused)
	}
	return r
}

func TestQuarterBoundaries(t *testing.T) {
	cases := []struct {
		at   time.Time
		want report.Quarter
	}{
		{time.Date(2026, 3, 31, 23, 59, 0, 0, london), report.Quarter{2026, 1}},
		// 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
		{time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), report.Quarter{2026, 3}},
		{time.Date(2026, 12, 31, 23, 59, 0, 0, london), report.Quarter{2026, 4}},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, london), report.Quarter{2027, 1}},
	}
	for _, c := range cases {
		if got := report.QuarterOf(c.at, london); got != c.want {
			t.Errorf("QuarterOf(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	q := report.Quarter{2027, 1}
	if q.Prev() != (report.Quarter{2026, 4}) || q.Prev().Next() != q {
		t.Fatal("prev/next wrong across the year")
	}
	if q.Months() != "January to March 2027" {
		t.Fatal(q.Months())
	}
	if !q.Contains(q.Start(london), london) || q.Contains(q.End(london), london) {
		t.Fatal("a quarter holds its start and not its end")
	}
}

func key(q report.Quarter) string { return q.String()[3:] + "-Q" + q.String()[1:2] }

// TestFiguresMatchGenerator checks every figure against what the generator
// made: the session figures from the line manager's records, the incident
// figures from the DSL's (each reads only what is addressed to them).
func TestFiguresMatchGenerator(t *testing.T) {
	// Two full quarters before this one, and this one to date.
	until := testclock.Start()
	cur := report.QuarterOf(until, london)
	first := cur.Prev().Prev()
	from := first.Start(london)
	w := world(t, from, until, 3)
	mgr := openRecords(t, w, seed.Manager).Input(w.Pack)
	dsl := openRecords(t, w, seed.DSL).Input(w.Pack)
	if len(dsl.Sessions) != 0 {
		t.Fatalf("the DSL read %d session records not addressed to them", len(dsl.Sessions))
	}
	for _, q := range []report.Quarter{first, first.Next(), cur} {
		want := w.Quarters[key(q)]
		if want == nil && q == cur {
			want = &seed.Counts{} // this quarter may have only just begun
		} else if want == nil {
			t.Fatalf("generator made nothing in %v", q)
		}
		s := report.Build(mgr, q, london, until).Current
		i := report.Build(dsl, q, london, until).Current
		got := []int{s.Sessions, s.RiskAssessed, s.Mitigated, s.Consented, s.NoConsent, s.Overruns, s.Disclosures,
			i.Escalations, i.Acknowledged, i.AckLate, i.Referrals, i.CasesClosed}
		exp := []int{want.Sessions, want.RiskAssessed, want.Mitigated, want.Consented, want.NoConsent, want.Overruns, want.Disclosures,
			want.Escalations, want.Acknowledged, want.AckLate, want.Referrals, want.Closed}
		if !slices.Equal(got, exp) {
			t.Errorf("%v: got  %v\nwant %v", q, got, exp)
		}
		// The DSL reads no session record, yet reports the same session
		// figures, from the line manager's shared figures (policy 9.1); the
		// manager, who reads both her records and her own figures, counts
		// each session once.
		if len(dsl.Shared) == 0 {
			t.Fatal("the DSL has no shared session figures")
		}
		ds := i
		if d := []int{ds.Sessions, ds.RiskAssessed, ds.Mitigated, ds.Consented, ds.NoConsent, ds.Overruns, ds.Disclosures}; !slices.Equal(d, exp[:7]) {
			t.Errorf("%v: the DSL's session figures %v, want %v", q, d, exp[:7])
		}
		reasons := slices.Clone(want.OverrunReasons)
		slices.Sort(reasons)
		if !slices.Equal(s.OverrunReasons, reasons) || !slices.Equal(i.OverrunReasons, reasons) {
			t.Errorf("%v: overrun reasons differ", q)
		}
		for _, c := range i.ByCategory {
			if c.N != want.ByCategory[c.Key] {
				t.Errorf("%v: category %s = %d, want %d", q, c.Key, c.N, want.ByCategory[c.Key])
			}
		}
		for _, c := range i.ByType {
			if c.N != want.ByType[c.Key] {
				t.Errorf("%v: type %s = %d, want %d", q, c.Key, c.N, want.ByType[c.Key])
			}
			// The Board reads the pack's names, not ids.
			if ty, ok := w.Pack.IncidentType(c.Key); !ok || c.Label != ty.Label {
				t.Errorf("%v: type %s labelled %q", q, c.Key, c.Label)
			}
		}
		for _, c := range i.ByAgency {
			if c.N != want.ByAgency[c.Key] {
				t.Errorf("%v: agency %s = %d, want %d", q, c.Key, c.N, want.ByAgency[c.Key])
			}
		}
	}
	if i := report.Build(dsl, cur.Prev(), london, until).Current; i.Escalations == 0 || i.Referrals == 0 || i.CasesClosed == 0 {
		t.Errorf("the generator should make escalations, referrals and closures every quarter: %+v", i)
	}
	last := report.Build(dsl, cur, london, until).Current
	if last.CasesOpenAtEnd != w.OpenCases {
		t.Errorf("open cases = %d, want %d", last.CasesOpenAtEnd, w.OpenCases)
	}
}

func TestExports(t *testing.T) {
	// Last quarter, reported early in the quarter after it.
	q := report.QuarterOf(testclock.Start(), london).Prev()
	from := q.Prev().Start(london)
	until := q.End(london).Add(41 * time.Hour)
	w := world(t, from, until, 3)
	in := openRecords(t, w, seed.Manager).Input(w.Pack)
	in.Incidents = openRecords(t, w, seed.DSL).Input(w.Pack).Incidents
	rep := report.Build(in, q, london, until)
	rep.Organisation = w.Org.Directory.Org

	var c bytes.Buffer
	if err := rep.WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if rows[0][2] != q.String() || rows[1][1] != "Sessions held" || rows[1][2] != strconv.Itoa(rep.Current.Sessions) {
		t.Fatalf("csv head = %v %v", rows[0], rows[1])
	}

	var p bytes.Buffer
	if err := rep.WritePDF(&p); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(p.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	// Render it to PNG so a person can look at it (and the README shows it).
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm not installed")
	}
	pdf := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(pdf, p.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, filepath.Join(dir, "report-pdf-page1")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
}

func TestPercentAndHours(t *testing.T) {
	if report.Percent(1, 3) != "33%" || report.Percent(2, 3) != "67%" || report.Percent(0, 0) != "-" {
		t.Fatal("percent")
	}
	if report.Hours(45*time.Minute) != "45 min" || report.Hours(90*time.Minute) != "1.5 h" {
		t.Fatal("hours")
	}
	_ = session.AckWithin
}
