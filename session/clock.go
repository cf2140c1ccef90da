package session

import (
	"fmt"
	"time"
)

// ClockSetting names the environment setting that starts a program's clock
// at another instant (RFC 3339), as if the computer's date had been set to it
// when the program started: for training and demonstrations on a chosen
// day, and for the test suite's runs "as if today were another day" (issue
// 12), where the app, the hub and the tests must agree on the date. It
// changes nothing a receiver trusts: the hub still refuses a request whose
// clock is off its own, and records carry the hub's receipt time.
const ClockSetting = "COMPANION_CLOCK"

// ShiftedClock is the wall clock moved by a fixed offset.
type ShiftedClock struct{ offset time.Duration }

// ShiftedTo is a clock that reads from now and runs on with real time.
func ShiftedTo(from time.Time) ShiftedClock { return ShiftedClock{offset: time.Until(from)} }

// Now is the wall clock plus the offset.
func (c ShiftedClock) Now() time.Time { return time.Now().Add(c.offset) }

// ClockFromSetting is the SystemClock for an empty setting, or a clock
// shifted to the instant it names.
func ClockFromSetting(v string) (Clock, error) {
	if v == "" {
		return SystemClock{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("%s=%q is not a date and time such as 2028-02-29T23:30:00Z: %w", ClockSetting, v, err)
	}
	return ShiftedTo(t), nil
}
