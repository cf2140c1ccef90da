#!/usr/bin/env bash
# Fails when a test reads the wall clock outside package testclock (issue 12).
#
# A test that mixes the wall clock with a fixed date passes until the day the
# date falls behind it, then fails on every machine at once. Tests take "now"
# from testclock (which honours COMPANION_TEST_NOW) and real elapsed time
# from testclock.Stopwatch. This checks _test.go files and the packages that
# exist only for tests (*test/ folders, such as sync/synctest).
set -euo pipefail
cd "$(dirname "$0")/.."

pattern='time\.(Now|Since|Until)\b|session\.SystemClock\b'
hits=$(
	{
		git ls-files --cached --others --exclude-standard -- '*_test.go'
		git ls-files --cached --others --exclude-standard -- '*test/*.go' ':!testclock/*'
	} | sort -u | xargs -r grep -nE "$pattern" -- || true
)
if [ -n "$hits" ]; then
	echo "These tests read the wall clock; take now from safeguard/companion/testclock instead" >&2
	echo "(testclock.Start, testclock.New, or testclock.NewStopwatch for real elapsed time):" >&2
	echo "$hits" >&2
	exit 1
fi
