#!/usr/bin/env bash
# The Roundcube plugin's shipped files (conf/roundcube/mailsec), without a
# running Roundcube: every text it shows is in localization/en_US.inc, every
# language has exactly en_US's texts, the Recent activity table shows any
# entry as text (test_activity.php, with Roundcube's classes), and the help
# pages it serves are the ones conf/roundcube/help/build makes from their
# source, with the screenshots they show.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
plugin=$top_srcdir/conf/roundcube/mailsec
LANGS="en_US de_DE fr_FR es_ES it_IT pt_BR nl_NL pl_PL bg_BG ru_RU"
status=0
# check WHAT COMMAND...: one "ok"/"not ok" line saying WHAT.
check() {
	local what=$1
	shift
	if "$@" >/dev/null; then echo "ok - $what"; else echo "not ok - $what"; status=1; fi
}
command -v php >/dev/null || { echo "SKIP: php is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- localization ---
for file in "$plugin"/mailsec.php "$plugin"/localization/*.inc; do
	check "php -l ${file#"$top_srcdir"/}" php -l "$file"
done
# NAME=TEXT lines of a language file (labels and messages), sorted.
texts() {
	php -r 'include $argv[1];
		foreach ($labels + $messages as $k => $v) echo "$k=", str_replace("\n", " ", $v), "\n";' \
		-- "$plugin/localization/$1.inc" | LC_ALL=C sort
}
names() { cut -d= -f1 "$@"; }
texts en_US >"$work/en_US"
# Every text the code names: gettext('x'), ['name' => 'x'], the
# 'mailsec.x' messages, block('x'), code_field('x'), button(ACTION, 'x').
used=$(grep -oE "gettext\('[a-z]+'\)|'name' => '[a-z]+'|'mailsec\.[a-z]+'|(block|code_field)\('[a-z]+'|button\('[a-z]+', '[a-z]+'" \
	"$plugin/mailsec.php" | grep -oE "'[a-z.]+'\)?$|'[a-z.]+'$" | tr -d "')" | sed 's/^mailsec\.//' | LC_ALL=C sort -u)
check "the code names texts ($(echo $used | wc -w))" test -n "$used"
for name in $used; do
	check "en_US has $name" grep -q "^$name=" "$work/en_US"
done
# No text in the code itself: what is escaped for the page is a text.
check "no literal text in mailsec.php" test -z "$(grep -nE "rcube::Q\('[A-Za-z]|'alt' => '" "$plugin/mailsec.php")"
for lang in $LANGS; do
	[ "$lang" = en_US ] && continue
	check "$lang.inc exists" test -f "$plugin/localization/$lang.inc" || continue
	texts "$lang" >"$work/$lang"
	check "$lang: the names of en_US" cmp -s <(names "$work/$lang") <(names "$work/en_US")
	check "$lang: no empty text" test -z "$(grep -E '^[a-z]+=$' "$work/$lang")"
	check "$lang: the variables of en_US" cmp -s <(grep -o '\$[a-z]*' "$work/$lang" | sort) \
		<(grep -o '\$[a-z]*' "$work/en_US" | sort)
	same=$(LC_ALL=C comm -12 "$work/$lang" "$work/en_US" | names | tr '\n' ' ')
	check "$lang: every text translated (the same as English: $same)" test -z "$same"
done

# --- the Recent activity table ---
roundcube=/usr/share/roundcube/program
if [ -f "$roundcube/lib/Roundcube/bootstrap.php" ]; then
	php "$top_srcdir/tests/webmail/test_activity.php" "$plugin" "$roundcube" || status=1
else
	echo "SKIP: roundcube-core is not installed (.ci/install-deps): the activity table not checked"
fi

# --- help pages ---
if ! command -v pandoc >/dev/null; then
	echo "SKIP: pandoc is not installed (.ci/install-deps): help pages not checked"
	exit $((status ? 1 : 77))
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
