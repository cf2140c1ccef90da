#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
#
# Starts a throwaway PostgreSQL cluster, exports COMPANION_TEST_PG_URL for
# COMMAND, runs it, then stops and removes the cluster (also on failure or
# Ctrl-C). The exit status is COMMAND's.
#
# Needs root (initdb runs as the postgres user in a temporary directory) and
# PostgreSQL installed under /usr/lib/postgresql/*/bin. Without either it
# says why in one line, and runs COMMAND anyway: the PostgreSQL tests then
# skip themselves with a stated reason.
#
# Example: scripts/with-postgres.sh go test ./sync/...
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi

bindir=""
for d in /usr/lib/postgresql/*/bin; do
	if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bindir="$d"; fi
done

if [ "$(id -u)" -ne 0 ]; then
	reason="not running as root, so no throwaway PostgreSQL cluster can be made"
	echo "with-postgres: $reason; the PostgreSQL tests will be skipped (COMPANION_TEST_PG_URL is not set)." >&2
	exec "$@"
fi
if [ -z "$bindir" ]; then
	echo "with-postgres: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); the PostgreSQL tests will be skipped (COMPANION_TEST_PG_URL is not set)." >&2
	exec "$@"
fi
if ! id postgres >/dev/null 2>&1; then
	echo "with-postgres: there is no postgres user to run the cluster as; the PostgreSQL tests will be skipped (COMPANION_TEST_PG_URL is not set)." >&2
	exec "$@"
fi

tmp="$(mktemp -d /tmp/companion-pg.XXXXXX)"
chown postgres: "$tmp"
chmod 700 "$tmp"
data="$tmp/data"
# A port from the ephemeral range that nothing listens on now.
port=""
for _ in $(seq 1 50); do
	p=$(( 20000 + RANDOM % 20000 ))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port="$p"; break; fi
done
if [ -z "$port" ]; then
	rm -rf "$tmp"
	echo "with-postgres: found no free port for PostgreSQL; the PostgreSQL tests will be skipped." >&2
	exec "$@"
fi

as_pg() { su postgres -s /bin/sh -c "$1"; }

cleanup() {
	as_pg "'$bindir/pg_ctl' -D '$data' -m immediate -w stop" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_pg "'$bindir/initdb' -D '$data' -A trust -U postgres -E UTF8 --no-locale" >"$tmp/initdb.log" 2>&1 || {
	cat "$tmp/initdb.log" >&2
	echo "with-postgres: initdb failed (log above)." >&2
	exit 1
}
# Tests run without fsync, for speed; benchmarks (PG_DURABLE=1, as make
# bench sets) keep PostgreSQL's defaults, so a commit is durable as the
# hub's receipts promise (issue 7: figures "with durability on").
durability="-c fsync=off" fsync_state=off
if [ "${PG_DURABLE:-}" = 1 ]; then
	durability="" fsync_state=on
fi
as_pg "'$bindir/pg_ctl' -D '$data' -w -t 30 -l '$tmp/server.log' \
	-o \"-c listen_addresses=127.0.0.1 -p $port -k $tmp $durability -c max_connections=200\" start" >/dev/null || {
	cat "$tmp/server.log" >&2
	echo "with-postgres: PostgreSQL did not start (log above)." >&2
	exit 1
}
as_pg "'$bindir/createdb' -h 127.0.0.1 -p $port -U postgres companion_test"

export COMPANION_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/companion_test?sslmode=disable"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, fsync $fsync_state (COMPANION_TEST_PG_URL set; removed on exit)." >&2
set +e
"$@"
status=$?
set -e
exit "$status"
