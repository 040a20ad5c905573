#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The internal library needs no libpam: its libtool archive does not
# depend on it, none of its objects calls into it, and the fuzz targets,
# built from the library alone, do not link it. The module and mailsecctl
# link libpam themselves.
#
#   top_srcdir=... tests/unit/test_no_libpam.sh   (from the build directory)
set -u
export LC_ALL=C
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../common.sh
. "$top_srcdir/tests/common.sh"
la=pam_mailsec/lib/libmailsec.la
archive=pam_mailsec/lib/.libs/libmailsec.a
for f in "$la" "$archive"; do
	[ -f "$f" ] || { echo "$f: not built (run from the build directory)" >&2; exit 99; }
done

group "libmailsec without libpam"
deps=$(sed -n "s/^dependency_libs='\(.*\)'\$/\1/p" "$la")
case " $deps " in
*" -lpam "* | *libpam.*) fail "$la: dependency_libs names libpam" "$deps" ;;
*) pass "$la: dependency_libs without libpam" ;;
esac

calls=$(nm -u "$archive" | awk '$1 == "U" && $2 ~ /^pam_/ { print $2 }' | sort -u)
if [ -z "$calls" ]; then
	pass "no object of the library calls pam_*"
else
	fail "the library calls into libpam" "$calls"
fi

if grep -q -- '-lpam' "$top_srcdir/tests/fuzz/run"; then
	fail "tests/fuzz/run links the fuzz targets against libpam"
else
	pass "tests/fuzz/run does not link libpam"
fi
finish
