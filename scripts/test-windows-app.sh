#!/usr/bin/env bash
# Usage: scripts/with-wine.sh xvfb-run -a -s "-screen 0 1280x800x24" scripts/test-windows-app.sh MSI [SCREENSHOT.png [ERROR_SCREENSHOT.png]]
#
# The Windows installer and app, end to end under Wine (`make test-windows-app`):
#  1. installs MSI silently as ICT would (msiexec /i ... /qn): the program in
#     C:\Program Files\Safeguard Companion, a Start menu shortcut;
#  2. starts the installed companion.exe as the prefix's user ("Siân Ørsted
#     Ünal"), waits for its window and saves a screenshot;
#  3. checks that what it made is under that user's profile
#     (%LocalAppData%\safeguard-companion), nothing beside the program;
#  4. starts a second copy, which must refuse at once with its sentence; then
#     another as Explorer or the Start menu would, with no console nor any
#     standard error (scripts/wine/noconsole.c): it must say the same in a
#     message box (cmd/companion/starterror_windows.go) and end with status 1
#     once OK is pressed; and one whose data folder cannot be made, the same;
#  5. removes the program silently (msiexec /x ... /qn): program and shortcut
#     gone, the user's data kept.
# Prints one line per check and exits non-zero at the first that fails.
set -euo pipefail
msi="${1:?usage: $0 MSI [SCREENSHOT.png [ERROR_SCREENSHOT.png]]}"
shot="${2:-}"
errshot="${3:-}"
if [ -z "${WINEPREFIX:-}" ] || [ -z "${DISPLAY:-}" ]; then
	echo "$0: needs WINEPREFIX and DISPLAY: run it through scripts/with-wine.sh and xvfb-run (make test-windows-app does)" >&2
	exit 2
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/companion-winapp.XXXXXX")"
first=""
cleanup() {
	if [ -n "$first" ]; then kill "$first" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pass() { echo "ok:   $*"; }

c="$WINEPREFIX/drive_c"
program="$c/Program Files/Safeguard Companion"
profile="$c/users/$USER"
shortcut="$c/ProgramData/Microsoft/Windows/Start Menu/Programs/Safeguard Companion.lnk"
user_shortcut="$profile/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Safeguard Companion.lnk"
data="$profile/AppData/Local/safeguard-companion"
exe='C:\Program Files\Safeguard Companion\companion.exe'

# 1. Silent install.
cp "$msi" "$tmp/companion.msi"
if ! wine msiexec /i "$(winepath -w "$tmp/companion.msi")" /qn /l*v "$(winepath -w "$tmp/install.log")" >"$tmp/install.out" 2>&1; then
	cat "$tmp/install.out" >&2
	fail "msiexec /i /qn did not install"
fi
[ -f "$program/companion.exe" ] || fail "no companion.exe in $program"
pass "msiexec /i /qn installed C:\\Program Files\\Safeguard Companion\\companion.exe ($(du -k "$program/companion.exe" | cut -f1) KB)"
grep -aq "Property(S): ALLUSERS = 1" "$tmp/install.log" || fail "the install was not per machine (no ALLUSERS = 1 in the log)"
if [ -f "$shortcut" ]; then
	pass "per machine (ALLUSERS = 1): the shortcut is in every user's Start menu"
elif [ -f "$user_shortcut" ] && grep -aqF "Property(S): ProgramMenuFolder = C:\\users\\" "$tmp/install.log"; then
	# Windows points ProgramMenuFolder at the All Users Start menu when
	# ALLUSERS is 1; Wine 8's msiexec leaves it at the installing user's.
	pass "per machine (ALLUSERS = 1); Wine's msiexec puts ProgramMenuFolder, so the shortcut, in the installing user's Start menu (Windows puts it in All Users')"
else
	fail "no Start menu shortcut at $shortcut or $user_shortcut"
fi

# 2. The installed app opens its window.
wine "$exe" >"$tmp/first.out" 2>&1 &
first=$!
wid=""
for _ in $(seq 1 120); do
	wid=$(xdotool search --name '^Safeguard Companion' 2>/dev/null | head -1 || true)
	[ -n "$wid" ] && break
	kill -0 "$first" 2>/dev/null || { cat "$tmp/first.out" >&2; fail "the app ended before opening its window"; }
	sleep 0.5
done
[ -n "$wid" ] || { cat "$tmp/first.out" >&2; fail "no window within 60 s"; }
pass "the installed app opened its window \"$(xdotool getwindowname "$wid")\""
sleep 3 # let it draw the first screen
if [ -n "$shot" ]; then
	mkdir -p "$(dirname "$shot")"
	import -window "$wid" "$shot"
	pass "screenshot: $shot"
fi

# 3. Where it keeps things: under the user's profile, nothing beside the program.
[ -f "$data/companion.lock" ] || fail "no data folder at $data (looked for its companion.lock)"
pass "its data folder is in the user's profile: C:\\users\\$USER\\AppData\\Local\\safeguard-companion"
extra=$(find "$program" -mindepth 1 ! -name companion.exe | head -5)
[ -z "$extra" ] || fail "files beside the program: $extra"
pass "nothing written beside the program"

# 4. A second copy on the same data refuses with a sentence.
set +e
timeout 60 wine "$exe" >"$tmp/second.out" 2>&1
rc=$?
set -e
said=$(tr -d '\r' <"$tmp/second.out" | grep -m1 "already open" || true)
[ "$rc" -eq 1 ] && [ -n "$said" ] || { cat "$tmp/second.out" >&2; fail "the second copy ended with status $rc"; }
pass "a second copy refused (exit status 1): $said"
# The same from the Start menu: no console, no standard error. The sentence
# can only reach the person through a message box.
x86_64-w64-mingw32-gcc -O2 -municode -o "$tmp/noconsole.exe" "$(dirname "$0")/wine/noconsole.c"
set +e
timeout 120 wine "$tmp/noconsole.exe" "$exe" 3000 >"$tmp/nocons.out" 2>"$tmp/nocons.err" &
nocons=$!
set -e
for _ in $(seq 1 100); do
	grep -q '^text: ' "$tmp/nocons.out" 2>/dev/null && break
	kill -0 "$nocons" 2>/dev/null || break
	sleep 0.3
done
if [ -n "$errshot" ] && grep -q '^text: ' "$tmp/nocons.out"; then
	mkdir -p "$(dirname "$errshot")"
	import -window root "$errshot"
	pass "screenshot of the message box: $errshot"
fi
set +e
wait "$nocons"
rc=$?
set -e
boxed=$(tr -d '\r' <"$tmp/nocons.out")
title=$(sed -n 's/^title: //p' <<<"$boxed")
text=$(sed -n 's/^text: //p' <<<"$boxed")
[ "$rc" -eq 1 ] && [ "$title" = "Safeguard Companion" ] && [[ "$text" == "Safeguard Companion cannot start: "*"already open"* ]] ||
	{ cat "$tmp/nocons.out" "$tmp/nocons.err" >&2; fail "started with no console, the second copy ended with status $rc and no message box saying why"; }
pass "started with no console (as from the Start menu), a second copy said it in a message box \"$title\" and ended with status 1 after OK: $text"
# Another start-up error with no console: a data folder that cannot be made
# (here a file stands where the folder should be, in COMPANION_HOME).
blocked="$profile/Blocked home"
mkdir -p "$blocked" && echo "not a folder" >"$blocked/data"
set +e
COMPANION_HOME="$(winepath -w "$blocked")" timeout 120 wine "$tmp/noconsole.exe" "$exe" >"$tmp/blocked.out" 2>&1
rc=$?
set -e
text=$(tr -d '\r' <"$tmp/blocked.out" | sed -n 's/^text: //p')
[ "$rc" -eq 1 ] && [[ "$text" == "Safeguard Companion cannot start: create the data folder: "* ]] ||
	{ cat "$tmp/blocked.out" >&2; fail "with a data folder it cannot make and no console, it ended with status $rc and no message box saying why"; }
pass "with a data folder it cannot make and no console, it said so in a message box and ended with status 1: $text"
rm -rf "$blocked"
kill -0 "$first" 2>/dev/null || fail "the first copy is gone"
pass "the first copy is still running"
kill "$first"
wait "$first" 2>/dev/null || true
first=""
wineserver -w

# 5. Silent removal keeps the user's data.
if ! wine msiexec /x "$(winepath -w "$tmp/companion.msi")" /qn >"$tmp/remove.out" 2>&1; then
	cat "$tmp/remove.out" >&2
	fail "msiexec /x /qn did not remove it"
fi
[ ! -e "$program/companion.exe" ] || fail "companion.exe still there after removal"
[ ! -e "$shortcut" ] && [ ! -e "$user_shortcut" ] || fail "the Start menu shortcut is still there after removal"
[ -d "$data" ] || fail "removal deleted the user's data"
pass "msiexec /x /qn removed the program and shortcut, and kept the user's data"
