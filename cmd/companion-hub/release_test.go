//go:build release

package main

import (
	"testing"

	"safeguard/companion/session"
)

// TestReleaseHubTakesNoClockSetting: a release hub runs on the computer's
// clock whatever COMPANION_CLOCK says (issue 14: no test-only shortcuts in
// release builds).
func TestReleaseHubTakesNoClockSetting(t *testing.T) {
	c, err := hubClock(func(k string) string {
		if k == session.ClockSetting {
			return "2030-01-01T00:00:00Z"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, shifted := c.(session.ShiftedClock); shifted {
		t.Fatal("a release hub took its clock from COMPANION_CLOCK")
	}
}
