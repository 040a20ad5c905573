# shellcheck shell=bash
# Helpers for tests/cli/test_cli.sh (sourced, bash).
#
# Environment (AM_TESTS_ENVIRONMENT in Makefile.am):
#   MAILSECCTL   absolute path of the built mailsecctl
#   top_srcdir   absolute source directory (optional here)
#
# Every run works in its own temporary directory, removed on exit. The
# mailsec.conf written there points users_dir and state_dir into it, and
# MAILSEC_CONFIG names it, so the machine's /etc is never read or written.
#
# Assertions count passes and failures; `finish` prints "N passed, N failed"
# and exits 0 (all passed) or 1. Exit 77 (skip) when a tool is missing.

# Globals set here are read by test_cli.sh.
# shellcheck disable=SC2034

set -u
export LC_ALL=C
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

if [ -z "${MAILSECCTL:-}" ] || [ ! -x "$MAILSECCTL" ]; then
	echo "MAILSECCTL must name the built mailsecctl (got '${MAILSECCTL:-}')" >&2
	exit 1
fi
for tool in jq oathtool; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed" >&2
		exit 77
	fi
done

TEST_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-cli.XXXXXX") || exit 1
trap 'rm -rf "$TEST_ROOT"' EXIT
trap 'exit 1' HUP INT TERM

OUT=""   # stdout of the last command run by expect_exit*
ERR=""   # its stderr
RC=0     # its exit status

# store_database DIR: on the database, a database of DIR's own (one per
# directory, as a file store is), copied from the initialised
# mailsec_template that tests/pg/run-suites.sh made; prints its name.
store_database() {
	local db
	db=mailsec_$(printf '%s' "$1" | sha256sum | cut -c1-16)
	if ! psql -qXAt -h "$MAILSEC_TEST_PGSOCK" -U postgres -d postgres \
		-c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
		psql -qX -v ON_ERROR_STOP=1 -h "$MAILSEC_TEST_PGSOCK" -U postgres \
			-d postgres -c "CREATE DATABASE $db OWNER mailsec_admin TEMPLATE mailsec_template" \
			>/dev/null || return 1
	fi
	printf '%s\n' "$db"
}

# store_lines DIR: the mailsec.conf lines of DIR's store on the database.
store_lines() {
	local db host=$MAILSEC_TEST_PGSOCK
	db=$(store_database "$1") || return 1
	printf 'store = "postgresql";\n'
	printf 'postgresql = { conninfo = "host=%s dbname=%s user=mailsec_module";\n' "$host" "$db"
	printf '  admin_conninfo = "host=%s dbname=%s user=mailsec_admin";\n' "$host" "$db"
	printf '  driver = "%s"; };\n' "$MAILSEC_TEST_PGDRIVER"
}

# make_config DIR [LINE...]: DIR/mailsec.conf with users_dir and state_dir
# inside DIR (not created: the tool creates them) and any extra lines;
# on the database (on_database), a database of DIR's own as well.
# Prints the path of the file.
make_config() {
	local dir=$1
	shift
	mkdir -p "$dir"
	{
		printf 'users_dir = "%s/users";\n' "$dir"
		printf 'state_dir = "%s/state";\n' "$dir"
		[ $# -gt 0 ] && printf '%s\n' "$@"
		# After the caller's lines: errors name those lines as on files.
		if on_database; then
			store_lines "$dir" || echo 'store = "unreachable test database";'
		fi
	} >"$dir/mailsec.conf"
	printf '%s\n' "$dir/mailsec.conf"
}

MAIN_DIR=$TEST_ROOT/main
MAILSEC_CONFIG=$(make_config "$MAIN_DIR")
export MAILSEC_CONFIG
USERS_DIR=$MAIN_DIR/users
STATE_DIR=$MAIN_DIR/state

# The command line, readable: the path of the tool shown as "mailsecctl".
show_command() {
	local word line=""
	for word in "$@"; do
		[ "$word" = "$MAILSECCTL" ] && word=mailsecctl
		line+=$(printf '%q' "$word")" "
	done
	printf '%s' "${line% }"
}

# run_input TEXT CMD...: runs CMD with TEXT (exactly, printf %s) on stdin;
# sets OUT, ERR, RC. No assertion.
run_input() {
	local text=$1
	shift
	printf '%s' "$text" >"$TEST_ROOT/stdin"
	run_file "$TEST_ROOT/stdin" "$@"
}

# run_file FILE CMD...: the same with stdin from FILE.
run_file() {
	local file=$1
	shift
	"$@" <"$file" >"$TEST_ROOT/stdout" 2>"$TEST_ROOT/stderr"
	RC=$?
	OUT=$(cat "$TEST_ROOT/stdout")
	ERR=$(cat "$TEST_ROOT/stderr")
}

# expect_exit_input TEXT CODE CMD...: runs CMD with TEXT on stdin and checks
# its exit status is CODE. On failure prints the command, expected and
# actual status, and its stderr. OUT, ERR and RC stay set for more checks.
expect_exit_input() {
	local text=$1 code=$2
	shift 2
	run_input "$text" "$@"
	report_exit "$code" "$@"
}

# report_exit CODE CMD...: passes when RC (of CMD, run already) is CODE;
# on failure prints the command, both statuses and ERR.
report_exit() {
	local code=$1
	shift
	local what
	what=$(show_command "$@")
	if [ "$RC" = "$code" ]; then
		pass "$what  (exit $code)"
		return 0
	fi
	local err_lines=()
	if [ -n "$ERR" ]; then
		mapfile -t err_lines <<<"$ERR"
		fail "$what" "expected exit $code, got $RC" "stderr:" \
			"${err_lines[@]/#/  }"
	else
		fail "$what" "expected exit $code, got $RC" "stderr: (empty)"
	fi
	return 1
}

# expect_exit_printf FORMAT CODE CMD...: expect_exit_input with stdin made
# by printf FORMAT, for bytes a shell string cannot hold (\0).
expect_exit_printf() {
	local format=$1
	shift
	# shellcheck disable=SC2059 # the format is the point
	printf "$format" >"$TEST_ROOT/stdin.bytes"
	expect_exit_file "$TEST_ROOT/stdin.bytes" "$@"
}

# expect_exit_file FILE CODE CMD...: expect_exit_input with stdin from FILE.
expect_exit_file() {
	local file=$1 code=$2
	shift 2
	run_file "$file" "$@"
	report_exit "$code" "$@"
}

# expect_exit CODE CMD...: expect_exit_input with an empty stdin.
expect_exit() {
	expect_exit_input "" "$@"
}

# check DESCRIPTION CMD...: passes when CMD exits 0.
check() {
	local what=$1
	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what" "command: $(show_command "$@")"
	fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: $2" "actual:   $3"
	fi
}

# check_match DESCRIPTION ERE TEXT: some line of TEXT matches ERE.
check_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		pass "$1"
	else
		fail "$1" "expected a line matching: $2" "text: $3"
	fi
}

# check_absent DESCRIPTION STRING TEXT: STRING (fixed) is not in TEXT.
check_absent() {
	if [ -z "$2" ]; then
		fail "$1" "nothing to look for: the string is empty"
	elif grep -Fq -- "$2" <<<"$3"; then
		fail "$1" "found where it must not be: $2"
	else
		pass "$1"
	fi
}

# check_json DESCRIPTION JQ_FILTER JSON: the filter (jq -e) holds on JSON.
check_json() {
	if jq -e "$2" >/dev/null 2>&1 <<<"$3"; then
		pass "$1"
	else
		fail "$1" "jq -e '$2' does not hold on:" "$3"
	fi
}

# file_mode PATH: octal permission bits, e.g. 600.
file_mode() {
	stat -c %a -- "$1"
}

# mailsecctl ARGS...: the tool, for setup steps that are not assertions.
mailsecctl() {
	"$MAILSECCTL" "$@"
}

# add_mailbox NAME [PASSWORD]: setup step; a failure counts as a failure.
add_mailbox() {
	expect_exit_input "${2:-secret password}"$'\n' 0 "$MAILSECCTL" add "$1"
}

# wrong_code SECRET: six digits that are no valid code of SECRET within a
# minute of now either way (the window is one step).
wrong_code() {
	local valid candidate offset
	valid=$(for offset in -60 -30 0 30 60; do
		totp "$1" "$offset seconds"
	done)
	for candidate in 000000 111111 222222 333333 444444 555555; do
		if ! grep -qx "$candidate" <<<"$valid"; then
			printf '%s\n' "$candidate"
			return
		fi
	done
}

