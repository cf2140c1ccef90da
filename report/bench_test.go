package report_test

import (
	"context"
	"testing"
	"time"

	"safeguard/companion/report"
	"safeguard/companion/seed"
)

// BenchmarkQuarterlyReport builds the report over a year of records: the
// line manager's 10,000 session records with the DSL's incidents.
func BenchmarkQuarterlyReport(b *testing.B) {
	w := world(b, time.Date(2025, 11, 24, 0, 0, 0, 0, london), time.Date(2026, 11, 24, 0, 0, 0, 0, london), 39)
	in := records(b, w, seed.Manager).Input(w.Pack)
	in.Incidents = records(b, w, seed.DSL).Input(w.Pack).Incidents
	q := report.Quarter{Year: 2026, Q: 4}
	b.ResetTimer()
	for b.Loop() {
		r := report.Build(in, q, london, time.Now())
		if r.Current.Sessions == 0 {
			b.Fatal("no sessions")
		}
	}
	b.ReportMetric(float64(len(in.Sessions)), "sessions")
	b.ReportMetric(float64(len(in.Incidents)), "incidents")
	_ = context.Background()
}
