# shellcheck shell=bash
# The end-to-end suites' results, one TAP-like line each, counted in
# `passed` and `failed` (the caller sets both to 0 and prints the sum).
# Sourced by tests/e2e/test_e2e.sh and test_e2e_pg.sh.

# expect ok|refused DESCRIPTION LOGIN-ARGUMENTS...: the caller's `login`
# with those arguments; its exit status 0 is ok, 1 refused, else an error.
expect() {
	local want=$1 what=$2 got
	shift 2
	login "$@"
	case $? in 0) got=ok ;; 1) got=refused ;; *) got=error ;; esac
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
		echo "ok - $what"
	else
		failed=$((failed + 1))
		echo "not ok - $what (wanted $want, got $got)"
	fi
}

# check COMMAND...: ok when it succeeds.
check() {
	if "$@" >/dev/null 2>&1; then
		passed=$((passed + 1)); echo "ok - $*"
	else
		failed=$((failed + 1)); echo "not ok - $*"
	fi
}
