package records_test

import (
	"context"
	"testing"
	"time"

	"safeguard/companion/seed"
)

// world generates a fictional organisation's records from from to until.
func world(t testing.TB, from, until time.Time, perDay int) *seed.World {
	t.Helper()
	w, err := seed.Generate(context.Background(), seed.Config{Dir: t.TempDir(), From: from, Until: until, SessionsPerDay: perDay, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}
