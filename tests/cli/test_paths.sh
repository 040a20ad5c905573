#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# One source for the installed paths. The build's man pages, sample
# mailsec.conf and sudoers line name the paths this build uses; and the
# configure line README.md gives for Debian yields exactly the paths the
# sources state (man pages, conf/mailsec.conf, the sudoers line) and the
# Roundcube plugin's default mailsecctl: the sources are that build's.
# make install stages the files README.md's table lists, conf/wire-debian
# with the files it reads beside it.
#
#   MAILSECCTL=BUILD/mailsecctl/mailsecctl top_srcdir=... tests/cli/test_paths.sh
set -u
export LC_ALL=C
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../common.sh
. "$top_srcdir/tests/common.sh"
[ -x "${MAILSECCTL:-}" ] || { echo "MAILSECCTL must name the built mailsecctl" >&2; exit 1; }
build=$(cd "$(dirname "$MAILSECCTL")/.." && pwd)

# make without the settings of the make that runs this test.
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory "$@"
}

# value_in BUILD VAR: make's value of VAR in the configured tree BUILD.
value_in() {
	# shellcheck disable=SC2016
	printf 'include Makefile\nprint-value:\n\t@echo $(%s)\n' "$2" |
		submake -C "$1" -f - print-value
}

# ok DESCRIPTION COMMAND...: COMMAND succeeds.
ok() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# names FILE TEXT: FILE holds TEXT.
names() {
	if grep -qF -- "$2" "$1"; then pass "$(basename "$1") names $2"; else fail "$1 lacks $2"; fi
}

group "this build's files name its paths"
sbindir=$(value_in "$build" sbindir)
pamdir=$(value_in "$build" pamdir)
names "$build/man/mailsecctl.8" "$sbindir/mailsecctl self"
names "$build/man/mailsecctl.8" "$(value_in "$build" mailsec_conf)"
names "$build/man/mailsecctl.8" "$(value_in "$build" bashcompletiondir)/mailsecctl"
names "$build/man/pam_mailsec.8" "$pamdir/pam_mailsec.so"
names "$build/man/pam_mailsec.8" "$(value_in "$build" mailsec_statedir)/MAILBOX.state"
names "$build/man/mailsec.conf.5" "$(value_in "$build" mailsec_usersdir)/MAILBOX.conf"
names "$build/examples/mailsec-webmail" "NOPASSWD: $sbindir/mailsecctl self *"
names "$build/examples/mailsec.conf" "\"$(value_in "$build" mailsec_statedir)\""
names "$build/config.h" "\"$(value_in "$build" mailsec_conf)\""

D=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-paths.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT

group "make install DESTDIR= stages these files and no others"
stage=$D/stage
if submake -C "$build" install DESTDIR="$stage" >"$D/install.log" 2>&1; then
	pass "make install DESTDIR=$stage"
else
	fail "make install DESTDIR=$stage" "$(tail -n 5 "$D/install.log")"
fi
mandir=$(value_in "$build" mandir)
pkgdatadir=$(value_in "$build" pkgdatadir)
wired="wire-debian tls/mailsec-webmail-certs pam.d/imap pam.d/pop3 pam.d/smtp
	pam.d/webmail pam.d/webmail-nocert dovecot/90-mailsec.conf postfix/master.cf
	postfix/main.cf"
expected=$(
	printf '%s\n' "$sbindir/mailsecctl" "$pamdir/pam_mailsec.so" \
		"$(value_in "$build" mailsec_conf)" \
		"$mandir/man5/mailsec.conf.5" "$mandir/man8/mailsecctl.8" "$mandir/man8/pam_mailsec.8" \
		"$(value_in "$build" bashcompletiondir)/mailsecctl" \
		"$(value_in "$build" docdir)/examples/mailsec-webmail"
	for file in $wired; do echo "$pkgdatadir/$file"; done
	# The PostgreSQL driver, when configure builds it.
	if [ -n "$(value_in "$build" pkglib_LTLIBRARIES)" ]; then
		echo "$(value_in "$build" pkglibdir)/store_postgresql.so"
	fi
)
installed=$(cd "$stage" && find . -type f | sed 's|^\.||')
if [ "$(sort <<<"$expected")" = "$(sort <<<"$installed")" ]; then
	pass "the files installed are the expected ones"
else
	fail "the files installed differ from the expected ones" \
		"$(diff <(sort <<<"$expected") <(sort <<<"$installed"))"
fi
for dir in "$(value_in "$build" mailsec_usersdir)" "$(value_in "$build" mailsec_statedir)"; do
	ok "$dir: 0700" [ "$(stat -c %a "$stage$dir" 2>/dev/null)" = 700 ]
done
# wire-debian finds the files it reads beside itself, as in conf/.
for file in $wired; do
	ok "$pkgdatadir/$file is conf/$file" cmp -s "$top_srcdir/conf/$file" "$stage$pkgdatadir/$file"
done
for file in wire-debian tls/mailsec-webmail-certs; do
	ok "$pkgdatadir/$file is executable" [ -x "$stage$pkgdatadir/$file" ]
done

group "the Debian configure line of README.md gives the sources' paths"
line="--prefix=/usr --sysconfdir=/etc --localstatedir=/var"
ok "README.md gives: ./configure $line" grep -qF -- "./configure $line" "$top_srcdir/README.md"
if [ -e "$top_srcdir/config.status" ]; then
	echo "SKIP: the source tree is configured in place; a second build cannot be made beside it"
	finish
fi
# shellcheck disable=SC2086
(cd "$D" && "$top_srcdir/configure" -q $line >/dev/null &&
	submake man/mailsecctl.8 man/pam_mailsec.8 man/mailsec.conf.5 \
		examples/mailsec.conf examples/mailsec-webmail >/dev/null) ||
	{ fail "configure $line"; finish; }
pam_libdir=$(pkg-config --variable=libdir pam)
for pair in man/mailsecctl.8:mailsecctl/mailsecctl.8 man/pam_mailsec.8:pam_mailsec/pam_mailsec.8 \
	man/mailsec.conf.5:conf/mailsec.conf.5 examples/mailsec.conf:conf/mailsec.conf \
	examples/mailsec-webmail:conf/sudoers.d/mailsec-webmail; do
	built=${pair%%:*} source=${pair#*:}
	# The sources state the amd64 PAM dir; elsewhere it is libpam's own.
	if sed "s|/lib/x86_64-linux-gnu/security|$pam_libdir/security|g" \
		"$top_srcdir/$source" | cmp -s - "$D/$built"; then
		pass "$built is $source as it stands"
	else
		fail "$built differs from $source" "$(diff "$top_srcdir/$source" "$D/$built" | head -5)"
	fi
done
ok "PAM dir: $pam_libdir/security (pkg-config)" \
	[ "$(value_in "$D" pamdir)" = "$pam_libdir/security" ]
ctl="$(value_in "$D" sbindir)/mailsecctl"
ok "mailsecctl: /usr/sbin/mailsecctl" [ "$ctl" = /usr/sbin/mailsecctl ]
ok "the sudoers line runs $ctl" \
	grep -qF "NOPASSWD: $ctl self *" "$top_srcdir/conf/sudoers.d/mailsec-webmail"
plugin_default=$(grep -F "get('mailsec_ctl'" "$top_srcdir/conf/roundcube/mailsec/mailsec.php")
ok "the plugin's default mailsec_ctl runs $ctl" grep -qF "'$ctl'" <<<"$plugin_default"

finish
