#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The internal library needs no libpam: its libtool archive does not
# depend on it, none of its objects calls into it, and the fuzz targets,
# built from the library alone, do not link it. The module and mailsecctl
# link libpam themselves. Nor libpq: only the PostgreSQL driver, loaded
# when mailsec.conf says store = "postgresql", links it, so that a process
# on the file store never maps it.
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
group "libmailsec, the module and mailsecctl without libpq"
case " $deps " in
*" -lpq "* | *libpq.*) fail "$la: dependency_libs names libpq" "$deps" ;;
*) pass "$la: dependency_libs without libpq" ;;
esac
calls=$(nm -u "$archive" | awk '$1 == "U" && $2 ~ /^PQ/ { print $2 }' | sort -u)
if [ -z "$calls" ]; then
	pass "no object of the library calls PQ*"
else
	fail "the library calls into libpq" "$calls"
fi
for bin in pam_mailsec/.libs/pam_mailsec.so mailsecctl/mailsecctl; do
	if [ ! -f "$bin" ]; then
		fail "$bin: not built"
	elif readelf -d "$bin" | grep -q 'NEEDED.*libpq'; then
		fail "$bin: links libpq"
	else
		pass "$bin: does not link libpq"
	fi
done
finish
