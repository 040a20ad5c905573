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
wrapper=$(ls /usr/lib/*/libpam_wrapper.so 2>/dev/null | head -n 1)
[ -n "$wrapper" ] || skip "libpam_wrapper.so is not installed"

T=$(mktemp -d)
chmod 711 "$T"
stop_all() {
	[ -f "$T/postfix/main.cf" ] && postfix -c "$T/postfix" stop >/dev/null 2>&1
	[ -f "$T/run/master.pid" ] && kill "$(cat "$T/run/master.pid")" 2>/dev/null
	sleep 1
	rm -rf "$T"
}
trap stop_all EXIT
[ -n "${E2E_KEEP:-}" ] && trap 'postfix -c "$T/postfix" stop; kill "$(cat "$T/run/master.pid")"; echo "kept $T"' EXIT

IMAP=11143 POP3=11110 WEBMAIL=10143 SUBMISSION=587
passed=0 failed=0 source=1

# --- the store and the PAM stacks (conf/pam.d, module path and config
#     filled in; the webmail session made short enough to expire here) ---
cat >"$T/mailsec.conf" <<CONF
users_dir = "$T/users";
state_dir = "$T/state";
lockout = { max_failures = 3; within = 300; lock_for = 900; };
CONF
export MAILSEC_CONFIG="$T/mailsec.conf"
mkdir -p "$T/pam.d"
for stack in "$top_srcdir"/conf/pam.d/*; do
	sed -e "s|pam_mailsec\.so|$MAILSEC_MODULE config=$T/mailsec.conf|" \
	    -e 's/session=[0-9]*/session=4/' "$stack" >"$T/pam.d/$(basename "$stack")"
done

# --- Dovecot: test scaffolding around conf/dovecot/90-mailsec.conf ---
mkdir -p "$T/mail" && chown dovecot:dovecot "$T/mail"
cat >"$T/dovecot.conf" <<CONF
base_dir = $T/run
state_dir = $T/run/state
log_path = $T/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:$T/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 100
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$T/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3
  }
  inet_listener pop3s {
    port = 0
  }
}
# PAM from the test's stacks, not /etc/pam.d.
service auth-worker {
  executable = /usr/bin/env LD_PRELOAD=$wrapper PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam.d /usr/lib/dovecot/auth -w
}
!include $top_srcdir/conf/dovecot/90-mailsec.conf
CONF

# --- Postfix: its own instance around conf/postfix/{main,master}.cf ---
mkdir -p "$T/postfix" "$T/spool" "$T/pfdata"
chown postfix "$T/pfdata"
{
	cat <<CONF
compatibility_level = 3.6
queue_directory = $T/spool
data_directory = $T/pfdata
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.test
mydestination = mail.test
maillog_file = $T/postfix.log
maillog_file_prefixes = $T
CONF
	cat "$top_srcdir/conf/postfix/main.cf"
	echo "smtpd_sasl_path = $T/run/auth-postfix"
} >"$T/postfix/main.cf"
{
	for service in "pickup unix n - n 60 1 pickup" "cleanup unix n - n - 0 cleanup" \
		"qmgr unix n - n 300 1 qmgr" "rewrite unix - - n - - trivial-rewrite" \
		"bounce unix - - n - 0 bounce" "defer unix - - n - 0 bounce" \
		"trace unix - - n - 0 bounce" "verify unix - - n - 1 verify" \
		"proxymap unix - - n - - proxymap" "smtp unix - - n - - smtp" \
		"showq unix n - n - - showq" "error unix - - n - - error" \
		"retry unix - - n - - error" "discard unix - - n - - discard" \
		"local unix - n n - - local" "anvil unix - - n - 1 anvil" \
		"scache unix - - n - 1 scache" "postlog unix-dgram n - n - 1 postlogd"; do
		echo "$service"
	done
	cat "$top_srcdir/conf/postfix/master.cf"
} >"$T/postfix/master.cf"

wait_port() {
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.2
	done
	echo "port $1 never opened" >&2
	return 1
}

start_servers() {
	dovecot -c "$T/dovecot.conf" || return 1
	postfix -c "$T/postfix" start >/dev/null 2>&1 || return 1
	wait_port "$IMAP" && wait_port "$POP3" && wait_port "$WEBMAIL" &&
		wait_port "$SUBMISSION"
}

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

if ! start_servers; then
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

echo "# lockout (max_failures = 3: two replays above, one bad code now)"
fresh=$(code_at "+30 seconds")
expect refused "bad code" -- imap "$WEBMAIL" alice@example.com "alice-secret$(bad_code "$fresh")" 203.0.113.20
expect refused "valid code while locked" -- imap "$WEBMAIL" alice@example.com "alice-secret$fresh" 203.0.113.21
check "$MAILSECCTL" unlock alice@example.com
expect ok "valid code after unlock" -- imap "$WEBMAIL" alice@example.com "alice-secret$fresh" 203.0.113.22

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
