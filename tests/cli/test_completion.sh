#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The bash completion of mailsecctl (mailsecctl/completion/mailsecctl):
# sourced in a plain bash it registers itself, and completes options,
# commands, the words of 2fa, non-webmail and self, and mailbox names of
# the store named by --config.
#
#   MAILSECCTL=... top_srcdir=... tests/cli/test_completion.sh
set -u
export LC_ALL=C
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../common.sh
. "$top_srcdir/tests/common.sh"
[ -x "${MAILSECCTL:-}" ] || { echo "MAILSECCTL must name the built mailsecctl" >&2; exit 1; }

D=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-completion.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT
printf 'users_dir = "%s/users";\nstate_dir = "%s/state";\n' "$D" "$D" >"$D/mailsec.conf"
for box in alice@example.com bob@example.com; do
	printf 'pw\n' | "$MAILSECCTL" --config "$D/mailsec.conf" add "$box" >/dev/null ||
		fail "add $box"
done

# shellcheck source=../../mailsecctl/completion/mailsecctl
. "$top_srcdir/mailsecctl/completion/mailsecctl"

# completes EXPECTED WORD...: completing the last WORD of the line
# "mailsecctl WORD..." offers exactly EXPECTED (sorted, space-separated).
completes() {
	local expected=$1
	shift
	COMP_WORDS=("$MAILSECCTL" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_mailsecctl
	local got
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' ')
	if [ "$got" = "$expected" ]; then
		pass "mailsecctl $* -> ${expected:-(nothing)}"
	else
		fail "mailsecctl $*" "expected: $expected" "got:      $got"
	fi
}

group "registration"
spec=$(complete -p mailsecctl 2>&1)
if [ "$spec" = "complete -F _mailsecctl mailsecctl" ]; then
	pass "complete -p mailsecctl"
else
	fail "complete -p mailsecctl" "got: $spec"
fi

group "commands and options"
completes "2fa activity add app-password check-config db help list logout non-webmail passwd remove self show unlock" ""
completes "check-config" ch
completes "--config --help --json --version" --
completes "--json" --j
completes "confirm disable enroll recovery" 2fa ""
completes "app-passwords disable enable" non-webmail ""
completes "add list revoke" app-password ""
completes "check export import init upgrade" db ""
completes "--config --help --json --replace --version" db import --
completes "--config --help --json --version" db check --
completes "--services" app-password add x --s
completes "--all" app-password revoke x --a
completes "--keep-app-passwords" passwd x --k
completes "--since" activity x --s
completes "1d 1h" activity x --since 1
completes "imap imap,pop3,smtp imap,smtp" app-password add x y --services i
completes "--qr" 2fa enroll --q
completes "none" 2fa enroll --qr n
completes "--all --expires --from --keep-app-passwords --rhost --services --since" self x --
completes "2fa activity app-password non-webmail passwd status" self alice@example.com ""
completes "app-passwords disable enable" self alice@example.com non-webmail ""
completes "add list revoke" self alice@example.com app-password ""
completes "" list ""

group "mailbox names from the store given by --config"
completes "alice@example.com bob@example.com" --config "$D/mailsec.conf" show ""
completes "bob@example.com" --config "$D/mailsec.conf" 2fa disable b
completes "bob@example.com" --config "$D/mailsec.conf" app-password list b
completes "alice@example.com" --config "$D/mailsec.conf" activity a
completes "alice@example.com" --config "$D/mailsec.conf" self a
completes "" --config "$D/none.conf" show ""
completes "$D/mailsec.conf" --config "$D/mails"

finish
