# shellcheck shell=bash
# What the shell suites share (sourced, bash): counted assertions that end
# in "N passed, N failed", the pam_wrapper library, and record and TOTP
# helpers.

# Globals set here are read by the suites.
# shellcheck disable=SC2034

N_PASS=0
N_FAIL=0
GROUP=""

# group NAME: start a group of cases (shown in the output and on failures).
group() {
	GROUP=$1
	printf '\n== %s\n' "$GROUP"
}

pass() {
	N_PASS=$((N_PASS + 1))
	printf 'ok   %s\n' "$1"
}

# fail DESCRIPTION [DETAIL...]
fail() {
	N_FAIL=$((N_FAIL + 1))
	printf 'FAIL %s%s\n' "${GROUP:+[$GROUP] }" "$1"
	shift
	local line
	for line in "$@"; do
		printf '     %s\n' "$line"
	done
}

# The store the suites run on: files, or with MAILSEC_TEST_STORE=postgresql
# a database of the private cluster tests/pg/run-suites.sh started
# (MAILSEC_TEST_PGSOCK its socket, MAILSEC_TEST_PGDRIVER the driver).
on_database() {
	[ "${MAILSEC_TEST_STORE:-files}" = postgresql ]
}

N_FILES_ONLY=0

# files_only CMD...: runs CMD, a check that looks at the file store's
# files themselves; on the database it is left out, named and counted.
files_only() {
	if on_database; then
		N_FILES_ONLY=$((N_FILES_ONLY + 1))
		printf 'SKIP (file store only): %s\n' "$(printf '%q ' "$@" | cut -c1-100)"
		return 0
	fi
	"$@"
}

finish() {
	[ "$N_FILES_ONLY" -gt 0 ] &&
		printf '\nSKIP: %d file-store-only check(s) not run on the database\n' \
			"$N_FILES_ONLY"
	printf '\n%d passed, %d failed\n' "$N_PASS" "$N_FAIL"
	[ "$N_FAIL" -eq 0 ] && exit 0
	exit 1
}

# find_wrapper: the path of libpam_wrapper.so, or nothing. PAM_WRAPPER_LIB
# (Makefile.am) first; its first word, as pkg-config --libs ends in a blank.
find_wrapper() {
	if [ -n "${PAM_WRAPPER_LIB:-}" ]; then
		echo "$PAM_WRAPPER_LIB"
	elif pkg-config --exists pam_wrapper 2>/dev/null; then
		pkg-config --libs pam_wrapper
	else
		ldconfig -p 2>/dev/null | awk '/libpam_wrapper\.so /{print $NF; exit}'
	fi | awk '{print $1}'
}

# record_field FILE KEY: the string value of `KEY = "..."` in a record.
record_field() {
	sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$1"
}

# totp SECRET [OFFSET]: the TOTP code of SECRET now (or at OFFSET, e.g.
# "+30 seconds"), SHA1, 6 digits, 30 s: the defaults of mailsec.conf.
totp() {
	oathtool --totp -b -N "${2:-now}" "$1"
}
