//go:build release

package buildmode

import "testing"

// TestReleaseHasNoTestHooks runs under the release tag (make test does so).
func TestReleaseHasNoTestHooks(t *testing.T) {
	if TestHooks {
		t.Fatal("a release build carries the test hooks")
	}
}
