#!/usr/bin/env bash
# Usage: go test -exec scripts/wine-exec.sh ... (inside scripts/with-wine.sh)
#
# Runs a Windows binary (a test binary that `go test` cross-compiled with
# GOOS=windows) under wine64 and exits with its status.
set -euo pipefail
if [ -z "${WINEPREFIX:-}" ]; then
	echo "$0: no WINEPREFIX: run through scripts/with-wine.sh (see make test-windows)" >&2
	exit 2
fi
exec wine "$@"
