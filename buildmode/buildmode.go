//go:build !release

// Package buildmode says whether this build carries the hooks that tests
// and demonstrations use: a cheaper scrypt for throwaway key files
// (COMPANION_TEST_FAST_SCRYPT) and a clock set to another day
// (COMPANION_CLOCK). Release builds (`make package`, built with the
// release tag) have none of them (issue 14).
package buildmode

// TestHooks is true outside release builds.
const TestHooks = true
