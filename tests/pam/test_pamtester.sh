#!/bin/sh
# pamtester, a real PAM client, logs in through a `webmail` and an `imap`
# stack holding the built module, under pam_wrapper: the service files live
# in a temp dir, never in /etc/pam.d. The mailbox is made by the built
# mailsecctl. Exit 0 all passed, 1 a failure, 77 skipped.
set -u

skip() {
	echo "SKIP: $*"
	exit 77
}

# The first word: pkg-config --libs ends its output in a blank.
find_wrapper() {
	if [ -n "${PAM_WRAPPER_LIB:-}" ]; then
		echo $PAM_WRAPPER_LIB
	elif pkg-config --exists pam_wrapper 2>/dev/null; then
		echo $(pkg-config --libs pam_wrapper)
	else
		ldconfig -p 2>/dev/null | awk '/libpam_wrapper\.so /{print $NF; exit}'
	fi | awk '{print $1}'
}

for tool in pamtester oathtool jq; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
done
wrapper=$(find_wrapper)
[ -n "$wrapper" ] && [ -f "$wrapper" ] || skip "libpam_wrapper.so not found"
[ -x "${MAILSECCTL:-}" ] || skip "MAILSECCTL does not name the built mailsecctl"
[ -f "${MAILSEC_MODULE:-}" ] || skip "MAILSEC_MODULE does not name the built module"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pamtester-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log
mailbox=alice@example.com
password='correct horse 42'
passed=0
failed=0

# check DESCRIPTION COMMAND...: one test, counted.
check() {
	desc=$1
	shift
	if "$@" >>"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok - $desc"
	else
		failed=$((failed + 1))
		echo "FAIL - $desc"
		tail -n 5 "$log" | sed 's/^/    /'
	fi
}

refused() {
	! "$@"
}

# pam ANSWERS SERVICE OPERATION...: pamtester with one answer a line.
pam() {
	answers=$1
	service=$2
	shift 2
	printf '%b' "$answers" |
		LD_PRELOAD=$wrapper PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$tmp/pam.d \
		pamtester "$service" "$mailbox" "$@"
}

ctl() {
	"$MAILSECCTL" --config "$tmp/mailsec.conf" "$@"
}

code_at() {
	oathtool --totp -b "$secret" -N "$1"
}

mkdir -m 0700 "$tmp/users" "$tmp/state" "$tmp/pam.d"
cat >"$tmp/mailsec.conf" <<CONF
users_dir = "$tmp/users";
state_dir = "$tmp/state";
CONF
for service in webmail imap; do
	cat >"$tmp/pam.d/$service" <<STACK
auth required $MAILSEC_MODULE config=$tmp/mailsec.conf
account required $MAILSEC_MODULE config=$tmp/mailsec.conf
STACK
done

printf '%s\n' "$password" | ctl add "$mailbox" >>"$log" 2>&1 ||
	{ echo "FAIL - mailsecctl add"; exit 1; }
check "imap: password logs in before 2FA" \
	pam "$password\n" imap authenticate acct_mgmt
check "webmail: password logs in before 2FA" \
	pam "$password\n" webmail authenticate acct_mgmt

secret=$(ctl --json 2fa enroll "$mailbox" --qr none | jq -r .secret)
recovery=$(ctl --json 2fa confirm "$mailbox" "$(code_at now)" |
	jq -r '.recovery_codes[0]')
[ -n "$secret" ] && [ -n "$recovery" ] && [ "$recovery" != null ] ||
	{ echo "FAIL - mailsecctl 2fa enroll/confirm"; exit 1; }

check "imap: password alone with 2FA on" \
	pam "$password\n" imap authenticate acct_mgmt
check "imap: wrong password refused" \
	refused pam "wrong\n" imap authenticate
code=$(code_at '+30 seconds')
check "webmail: password alone refused with 2FA on" \
	refused pam "$password\n\n" webmail authenticate
check "webmail: password and code" \
	pam "$password\n$code\n" webmail authenticate acct_mgmt
check "webmail: the same code again refused (replay)" \
	refused pam "$password\n$code\n" webmail authenticate

check "mailsecctl non-webmail disable" ctl non-webmail disable "$mailbox"
check "imap: refused with non-webmail access off" \
	refused pam "$password\n" imap authenticate
check "imap: account stage alone refuses too" \
	refused pam "" imap acct_mgmt
check "webmail: recovery code works with non-webmail access off" \
	pam "$password\n$recovery\n" webmail authenticate acct_mgmt
check "webmail: the recovery code only once" \
	refused pam "$password\n$recovery\n" webmail authenticate
check "mailsecctl non-webmail enable" ctl non-webmail enable "$mailbox"
check "imap: logs in again with access on" \
	pam "$password\n" imap authenticate acct_mgmt

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
