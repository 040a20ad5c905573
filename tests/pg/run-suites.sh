#!/usr/bin/env bash
# The unit, module and CLI suites once more, on the PostgreSQL store: one
# private cluster for the whole run (lib.sh), the suites' fixtures
# switched to it by MAILSEC_TEST_STORE=postgresql. Each suite names and
# counts the checks that look at files themselves and were left out.
#
# MAILSEC_PG_WRAP: a command line the Check suites run under (tests/run-all:
# valgrind); MAILSEC_PG_SUITES: which suites (default all: test_lib
# test_module test_cli.sh test_activity.sh test_self.sh).
. "$(dirname "$0")/lib.sh"

pg_start
# The CLI suites give each config directory a database of its own, copied
# from this one (tests/cli/lib.sh).
psql -qX -v ON_ERROR_STOP=1 -h "$MAILSEC_TEST_PGSOCK" -U postgres -d postgres \
	-c "CREATE DATABASE mailsec_template OWNER mailsec_admin" >/dev/null || exit 99
pg_init_database mailsec_template || exit 99

status=0
run() {
	local name=$1 rc
	shift
	printf '\n=== %s on the PostgreSQL store\n' "$name"
	"$@" >"$pg_tmp/suite.log" 2>&1
	rc=$?
	grep -E '^[0-9]+%:|^SKIP|passed, [0-9]+ failed|^FAIL|:[EF]:' "$pg_tmp/suite.log"
	case $rc in
	0) ;;
	77) printf '=== %s: SKIPPED\n' "$name" ;;
	*)
		cat "$pg_tmp/suite.log"
		printf '=== %s: FAILED (exit %d)\n' "$name" "$rc"
		status=1
		;;
	esac
}

read -r -a wrap <<<"${MAILSEC_PG_WRAP:-}"
read -r -a suites <<<"${MAILSEC_PG_SUITES:-test_lib test_module test_cli.sh test_activity.sh test_self.sh}"
for suite in "${suites[@]}"; do
	case $suite in
	test_lib) run "unit suite (test_lib)" "${wrap[@]}" "$build/tests/unit/test_lib" ;;
	test_module) run "module suite (test_module)" "${wrap[@]}" "$build/tests/pam/test_module" ;;
	test_*.sh) run "CLI suite $suite" bash "$src/tests/cli/$suite" ;;
	*) echo "run-suites: no suite $suite" >&2; exit 99 ;;
	esac
done
exit "$status"
