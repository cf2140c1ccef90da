package client

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"safeguard/companion/crypto"
	"safeguard/companion/sync/internal/workers"
	"safeguard/companion/sync/synctest"
	"safeguard/companion/testclock"
	"safeguard/companion/vault"
)

// scaleRecords is how many records the organisation-scale benchmarks use
// (issue 18: 100,000); BENCH_SCALE_RECORDS changes it.
func scaleRecords(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("BENCH_SCALE_RECORDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1000 {
			b.Fatalf("BENCH_SCALE_RECORDS=%q: want a number of at least 1000", s)
		}
		n = v
	}
	return n
}

// sealKind makes n real ~4 KB envelopes of one kind by person, on all cores.
func sealKind(b *testing.B, org *synctest.Org, person string, kind crypto.Kind, n int) [][]byte {
	out := make([][]byte, n)
	body := make([]byte, 3900)
	workers.Each(n, 256, func(i int) {
		out[i] = org.Seal(b, person, fmt.Sprintf("scale-%07d", i), kind, body)
	})
	return out
}

// BenchmarkNewDSLDeviceScale is issue 18's new DSL device: it pulls,
// verifies and remembers 100,000 records (incidents, addressed to the DSL)
// from a hub on SQLite: the engine's pull (receipts, hashes, signatures,
// the store), then vault.RememberKeys (each record's key unwrapped, its
// signature checked, its file key remembered and its search index row
// made). The floor, measured in the same run, is the same opens on both
// cores and nothing else: crypto.Open of each envelope by the DSL's
// identity. Meanwhile a goroutine standing in for the UI wakes every 4 ms;
// its worst lateness is reported (the target: no UI work over 16 ms).
func BenchmarkNewDSLDeviceScale(b *testing.B) {
	n := scaleRecords(b)
	ctx := context.Background()
	b.StopTimer()
	org := synctest.NewOrg(b)
	sw := testclock.NewStopwatch()
	envs := sealKind(b, org, "alice", crypto.KindIncident, n)
	b.Logf("sealed %d envelopes in %v", n, sw.Elapsed().Round(time.Millisecond))
	be := synctest.Backends()[0] // SQLite: the hub a small team runs
	h := synctest.StartHub(b, be.Open(b), org, nil)
	alice := newDevice(b, org, h, "alice", nil, nil, h.URL)
	sw = testclock.NewStopwatch()
	pushAllRaw(b, alice.eng.c, alice.hubKey, envs, 500)
	b.Logf("pushed them in %v", sw.Elapsed().Round(time.Millisecond))
	dana := org.People["dana"]
	var total, pull, remember, floor time.Duration
	var late time.Duration
	for b.Loop() {
		b.StopTimer()
		d := newDevice(b, org, h, "dana", nil, nil, h.URL)
		v := vault.New(d.st, dana, org.Dir, testclock.NewRunning(synctest.Epoch))
		runtime.GC()
		stop := make(chan struct{})
		lateness := make(chan time.Duration)
		go uiStandIn(stop, lateness)
		b.StartTimer()
		start := testclock.NewStopwatch()
		if err := d.eng.SyncNow(ctx); err != nil {
			b.Fatal(err)
		}
		pull += start.Elapsed()
		mid := testclock.NewStopwatch()
		got, err := v.RememberKeys(ctx)
		if err != nil {
			b.Fatal(err)
		}
		remember += mid.Elapsed()
		total += start.Elapsed()
		b.StopTimer()
		close(stop)
		late = max(late, <-lateness)
		if got != n {
			b.Fatalf("remembered %d keys of %d", got, n)
		}
		floor += openFloor(b, envs, org.Dir, dana)
		b.StartTimer()
	}
	runs := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / runs }
	b.ReportMetric(ms(total)/1000, "s-device")
	b.ReportMetric(ms(pull)/1000, "s-pull")
	b.ReportMetric(ms(remember)/1000, "s-remember")
	b.ReportMetric(ms(floor)/1000, "s-floor")
	b.ReportMetric(float64(total)/float64(floor), "x-floor")
	b.ReportMetric(float64(late.Microseconds())/1000, "ms-ui-worst-late")
	b.Logf("SCALE | %-34s | %10.2f | target %8.2f | floor %8.2f | %s", "new DSL device, x its floor", float64(total)/float64(floor), 1.5, ms(floor)/1000, verdict(float64(total)/float64(floor), 1.5))
	b.Logf("SCALE | %-34s | %10.2f | target %8.2f | floor %8s | %s", "  UI stand-in worst lateness (ms)", float64(late.Microseconds())/1000, 16.0, "-", verdict(float64(late.Microseconds())/1000, 16))
}

func verdict(got, target float64) string {
	if got > target {
		return "MISSES"
	}
	return "meets"
}

// uiStandIn wakes every 4 ms until stop closes, and then sends how late
// its latest wake-up was at worst: what a UI goroutine would have waited.
func uiStandIn(stop <-chan struct{}, lateness chan<- time.Duration) {
	const tick = 4 * time.Millisecond
	var worst time.Duration
	for {
		sw := testclock.NewStopwatch()
		select {
		case <-stop:
			lateness <- worst
			return
		case <-time.After(tick):
			worst = max(worst, sw.Elapsed()-tick)
		}
	}
}

// openFloor opens every envelope with crypto.Open by reader, on both
// cores, and nothing else.
func openFloor(b *testing.B, envs [][]byte, dir *crypto.Directory, reader *crypto.Identity) time.Duration {
	start := testclock.NewStopwatch()
	var mu sync.Mutex
	var firstErr error
	workers.Each(len(envs), 256, func(i int) {
		if _, err := crypto.Open(envs[i], dir, reader); err != nil {
			mu.Lock()
			firstErr = err
			mu.Unlock()
		}
	})
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return start.Elapsed()
}
