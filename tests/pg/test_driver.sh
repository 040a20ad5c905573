#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The PostgreSQL driver (store_postgresql.so) on a private cluster:
# tests/pg/driver_test loads the built driver as the library does and
# runs its cases; this script makes the cluster, and gives the program
# the commands that restart and stop it.
#
#   top_srcdir=... tests/pg/test_driver.sh   (from the build directory)
set -u
export LC_ALL=C
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
prog=tests/pg/driver_test
driver=pam_mailsec/pg/.libs/store_postgresql.so
if [ ! -x "$prog" ] || [ ! -f "$driver" ]; then
	echo "SKIP: not built with PostgreSQL (configure --with-postgresql, libpq-dev)"
	exit 77
fi
bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || pg_config --bindir 2>/dev/null)
if [ ! -x "$bindir/initdb" ]; then
	echo "SKIP: no PostgreSQL server (initdb) to test on"
	exit 77
fi

tmp=$(mktemp -d)
# The cluster's owner reaches its directories through this one.
chmod 755 "$tmp"
cleanup() {
	local stopped
	stopped=$(cat "$tmp/stopped" 2>/dev/null)
	[ -n "$stopped" ] && kill -CONT "$stopped" 2>/dev/null
	"$top_srcdir/tests/support/pg-cluster" stop "$tmp/pg"
	rm -rf "$tmp"
}
trap cleanup EXIT
sock=$("$top_srcdir/tests/support/pg-cluster" start "$tmp/pg") || exit 99

owner=
[ "$(id -u)" -eq 0 ] && owner="runuser -u postgres --"
pg_ctl="$owner $bindir/pg_ctl -D $tmp/pg/data -l $tmp/pg/data/server.log -w -s -m fast"
PG_RESTART="$pg_ctl restart" PG_STOP="$pg_ctl stop" PG_STOPPED="$tmp/stopped" \
	"$prog" "$driver" "$sock"
