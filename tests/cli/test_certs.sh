#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# conf/tls/mailsec-webmail-certs, the webmail's CA: what init makes and
# with which modes, that a second init changes nothing and nothing is
# overwritten, that the certificates are for their uses and verify with
# the CRL, and that revoke takes a certificate out of both the CRL and
# Postfix's fingerprint table; which server names are addresses; that a
# run failing halfway (an openssl wrapper fails on one argument) leaves no
# key without its certificate and that the next run puts the table right.
# The key owner (-u) only as root. Needs openssl (else exit 77).
#
#   top_srcdir=... tests/cli/test_certs.sh
set -u
export LC_ALL=C
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../common.sh
. "$top_srcdir/tests/common.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }

certs=$top_srcdir/conf/tls/mailsec-webmail-certs
D=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-certs.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT
T=$D/tls

# ok DESCRIPTION COMMAND...: COMMAND succeeds.
ok() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what" "$*"; fi
}

# no DESCRIPTION COMMAND...: COMMAND fails.
no() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$what" "$*"; else pass "$what"; fi
}

mode_of() { stat -c %a "$1"; }

# shellcheck disable=SC2317 # called through ok and no
verifies() { openssl verify -CAfile "$T/ca-crl.pem" -crl_check "$1"; }

# shellcheck disable=SC2317
has_use() { openssl x509 -in "$1" -noout -ext extendedKeyUsage | grep -q "$2"; }

owner=
[ "$(id -u)" = 0 ] && owner=nobody

# openssl that fails when one of its arguments is $FAIL_OPENSSL.
mkdir "$D/bin"
cat >"$D/bin/openssl" <<WRAPPER
#!/bin/sh
for arg; do
	[ "\$arg" != "\${FAIL_OPENSSL:-}" ] || { echo "openssl \$arg: fails for the test" >&2; exit 1; }
done
exec $(command -v openssl) "\$@"
WRAPPER
chmod 0755 "$D/bin/openssl"

# failing ARG COMMAND...: COMMAND with an openssl that fails on ARG.
# shellcheck disable=SC2317
failing() {
	local arg=$1
	shift
	PATH=$D/bin:$PATH FAIL_OPENSSL=$arg "$@"
}

# san FILE: the subjectAltName of the certificate FILE, on one line.
san() { openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | sed -n '2s/^ *//p'; }

# temporaries DIR: what a run left under a temporary name.
temporaries() { find "$1" -maxdepth 1 -name '.new-*'; }

# table_has DIR NAME: DIR's table has NAME.pem's fingerprint.
# shellcheck disable=SC2317
table_has() {
	local print
	print=$(openssl x509 -in "$1/$2.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
	grep -qx "$print $2" "$1/fingerprints"
}

group "init"
ok "init makes the CA, the listeners' and the webmail's certificates" \
	"$certs" "$T" init 127.0.0.2 mail.test ${owner:+-u "$owner"}
for file in ca.pem server.pem webmail.pem crl.pem ca-crl.pem fingerprints; do
	ok "$file is 0644" test "$(mode_of "$T/$file")" = 644
done
ok "ca.key is 0600" test "$(mode_of "$T/ca.key")" = 600
ok "server.key is 0600" test "$(mode_of "$T/server.key")" = 600
if [ -n "$owner" ]; then
	ok "webmail.key is 0400, the key owner's" \
		test "$(stat -c '%a %U' "$T/webmail.key")" = "400 nobody"
else
	echo "SKIP: -u KEY_OWNER needs root"
	ok "webmail.key is 0600 without -u" test "$(mode_of "$T/webmail.key")" = 600
fi
ok "the server certificate verifies with the CRL" verifies "$T/server.pem"
ok "the webmail's certificate verifies with the CRL" verifies "$T/webmail.pem"
ok "the server certificate is for a server" has_use "$T/server.pem" "Server Authentication"
ok "the webmail's certificate is for a client" has_use "$T/webmail.pem" "Client Authentication"
no "the webmail's certificate is not for a server" has_use "$T/webmail.pem" "Server Authentication"
ok "the server certificate names 127.0.0.2 and mail.test" eval \
	"openssl x509 -in '$T/server.pem' -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.2, DNS:mail.test'"
print=$(openssl x509 -in "$T/webmail.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
ok "the table holds the webmail's fingerprint" grep -qx "$print webmail" "$T/fingerprints"

group "again: nothing changes, nothing is overwritten"
before=$(cd "$T" && sha256sum ./*.pem ./*.key fingerprints)
ok "a second init succeeds" "$certs" "$T" init 127.0.0.2
ok "and changes no file" test "$before" = "$(cd "$T" && sha256sum ./*.pem ./*.key fingerprints)"
no "client webmail refuses: it exists" "$certs" "$T" client webmail
no "a client may not be named server" "$certs" "$T" client server
no "nor ../x" "$certs" "$T" client ../x
mv "$T/server.key" "$D/"
no "a certificate without its key is refused" "$certs" "$T" init 127.0.0.2
ok "and left as it was" test ! -e "$T/server.key"
mv "$D/server.key" "$T/"
if [ -n "$owner" ]; then
	N=$D/owner
	"$certs" "$N" init mail.test >/dev/null
	"$certs" "$N" init mail.test -u "$owner" >/dev/null
	ok "init -u gives a kept webmail.key to the key owner, 0400" \
		test "$(stat -c '%a %U' "$N/webmail.key")" = "400 $owner"
else
	echo "SKIP: init -u on a kept key needs root"
fi

group "server names: DNS names and IP addresses"
ok "init cafe.be beef (hex digits and a dot)" "$certs" "$D/hex" init cafe.be beef
ok "are DNS names" test "$(san "$D/hex/server.pem")" = "DNS:cafe.be, DNS:beef"
ok "init with IPv6 addresses" "$certs" "$D/v6" init ::1 2001:db8::1 ::ffff:192.0.2.1
ok "names them as addresses" test "$(san "$D/v6/server.pem")" = \
	"IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:C000:201"
for name in 256.0.0.1 1.2.3 127.000.0.1 1:2:3:4:5:6:7:8:9 12345::1 :1 a..b 'a,IP:1.2.3.4' -a; do
	no "init $name is refused" "$certs" "$D/bad" init "$name"
done
ok "before anything is made" test ! -e "$D/bad"

group "a run that fails halfway"
no "init fails when openssl req does (the CA)" failing req "$certs" "$D/h1" init mail.test
ok "and leaves no ca.key without ca.pem" test ! -e "$D/h1/ca.key"
N=$D/h2
no "init fails when openssl ca does (the server certificate)" failing ca "$certs" "$N" init mail.test
ok "and leaves no server.key without server.pem" test ! -e "$N/server.key"
ok "nor a temporary file" test -z "$(temporaries "$N")"
ok "the next init makes them" "$certs" "$N" init mail.test
failing x509 "$certs" "$D/h3" init mail.test >/dev/null 2>&1
ok "after a run where openssl x509 failed (the fingerprint), init" "$certs" "$D/h3" init mail.test
ok "puts the webmail's fingerprint in the table" table_has "$D/h3" webmail
: >"$N/fingerprints"
ok "a run after the table lost a line" "$certs" "$N" client webmail2
ok "puts it back" table_has "$N" webmail
ok "with the new one" table_has "$N" webmail2
cp "$N/webmail2.pem" "$D/webmail2.pem"
no "revoke fails when the CRL cannot be made" failing -gencrl "$certs" "$N" revoke webmail2
ok "revoke again finishes it" "$certs" "$N" revoke webmail2
no "it does not verify with the CRL" openssl verify -CAfile "$N/ca-crl.pem" -crl_check "$D/webmail2.pem"
ok "it left the table" test "$(cut -d' ' -f2 "$N/fingerprints")" = webmail
cp "$D/webmail2.pem" "$N/back.pem"
ok "a revoked certificate put back in the directory" "$certs" "$N" crl
no "is not put back in the table" grep -q " back\$" "$N/fingerprints"

group "rotation and revocation"
ok "client webmail2" "$certs" "$T" client webmail2 ${owner:+-u "$owner"}
ok "webmail2 verifies" verifies "$T/webmail2.pem"
cp "$T/webmail.pem" "$D/old.pem"
ok "revoke webmail" "$certs" "$T" revoke webmail
no "the old certificate no longer verifies with the CRL" verifies "$D/old.pem"
ok "webmail2 still does" verifies "$T/webmail2.pem"
no "its fingerprint left the table" grep -q "^$print " "$T/fingerprints"
ok "webmail2's is there" grep -q " webmail2\$" "$T/fingerprints"
ok "its key is gone" test ! -e "$T/webmail.key"
no "revoke of a missing certificate fails" "$certs" "$T" revoke webmail
ok "crl issues the CRL again" "$certs" "$T" crl
no "the old certificate stays revoked" verifies "$D/old.pem"

finish
