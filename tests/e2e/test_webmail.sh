#!/usr/bin/env bash
# The owner's side in a real browser: Roundcube with the mailsec
# plugin under `php -S` on 127.0.0.1, with the lines of
# conf/roundcube/README.md in its config.inc.php; Dovecot and Postfix as in
# test_e2e.sh; headless Chromium driven by playwright-core
# (tests/e2e/browser.mjs). The plugin runs mailsecctl through `sudo -n`.
# Screenshots of each step: tests/e2e/screenshots/ in the build directory.
# Root only; installs nothing (.ci/install-deps does), but makes the user
# vmail if missing (tests/e2e/servers.sh) and deletes it again.
#
# Two modes:
#  - default: the plugin of the source tree, the built MAILSECCTL and
#    MAILSEC_MODULE, a store in a temp dir; the plugin's mailsec_ctl names
#    a root-owned wrapper that runs MAILSECCTL under pam_wrapper with this
#    run's stacks and store, through a sudoers drop-in this run adds.
#  - MAILSEC_INSTALLED=1 (tests/pkg/test_deb.sh, after installing the
#    packages): what an administrator has after the packages and the docs'
#    steps. The installed plugin (/var/lib/roundcube/plugins/mailsec), the
#    plugin's default mailsec_ctl, the installed sudoers line, and
#    /usr/sbin/mailsecctl under real sudo and libpam, so /etc/pam.d/webmail
#    (conf/wire-debian's step 2: installed for this run when absent) and the
#    system's store, which Dovecot's stacks (the installed module, no
#    config=) share. Refuses (exit 77) to touch a different
#    /etc/pam.d/webmail or a mailbox of the store it would make; undoes on
#    every exit whatever it changed there (its mailboxes, the stacks it
#    installed, mailsec.conf, which browser.mjs breaks for a while).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
INSTALLED=${MAILSEC_INSTALLED:-0}
if [ "$INSTALLED" = 1 ]; then
	MAILSECCTL=${MAILSECCTL:-/usr/sbin/mailsecctl}
	MAILSEC_MODULE=${MAILSEC_MODULE:-/lib/x86_64-linux-gnu/security/pam_mailsec.so}
fi
: "${MAILSECCTL:?}" "${MAILSEC_MODULE:?}"
export MAILSECCTL
RC_PORT=${RC_PORT:-18080}  # not 10080: Chromium refuses it (ERR_UNSAFE_PORT)
SHOTS=${SHOTS:-$PWD/tests/e2e/screenshots}
PLAYWRIGHT_DIR=${PLAYWRIGHT_DIR:-/opt/mailsec-e2e/node_modules}
RC=/usr/share/roundcube
# What the packages install, where mailsecctl and the module look.
SYSTEM_CONFIG=/etc/mailsec/mailsec.conf
SYSTEM_SUDOERS=/etc/sudoers.d/mailsec-webmail
SYSTEM_PLUGIN=$RC/plugins/mailsec
DEBIAN_PLUGIN=/var/lib/roundcube/plugins/mailsec
# The mailboxes of this run: alice here, the others browser.mjs adds.
MAILBOXES=(alice@example.com carol@example.com dora@example.com ivan@example.com)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "not ok - $*"; exit 1; }
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

# setting KEY: a path of the system's mailsec.conf (its last, if any).
setting() {
	sed -n "s|^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\([^\"]*\)\".*|\1|p" \
		"$SYSTEM_CONFIG" | tail -n 1
}

# installed_preflight: what the packages installed is there, and nothing
# this run would make or remove exists already. Changes nothing.
installed_preflight() {
	local name stack
	[ -x "$MAILSECCTL" ] || fail "installed: $MAILSECCTL is missing"
	[ -f "$MAILSEC_MODULE" ] || fail "installed: $MAILSEC_MODULE is missing"
	[ -f "$SYSTEM_CONFIG" ] || fail "installed: $SYSTEM_CONFIG is missing"
	"$MAILSECCTL" check-config >/dev/null ||
		fail "installed: mailsecctl check-config refuses the system's store"
	for name in "${MAILBOXES[@]}"; do
		"$MAILSECCTL" show "$name" >/dev/null 2>&1
		case $? in
		3) ;;
		0) skip "$name is a mailbox of the system's store: this run would remove it" ;;
		*) fail "installed: mailsecctl show $name" ;;
		esac
	done
	for stack in webmail webmail-nocert; do
		if [ -e "/etc/pam.d/$stack" ] &&
			! cmp -s "$top_srcdir/conf/pam.d/$stack" "/etc/pam.d/$stack"; then
			skip "/etc/pam.d/$stack differs from conf/pam.d/$stack"
		fi
	done
}

# installed_setup: what conf/wire-debian's step 2 does for the stacks that
# mailsecctl self reads, and what undo needs to put everything back.
installed_setup() {
	local stack
	cp -p "$SYSTEM_CONFIG" "$T/system-mailsec.conf" || return 1
	ls -A "$STATE_DIR" >"$T/state-before" || return 1
	ls -A "$USERS_DIR" >"$T/users-before" || return 1
	for stack in webmail webmail-nocert; do
		[ -e "/etc/pam.d/$stack" ] && continue
		echo "$stack" >>"$T/made-stacks"
		install -m 0644 "$top_srcdir/conf/pam.d/$stack" /etc/pam.d/ || return 1
	done
}

# shellcheck disable=SC2317 # the EXIT trap's
# installed_undo: mailsec.conf byte for byte, then without this run's
# mailboxes, the lock files and host key they brought, the stacks it
# installed. Says what it could not undo (exit 1).
installed_undo() {
	local name left=
	[ -f "$T/system-mailsec.conf" ] && cp -p "$T/system-mailsec.conf" "$SYSTEM_CONFIG"
	# The servers are stopped by now: nothing to kick.
	sed '/^kick_command/d' "$SYSTEM_CONFIG" >"$T/undo.conf"
	if [ -f "$T/state-before" ]; then
		for name in "${MAILBOXES[@]}"; do
			"$MAILSECCTL" show "$name" >/dev/null 2>&1 &&
				MAILSEC_CONFIG=$T/undo.conf "$MAILSECCTL" remove "$name" >/dev/null
			grep -qxF "$name.lock" "$T/state-before" || rm -f "$STATE_DIR/$name.lock"
		done
		grep -qxF .mailsec-hostkey "$T/state-before" || rm -f "$STATE_DIR/.mailsec-hostkey"
		ls -A "$STATE_DIR" | cmp -s - "$T/state-before" || left="$left $STATE_DIR"
		ls -A "$USERS_DIR" | cmp -s - "$T/users-before" || left="$left $USERS_DIR"
	fi
	if [ -f "$T/made-stacks" ]; then
		while read -r name; do rm -f "/etc/pam.d/$name"; done <"$T/made-stacks"
	fi
	[ -z "$left" ] || { echo "not ok - left changed:$left"; return 1; }
}

# check_installed_plugin: the packages' plugin where Debian's Roundcube
# looks, the tree's files, and the sudoers line of the docs.
check_installed_plugin() {
	[ "$(readlink -f "$DEBIAN_PLUGIN")" = "$SYSTEM_PLUGIN" ] ||
		fail "installed: $DEBIAN_PLUGIN is not $SYSTEM_PLUGIN"
	diff -r "$top_srcdir/conf/roundcube/mailsec" "$SYSTEM_PLUGIN" |
		grep -v "^Only in $SYSTEM_PLUGIN" | grep . &&
		fail "installed: $SYSTEM_PLUGIN differs from conf/roundcube/mailsec"
	[ "$(stat -c '%a %U %G' "$SYSTEM_SUDOERS" 2>/dev/null)" = "440 root root" ] ||
		fail "installed: $SYSTEM_SUDOERS is not there, 0440 root:root"
	# The tree's line names the paths of README's Debian configure line.
	cmp "$top_srcdir/conf/sudoers.d/mailsec-webmail" "$SYSTEM_SUDOERS" ||
		fail "installed: $SYSTEM_SUDOERS differs from conf/sudoers.d/mailsec-webmail"
	visudo -cqf "$SYSTEM_SUDOERS" || fail "installed: visudo -cf $SYSTEM_SUDOERS"
	echo "ok - installed: the plugin, its link and the sudoers line"
}

if [ "$INSTALLED" = 1 ]; then
	export MAILSEC_CONFIG=$SYSTEM_CONFIG
	installed_preflight
fi

T=$(mktemp -d)
chmod 711 "$T"
SUDOERS=
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	local status=$? group
	[ -n "$SUDOERS" ] && rm -f "$SUDOERS"
	if [ -f "$T/php.pid" ]; then
		group=$(cat "$T/php.pid")
		kill -TERM -- "-$group" 2>/dev/null
		for _ in $(seq 25); do
			kill -0 -- "-$group" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL -- "-$group" 2>/dev/null
	fi
	servers_stop "$T"
	if [ "$INSTALLED" = 1 ] && ! installed_undo; then
		status=1
	fi
	servers_remove "$T"
	exit "$status"
}
trap cleanup EXIT

# --- the store, the PAM stacks, the servers ---
if [ "$INSTALLED" = 1 ]; then
	STATE_DIR=$(setting state_dir) USERS_DIR=$(setting users_dir)
	STATE_DIR=${STATE_DIR:-/var/lib/mailsec} USERS_DIR=${USERS_DIR:-/etc/mailsec/users}
	installed_setup || fail "installed: the PAM stacks in /etc/pam.d"
	# As in the default mode: codes of steps ahead of now without waiting
	# (browser.mjs reads the window), room for the wrong codes it types.
	# installed_undo puts the file back byte for byte.
	# And the live sessions of this run's Dovecot, not the system's, end
	# (the shipped kick_command, pointed at it with -c).
	grep -q '^kick_command = \[ "/usr/bin/doveadm", "kick", "%m" \];$' "$SYSTEM_CONFIG" ||
		fail "installed: mailsec.conf's kick_command is not the shipped one"
	sed -i -e 's/^\([[:space:]]*window[[:space:]]*=[[:space:]]*\)[0-9]*;/\13;/' \
		-e 's/^\([[:space:]]*max_failures[[:space:]]*=[[:space:]]*\)[0-9]*;/\120;/' \
		-e "s|^kick_command = \[ \"/usr/bin/doveadm\", \"kick\"|kick_command = [ \"/usr/bin/doveadm\", \"-c\", \"$T/root/etc/dovecot/dovecot.conf\", \"kick\"|" \
		"$SYSTEM_CONFIG" || fail "installed: mailsec.conf's window"
	"$MAILSECCTL" check-config >/dev/null || fail "installed: mailsec.conf after the edit"
	check_installed_plugin
	stack_config=
else
	cat >"$T/mailsec.conf" <<CONF
users_dir = "$T/users";
state_dir = "$T/state";
# Codes of steps ahead of now without waiting (browser.mjs).
totp = { window = 3; };
lockout = { max_failures = 20; within = 300; lock_for = 900; };
# As the shipped kick_command, for this run's Dovecot.
kick_command = [ "/usr/bin/doveadm", "-c", "$T/root/etc/dovecot/dovecot.conf", "kick", "%m" ];
CONF
	export MAILSEC_CONFIG="$T/mailsec.conf"
	stack_config=$MAILSEC_CONFIG
fi
printf 'alice-secret\n' | "$MAILSECCTL" add alice@example.com >/dev/null ||
	fail "mailsecctl add alice@example.com"
# Debian's Dovecot and Postfix wired as the docs say (tests/e2e/servers.sh),
# the webmail's client certificate among them: its key is www-data's only.
servers_setup "$T" "$MAILSEC_MODULE" "$stack_config" ||
	fail "the servers' configuration"
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

# --- default mode: mailsecctl for the plugin through sudo -n and a
#     root-owned wrapper that puts it under pam_wrapper with this run's
#     stacks and store ---
if [ "$INSTALLED" != 1 ]; then
	cat >"$T/mailsecctl" <<WRAP
#!/bin/sh
exec env LD_PRELOAD=$PAM_WRAPPER_SO PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/root/etc/pam.d \\
	MAILSEC_CONFIG=$T/mailsec.conf $MAILSECCTL "\$@"
WRAP
	chmod 755 "$T/mailsecctl"
	echo "www-data ALL=(root) NOPASSWD: $T/mailsecctl self *" >"$T/sudoers"
	visudo -cqf "$T/sudoers" || fail "sudoers drop-in"
	SUDOERS=/etc/sudoers.d/mailsec-test-$$
	install -m 0440 "$T/sudoers" "$SUDOERS"
fi

# --- Roundcube: a private install directory ---
W=$T/rc
mkdir -p "$W/config" "$W/plugins" "$W/db" "$W/logs" "$W/temp"
for f in program SQL skins; do ln -s "$RC/$f" "$W/$f"; done
ln -s "$RC/index.php" "$W/index.php"
for f in defaults.inc.php mimetypes.php; do ln -s "/etc/roundcube/$f" "$W/config/"; done
for p in "$RC"/plugins/*; do
	[ "$p" = "$SYSTEM_PLUGIN" ] || ln -s "$p" "$W/plugins/"
done
if [ "$INSTALLED" = 1 ]; then
	ln -s "$DEBIAN_PLUGIN" "$W/plugins/mailsec"
else
	ln -s "$(cd "$top_srcdir/conf/roundcube/mailsec" && pwd)" "$W/plugins/mailsec"
fi

# readme_php TEXT: the first ```php block of conf/roundcube/README.md after
# the line that holds TEXT.
readme_php() {
	awk -v after="$1" '!found && index($0, after) { found = 1; next }
		found && !inblock && $0 == "```php" { inblock = 1; next }
		inblock && $0 == "```" { exit }
		inblock { print }' "$top_srcdir/conf/roundcube/README.md"
}

# localize_php: the tests' address, ports and TLS directory in README's
# lines (tests/e2e/servers.sh's localize for Roundcube).
localize_php() {
	sed -e "s|'ssl://$SHIPPED_WEBMAIL_HOST:$SHIPPED_WEBMAIL'|'ssl://$WEBMAIL_HOST:$WEBMAIL'|" \
		-e "s|'ssl://$SHIPPED_WEBMAIL_HOST:$SHIPPED_WEBMAIL_SMTP'|'ssl://$WEBMAIL_HOST:$WEBMAIL_SMTP'|" \
		-e "s|'/etc/mailsec/tls/|'$tls/|" \
		-e "s|'peer_name' => '$SHIPPED_WEBMAIL_HOST'|'peer_name' => '$WEBMAIL_HOST'|"
}

CONFIG=$W/config/config.inc.php
{
	cat <<CONF
<?php
\$config = [];
// Test-only: the private install directory's database, logs and temp
// (Debian: dbconfig-common, /var/log/roundcube, /var/lib/roundcube/temp),
// a des_key of its own (Debian's postinst makes one), and the name and
// skin the help articles' screenshots show.
\$config['db_dsnw'] = 'sqlite:///$W/db/roundcube.db?mode=0640';
\$config['log_dir'] = '$W/logs/';
\$config['temp_dir'] = '$W/temp/';
\$config['des_key'] = '$(head -c 18 /dev/urandom | base64)';
\$config['product_name'] = 'Webmail';
\$config['skin'] = 'elastic';
// conf/roundcube/README.md, with the tests' address, ports and TLS
// directory (tests/e2e/servers.sh) for its own.
CONF
	readme_php '## config.inc.php' | localize_php
	readme_php 'beside the settings above' | localize_php
	if [ "$INSTALLED" != 1 ]; then
		echo '// Test-only: the wrapper of this run.'
		echo "\$config['mailsec_ctl'] = ['/usr/bin/sudo', '-n', '$T/mailsecctl'];"
	fi
	echo '// Test-only: the servers a new app password names (its screenshot).'
	echo "\$config['mailsec_app_imap_host'] = 'mail.example.com';"
	echo "\$config['mailsec_app_smtp_host'] = 'mail.example.com';"
} >"$CONFIG"
settings=$(grep -v '^ *//' "$CONFIG")
if ! grep -q "imap_host" <<<"$settings" ||
	! grep -q "'plugins'\]\[\] = 'mailsec'" <<<"$settings"; then
	fail "config.inc.php: conf/roundcube/README.md's lines not found"
fi
grep -q -e "${SHIPPED_WEBMAIL_HOST//./\\.}" -e "'/etc/mailsec/" <<<"$settings" &&
	fail "config.inc.php: README's lines name an address or path not replaced here"
if [ "$INSTALLED" = 1 ] && grep -q mailsec_ctl <<<"$settings"; then
	fail "config.inc.php: sets mailsec_ctl (installed: the plugin's default)"
fi
php -l "$CONFIG" >/dev/null || fail "config.inc.php: php -l"
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
WEBMAIL_HOST=$WEBMAIL_HOST TLS_DIR="$tls" RC_LOG_DIR="$W/logs" \
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
