#!/usr/bin/env bash
# Usage: scripts/with-wine.sh COMMAND [ARGS...]
#
# Runs COMMAND with a throwaway 64-bit Wine prefix ready for Windows Go
# binaries, then shuts its wineserver down and removes it (also on failure or
# Ctrl-C). The exit status is COMMAND's. With it, `go test -exec
# scripts/wine-exec.sh` runs Windows test binaries (see `make test-windows`).
#
# The prefix's Windows user is WINE_USER, by default "Siân Ørsted Ünal": a
# name with spaces and letters outside ASCII, so every path a test makes
# (%TEMP%, %LocalAppData%, %AppData%, t.TempDir()) has both. Wine 8 lacks
# bcryptprimitives.dll, which Go 1.24+ needs at start-up; a stand-in built
# from scripts/wine/bcryptprimitives.c is put in the prefix's system32.
#
# Needs: wine, wine64, gcc-mingw-w64-x86-64 (scripts/install-deps.sh windows).
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi
for tool in wine wineboot wineserver x86_64-w64-mingw32-gcc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$0: $tool not found: run scripts/install-deps.sh windows" >&2
		exit 1
	fi
done
here="$(cd "$(dirname "$0")" && pwd)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/companion-wine.XXXXXX")"
export WINEPREFIX="$tmp/prefix" WINEDEBUG=-all WINEARCH=win64
# No "install Mono/Gecko?" dialogs, and no desktop integration (menus, file
# associations) written into the real HOME.
export WINEDLLOVERRIDES="mscoree,mshtml,winemenubuilder.exe=d"
export USER="${WINE_USER:-Siân Ørsted Ünal}"
# Wine decodes the user name and every file name with the Unix locale: it
# must be a UTF-8 one that exists (C.UTF-8 always does on Debian; the
# Makefile's en_GB.UTF-8 may not be generated, which means ASCII).
export LC_ALL=C.UTF-8
# Wine runs as this Unix user; as root, Linux lets it write to files Windows
# would refuse (a read-only file): the tests that depend on that say so.
if [ "$(id -u)" -eq 0 ]; then export COMPANION_WINE_AS_ROOT=1; fi
cleanup() {
	wineserver -k >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wineboot says it "failed to open ...syswow64\rundll32.exe": that is the
# 32-bit half, which a 64-bit-only prefix does not have and Go does not need.
wineboot -i >"$tmp/wineboot.log" 2>&1 || {
	cat "$tmp/wineboot.log" >&2
	echo "$0: wineboot could not make a Wine prefix" >&2
	exit 1
}
wineserver -w
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	"$here/wine/bcryptprimitives.c" -lbcrypt
profile="$WINEPREFIX/drive_c/users/$USER"
if [ ! -d "$profile" ]; then
	echo "$0: Wine made no profile for the user \"$USER\" (expected $profile)" >&2
	exit 1
fi
echo "with-wine: Wine $(wine --version) prefix for Windows user \"$USER\" in $WINEPREFIX" >&2
"$@"
