#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# conf/tls/mailsec-webmail-certs, the webmail's CA: what init makes and
# with which modes, that a second init changes nothing and nothing is
# overwritten, that the certificates are for their uses and verify with
# the CRL, and that revoke takes a certificate out of both the CRL and
# Postfix's fingerprint table. The key owner (-u) only as root. Needs
# openssl (else exit 77).
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
