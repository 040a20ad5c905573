#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Debian packages of debian/: built from a clean copy of the tree (its
# commit, with the uncommitted changes to tracked files) with
# dpkg-buildpackage, lintian-clean (no E: or W: tag); then, as root on a
# machine without pam_mailsec, installed with apt-get (offline: every
# dependency must be there, .ci/install-deps), used, removed, purged, and
# the machine compared with a snapshot taken before: the packages, the
# files under /etc /usr /var/lib with their modes and owners, the users
# and groups. Any difference fails. Not part of make check: tests/run-all
# runs it after make check. By hand, as root:
#
#   flock /tmp/mailsec-e2e.lock tests/pkg/test_deb.sh
#
# Exit 77 (SKIP) with the reason when the install part cannot run; the
# build and lintian have run by then.
set -u
export LC_ALL=C
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../common.sh
. "$top_srcdir/tests/common.sh"
PACKAGES=(libpam-mailsec roundcube-plugin-mailsec)
PAMDIR=/lib/x86_64-linux-gnu/security
# The PostgreSQL driver, which the library loads (pkglibdir).
PGDRIVER=/usr/lib/x86_64-linux-gnu/pam_mailsec/store_postgresql.so
PLUGIN=/usr/share/roundcube/plugins/mailsec
SUDOERS=/etc/sudoers.d/mailsec-webmail
# What changes on a machine by itself, whatever the test does (/var/cache,
# /var/log and /tmp are not looked at).
VOLATILE=(/var/lib/apt/lists /var/lib/apt/periodic /var/lib/systemd
	/var/lib/php/sessions /var/lib/logrotate /var/lib/dhcp)

skip() {
	echo "SKIP: $*"
	exit 77
}

for tool in git dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/install-deps)"
done
# (An unpacked tarball may lie inside some other checkout.)
[ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ] ||
	skip "$top_srcdir is no git checkout: nothing to take a clean copy of"

T=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-deb.XXXXXX") || exit 1
INSTALLED=
MADE_VMAIL=
# The paths the packages make, none there before the install part (its
# precondition): what a purge leaves of them goes too, after the checks.
OURS=(/usr/sbin/mailsecctl /lib/x86_64-linux-gnu/security/pam_mailsec.so /etc/mailsec
	/var/lib/mailsec /etc/sudoers.d/mailsec-webmail /var/lib/roundcube/plugins/mailsec
	/usr/share/roundcube/plugins/mailsec /usr/lib/x86_64-linux-gnu/pam_mailsec)
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
	if [ -n "$INSTALLED" ]; then
		apt-get purge -y -q "${PACKAGES[@]}" >>"$T/apt.log" 2>&1 9>&-
		INSTALLED=
		rm -rf "${OURS[@]}"
	fi
	if [ -n "$MADE_VMAIL" ]; then
		userdel vmail 2>/dev/null
		MADE_VMAIL=
	fi
}
trap 'cleanup; rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

# --- build --------------------------------------------------------------
group "dpkg-buildpackage -us -uc -b from a clean copy of the tree"
started=$SECONDS
commit=$(git -C "$top_srcdir" stash create) || commit=
[ -n "$commit" ] && echo "(the tree has uncommitted changes: building them too)"
mkdir "$T/src"
# git archive's default tar.umask (0002) makes directories 0775, which
# root's tar keeps; the driver's trust check (and an administrator) would
# refuse a group-writable tree. A source package unpacks 0755.
if ! git -C "$top_srcdir" -c tar.umask=0022 archive "${commit:-HEAD}" |
	tar -x -C "$T/src"; then
	fail "git archive of $top_srcdir"
	finish
fi
if (cd "$T/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$T/build.log" 2>&1; then
	pass "built in $((SECONDS - started)) s: $(cd "$T" && echo ./*.deb)"
else
	fail "dpkg-buildpackage" "$(tail -n 40 "$T/build.log")"
	finish
fi
version=$(dpkg-parsechangelog -l "$T/src/debian/changelog" -S Version)
ac_version=$(sed -n 's/^AC_INIT(\[[^]]*\], \[\([^]]*\)\].*/\1/p' "$T/src/configure.ac")
if [ "$version" = "$ac_version" ]; then
	pass "version $version is configure.ac's"
else
	fail "debian/changelog's version $version is not configure.ac's $ac_version"
fi
if grep -qE '^# (FAIL|ERROR): +[1-9]' "$T/build.log" ||
	! grep -qE '^# PASS: +[1-9]' "$T/build.log"; then
	fail "dh_auto_test ran no suite or one failed"
else
	pass "dh_auto_test: $(grep -E '^# (TOTAL|PASS|SKIP):' "$T/build.log" | tr -s ' ' | paste -sd ' ')"
fi

group "lintian"
lintian "$T"/pam-mailsec_*.changes >"$T/lintian.log" 2>&1
status=$?
cat "$T/lintian.log"
if [ "$status" -gt 1 ]; then
	fail "lintian did not run (exit $status)"
elif grep -qE '^[EW]: ' "$T/lintian.log"; then
	fail "lintian: $(grep -cE '^[EW]: ' "$T/lintian.log") E: or W: tags (above)"
else
	pass "no E: or W: tag"
fi

# --- install, use, purge (root, a machine without pam_mailsec) ----------------
[ "$N_FAIL" -eq 0 ] || finish
[ "$(id -u)" = 0 ] || skip "installing the packages needs root"
# Held from the checks of the machine to the last snapshot (children that
# may outlive a command get the descriptor closed: 9>&-).
exec 9>/tmp/mailsec-system.lock
flock 9
for path in "${OURS[@]}"; do
	if [ -e "$path" ] || [ -L "$path" ]; then
		skip "$path exists: pam_mailsec is installed here; the install test needs a machine without it"
	fi
done
for pkg in "${PACKAGES[@]}"; do
	case $(dpkg-query -W -f '${db:Status-Abbrev}' "$pkg" 2>/dev/null) in
	'' | ?n*) ;;
	*) skip "$pkg is installed (or its configuration files are)" ;;
	esac
done
for pkg in roundcube-core sudo; do
	dpkg-query -W -f '${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' ||
		skip "$pkg is not installed (.ci/install-deps): the install must not download"
done

# snapshot PREFIX: what the machine has, in PREFIX.packages, .files,
# .passwd and .group.
snapshot() {
	local prune=() dir
	for dir in "${VOLATILE[@]}"; do
		prune+=(-path "$dir" -prune -o)
	done
	dpkg-query -W -f '${binary:Package} ${Version} ${db:Status-Abbrev}\n' | sort >"$1.packages"
	find /etc /usr /var/lib -xdev "${prune[@]}" -printf '%p %m %u %g %y\n' | sort >"$1.files"
	getent passwd | sort >"$1.passwd"
	getent group | sort >"$1.group"
}

# ok DESCRIPTION COMMAND...: COMMAND succeeds.
ok() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# has_mode PATH MODE: PATH is there, of mode MODE, root's.
has_mode() {
	local got
	got=$(stat -c '%a %U:%G' "$1" 2>/dev/null)
	if [ "$got" = "$2 root:root" ]; then
		pass "$1 $2 root"
	else
		fail "$1: ${got:-missing}, not $2 root:root"
	fi
}

# absent PATH...: none of PATH is there.
absent() {
	local path
	for path in "$@"; do
		if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is still there"; else pass "$path is gone"; fi
	done
}

# apt LOG ARGS...: apt-get ARGS, its output appended to $T/LOG.
apt() {
	local log=$T/$1
	shift
	DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@" >>"$log" 2>&1 9>&-
}

install_packages() {
	group "apt-get install of both packages, offline"
	local debs=("$T"/libpam-mailsec_*.deb "$T"/roundcube-plugin-mailsec_*.deb) more
	# Nothing to download: every dependency is on the machine already.
	more=$(apt-get -s install --no-install-recommends "${debs[@]}" 2>&1 9>&- |
		awk '$1 == "Inst" && $2 != "libpam-mailsec" && $2 != "roundcube-plugin-mailsec" {print $2}')
	if [ -n "$more" ]; then
		fail "apt-get would install more than the two packages:" "$more"
		return 1
	fi
	INSTALLED=1
	if apt apt.log install --no-install-recommends "${debs[@]}"; then
		pass "installed"
	else
		fail "apt-get install" "$(tail -n 20 "$T/apt.log")"
		return 1
	fi
}

check_libpam_files() {
	group "libpam-mailsec: files and modes"
	local file conffiles
	has_mode /usr/sbin/mailsecctl 755
	has_mode "$PAMDIR/pam_mailsec.so" 644
	absent "$PAMDIR/pam_mailsec.la"
	has_mode "$PGDRIVER" 644
	absent "${PGDRIVER%.so}.la"
	has_mode /etc/mailsec 755
	has_mode /etc/mailsec/mailsec.conf 644
	has_mode /etc/mailsec/users 700
	has_mode /var/lib/mailsec 700
	for file in man8/mailsecctl.8.gz man8/pam_mailsec.8.gz man5/mailsec.conf.5.gz; do
		has_mode "/usr/share/man/$file" 644
	done
	has_mode /usr/share/bash-completion/completions/mailsecctl 644
	has_mode /usr/share/pam_mailsec/wire-debian 755
	has_mode /usr/share/pam_mailsec/tls/mailsec-webmail-certs 755
	for file in wire-debian tls/mailsec-webmail-certs pam.d/imap pam.d/pop3 pam.d/smtp \
		pam.d/webmail pam.d/webmail-nocert dovecot/90-mailsec.conf \
		postfix/master.cf postfix/main.cf; do
		ok "/usr/share/pam_mailsec/$file is conf/$file" \
			cmp -s "$T/src/conf/$file" "/usr/share/pam_mailsec/$file"
	done
	conffiles=$(dpkg-query -W -f '${Conffiles}\n' libpam-mailsec)
	ok "/etc/mailsec/mailsec.conf is a conffile" grep -q '^ /etc/mailsec/mailsec.conf ' <<<"$conffiles"
}

check_plugin_files() {
	group "roundcube-plugin-mailsec: files and modes"
	has_mode "$SUDOERS" 440
	ok "visudo -cf $SUDOERS" visudo -qcf "$SUDOERS"
	ok "$SUDOERS runs /usr/sbin/mailsecctl self" \
		grep -qxF 'www-data ALL=(root) NOPASSWD: /usr/sbin/mailsecctl self *' "$SUDOERS"
	ok "/var/lib/roundcube/plugins/mailsec -> $PLUGIN" \
		[ "$(readlink /var/lib/roundcube/plugins/mailsec)" = "$PLUGIN" ]
	ok "Roundcube sees the plugin" [ -f /var/lib/roundcube/plugins/mailsec/mailsec.php ]
	ok "$PLUGIN is conf/roundcube/mailsec" diff -r "$T/src/conf/roundcube/mailsec" "$PLUGIN"
	ok "the plugin is not enabled" \
		eval "! grep -qs \"'mailsec'\" /etc/roundcube/config.inc.php"
}

use_mailsecctl() {
	group "mailsecctl on the real store"
	local box=deb-test@example.com
	ok "check-config with the conffile" env -u MAILSEC_CONFIG /usr/sbin/mailsecctl check-config
	ok "add $box" eval "printf 'deb-test-password\n' |
		env -u MAILSEC_CONFIG /usr/sbin/mailsecctl add $box >/dev/null"
	ok "show $box" eval "env -u MAILSEC_CONFIG /usr/sbin/mailsecctl --json show $box |
		jq -e '.mailbox == \"$box\" and .\"2fa\" == \"off\"' >/dev/null"
	has_mode "/etc/mailsec/users/$box.conf" 600
}

# wire_root_copy: the installed wire-debian on a copy of Debian's default
# Postfix and Dovecot configuration.
wire_root_copy() {
	group "/usr/share/pam_mailsec/wire-debian on a ROOT copy"
	local r=$T/root
	mkdir -p "$r/etc/postfix" "$r/etc/dovecot/conf.d" "$r/etc/pam.d"
	cp /usr/share/postfix/main.cf.debian "$r/etc/postfix/main.cf"
	cp /usr/share/postfix/master.cf.dist "$r/etc/postfix/master.cf"
	cp /etc/dovecot/conf.d/10-auth.conf "$r/etc/dovecot/conf.d/"
	id vmail >/dev/null 2>&1 || MADE_VMAIL=1
	ok "wire-debian $r" eval "/usr/share/pam_mailsec/wire-debian '$r' >'$T/wire.log' 2>&1"
	ok "the webmail stack installed" cmp -s /usr/share/pam_mailsec/pam.d/webmail "$r/etc/pam.d/webmail"
	ok "Dovecot's system passdb off" grep -q '^#!include auth-system' "$r/etc/dovecot/conf.d/10-auth.conf"
	ok "Postfix's submission service" grep -q '^submission ' "$r/etc/postfix/master.cf"
	ok "the webmail's CA" [ -f "$r/etc/mailsec/tls/ca.pem" ]
}

# webmail_installed: tests/e2e/test_webmail.sh on the installed packages,
# where it has that mode.
webmail_installed() {
	group "tests/e2e/test_webmail.sh on the installed packages"
	local script=$T/src/tests/e2e/test_webmail.sh status
	if ! grep -q MAILSEC_INSTALLED "$script"; then
		echo "SKIP part: test_webmail.sh has no installed mode (MAILSEC_INSTALLED) yet"
		return
	fi
	(cd "$T" && MAILSEC_INSTALLED=1 MAILSECCTL=/usr/sbin/mailsecctl \
		MAILSEC_MODULE="$PAMDIR/pam_mailsec.so" top_srcdir="$T/src" \
		SHOTS="$T/screenshots" "$script") >"$T/webmail.log" 2>&1 9>&-
	status=$?
	if [ "$status" = 0 ]; then
		pass "test_webmail.sh, installed mode: $(grep -c "^ok " "$T/webmail.log") checks passed"
	elif [ "$status" = 77 ]; then
		echo "SKIP part: $(grep -m1 SKIP "$T/webmail.log")"
	else
		fail "test_webmail.sh exit $status" "$(tail -n 30 "$T/webmail.log")"
	fi
}

# remove_then_purge: remove keeps the records, state and conffiles; purge
# removes everything.
remove_then_purge() {
	group "apt-get remove keeps the records; purge removes all"
	ok "apt-get remove" apt apt.log remove "${PACKAGES[@]}"
	absent /usr/sbin/mailsecctl "$PAMDIR/pam_mailsec.so" "$PLUGIN" /var/lib/roundcube/plugins/mailsec
	ok "records kept" [ -f /etc/mailsec/users/deb-test@example.com.conf ]
	ok "state kept" [ -d /var/lib/mailsec ]
	ok "mailsec.conf kept" [ -f /etc/mailsec/mailsec.conf ]
	ok "apt-get purge" apt apt.log purge "${PACKAGES[@]}"
	absent "${OURS[@]}"
}

snapshot "$T/before"
if install_packages; then
	check_libpam_files
	check_plugin_files
	use_mailsecctl
	wire_root_copy
	webmail_installed
	remove_then_purge
fi
cleanup
snapshot "$T/after"
flock -u 9

group "the machine after purge is as before"
for part in packages files passwd group; do
	if diff -u "$T/before.$part" "$T/after.$part" >"$T/diff.$part"; then
		pass "$part: unchanged"
	else
		fail "$part differ" "$(head -n 40 "$T/diff.$part")"
	fi
done
echo "test_deb.sh: $((SECONDS - started)) s in all"
finish
