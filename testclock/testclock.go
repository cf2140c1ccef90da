// Package testclock is the one place tests take "now" from.
//
// A test that mixes the wall clock with a fixed date passes until the day the
// fixed date falls behind the wall clock (issue 12). So every test starts from
// Start: the instant named by COMPANION_TEST_NOW when it is set, otherwise the
// wall clock. Dates a test needs are derived from that instant (Clock, Day,
// Next), never written as literals beside time.Now().
//
// Real elapsed time (timeouts, polling a real binary, benchmarks) comes from a
// Stopwatch, which hands out durations and never a date, so it cannot be mixed
// with one.
//
// `make vet` refuses a _test.go file that calls time.Now (scripts/check-test-clock.sh).
package testclock

import (
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// EnvVar names the override: an RFC 3339 instant the suite treats as now,
// for example COMPANION_TEST_NOW=2028-02-29T23:30:00Z.
const EnvVar = "COMPANION_TEST_NOW"

// London is the organisation's time zone: working hours, "today" and report
// quarters are London's.
var London = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("testclock: time zone %s: %v (install tzdata)", name, err))
	}
	return loc
}

// Start is the instant the test treats as now: COMPANION_TEST_NOW when set,
// the wall clock otherwise. A malformed override stops the test run with a
// sentence saying what to write, rather than silently using the wall clock.
func Start() time.Time {
	if v := os.Getenv(EnvVar); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			panic(fmt.Sprintf("testclock: %s=%q is not an RFC 3339 instant such as 2028-02-29T23:30:00Z: %v", EnvVar, v, err))
		}
		return t
	}
	// Whole seconds, in UTC, without the monotonic reading: an instant like
	// the override's, which survives a round trip through a database or a
	// wire format unchanged and compares equal afterwards.
	return time.Now().UTC().Truncate(time.Second)
}

// Overridden says whether the suite runs as if today were another day.
func Overridden() bool { return os.Getenv(EnvVar) != "" }

// Day is midnight, London time, at the start of the day Start falls on.
func Day() time.Time {
	s := Start().In(London)
	return time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, London)
}

// Next returns the first day strictly after the day of from (London time)
// that falls on weekday, at hour:minute London time. Tests that need "a
// Wednesday morning" or "next Thursday at 10:00" use it, so that working-hours
// rules see the weekday they expect whatever the date.
func Next(from time.Time, weekday time.Weekday, hour, minute int) time.Time {
	f := from.In(London)
	d := time.Date(f.Year(), f.Month(), f.Day(), hour, minute, 0, 0, London)
	d = d.AddDate(0, 0, 1)
	for d.Weekday() != weekday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// NextWorkday is the first Monday to Friday strictly after the day of from
// (London time), at hour:minute London time: "the next working day at 10:00".
func NextWorkday(from time.Time, hour, minute int) time.Time {
	f := from.In(London)
	d := time.Date(f.Year(), f.Month(), f.Day(), hour, minute, 0, 0, London).AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// Clock is a clock the test moves by hand; it satisfies session.Clock and
// every other Now() time.Time interface. It is safe for concurrent use, since
// app tests read it from Fyne's goroutines.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New is a Clock at Start().
func New() *Clock { return At(Start()) }

// At is a Clock at t, an instant the test derived from Start().
func At(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's current instant.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Running is a clock that starts at Start() and moves with real elapsed
// time, for tests where timers run for real (a hub on loopback, the app's
// autosave) and dates must still be the suite's "today".
type Running struct {
	start time.Time
	watch Stopwatch
}

// NewRunning starts a Running clock at from.
func NewRunning(from time.Time) *Running {
	return &Running{start: from, watch: NewStopwatch()}
}

// Now is the start plus the real time elapsed since.
func (r *Running) Now() time.Time { return r.start.Add(r.watch.Elapsed()) }

// Stopwatch measures real elapsed time for timeouts, polling and benchmarks.
// It gives durations, never dates.
type Stopwatch struct{ t0 time.Time }

// NewStopwatch starts a stopwatch.
func NewStopwatch() Stopwatch { return Stopwatch{t0: time.Now()} }

// Elapsed is the real time since the stopwatch started (monotonic).
func (s Stopwatch) Elapsed() time.Duration { return time.Since(s.t0) }

// Within reports whether less than d has passed: the condition of a polling
// loop that waits for something real (a window, a server) for at most d.
func (s Stopwatch) Within(d time.Duration) bool { return s.Elapsed() < d }

// ModifiedSince reports whether a file was written after the stopwatch
// started. File times come from the computer's wall clock, whatever day the
// suite runs as, so this is the one comparison of a stopwatch with a date.
func (s Stopwatch) ModifiedSince(fi fs.FileInfo) bool {
	return !fi.ModTime().Before(s.t0.Truncate(time.Second))
}
