package testclock

import (
	"testing"
	"time"
)

func TestStartHonoursOverride(t *testing.T) {
	t.Setenv(EnvVar, "2028-02-29T23:30:00Z")
	want := time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC)
	if got := Start(); !got.Equal(want) {
		t.Fatalf("Start() = %v, want %v", got, want)
	}
	if !Overridden() {
		t.Fatal("Overridden() false with the variable set")
	}
	if d := Day(); !d.Equal(time.Date(2028, 2, 29, 0, 0, 0, 0, London)) {
		t.Errorf("Day() = %v", d)
	}
}

func TestMalformedOverrideStopsWithASentence(t *testing.T) {
	t.Setenv(EnvVar, "29/02/2028")
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("a malformed override was accepted")
		}
	}()
	Start()
}

func TestNextAndNextWorkday(t *testing.T) {
	leap := time.Date(2028, 2, 29, 23, 30, 0, 0, London) // a Tuesday
	cases := []struct {
		name string
		got  time.Time
		want time.Time
	}{
		{"next Tuesday is a week on", Next(leap, time.Tuesday, 10, 0), time.Date(2028, 3, 7, 10, 0, 0, 0, London)},
		{"next Wednesday crosses the leap day", Next(leap, time.Wednesday, 9, 0), time.Date(2028, 3, 1, 9, 0, 0, 0, London)},
		{"workday after a Friday is Monday", NextWorkday(time.Date(2028, 3, 3, 12, 0, 0, 0, London), 10, 0), time.Date(2028, 3, 6, 10, 0, 0, 0, London)},
		{"workday across the spring clock change", NextWorkday(time.Date(2030, 3, 29, 23, 0, 0, 0, London), 10, 0), time.Date(2030, 4, 1, 10, 0, 0, 0, London)},
	}
	for _, tc := range cases {
		if !tc.got.Equal(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestClockMovesOnlyWhenTold(t *testing.T) {
	c := At(time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC))
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(time.Date(2028, 3, 1, 0, 30, 0, 0, time.UTC)) {
		t.Fatalf("after an hour: %v", got)
	}
}

func TestRunningClockStartsWhereAsked(t *testing.T) {
	from := time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC)
	r := NewRunning(from)
	if got := r.Now(); got.Before(from) || got.Sub(from) > time.Minute {
		t.Fatalf("running clock at %v, want just after %v", got, from)
	}
}
