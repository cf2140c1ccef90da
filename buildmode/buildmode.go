//go:build !release

// Package buildmode says whether this build carries the hooks that tests
// and demonstrations use: a cheaper scrypt for throwaway key files
// (COMPANION_TEST_FAST_SCRYPT), key files instead of the keyring for the
// demo homes seed-demo makes (COMPANION_TEST_KEY_FILES), a clock set to
// another day (COMPANION_CLOCK), and, in package app, the test driver's
// callback queue and a cheaper lock verifier. Release builds (`make
// package`, built with the release tag) have none of them (issue 14).
package buildmode

// TestHooks is true outside release builds.
const TestHooks = true
