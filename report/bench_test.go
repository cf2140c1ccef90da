package report_test

import (
	"context"
	"testing"

	"safeguard/companion/report"
	"safeguard/companion/seed"
	"safeguard/companion/testclock"
)

// BenchmarkQuarterlyReport builds the report over a year of records: the
// line manager's 10,000 session records with the DSL's incidents.
func BenchmarkQuarterlyReport(b *testing.B) {
	until := testclock.Day()
	w := world(b, until.AddDate(-1, 0, 0), until, 39)
	in := openRecords(b, w, seed.Manager).Input(w.Pack)
	in.Incidents = openRecords(b, w, seed.DSL).Input(w.Pack).Incidents
	q := report.QuarterOf(until, london)
	b.ResetTimer()
	for b.Loop() {
		r := report.Build(in, q, london, until)
		if r.Current.Sessions == 0 {
			b.Fatal("no sessions")
		}
	}
	b.ReportMetric(float64(len(in.Sessions)), "sessions")
	b.ReportMetric(float64(len(in.Incidents)), "incidents")
	_ = context.Background()
}
