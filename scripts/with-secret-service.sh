#!/bin/sh
# Run a command against a real, private Secret Service.
#
#   scripts/with-secret-service.sh go test ./crypto
#
# Starts a private D-Bus session (dbus-run-session), gives it a fresh,
# temporary HOME (a stale login keyring with another password can prompt and
# hang; see docs/ARCHITECTURE.md), starts gnome-keyring-daemon's secrets component
# unlocked with a throwaway password, exports COMPANION_SECRET_SERVICE=1 so
# the gated integration tests run, then runs the command. Everything is
# removed afterwards. Needs: dbus (dbus-run-session), gnome-keyring.
set -eu

if [ "$#" -eq 0 ]; then
	echo "usage: $0 command [args...]" >&2
	exit 2
fi

if [ -z "${_COMPANION_IN_PRIVATE_BUS:-}" ]; then
	for tool in dbus-run-session gnome-keyring-daemon; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "$0: $tool not found (install dbus and gnome-keyring)" >&2
			exit 1
		fi
	done
	_COMPANION_IN_PRIVATE_BUS=1 exec dbus-run-session -- "$0" "$@"
fi

# Inside the private bus from here on.
# Keep Go's caches and settings where they were: a new HOME would otherwise
# mean a cold build (minutes on a small machine).
if command -v go >/dev/null 2>&1; then
	GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE) GOPATH=$(go env GOPATH) GOENV=$(go env GOENV)
	export GOCACHE GOMODCACHE GOPATH GOENV
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/companion-keyring.XXXXXX")
keyring_pid=
cleanup() {
	if [ -n "$keyring_pid" ]; then kill "$keyring_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -m 700 "$tmp/home" "$tmp/run"
export HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/run"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"

# The daemon prints GNOME_KEYRING_CONTROL=... and GNOME_KEYRING_PID=...
env_lines=$(printf '%s' "companion-test-$$" |
	gnome-keyring-daemon --unlock --components=secrets --daemonize)
for line in $env_lines; do
	case "$line" in
	GNOME_KEYRING_CONTROL=* | GNOME_KEYRING_PID=*) export "$line" ;;
	esac
done
keyring_pid=${GNOME_KEYRING_PID:-}

export COMPANION_SECRET_SERVICE=1
"$@"
