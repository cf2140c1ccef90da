#!/usr/bin/env bash
# Usage: scripts/with-wine.sh scripts/test-windows.sh [go test flags]
#
# PKGS (space-separated, e.g. PKGS="./crypto ./store") narrows the packages;
# by default it is every package but app and cmd/companion.
#
# Runs the pure-Go packages' tests as Windows binaries (GOOS=windows,
# GOARCH=amd64, CGO_ENABLED=0) under Wine, through `go test -exec
# scripts/wine-exec.sh`. `make test-windows` runs it.
#
# One adjustment for Wine 8 (Debian 12), test binaries only: Go 1.26's
# os.RemoveAll deletes through NtSetInformationFile's
# FileDispositionInformationEx (Windows 10 1607 and later), which Wine 8 does
# not implement ("Invalid function"), so every t.TempDir() cleanup would fail.
# Go keeps a fallback for older Windows (FileDispositionInfo) and a switch
# that forces it, internal/syscall/windows.TestDeleteatFallback. A file added
# to each package through `go test -overlay` (nothing is written into the
# source tree) sets that switch; reaching an internal variable needs
# -ldflags=-checklinkname=0. The app and the MSI are built without either.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
if [ -z "${WINEPREFIX:-}" ]; then
	echo "$0: no WINEPREFIX: run it through scripts/with-wine.sh (make test-windows does)" >&2
	exit 2
fi

read -r -a pkgs <<<"${PKGS:-}"
if [ ${#pkgs[@]} -eq 0 ]; then
	# Everything but the two packages that need cgo (Fyne's OpenGL window):
	# app and cmd/companion. Their Windows build is `make windows`.
	mapfile -t pkgs < <(go list ./... | grep -vx -e 'safeguard/companion/app' -e 'safeguard/companion/cmd/companion')
fi

export GOOS=windows GOARCH=amd64 CGO_ENABLED=0
tmp="$(mktemp -d "${TMPDIR:-/tmp}/companion-wintest.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/fallback.go.in" <<'GO'
import _ "unsafe"

//go:linkname wineDeleteatFallback internal/syscall/windows.TestDeleteatFallback
var wineDeleteatFallback bool

func init() { wineDeleteatFallback = true }
GO
{
	printf '{"Replace":{'
	sep=""
	while IFS=$'\t' read -r dir name; do
		src="$tmp/$(echo "$dir" | tr '/ ' '__').go"
		{ echo "package $name"; echo; cat "$tmp/fallback.go.in"; } >"$src"
		printf '%s"%s/zz_wine_deleteat_windows_test.go":"%s"' "$sep" "$dir" "$src"
		sep=","
	done < <(go list -f '{{.Dir}}{{"\t"}}{{.Name}}' "${pkgs[@]}")
	printf '}}\n'
} >"$tmp/overlay.json"

# The whole verbose run goes to LOG; the terminal gets each package's
# result, every failure, and every skipped test with its stated reason, so
# that nothing is skipped silently.
log="${LOG:-$tmp/test-windows.log}"
mkdir -p "$(dirname "$log")"
status=0
go test -v -tags migrated_fynedo -overlay "$tmp/overlay.json" -ldflags=-checklinkname=0 \
	-exec "$here/wine-exec.sh" "$@" "${pkgs[@]}" >"$log" 2>&1 || status=$?
# go test -v names the test that each line of output belongs to in its
# "=== RUN/NAME/CONT" lines; the "--- SKIP/FAIL: Name" line comes after.
awk '
	/^=== (RUN|NAME|CONT) / { cur = $3; next }
	/^=== / { next }
	/^ *--- (SKIP|FAIL): / { name = $3; print; printf "%s", out[name]; next }
	/^ *--- PASS: / { next }
	/^(ok|FAIL|panic:|\?)[ \t]/ || /^FAIL$/ { print; delete out; cur = ""; next }
	/^# / || /^[^ ]+\.go:[0-9]+:/ { print; next } # a package that did not build
	/^    / && cur != "" { out[cur] = out[cur] $0 "\n" }
' "$log"
echo "test-windows: the whole verbose run is in $log" >&2
exit "$status"
