#!/usr/bin/env bash
# Two mail hosts on one database, end to end: two Dovecot instances, each
# wired as tests/e2e/servers.sh wires one (Debian's configuration,
# conf/wire-debian, the tests' own ports: the second instance on ports of
# its own), both with the built module on store = "postgresql" and one
# private cluster (tests/support/pg-cluster). A webmail login's code taken
# on one instance is refused on the other; a lockout made on one refuses
# on the other; non-webmail access disabled through mailsecctl refuses on
# both.
# Root only; skips (77) without the driver (--without-postgresql).
# Uses the end-to-end ports: run under flock /tmp/mailsec-e2e.lock.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${MAILSECCTL:?}" "${MAILSEC_MODULE:?}" "${MAILSEC_BUILDDIR:?}"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "end-to-end tests need root"
for tool in dovecot postfix python3 oathtool openssl setpriv jq psql; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/install-deps)"
done
driver=$MAILSEC_BUILDDIR/pam_mailsec/pg/.libs/store_postgresql.so
[ -f "$driver" ] || skip "no PostgreSQL driver built ($driver): configure --with-postgresql"
. "$top_srcdir/tests/e2e/servers.sh"
[ -n "$PAM_WRAPPER_SO" ] || skip "libpam_wrapper.so is not installed"

T=$(mktemp -d)
chmod 711 "$T"
T1=$T/host1 T2=$T/host2
mkdir -m 711 "$T1" "$T2"
cleanup() {
	servers_remove "$T2"
	servers_remove "$T1"
	"$top_srcdir/tests/support/pg-cluster" stop "$T/pg" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

passed=0 failed=0 source=1

sock=$("$top_srcdir/tests/support/pg-cluster" start "$T/pg") ||
	{ echo "not ok - the PostgreSQL cluster"; exit 1; }

# mailsec.conf of host H: its own (unused) directories, the one database.
host_conf() {
	cat <<CONF
users_dir = "$1/users";
state_dir = "$1/state";
lockout = { max_failures = 3; within = 300; lock_for = 900; };
store = "postgresql";
# A deadline this suite does not test: generous, for a loaded machine.
postgresql = { timeout = 10000;
  conninfo = "host=$sock dbname=mailsec user=mailsec_module";
  admin_conninfo = "host=$sock dbname=mailsec user=mailsec_admin";
  driver = "$driver"; };
CONF
}
host_conf "$T1" >"$T1/mailsec.conf"
host_conf "$T2" >"$T2/mailsec.conf"
export MAILSEC_CONFIG=$T1/mailsec.conf

# Instance 1 on servers.sh's ports, instance 2 on ports 100 above (both
# clear of a real install's); the webmail's address is the same.
ports_of() {
	local shift=$(($1 == 1 ? 0 : 100))
	IMAP=$((11143 + shift)) IMAPS=$((11993 + shift)) POP3=$((11110 + shift))
	POP3S=$((11995 + shift)) SMTP=$((11025 + shift))
	SUBMISSION=$((11587 + shift)) WEBMAIL=$((12143 + shift))
	WEBMAIL_SMTP=$((12587 + shift))
}

PYTHON=$(PATH=/usr/bin:/bin command -v python3)
as() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups "$@"
}

# login HOST webmail|imap USER PASSWORD [RHOST]: the webmail on instance
# HOST's webmail listener (www-data with that instance's certificate,
# passing on RHOST), or a mail client on its IMAP listener from a new
# 127.0.0.x.
login() {
	local host=$1 kind=$2 user=$3 password=$4 rhost=${5:-}
	local t=$T1 tls
	[ "$host" = 2 ] && t=$T2
	ports_of "$host"
	tls=$t/root/etc/mailsec/tls
	source=$((source + 1))
	if [ "$kind" = webmail ]; then
		printf '%s\n' "$password" |
			as www-data "$PYTHON" "$top_srcdir/tests/e2e/client.py" \
				--host "$WEBMAIL_HOST" --tls --ca "$tls/ca.pem" \
				--cert "$tls/webmail.pem" --key "$tls/webmail.key" \
				imap 127.0.0.1 "$WEBMAIL" "$user" ${rhost:+"$rhost"} \
				>/dev/null 2>&1
	else
		printf '%s\n' "$password" |
			"$PYTHON" "$top_srcdir/tests/e2e/client.py" imap \
				"127.0.0.$source" "$IMAP" "$user" >/dev/null 2>&1
	fi
}

# expect ok|refused DESCRIPTION LOGIN-ARGUMENTS... and check (tap.sh)
# shellcheck source=tap.sh
. "$top_srcdir/tests/e2e/tap.sh"

# --- the database (mailsecctl db init), both hosts wired, both Dovecots ---
"$MAILSECCTL" db init >/dev/null || { echo "not ok - mailsecctl db init"; exit 1; }
for host in 1 2; do
	t=$T1
	[ "$host" = 2 ] && t=$T2
	ports_of "$host"
	servers_setup "$t" "$MAILSEC_MODULE" "$t/mailsec.conf" 60 ||
		{ echo "not ok - host $host's configuration"; exit 1; }
	if ! dovecot_start "$t"; then
		echo "not ok - host $host's Dovecot did not start"
		tail -n 20 "$t/dovecot.log" 2>/dev/null
		exit 1
	fi
done

code_at() { oathtool --totp -b "$secret" ${1:+-N "$1"}; }
bad_code() { printf '%s' "${1%?}$(((${1: -1} + 1) % 10))"; }

printf 'bob-secret\n' | "$MAILSECCTL" add bob@example.com >/dev/null
printf 'alice-secret\n' | "$MAILSECCTL" add alice@example.com >/dev/null
secret=$("$MAILSECCTL" --json 2fa enroll alice@example.com --qr none | jq -r .secret)
# The step before now: "now" and "+30 seconds" stay fresh for the logins.
"$MAILSECCTL" 2fa confirm alice@example.com "$(code_at "-30 seconds")" >/dev/null

echo "# one code, two hosts: taken once"
typed="alice-secret$(code_at)"
expect ok "host 1: password+code" 1 webmail alice@example.com "$typed" 198.51.100.7
expect refused "host 2: the same code, another browser (replay)" \
	2 webmail alice@example.com "$typed" 198.51.100.8
expect ok "host 2: the session host 1 began (one host key)" \
	2 webmail alice@example.com "$typed" 198.51.100.7

echo "# lockout made on host 1 refuses on host 2"
fresh=$(code_at "+30 seconds")
for i in 1 2 3; do
	expect refused "host 1: bad code ($i)" 1 webmail alice@example.com \
		"alice-secret$(bad_code "$fresh")" "203.0.113.2$i"
done
expect refused "host 2: valid code while locked" 2 webmail alice@example.com \
	"alice-secret$fresh" 203.0.113.24
check test "$("$MAILSECCTL" --json show alice@example.com | jq -r .locked_until)" != null
check "$MAILSECCTL" unlock alice@example.com
expect ok "host 2: valid code after unlock" 2 webmail alice@example.com \
	"alice-secret$fresh" 203.0.113.25

echo "# non-webmail access through mailsecctl, on both hosts"
expect ok "host 1: IMAP, access on" 1 imap bob@example.com bob-secret
expect ok "host 2: IMAP, access on" 2 imap bob@example.com bob-secret
check "$MAILSECCTL" non-webmail disable bob@example.com
expect refused "host 1: IMAP, access off" 1 imap bob@example.com bob-secret
expect refused "host 2: IMAP, access off" 2 imap bob@example.com bob-secret
expect ok "host 2: webmail, access off" 2 webmail bob@example.com bob-secret 198.51.100.9

echo "$passed passed, $failed failed"
if [ "$failed" != 0 ]; then
	for t in "$T1" "$T2"; do
		echo "# $t/dovecot.log, its auth lines:"
		grep -i 'auth\|mailsec' "$t/dovecot.log" 2>/dev/null | tail -n 20 | sed 's/^/# /'
	done
fi
[ "$failed" = 0 ]
