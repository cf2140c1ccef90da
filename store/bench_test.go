package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"modernc.org/sqlite"

	"safeguard/companion/testclock"
)

// percentile returns the p-th percentile (0..100) of sorted durations, in
// milliseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return float64(sorted[i]) / float64(time.Millisecond)
}

// syncFloor measures the floor a durable save cannot beat: one 4 KB write
// and one fdatasync to a file in dir, n times, rewriting in place inside a
// preallocated file so that no size change adds metadata work.
func syncFloor(b *testing.B, dir string, n int) []time.Duration {
	b.Helper()
	f, err := os.CreateTemp(dir, "floor-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	const slots = 256
	block := make([]byte, 4096)
	rand.Read(block)
	if _, err := f.Write(make([]byte, 4096*slots)); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, n)
	for i := range n {
		t0 := testclock.NewStopwatch()
		if _, err := f.WriteAt(block, int64(i%slots)*4096); err != nil {
			b.Fatal(err)
		}
		if err := fdatasync(f); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, t0.Elapsed())
	}
	slices.Sort(lat)
	return lat
}

// BenchmarkPutEnvelope4K saves 4 KB envelopes one durable transaction each
// and reports the median and p99 latency beside the floor measured in the
// same run. Sub-benchmarks compare SQLite's default fsync with the driver's
// process-wide fdatasync switch, which the app may turn on at start-up.
func BenchmarkPutEnvelope4K(b *testing.B) {
	for _, mode := range []struct {
		name      string
		fdatasync bool
	}{{"fsync", false}, {"fdatasync", true}} {
		b.Run(mode.name, func(b *testing.B) {
			prev, err := sqlite.Fdatasync(mode.fdatasync)
			if err != nil {
				b.Skipf("driver fdatasync switch: %v", err)
			}
			defer sqlite.Fdatasync(prev)
			dir := b.TempDir()
			s, err := Open(filepath.Join(dir, DBFileName))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			body := make([]byte, 4096)
			rand.Read(body)
			header := make([]byte, 200)
			rand.Read(header)
			e := Envelope{Kind: "record", AuthorKey: "key-bench", Created: testclock.Start(), Header: header, Body: body}
			var lat []time.Duration
			i := 0
			for b.Loop() {
				e.ID = fmt.Sprintf("bench-%08d", i)
				i++
				t0 := testclock.NewStopwatch()
				if err := s.PutEnvelope(ctx, e); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, t0.Elapsed())
			}
			slices.Sort(lat)
			floor := syncFloor(b, dir, max(len(lat), 200))
			p50, p99 := percentile(lat, 50), percentile(lat, 99)
			f50, f99 := percentile(floor, 50), percentile(floor, 99)
			b.ReportMetric(p50, "p50-ms")
			b.ReportMetric(p99, "p99-ms")
			b.ReportMetric(f50, "floor-p50-ms")
			b.ReportMetric(f99, "floor-p99-ms")
			if f50 > 0 {
				b.ReportMetric(p50/f50, "x-floor")
			}
		})
	}
}

// fillEnvelopes writes n 4 KB envelopes in one transaction: set-up, not measured.
func fillEnvelopes(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	body := make([]byte, 4096)
	rand.Read(body)
	header := make([]byte, 200)
	rand.Read(header)
	err := s.write(ctx, "fill", func(tx *sql.Tx) error {
		for i := range n {
			e := Envelope{ID: fmt.Sprintf("list-%06d", i), Kind: "record", AuthorKey: "key-bench",
				Created: testclock.Start(), Header: header, Body: body}
			if err := s.putEnvelopeTx(ctx, tx, e, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListEnvelopes10k streams 10,000 envelopes of 4 KB (headers and
// bodies, as unlock needs them for decryption) and reports the time to the
// first screenful (50) and to the last, beside the floor of reading the
// database file from the page cache in the same run.
func BenchmarkListEnvelopes10k(b *testing.B) {
	const n = 10_000
	dir := b.TempDir()
	path := filepath.Join(dir, DBFileName)
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	fillEnvelopes(b, s, n)
	s.Close() // checkpoint into the main file, as after a restart
	s, err = Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var first, all []time.Duration
	for b.Loop() {
		t0 := testclock.NewStopwatch()
		count, bytes := 0, 0
		for e, err := range s.Envelopes(ctx, Filter{}) {
			if err != nil {
				b.Fatal(err)
			}
			count++
			bytes += len(e.Body) + len(e.Header)
			if count == 50 {
				first = append(first, t0.Elapsed())
			}
		}
		all = append(all, t0.Elapsed())
		if count != n {
			b.Fatalf("listed %d, want %d", count, n)
		}
	}
	slices.Sort(first)
	slices.Sort(all)
	var floor []time.Duration
	for range 5 {
		t0 := testclock.NewStopwatch()
		if _, err := os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
		floor = append(floor, t0.Elapsed())
	}
	slices.Sort(floor)
	b.ReportMetric(percentile(first, 50), "first50-ms")
	b.ReportMetric(percentile(all, 50), "all-ms")
	b.ReportMetric(percentile(floor, 50), "floor-readfile-ms")
}

// BenchmarkSaveRecord4K is the store's share of a durable save as the vault
// makes it: envelope, file key, outbox entry, draft removal and audit event
// in one transaction (SaveRecord), with the latency percentiles.
func BenchmarkSaveRecord4K(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	body := make([]byte, 8192)
	rand.Read(body)
	header := make([]byte, 700)
	rand.Read(header)
	fileKey := make([]byte, 64)
	rand.Read(fileKey)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("bench-%08d", i)
		i++
		e := Envelope{ID: id, Kind: "record", AuthorKey: "key-bench", Created: testclock.Start(), Header: header, Body: body, FileKey: fileKey}
		t0 := testclock.NewStopwatch()
		if err := s.SaveRecord(ctx, "draft-"+id, e, Event{Actor: "key-bench", Action: ActionSigned, SubjectID: id}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, t0.Elapsed())
	}
	slices.Sort(lat)
	b.ReportMetric(percentile(lat, 50), "p50-ms")
	b.ReportMetric(percentile(lat, 99), "p99-ms")
}
