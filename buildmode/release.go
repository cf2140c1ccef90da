//go:build release

package buildmode

// TestHooks is false in a release build: no test-only shortcut exists.
const TestHooks = false
