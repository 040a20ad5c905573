#!/usr/bin/env bash
# End to end, as the README has an administrator do it: Debian's own
# Dovecot and Postfix configuration wired by conf/wire-debian (and nothing
# the docs do not give but the tests' ports, addresses, paths and the
# test-only settings of tests/e2e/servers.sh), then real Dovecot (IMAP,
# POP3 and the webmail IMAP listener) and Postfix (port 25, SMTP AUTH on
# submission through Dovecot SASL, the webmail's trusted listener) with
# the built module, driven by real clients: mail clients with STARTTLS,
# another mail server on port 25, the webmail as www-data with its client
# certificate, and another local user (nobody) that must get nothing from
# the webmail's listeners.
# Root only (Dovecot's auth worker reads the records as root); installs
# nothing (.ci/install-deps does), but makes the user vmail if missing
# and deletes it again.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${MAILSECCTL:?}" "${MAILSEC_MODULE:?}"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "end-to-end tests need root"
for tool in dovecot postfix python3 oathtool openssl setpriv; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/install-deps)"
done
. "$top_srcdir/tests/e2e/servers.sh"
[ -n "$PAM_WRAPPER_SO" ] || skip "libpam_wrapper.so is not installed"

T=$(mktemp -d)
chmod 711 "$T"
trap 'servers_remove "$T"' EXIT

passed=0 failed=0 source=1

# --- the store, Debian's Dovecot and Postfix wired as the docs say, with
#     the PAM stacks of conf/pam.d (module path and config filled in; the
#     webmail session made short enough to expire here) ---
cat >"$T/mailsec.conf" <<CONF
users_dir = "$T/users";
state_dir = "$T/state";
lockout = { max_failures = 3; within = 300; lock_for = 900; };
CONF
export MAILSEC_CONFIG="$T/mailsec.conf"
servers_setup "$T" "$MAILSEC_MODULE" "$T/mailsec.conf" 4 ||
	{ echo "not ok - the servers' configuration"; exit 1; }

# --- the webmail's certificates (conf/wire-debian made them with the
#     shipped script), and nobody's: one of another CA with the webmail's
#     name, and one of the webmail's CA that was revoked ---
certs=$top_srcdir/conf/tls/mailsec-webmail-certs
tls=$T/root/etc/mailsec/tls
"$certs" "$T/tls-other" init "$WEBMAIL_HOST" -u nobody >/dev/null &&
	"$certs" "$tls" client retired -u nobody >/dev/null &&
	mkdir -m 755 "$T/nobody" &&
	cp -p "$tls/retired.pem" "$tls/retired.key" "$T/nobody/" &&
	"$certs" "$tls" revoke retired >/dev/null ||
	{ echo "not ok - certificates"; exit 1; }
# Client options: the webmail (Roundcube's user, with its certificate),
# and another local user on the webmail's listeners: in plain text from
# the webmail's own address (a short wait: a TLS listener never answers
# it), with TLS but no certificate, with the other CA's, with the revoked
# one.
tls_to_webmail=(--host "$WEBMAIL_HOST" --tls --ca "$tls/ca.pem")
webmail=(as=www-data "${tls_to_webmail[@]}"
	--cert "$tls/webmail.pem" --key "$tls/webmail.key")
nobody_plain=(as=nobody from=127.0.0.1 --host "$WEBMAIL_HOST" --timeout 1)
nobody_nocert=(as=nobody "${tls_to_webmail[@]}")
# shellcheck disable=SC2034 # used through nobody_tries, as nobody_plain
nobody_other_ca=(as=nobody "${tls_to_webmail[@]}"
	--cert "$T/tls-other/webmail.pem" --key "$T/tls-other/webmail.key")
# shellcheck disable=SC2034
nobody_revoked=(as=nobody "${tls_to_webmail[@]}"
	--cert "$T/nobody/retired.pem" --key "$T/nobody/retired.key")

# --- checks ---
# The system's Python for the clients: one in root's home (pyenv) is not
# for other users.
PYTHON=$(PATH=/usr/bin:/bin command -v python3)
# as USER COMMAND...: COMMAND as USER and USER's group only.
as() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups "$@"
}

# login [as=USER] [from=ADDRESS] [CLIENT_OPTION...] -- PROTOCOL PORT USER
# PASSWORD [RHOST]: a client (as root unless as= says) from a new
# 127.0.0.x each time, so that Dovecot's per-address penalty for failures
# never slows another; with RHOST, from 127.0.0.1 (the webmail host)
# passing on its browser's address RHOST; with from=, from ADDRESS.
login() {
	local user=root from='' options=()
	while [ "$1" != -- ]; do
		case $1 in
		as=*) user=${1#as=} ;;
		from=*) from=${1#from=} ;;
		*) options+=("$1") ;;
		esac
		shift
	done
	shift
	source=$((source + 1))
	from=${from:-${5:+127.0.0.1}}
	printf '%s\n' "$4" |
		as "$user" "$PYTHON" "$top_srcdir/tests/e2e/client.py" "${options[@]}" \
			"$1" "${from:-127.0.0.$source}" "$2" "$3" ${5:+"$5"}
}

# expect ok|refused DESCRIPTION [as=USER] [from=ADDRESS] [CLIENT_OPTION...]
# -- login arguments (tap.sh)
# shellcheck source=tap.sh
. "$top_srcdir/tests/e2e/tap.sh"

refute() {
	if ! "$@" >/dev/null 2>&1; then
		passed=$((passed + 1)); echo "ok - not $*"
	else
		failed=$((failed + 1)); echo "not ok - not $*"
	fi
}

# delivered ADDRESS: Postfix logged a delivery to ADDRESS (an alias too).
delivered() {
	for _ in $(seq 25); do
		grep -q "to=<$1>.* status=sent\|orig_to=<$1>.* status=sent" "$T/postfix.log" 2>/dev/null &&
			return 0
		sleep 0.2
	done
	return 1
}

# logged_rip ADDRESS: some Dovecot login was logged as coming from ADDRESS
# (the client's address Dovecot passes to PAM as PAM_RHOST).
logged_rip() { grep -q "Login: .* rip=$1," "$T/dovecot.log"; }

client_protocols() {
	local want=$1 user=$2 password=$3
	expect "$want" "IMAP $user" -- imap "$IMAP" "$user" "$password"
	expect "$want" "POP3 $user" -- pop3 "$POP3" "$user" "$password"
	expect "$want" "SMTP AUTH $user" -- smtp "$SUBMISSION" "$user" "$password"
}

# nobody_tries HOW MAILBOX PASSWORD: another local user, with the client
# options nobody_HOW, on both of the webmail's listeners: refused.
nobody_tries() {
	local -n how_options=nobody_$1
	expect refused "nobody ($1): no IMAP login on the webmail listener" \
		"${how_options[@]}" -- imap "$WEBMAIL" "$2" "$3"
	expect refused "nobody ($1): nothing sent through the trusted listener" \
		"${how_options[@]}" -- send "$WEBMAIL_SMTP" "$2" ""
}

nobody_on_webmail_listeners() {
	local how
	for how in plain nocert other_ca revoked; do
		nobody_tries "$how" "$1" "$2"
	done
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
# Changes that take access away end the mailbox's connections through this
# run's Dovecot (its own anvil socket: doveadm -c), from here on.
DOVECOT_CONF=$T/root/etc/dovecot/dovecot.conf
cat >>"$T/mailsec.conf" <<CONF
kick_command = [ "/usr/bin/doveadm", "-c", "$DOVECOT_CONF", "kick", "%m" ];
CONF

echo "# client protocols: password alone"
client_protocols ok bob@example.com bob-secret
client_protocols refused bob@example.com wrong-secret

echo "# port 25: mail from other servers, no AUTH (it stays Debian's)"
expect ok "port 25 takes mail for a local mailbox" -- deliver "$SMTP" postmaster@mail.test ""
expect refused "port 25 offers no SMTP AUTH" -- smtp "$SMTP" bob@example.com bob-secret
check delivered postmaster@mail.test

echo "# non-webmail access off: clients refused, webmail works, no restart"
check "$MAILSECCTL" non-webmail disable bob@example.com
client_protocols refused bob@example.com bob-secret
expect ok "webmail port, access off" "${webmail[@]}" -- imap "$WEBMAIL" bob@example.com bob-secret
expect ok "webmail sends on its trusted listener, access off" "${webmail[@]}" -- send "$WEBMAIL_SMTP" bob@example.com ""
expect refused "no relay on submission without SMTP AUTH" as=nobody -- send "$SUBMISSION" bob@example.com ""

echo "# only the webmail reaches its listeners: another local user, access off"
nobody_on_webmail_listeners bob@example.com bob-secret
expect refused "nobody: no webmail login through Dovecot's auth socket for Postfix" \
	as=nobody --service webmail -- auth "$T/root/var/spool/postfix/private/auth-postfix" \
	bob@example.com bob-secret
check as nobody test ! -r "$tls/webmail.key"
check "$MAILSECCTL" non-webmail enable bob@example.com
client_protocols ok bob@example.com bob-secret

echo "# access on, 2FA off: without the certificate, neither webmail nor imap stack"
expect refused "nobody (nocert), the right password" "${nobody_nocert[@]}" -- imap "$WEBMAIL" bob@example.com bob-secret
expect refused "nobody, IMAP on the clients' listener at the webmail's address" \
	as=nobody --host "$WEBMAIL_HOST" -- imap "$IMAP" bob@example.com bob-secret
expect refused "nobody, POP3 on the clients' listener at the webmail's address" \
	as=nobody --host "$WEBMAIL_HOST" -- pop3 "$POP3" bob@example.com bob-secret
expect ok "the webmail, the same password" "${webmail[@]}" -- imap "$WEBMAIL" bob@example.com bob-secret

echo "# the client's address: only the webmail's IMAP ID counts"
forged=198.51.100.66
expect ok "nobody on the IMAP listener from 127.0.0.1, ID $forged" as=nobody -- imap "$IMAP" bob@example.com bob-secret "$forged"
expect refused "nobody on the IMAP listener at the webmail's address, ID $forged" \
	as=nobody --host "$WEBMAIL_HOST" -- imap "$IMAP" bob@example.com bob-secret "$forged"
refute logged_rip "$forged"

echo "# webmail with 2FA: password+code, then a session per client address"
browser=203.0.113.7
expect refused "password alone" "${webmail[@]}" -- imap "$WEBMAIL" alice@example.com alice-secret "$browser"
typed="alice-secret$(code_at)"
expect ok "password+code" "${webmail[@]}" -- imap "$WEBMAIL" alice@example.com "$typed" "$browser"
for i in $(seq 10); do
	expect ok "same string again ($i), a webmail request" "${webmail[@]}" -- imap "$WEBMAIL" alice@example.com "$typed" "$browser"
done
check logged_rip "$browser"
expect refused "nobody (plain), same string with the browser's address" "${nobody_plain[@]}" -- imap "$WEBMAIL" alice@example.com "$typed" "$browser"
expect refused "nobody (nocert), same string with the browser's address" "${nobody_nocert[@]}" -- imap "$WEBMAIL" alice@example.com "$typed" "$browser"
expect refused "same string from another address" "${webmail[@]}" -- imap "$WEBMAIL" alice@example.com "$typed" 198.51.100.9
sleep 5
expect refused "same string after the session idled out (replay)" "${webmail[@]}" -- imap "$WEBMAIL" alice@example.com "$typed" "$browser"

echo "# lockout (max_failures = 3 wrong codes; the replays above do not count)"
check test "$("$MAILSECCTL" --json show alice@example.com | jq -r .locked_until)" = null
fresh=$(code_at "+30 seconds")
for i in 1 2 3; do
	expect refused "bad code ($i)" "${webmail[@]}" -- imap "$WEBMAIL" alice@example.com "alice-secret$(bad_code "$fresh")" "203.0.113.2$i"
done
expect refused "valid code while locked" "${webmail[@]}" -- imap "$WEBMAIL" alice@example.com "alice-secret$fresh" 203.0.113.24
check "$MAILSECCTL" unlock alice@example.com
expect ok "valid code after unlock" "${webmail[@]}" -- imap "$WEBMAIL" alice@example.com "alice-secret$fresh" 203.0.113.25

echo "# app passwords: app-passwords mode, scope, range, expiry, last use"
carol=carol@example.com
printf 'carol-secret\n' | "$MAILSECCTL" add "$carol" >/dev/null
app_pw() { "$MAILSECCTL" --json app-password add "$carol" "$@" | jq -r .password; }
all_pw=$(app_pw "Mail app")
smtp_pw=$(app_pw "Sender" --services smtp)
range_pw=$(app_pw "Office" --from 127.0.9.0/24)
old_pw=$(app_pw "Old phone" --expires 1)
check "$MAILSECCTL" non-webmail app-passwords "$carol"
client_protocols refused "$carol" carol-secret
client_protocols ok "$carol" "$all_pw"
expect ok "IMAP, the app password without its spaces" -- imap "$IMAP" "$carol" "${all_pw// /}"
expect ok "SMTP AUTH, an smtp-only app password" -- smtp "$SUBMISSION" "$carol" "$smtp_pw"
expect refused "IMAP, an smtp-only app password cannot read mail" -- imap "$IMAP" "$carol" "$smtp_pw"
expect refused "POP3, an smtp-only app password cannot read mail" -- pop3 "$POP3" "$carol" "$smtp_pw"
expect ok "IMAP from inside its range" from=127.0.9.5 -- imap "$IMAP" "$carol" "$range_pw"
expect ok "SMTP AUTH from inside its range" from=127.0.9.6 -- smtp "$SUBMISSION" "$carol" "$range_pw"
expect refused "IMAP from outside its range" from=127.0.8.5 -- imap "$IMAP" "$carol" "$range_pw"
expect refused "SMTP AUTH from outside its range" from=127.0.8.6 -- smtp "$SUBMISSION" "$carol" "$range_pw"
expect ok "IMAP before its expiry" -- imap "$IMAP" "$carol" "$old_pw"
# Its expiry moved into the past, as an edit of the record would.
sed -i 's/^\( *expires = \)[0-9]*L\{0,1\};$/\11700000000;/' "$T/users/$carol.conf"
check grep -q '^ *expires = 1700000000;$' "$T/users/$carol.conf"
expect refused "IMAP after its expiry" -- imap "$IMAP" "$carol" "$old_pw"
expect refused "SMTP AUTH after its expiry" -- smtp "$SUBMISSION" "$carol" "$old_pw"
check test "$("$MAILSECCTL" --json app-password list "$carol" |
	jq -r '.[] | select(.name == "Sender") | "\(.uses) \(.last_service)"')" = "1 smtp"
check test "$("$MAILSECCTL" --json app-password list "$carol" |
	jq -r '.[] | select(.name == "Office") | .last_rhost')" = 127.0.9.6
expect ok "webmail keeps the mailbox password" "${webmail[@]}" -- imap "$WEBMAIL" "$carol" carol-secret
expect refused "webmail never takes an app password" "${webmail[@]}" -- imap "$WEBMAIL" "$carol" "$all_pw"
check "$MAILSECCTL" app-password revoke "$carol" "Mail app"
expect refused "IMAP, a revoked app password" -- imap "$IMAP" "$carol" "$all_pw"
check "$MAILSECCTL" non-webmail disable "$carol"
expect refused "non-webmail disabled: app passwords refused too" -- smtp "$SUBMISSION" "$carol" "$smtp_pw"

# --- activity: what the module noted of real logins, as mailsecctl shows
#     it (mailsecctl activity, show's last_login) ---
# activity_has MAILBOX JQ: `mailsecctl --json activity MAILBOX` holds JQ.
activity_has() {
	"$MAILSECCTL" --json activity "$1" | jq -e "$2"
}

activity_end_to_end() {
	local dan=dan@example.com
	printf 'dan-secret\n' | "$MAILSECCTL" add "$dan" >/dev/null
	expect refused "activity: IMAP, a bad password" from=127.0.5.1 -- \
		imap "$IMAP" "$dan" wrong-secret
	expect ok "activity: IMAP, the password" from=127.0.5.2 -- \
		imap "$IMAP" "$dan" dan-secret
	expect ok "activity: SMTP AUTH, the password" from=127.0.5.3 -- \
		smtp "$SUBMISSION" "$dan" dan-secret
	expect ok "activity: webmail, the password" "${webmail[@]}" -- \
		imap "$WEBMAIL" "$dan" dan-secret 203.0.113.50
	check activity_has "$dan" 'length == 4 and
		([.[].time] == ([.[].time] | sort | reverse))'
	check activity_has "$dan" 'any(.[]; .service == "imap" and
		.role == "client" and .result == "refused" and
		.detail == "bad-password" and .rhost == "127.0.5.1")'
	check activity_has "$dan" 'any(.[]; .service == "imap" and
		.role == "client" and .result == "accepted" and
		.detail == "password" and .rhost == "127.0.5.2")'
	check activity_has "$dan" 'any(.[]; .service == "smtp" and
		.role == "client" and .result == "accepted" and
		.detail == "password" and .rhost == "127.0.5.3")'
	check activity_has "$dan" '.[0] | .service == "webmail" and
		.role == "webmail" and .result == "accepted" and
		.rhost == "203.0.113.50"'
	check test "$("$MAILSECCTL" --json show "$dan" |
		jq -r '"\(.last_login.client.service) \(.last_login.webmail.rhost)"')" \
		= "smtp 203.0.113.50"
	expect refused "activity: IMAP, the bad password again" from=127.0.5.1 -- \
		imap "$IMAP" "$dan" wrong-secret
	check activity_has "$dan" 'length == 4 and (.[0] | .detail ==
		"bad-password" and .count == 2 and .first <= .time)'
}

echo "# activity: the journal of those logins"
activity_end_to_end

echo "# live sessions: a change closes the connections already open"
declare -A hold_pid
# hold NAME [LOGIN_OPTION...] -- PROTOCOL PORT USER PASSWORD: a client that
# stays logged in (IMAP in IDLE) in the background, for at most 8 s.
hold() {
	local name=$1
	shift
	source=$((source + 1))
	login --hold --timeout 8 "$@" >"$T/hold-$name.out" 2>"$T/hold-$name.err" &
	hold_pid[$name]=$!
}
held() {
	for _ in $(seq 100); do
		grep -qx held "$T/hold-$1.out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# closed_within NAME START SECONDS: the server ended NAME's connection at
# most SECONDS after START (date +%s.%N).
closed_within() {
	local closed
	wait "${hold_pid[$1]}" || return 1
	closed=$(sed -n 's/^closed //p' "$T/hold-$1.out")
	awk -v a="$2" -v b="$closed" -v n="$1" \
		'BEGIN { printf "# %s: closed %.3f s after the change\n", n, b - a }' >>"$T/closed-after"
	awk -v a="$2" -v b="$closed" -v s="$3" 'BEGIN { exit !(b != "" && b - a <= s) }'
}
# still_open NAME: its client saw no end of the connection (exit 3).
still_open() {
	wait "${hold_pid[$1]}"
	[ $? = 3 ]
}
dave=dave@example.com
printf 'dave-secret\n' | "$MAILSECCTL" add "$dave" >/dev/null
hold imap -- imap "$IMAP" "$dave" dave-secret
hold pop3 -- pop3 "$POP3" "$dave" dave-secret
check held imap
check held pop3
start=$(date +%s.%N)
out=$("$MAILSECCTL" --json non-webmail disable "$dave")
check test "$(jq -r .sessions_ended <<<"$out")" = true
check closed_within imap "$start" 2
check closed_within pop3 "$start" 2
cat "$T/closed-after" 2>/dev/null
expect refused "IMAP after non-webmail disable" -- imap "$IMAP" "$dave" dave-secret
expect refused "POP3 after non-webmail disable" -- pop3 "$POP3" "$dave" dave-secret
check "$MAILSECCTL" non-webmail enable "$dave"
hold imap -- imap "$IMAP" "$dave" dave-secret
hold pop3 -- pop3 "$POP3" "$dave" dave-secret
check held imap
check held pop3
start=$(date +%s.%N)
check "$MAILSECCTL" passwd "$dave" < <(printf 'dave-new-secret\n')
check closed_within imap "$start" 2
check closed_within pop3 "$start" 2
tail -n 2 "$T/closed-after" 2>/dev/null
expect refused "IMAP, the old password after passwd" -- imap "$IMAP" "$dave" dave-secret
expect ok "IMAP, the new password" -- imap "$IMAP" "$dave" dave-new-secret

echo "# live sessions: a kick that hangs is killed; the change stays"
sed '/^kick_command/d' "$T/mailsec.conf" >"$T/hang.conf"
printf '%s\n' 'kick_timeout = 1;' 'kick_command = [ "/bin/sleep", "30" ];' >>"$T/hang.conf"
start=$SECONDS
out=$(MAILSEC_CONFIG=$T/hang.conf "$MAILSECCTL" --json non-webmail disable "$dave" 2>"$T/hang.err")
check test $? = 7
check test $((SECONDS - start)) -le 3
check test "$(jq -r .sessions_ended <<<"$out")" = false
check grep -q "saved, but its open connections were not closed: /bin/sleep timed out after 1 s" "$T/hang.err"
check test "$("$MAILSECCTL" --json show "$dave" | jq -r .non_webmail)" = disabled
expect refused "IMAP after the change a hanging kick left saved" -- imap "$IMAP" "$dave" dave-new-secret

echo "# live sessions: a mailbox named like an address is not handed to doveadm"
# Dovecot reads 127.0.0.08 as 127.0.0.8, which inet_aton refuses.
hold bob from=127.0.0.1 -- imap "$IMAP" bob@example.com bob-secret
hold bob8 from=127.0.0.8 -- imap "$IMAP" bob@example.com bob-secret
check held bob
check held bob8
for name in 0x7f000001 127.0.0.08; do
	printf 'addr-secret\n' | "$MAILSECCTL" add "$name" >/dev/null
	out=$("$MAILSECCTL" --json non-webmail disable "$name" 2>/dev/null)
	check test $? = 7
	check test "$(jq -r .sessions_ended <<<"$out")" = false
	check grep -q "would be read as an address" <<<"$(jq -r .kick_error <<<"$out")"
done
check still_open bob
check still_open bob8

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
