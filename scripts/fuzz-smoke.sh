#!/usr/bin/env bash
# Usage: scripts/fuzz-smoke.sh GO TAGS FUZZTIME
#
# Fuzzes every fuzz target for FUZZTIME besides its seed corpus (which the
# unit tests run). A finding (the engine writes the failing input under
# testdata/fuzz) always fails the run. Go's engine can also stop with
# "context deadline exceeded" and no finding when the fuzz time ends while a
# worker is busy on a loaded machine: that target is fuzzed once more, and
# if it stops the same way again without a finding, that is said and not
# counted as a failure.
set -euo pipefail
go_cmd=${1:?go command}
tags=${2:?build tags}
fuzztime=${3:?fuzz time}
cd "$(dirname "$0")/.."

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for pkg in $(git ls-files --cached --others --exclude-standard -- '*_test.go' |
	xargs grep -l '^func Fuzz' | xargs -n1 dirname | sort -u); do
	for fn in $("$go_cmd" test -tags "$tags" -list '^Fuzz' "./$pkg" | grep '^Fuzz'); do
		for try in 1 2; do
			echo "fuzz-smoke: ./$pkg $fn for $fuzztime"
			if "$go_cmd" test -tags "$tags" -run '^$' -fuzz "^$fn\$" -fuzztime="$fuzztime" "./$pkg" >"$out" 2>&1; then
				tail -n 1 "$out"
				break
			fi
			cat "$out"
			if grep -q 'Failing input written' "$out"; then
				echo "fuzz-smoke: ./$pkg $fn found an input that fails: fix the parser, and keep the input in its seed corpus" >&2
				exit 1
			fi
			if [ "$try" -eq 2 ]; then
				echo "fuzz-smoke: ./$pkg $fn: the fuzzing engine stopped twice without a finding (see above); not counted as a failure" >&2
			fi
		done
	done
done
