# shellcheck shell=bash
# Helpers for tests/fault/test_fault.sh and test_crash.sh (sourced, bash).
#
# Environment (AM_TESTS_ENVIRONMENT in Makefile.am):
#   MAILSECCTL      the built mailsecctl
#   MAILSEC_MODULE  the built pam_mailsec.so
#   FAULT_SHIM      the built tests/fault/.libs/libfault.so (shim.c)
#   PAM_WRAPPER_LIB libpam_wrapper.so (found with pkg-config or ldconfig
#                   when unset)
#
# Each run works in a temporary directory, removed on exit: a mailsec.conf
# there points users_dir and state_dir into it, and the PAM stack `webmail`
# lives there too (pam_wrapper), never in /etc. Assertions count passes
# and failures; `finish` prints "N passed, N failed" and exits 0 or 1.
# Exit 77 (skip) when a tool is missing or the build is sanitized (an
# LD_PRELOAD library cannot come before the ASan runtime).

# Globals set here are read by the tests.
# shellcheck disable=SC2034

set -u
export LC_ALL=C
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

skip() {
	echo "SKIP: $*"
	exit 77
}

for tool in pamtester oathtool jq; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
done
[ -x "${MAILSECCTL:-}" ] || skip "MAILSECCTL does not name the built mailsecctl"
[ -f "${MAILSEC_MODULE:-}" ] || skip "MAILSEC_MODULE does not name the built module"
if [ ! -f "${FAULT_SHIM:-}" ]; then
	echo "FAULT_SHIM must name the built libfault.so (got '${FAULT_SHIM:-}')" >&2
	exit 1
fi
if ldd "$MAILSECCTL" 2>/dev/null | grep -q libasan; then
	skip "sanitizer build: LD_PRELOAD of the fault shim cannot work"
fi

PAM_WRAPPER_SO=$(find_wrapper)
if [ -z "$PAM_WRAPPER_SO" ] || [ ! -f "$PAM_WRAPPER_SO" ]; then
	skip "libpam_wrapper.so not found"
fi

TEST_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-fault.XXXXXX") || exit 1
AT_EXIT=() # commands run on exit before the temp dir goes (umount, kill)
cleanup() {
	local cmd
	for cmd in "${AT_EXIT[@]}"; do
		eval "$cmd"
	done
	rm -rf "$TEST_ROOT"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM


# check DESCRIPTION CMD...: passes when CMD exits 0; its output is shown
# only on failure.
check() {
	local what=$1 out=$TEST_ROOT/check.out
	shift
	if "$@" >"$out" 2>&1; then
		pass "$what"
	else
		fail "$what" "command: $*" "$(head -n 5 "$out")"
	fi
}

# use_store DIR: DIR/mailsec.conf with users_dir and state_dir in DIR, and
# DIR/pam.d/webmail: the module (prompting for the code) on that config.
# Sets CONF, USERS, STATE, PAM_DIR for ctl and pam_login.
use_store() {
	local dir=$1
	CONF=$dir/mailsec.conf
	USERS=$dir/users
	STATE=$dir/state
	PAM_DIR=$dir/pam.d
	mkdir -p "$PAM_DIR"
	printf 'users_dir = "%s";\nstate_dir = "%s";\n' "$USERS" "$STATE" >"$CONF"
	printf '%s required %s config=%s\n' \
		auth "$MAILSEC_MODULE" "$CONF" \
		account "$MAILSEC_MODULE" "$CONF" >"$PAM_DIR/webmail"
}

# ctl ARGS...: mailsecctl on the current store.
ctl() {
	"$MAILSECCTL" --config "$CONF" "$@"
}

# pam_login PASSWORD CODE [FAULT_VAR=VALUE...]: $MAILBOX logs in to webmail
# through pamtester under pam_wrapper; with FAULT_ variables, under the
# fault shim too. Its exit status.
pam_login() {
	local password=$1 code=$2 preload=$PAM_WRAPPER_SO
	shift 2
	[ $# -gt 0 ] && preload="$PAM_WRAPPER_SO $FAULT_SHIM"
	printf '%s\n%s\n' "$password" "$code" |
		env "$@" LD_PRELOAD="$preload" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$PAM_DIR" \
		pamtester webmail "$MAILBOX" authenticate >/dev/null 2>&1
}

# faulty FAULT_VAR=VALUE... -- CMD...: CMD under the fault shim.
faulty() {
	local vars=()
	while [ "$1" != -- ]; do
		vars+=("$1")
		shift
	done
	shift
	env "${vars[@]}" LD_PRELOAD="$FAULT_SHIM" "$@"
}

# temp_files DIR...: the names of temp files left in DIRs (none: empty).
temp_files() {
	find "$@" -maxdepth 1 -name '.tmp-*' -printf '%f ' 2>/dev/null
}

# password_is PASSWORD RECORD: whether RECORD's hash is PASSWORD's (perl's
# crypt is libcrypt's: yescrypt and all).
password_is() {
	perl -e 'exit(crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? 0 : 1)' \
		"$1" "$(record_field "$2" password)"
}
