#!/usr/bin/env bash
# End to end: real Dovecot (IMAP, POP3 and the webmail IMAP listener) and
# Postfix (SMTP AUTH through Dovecot SASL) on 127.0.0.1, with the PAM stacks
# and snippets of conf/ and the built module, driven by real clients.
# Root only (Dovecot's auth worker reads the records as root); installs
# nothing: .ci/install-deps does.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${MAILSECCTL:?}" "${MAILSEC_MODULE:?}"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "end-to-end tests need root"
for tool in dovecot postfix python3 oathtool; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/install-deps)"
done
. "$top_srcdir/tests/e2e/servers.sh"
[ -n "$PAM_WRAPPER_SO" ] || skip "libpam_wrapper.so is not installed"

T=$(mktemp -d)
chmod 711 "$T"
trap 'servers_stop "$T"; rm -rf "$T"' EXIT

passed=0 failed=0 source=1

# --- the store and the PAM stacks (conf/pam.d, module path and config
#     filled in; the webmail session made short enough to expire here) ---
cat >"$T/mailsec.conf" <<CONF
users_dir = "$T/users";
state_dir = "$T/state";
lockout = { max_failures = 3; within = 300; lock_for = 900; };
CONF
export MAILSEC_CONFIG="$T/mailsec.conf"
mailsec_pam_stacks "$T" "$MAILSEC_MODULE" "$T/mailsec.conf" 4

# --- checks ---
# login PROTOCOL PORT USER PASSWORD [RHOST]: a client from a new 127.0.0.x
# each time, so that Dovecot's per-address penalty for failures never slows
# another; with RHOST, the webmail host (127.0.0.1, a trusted network)
# passing on its browser's address RHOST.
login() {
	local from
	source=$((source + 1))
	from=${5:+127.0.0.1}
	printf '%s\n' "$4" |
		python3 "$top_srcdir/tests/e2e/client.py" "$1" "${from:-127.0.0.$source}" "$2" "$3" ${5:+"$5"}
}

# expect ok|refused DESCRIPTION -- login arguments
expect() {
	local want=$1 what=$2 got
	shift 3
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

check() {
	if "$@" >/dev/null 2>&1; then
		passed=$((passed + 1)); echo "ok - $*"
	else
		failed=$((failed + 1)); echo "not ok - $*"
	fi
}

client_protocols() {
	local want=$1 user=$2 password=$3
	expect "$want" "IMAP $user" -- imap "$IMAP" "$user" "$password"
	expect "$want" "POP3 $user" -- pop3 "$POP3" "$user" "$password"
	expect "$want" "SMTP AUTH $user" -- smtp "$SUBMISSION" "$user" "$password"
}

code_at() { oathtool --totp -b "$secret" ${1:+-N "$1"}; }

bad_code() { printf '%s' "${1%?}$(((${1: -1} + 1) % 10))"; }

printf 'bob-secret\n' | "$MAILSECCTL" add bob@example.com >/dev/null
printf 'alice-secret\n' | "$MAILSECCTL" add alice@example.com >/dev/null
secret=$("$MAILSECCTL" --json 2fa enroll alice@example.com --qr none | jq -r .secret)
# The step before now: "now" and "+30 seconds" stay fresh for the logins.
"$MAILSECCTL" 2fa confirm alice@example.com "$(code_at "-30 seconds")" >/dev/null

if ! dovecot_start "$T" || ! postfix_start "$T"; then
	echo "not ok - servers did not start"
	tail -n 20 "$T/dovecot.log" "$T/postfix.log" 2>/dev/null
	exit 1
fi

echo "# client protocols: password alone"
client_protocols ok bob@example.com bob-secret
client_protocols refused bob@example.com wrong-secret

echo "# non-webmail access off: clients refused, webmail works, no restart"
check "$MAILSECCTL" non-webmail disable bob@example.com
client_protocols refused bob@example.com bob-secret
expect ok "webmail port, access off" -- imap "$WEBMAIL" bob@example.com bob-secret
expect ok "webmail sends on its trusted listener, access off" -- send "$WEBMAIL_SMTP" bob@example.com "" 127.0.0.1
expect refused "another host cannot use the webmail's listener" -- send "$WEBMAIL_SMTP" bob@example.com ""
expect refused "no relay on submission without SMTP AUTH" -- send "$SUBMISSION" bob@example.com ""
check "$MAILSECCTL" non-webmail enable bob@example.com
client_protocols ok bob@example.com bob-secret

echo "# webmail with 2FA: password+code, then a session per client address"
browser=203.0.113.7
expect refused "password alone" -- imap "$WEBMAIL" alice@example.com alice-secret "$browser"
typed="alice-secret$(code_at)"
expect ok "password+code" -- imap "$WEBMAIL" alice@example.com "$typed" "$browser"
for i in $(seq 10); do
	expect ok "same string again ($i), a webmail request" -- imap "$WEBMAIL" alice@example.com "$typed" "$browser"
done
expect refused "same string from another address" -- imap "$WEBMAIL" alice@example.com "$typed" 198.51.100.9
sleep 5
expect refused "same string after the session idled out (replay)" -- imap "$WEBMAIL" alice@example.com "$typed" "$browser"

echo "# lockout (max_failures = 3 wrong codes; the replays above do not count)"
check test "$("$MAILSECCTL" --json show alice@example.com | jq -r .locked_until)" = null
fresh=$(code_at "+30 seconds")
for i in 1 2 3; do
	expect refused "bad code ($i)" -- imap "$WEBMAIL" alice@example.com "alice-secret$(bad_code "$fresh")" "203.0.113.2$i"
done
expect refused "valid code while locked" -- imap "$WEBMAIL" alice@example.com "alice-secret$fresh" 203.0.113.24
check "$MAILSECCTL" unlock alice@example.com
expect ok "valid code after unlock" -- imap "$WEBMAIL" alice@example.com "alice-secret$fresh" 203.0.113.25

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
