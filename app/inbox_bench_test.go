package app

import (
	"context"
	"testing"
	"time"

	"safeguard/companion/report"
	"safeguard/companion/seed"
	"safeguard/companion/vault"
)

// BenchmarkInbox10k opens an inbox of 10,000 session records (plus their
// reviews) addressed to the line manager: the time until the first
// screenful is decoded for the list, the time until every record is
// verified, decrypted and searchable, and one search over all of them.
func BenchmarkInbox10k(b *testing.B) {
	w, err := seed.Generate(context.Background(), seed.Config{
		Dir: b.TempDir(), From: time.Date(2025, 11, 24, 0, 0, 0, 0, london), Until: time.Date(2026, 11, 24, 0, 0, 0, 0, london),
		SessionsPerDay: 39, Seed: 1,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	v := w.Vaults[seed.Manager]
	var first, all, search time.Duration
	var n, hits int
	for b.Loop() {
		start := time.Now()
		entries, _, err := v.Open(context.Background(), func(fs []vault.Entry) {
			recs, _ := report.NewRecords(fs)
			_ = filterInbox(recs, inboxQuery{Kind: kindRecordsIncidents}, start)
			first += time.Since(start)
		})
		if err != nil {
			b.Fatal(err)
		}
		recs, _ := report.NewRecords(entries)
		all += time.Since(start)
		s := time.Now()
		hits = len(filterInbox(recs, inboxQuery{Kind: kindRecordsIncidents, Text: "interview next week"}, start))
		search += time.Since(s)
		n = len(recs.Items)
	}
	runs := float64(b.N)
	b.ReportMetric(float64(first.Milliseconds())/runs, "ms-first-rows")
	b.ReportMetric(float64(all.Milliseconds())/runs, "ms-all-searchable")
	b.ReportMetric(float64(search.Microseconds())/runs/1000, "ms-search")
	b.ReportMetric(float64(n), "records")
	b.ReportMetric(float64(hits), "hits")
}
