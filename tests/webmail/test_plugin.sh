#!/usr/bin/env bash
# The Roundcube plugin's shipped files (conf/roundcube/mailsec), without a
# Roundcube: the help pages it serves are the ones conf/roundcube/help/build
# makes from their source, with the screenshots they show.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
plugin=$top_srcdir/conf/roundcube/mailsec
status=0
# check WHAT COMMAND...: one "ok"/"not ok" line saying WHAT.
check() {
	local what=$1
	shift
	if "$@" >/dev/null; then echo "ok - $what"; else echo "not ok - $what"; status=1; fi
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- help pages ---
if ! command -v pandoc >/dev/null; then
	echo "SKIP: pandoc is not installed (.ci/install-deps)"
	exit 77
fi
check "conf/roundcube/help/build" "$top_srcdir/conf/roundcube/help/build" "$work/help"
# The pages the plugin serves are the built ones (`make help-update`).
check "the plugin's help pages are up to date (make help-update)" \
	diff -r -x images "$work/help" "$plugin/help"
for page in "$plugin"/help/*/*.html; do
	for image in $(grep -o 'src="[^"]*"' "$page" | sed 's/^src="//; s/"$//'); do
		check "${page#"$plugin"/}: $image" test -s "$(dirname "$page")/$image"
	done
done
# Every screenshot kept is shown by a page or README.md.
for image in "$plugin"/help/images/*.png; do
	name=$(basename "$image")
	check "$name is shown" grep -qs "images/$name" "$plugin"/help/*/*.html "$top_srcdir/README.md"
done
exit "$status"
