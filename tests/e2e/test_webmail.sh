#!/usr/bin/env bash
# The owner's side in a real browser: Roundcube with the mailsec
# plugin (conf/roundcube/mailsec) under `php -S` on 127.0.0.1, Dovecot and
# Postfix as in test_e2e.sh, headless Chromium driven by playwright-core
# (tests/e2e/browser.mjs). The plugin runs the built mailsecctl through
# `sudo -n` and a drop-in in /etc/sudoers.d that this run adds and removes.
# Screenshots of each step: tests/e2e/screenshots/ in the build directory.
# Root only; installs nothing (.ci/install-deps does), but makes the user
# vmail if missing (tests/e2e/servers.sh) and deletes it again.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${MAILSECCTL:?}" "${MAILSEC_MODULE:?}"
RC_PORT=${RC_PORT:-18080}  # not 10080: Chromium refuses it (ERR_UNSAFE_PORT)
SHOTS=${SHOTS:-$PWD/tests/e2e/screenshots}
PLAYWRIGHT_DIR=${PLAYWRIGHT_DIR:-/opt/mailsec-e2e/node_modules}
RC=/usr/share/roundcube

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "the webmail test needs root"
for tool in dovecot postfix python3 oathtool jq node php sudo visudo setsid openssl; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/install-deps)"
done
[ -f "$RC/index.php" ] || skip "roundcube-core is not installed (.ci/install-deps)"
[ -x /usr/bin/chromium ] || skip "chromium is not installed (.ci/install-deps)"
[ -d "$PLAYWRIGHT_DIR/playwright-core" ] || skip "playwright-core is not in $PLAYWRIGHT_DIR (.ci/install-deps)"
php -m 2>/dev/null | grep -qx pdo_sqlite || skip "php8.2-sqlite3 is not installed"
# shellcheck source=servers.sh
. "$top_srcdir/tests/e2e/servers.sh"
[ -n "$PAM_WRAPPER_SO" ] || skip "libpam_wrapper.so is not installed"
ports_free "$RC_PORT" || exit 1

T=$(mktemp -d)
chmod 711 "$T"
SUDOERS=/etc/sudoers.d/mailsec-test-$$
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	local group
	rm -f "$SUDOERS"
	if [ -f "$T/php.pid" ]; then
		group=$(cat "$T/php.pid")
		kill -TERM -- "-$group" 2>/dev/null
		for _ in $(seq 25); do
			kill -0 -- "-$group" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL -- "-$group" 2>/dev/null
	fi
	servers_remove "$T"
}
trap cleanup EXIT

# --- the store, the PAM stacks, the servers ---
cat >"$T/mailsec.conf" <<CONF
users_dir = "$T/users";
state_dir = "$T/state";
# The fresh-code actions at the end use steps up to +90 seconds.
totp = { window = 3; };
lockout = { max_failures = 20; within = 300; lock_for = 900; };
CONF
export MAILSEC_CONFIG="$T/mailsec.conf"
printf 'alice-secret\n' | "$MAILSECCTL" add alice@example.com >/dev/null
# Debian's Dovecot and Postfix wired as the docs say (tests/e2e/servers.sh),
# the webmail's client certificate among them: its key is www-data's only.
servers_setup "$T" "$MAILSEC_MODULE" "$T/mailsec.conf" ||
	{ echo "not ok - the servers' configuration"; exit 1; }
tls=$T/root/etc/mailsec/tls
if ! dovecot_start "$T" || ! postfix_start "$T"; then
	echo "not ok - servers did not start"
	tail -n 20 "$T/dovecot.log" "$T/postfix.log" 2>/dev/null
	exit 1
fi
# A message in each inbox, to open from the webmail (carol: browser.mjs's
# second mailbox, which it adds).
for name in alice carol; do
	inbox=$(maildir "$T" "$name@example.com")
	mkdir -p "$inbox/new" "$inbox/cur" "$inbox/tmp"
	printf 'From: bob@example.com\nTo: %s@example.com\nSubject: Welcome\nDate: %s\nMessage-ID: <welcome-%s@example.com>\n\nHello %s.\n' \
		"$name" "$(date -R)" "$name" "${name^}" >"$inbox/new/1.welcome"
done
chown -R vmail:vmail "$T/root/var/vmail"

# --- mailsecctl for the plugin: sudo -n, through a root-owned wrapper that
#     puts it under pam_wrapper with this run's stacks and store ---
cat >"$T/mailsecctl" <<WRAP
#!/bin/sh
exec env LD_PRELOAD=$PAM_WRAPPER_SO PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/root/etc/pam.d \\
	MAILSEC_CONFIG=$T/mailsec.conf $MAILSECCTL "\$@"
WRAP
chmod 755 "$T/mailsecctl"
echo "www-data ALL=(root) NOPASSWD: $T/mailsecctl self *" >"$T/sudoers"
visudo -cqf "$T/sudoers" || { echo "not ok - sudoers drop-in"; exit 1; }
install -m 0440 "$T/sudoers" "$SUDOERS"

# --- Roundcube: a private install directory ---
W=$T/rc
mkdir -p "$W/config" "$W/plugins" "$W/db" "$W/logs" "$W/temp"
for f in program SQL skins; do ln -s "$RC/$f" "$W/$f"; done
ln -s "$RC/index.php" "$W/index.php"
for f in defaults.inc.php mimetypes.php; do ln -s "/etc/roundcube/$f" "$W/config/"; done
ln -s "$(cd "$top_srcdir/conf/roundcube/mailsec" && pwd)" "$W/plugins/mailsec"
for p in "$RC"/plugins/*; do ln -s "$p" "$W/plugins/"; done
cat >"$W/config/config.inc.php" <<CONF
<?php
\$config = [];
\$config['db_dsnw'] = 'sqlite:///$W/db/roundcube.db?mode=0640';
\$config['imap_host'] = 'ssl://$WEBMAIL_HOST:$WEBMAIL';
\$config['smtp_host'] = 'ssl://$WEBMAIL_HOST:$WEBMAIL_SMTP';
\$config['smtp_user'] = '';
\$config['smtp_pass'] = '';
\$mailsec_tls = ['ssl' => [
    'local_cert' => '$tls/webmail.pem',
    'local_pk' => '$tls/webmail.key',
    'cafile' => '$tls/ca.pem',
    'verify_peer' => true,
    'verify_peer_name' => true,
    'peer_name' => '$WEBMAIL_HOST',
]];
\$config['imap_conn_options'] = \$mailsec_tls;
\$config['smtp_conn_options'] = \$mailsec_tls;
\$config['des_key'] = '$(head -c 18 /dev/urandom | base64)';
\$config['product_name'] = 'Webmail';
\$config['skin'] = 'elastic';
\$config['log_dir'] = '$W/logs/';
\$config['temp_dir'] = '$W/temp/';
\$config['plugins'] = ['mailsec'];
\$config['mailsec_ctl'] = ['/usr/bin/sudo', '-n', '$T/mailsecctl'];
CONF
# php -S: static files as they are, everything else through Roundcube
# with this directory as INSTALL_PATH (Debian's default: /var/lib/roundcube).
cat >"$W/router.php" <<'PHP'
<?php
define('INSTALL_PATH', __DIR__ . '/');
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path != '/' && substr($path, -4) != '.php' && is_file(__DIR__ . $path)) {
    return false;
}
chdir(__DIR__);
require __DIR__ . '/index.php';
PHP
chown -R www-data "$W/db" "$W/logs" "$W/temp"
# setsid: its own process group (the workers outlive a TERM to the master).
PHP_CLI_SERVER_WORKERS=4 setsid runuser -u www-data -- \
	php -S "127.0.0.1:$RC_PORT" -t "$W" "$W/router.php" \
	</dev/null >"$T/php.log" 2>&1 &
echo $! >"$T/php.pid"
wait_port "$RC_PORT" || { echo "not ok - Roundcube did not start"; cat "$T/php.log"; exit 1; }

# --- the browser ---
rm -rf "$SHOTS" && mkdir -p "$SHOTS"
NODE_PATH=$PLAYWRIGHT_DIR URL="http://127.0.0.1:$RC_PORT/" SHOTS=$SHOTS \
MAILBOX=alice@example.com PASSWORD=alice-secret IMAP_PORT=$IMAP WEBMAIL_PORT=$WEBMAIL \
CLIENT="$top_srcdir/tests/e2e/client.py" DOVECOT_LOG="$T/dovecot.log" \
WEBMAIL_HOST=$WEBMAIL_HOST TLS_DIR="$tls" \
	node "$top_srcdir/tests/e2e/browser.mjs"
status=$?

# --- what the servers saw ---
check() {
	if "$@" >/dev/null 2>&1; then echo "ok - $*"; else echo "not ok - $*"; status=1; fi
}
check test "$("$MAILSECCTL" --json show alice@example.com | jq -r '."2fa"')" = off
check test "$("$MAILSECCTL" --json show alice@example.com | jq -r .non_webmail_access)" = true
for _ in $(seq 25); do
	grep -q 'to=<bob@example.com>' "$T/postfix.log" 2>/dev/null && break
	sleep 0.2
done
check grep -q 'from=<alice@example.com>' "$T/postfix.log"
check grep -q 'to=<bob@example.com>' "$T/postfix.log"
# ... through the webmail's trusted listener (master.cf's syslog_name).
check grep -q 'postfix/webmail/smtpd.*: client=' "$T/postfix.log"
# The session kept through an invalid mailsec.conf: self said why.
check grep -q 'self status did not (exit 5).*session kept' "$W/logs/errors.log"
if [ "$status" != 0 ]; then
	tail -n 30 "$W/logs/errors.log" "$T/php.log" "$T/dovecot.log" 2>/dev/null
fi
echo "screenshots: $SHOTS"
exit "$status"
