# shellcheck shell=bash
# What the PostgreSQL suites share (sourced, bash): one private cluster
# for the run (tests/support/pg-cluster), stopped on every exit path, and
# the switch that puts the suites' fixtures on it (tests/support/pgstore.h).
#
# Environment (AM_TESTS_ENVIRONMENT): MAILSEC_BUILDDIR, top_srcdir,
# MAILSECCTL. Skips (77) when the driver was not built
# (--without-postgresql) or PostgreSQL is not installed.

set -u
export LC_ALL=C
build=${MAILSEC_BUILDDIR:?MAILSEC_BUILDDIR must name the build directory}
src=${top_srcdir:?top_srcdir must name the source directory}
driver=$build/pam_mailsec/pg/.libs/store_postgresql.so
pg_cluster=$src/tests/support/pg-cluster

if [ ! -f "$driver" ]; then
	echo "SKIP: no PostgreSQL driver built ($driver): configure --with-postgresql" >&2
	exit 77
fi
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] && ! command -v pg_config >/dev/null; then
	echo "SKIP: PostgreSQL 15 is not installed (.ci/install-deps)" >&2
	exit 77
fi

pg_tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-pg.XXXXXX") || exit 99
# The cluster runs as postgres when we are root: it must reach its directory.
chmod 711 "$pg_tmp"
pg_cleanup() {
	"$pg_cluster" stop "$pg_tmp/pg" >/dev/null 2>&1
	rm -rf "$pg_tmp"
}
trap pg_cleanup EXIT
trap 'exit 1' HUP INT TERM

# pg_init_database DBNAME: db init through mailsecctl, as an administrator
# would do it (the schema, the host key, the module role's grants).
pg_init_database() {
	local conf=$pg_tmp/init-$1.conf
	cat >"$conf" <<CONF
users_dir = "$pg_tmp/unused/users";
state_dir = "$pg_tmp/unused/state";
store = "postgresql";
postgresql = { conninfo = "host=$MAILSEC_TEST_PGSOCK dbname=$1 user=mailsec_module";
  admin_conninfo = "host=$MAILSEC_TEST_PGSOCK dbname=$1 user=mailsec_admin";
  driver = "$driver"; };
CONF
	if ! "$MAILSECCTL" --config "$conf" db init >/dev/null; then
		echo "mailsecctl db init on $1 failed" >&2
		return 1
	fi
}

# pg_start: the cluster, database mailsec initialised, and the switch set.
pg_start() {
	MAILSEC_TEST_PGSOCK=$("$pg_cluster" start "$pg_tmp/pg") || exit 99
	export MAILSEC_TEST_STORE=postgresql MAILSEC_TEST_PGSOCK \
		MAILSEC_TEST_PGDRIVER=$driver \
		MAILSEC_TEST_PGCLUSTER=$pg_cluster MAILSEC_TEST_PGDIR=$pg_tmp/pg
	pg_init_database mailsec || exit 99
}
