#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# mailsecctl activity and show's last_login (mailsecctl.8, ACTIVITY) on
# journals that tests/cli/journal_note writes as the module would, at
# times of the test's choosing: the verb, its --since forms and refusals,
# the JSON shape (checked by python3's json), the text table, an empty
# journal, an unknown mailbox, damaged entries, the journal turned off,
# and show's last logins. Needs jq, oathtool (lib.sh) and python3.
#
#   MAILSECCTL=... JOURNAL_NOTE=.../tests/cli/journal_note tests/cli/test_activity.sh

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 is not installed" >&2
	exit 77
fi
if [ ! -x "${JOURNAL_NOTE:-}" ]; then
	echo "JOURNAL_NOTE must name the built tests/cli/journal_note" >&2
	exit 1
fi

M=$MAILSECCTL
A=alice@example.com
B=bob@example.com
NOW=$(date +%s)
T_WEBMAIL=$((NOW - 3 * 86400))
T_GUESS1=$((NOW - 2 * 3600 - 60))
T_GUESS2=$((NOW - 2 * 3600))
T_PHONE=$((NOW - 600))
T_OLD=1588334400 # 2020-05-01T12:00:00Z
SHOW_KEYS='["mailbox","non_webmail_access","non_webmail","2fa","recovery_codes_left","locked_until","app_passwords","last_login"]'

# note MAILBOX TIME ROLE RESULT DETAIL SERVICE RHOST [APP]: one decision.
note() {
	"$JOURNAL_NOTE" "$@" >/dev/null ||
		fail "journal_note $*" "exit $?"
}

iso() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

# valid_activity JSON: python3 reads one array whose objects have exactly
# activity's fields, each of its type and words; prints the problem else.
valid_activity() {
	python3 -c '
import json, re, sys
entries = json.loads(sys.stdin.read())
assert isinstance(entries, list), "not an array"
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
details = {"password", "code", "recovery", "session", "app-password",
	   "bad-password", "missing-code", "bad-code", "replay", "locked",
	   "non-webmail-off", "app-passwords-only", "app-password-refused"}
keys = ["time", "first", "count", "service", "role", "rhost", "result",
	"detail", "app"]
for e in entries:
	assert list(e) == keys, "keys %s" % list(e)
	assert iso.match(e["time"]) and iso.match(e["first"]), "times"
	assert e["first"] <= e["time"], "first after time"
	assert type(e["count"]) is int and e["count"] >= 1, "count"
	assert type(e["service"]) is str and e["service"], "service"
	assert e["role"] in ("webmail", "client"), "role"
	assert e["rhost"] is None or (type(e["rhost"]) is str and e["rhost"]), "rhost"
	assert e["result"] in ("accepted", "refused"), "result"
	assert e["detail"] in details, "detail"
	assert e["app"] is None or (type(e["app"]) is str and e["app"]), "app"
times = [e["time"] for e in entries]
assert times == sorted(times, reverse=True), "not newest first"
' <<<"$1" 2>&1
}

check_valid_activity() {
	local problem
	if problem=$(valid_activity "$2"); then
		pass "$1"
	else
		fail "$1" "$problem" "$2"
	fi
}

test_usage() {
	group "usage"
	expect_exit 0 "$M" activity --help
	check_match "activity --help is about activity" '^  activity MAILBOX' "$OUT"
	expect_exit 0 "$M" help activity
	check_match "help activity names --since" '\[--since WHEN\]' "$OUT"
	expect_exit 0 "$M" --help
	check_match "--help lists activity" '^  activity MAILBOX' "$OUT"
	expect_exit 2 "$M" activity
	expect_exit 2 "$M" activity "$A" "$B"
	expect_exit 2 "$M" activity "$A" --since
	expect_exit 2 "$M" show "$A" --since 7d
	check_match "--since is activity's alone" \
		'--since is not an option of show' "$ERR"
	expect_exit 2 "$M" activ "$A"
}

test_empty() {
	group "a mailbox without activity; one that is none"
	expect_exit 0 "$M" activity "$A"
	check_eq "text: no activity recorded" "no activity recorded" "$OUT"
	expect_exit 0 "$M" --json activity "$A"
	check_eq "JSON: an empty array" "[]" "$OUT"
	expect_exit 3 "$M" activity nobody@example.com
	check_match "unknown mailbox said" 'nobody@example.com: no such mailbox' "$ERR"
	expect_exit 3 "$M" --json activity nobody@example.com
	check_eq "nothing on stdout for an unknown mailbox" "" "$OUT"
	expect_exit 5 "$M" activity "../x"
}

fill_journal() {
	note "$A" "$T_OLD" client accepted password pop3 2001:db8::1
	note "$A" "$T_WEBMAIL" webmail accepted code roundcube 192.0.2.1
	note "$A" "$T_GUESS1" client refused bad-password imap 198.51.100.7
	note "$A" "$T_GUESS2" client refused bad-password imap 198.51.100.7
	note "$A" "$T_PHONE" client accepted app-password smtp - phone
}

test_json() {
	group "--json: one array, newest first, the same decisions on one entry"
	fill_journal
	expect_exit 0 "$M" --json activity "$A"
	check_valid_activity "python3 json: activity's shape" "$OUT"
	check_json "four entries: the two guesses count on one" 'length == 4' "$OUT"
	check_json "newest: the phone's app password, no address" \
		".[0] == {\"time\": \"$(iso "$T_PHONE")\", \"first\": \"$(iso "$T_PHONE")\",
		 \"count\": 1, \"service\": \"smtp\", \"role\": \"client\",
		 \"rhost\": null, \"result\": \"accepted\",
		 \"detail\": \"app-password\", \"app\": \"phone\"}" "$OUT"
	check_json "the guesses: count 2, first and time" \
		".[1] | .count == 2 and .first == \"$(iso "$T_GUESS1")\" and
		 .time == \"$(iso "$T_GUESS2")\" and .result == \"refused\" and
		 .detail == \"bad-password\" and .rhost == \"198.51.100.7\" and
		 .service == \"imap\" and .app == null" "$OUT"
	check_json "webmail with a code" \
		'.[2] | .role == "webmail" and .detail == "code" and
		 .service == "roundcube" and .rhost == "192.0.2.1"' "$OUT"
	check_json "oldest last, IPv6 address" \
		'.[3] | .time == "2020-05-01T12:00:00Z" and .rhost == "2001:db8::1"' \
		"$OUT"
	expect_exit 0 "$M" --json activity Alice@Example.COM
	check_json "the name folded" 'length == 4' "$OUT"
}

# since WHEN COUNT: --since WHEN shows COUNT entries.
since() {
	expect_exit 0 "$M" --json activity "$A" --since "$1"
	check_json "--since $1: $2 entries" "length == $2" "$OUT"
}

test_since() {
	group "--since: a day, a moment, a time ago; an entry counts by its newest"
	since 2020-05-01 4
	since 2020-05-02 3
	since 2020-05-01T12:00:00Z 4
	since 2020-05-01T12:00:01Z 3
	since 4d 3
	since 1d 2
	since 121m 2
	since 3h 2
	since 30m 1
	since 1m 0
	since "$(date -u -d "@$T_GUESS2" +%Y-%m-%dT%H:%M:%SZ)" 2
	since "$(date -u -d "@$((T_GUESS2 + 1))" +%Y-%m-%dT%H:%M:%SZ)" 1
	expect_exit 0 "$M" activity "$A" --since 1m
	check_eq "text: nothing since" "no activity recorded" "$OUT"
	local bad
	for bad in yesterday 7 0d -7d 7s 7D 2023-02-30 2023-1-01 \
		"2020-05-01 12:00:00" 2020-05-01T12:00:00 2020-05-01T25:00:00Z \
		36501d ""; do
		expect_exit 5 "$M" --json activity "$A" --since "$bad"
		check_eq "nothing on stdout for --since '$bad'" "" "$OUT"
	done
	check_match "bad WHEN: the forms said" \
		'--since: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or a time ago' \
		"$ERR"
}

# column TEXT HEADING: where HEADING starts in the table's first line.
column_of() {
	head -n1 <<<"$1" | awk -v h="$2" '{ print index($0, h) }'
}

test_text() {
	group "text: an aligned table"
	expect_exit 0 "$M" activity "$A"
	check_match "heading" \
		'^TIME +FROM +SERVICE +ROLE +RESULT +HOW/WHY +COUNT$' "$OUT"
	check_eq "a heading and four rows" 5 "$(wc -l <<<"$OUT")"
	check_match "the phone's row" \
		"^$(iso "$T_PHONE") +- +smtp +client +accepted +app-password phone +1$" \
		"$OUT"
	check_match "the guesses' row" \
		"^$(iso "$T_GUESS2") +198\.51\.100\.7 +imap +client +refused +bad-password +2$" \
		"$OUT"
	local heading col line ok=yes
	for heading in FROM SERVICE ROLE RESULT HOW/WHY COUNT; do
		col=$(column_of "$OUT" "$heading")
		while IFS= read -r line; do
			[ "${line:col-2:1}" = " " ] && [ "${line:col-1:1}" != " " ] ||
				ok="no: $heading in: $line"
		done <<<"$OUT"
	done
	check_eq "every column starts under its heading" yes "$ok"
}

test_show() {
	group "show: the last login of each role"
	expect_exit 0 "$M" --json show "$A"
	check_json "show's keys" "keys_unsorted == $SHOW_KEYS" "$OUT"
	check_json "last webmail login" \
		".last_login.webmail == {\"time\": \"$(iso "$T_WEBMAIL")\",
		 \"service\": \"roundcube\", \"rhost\": \"192.0.2.1\",
		 \"detail\": \"code\", \"app\": null}" "$OUT"
	check_json "last client login: the app password, refusals not counted" \
		".last_login.client == {\"time\": \"$(iso "$T_PHONE")\",
		 \"service\": \"smtp\", \"rhost\": null,
		 \"detail\": \"app-password\", \"app\": \"phone\"}" "$OUT"
	expect_exit 0 "$M" show "$A"
	check_match "text: last webmail login" \
		"^last webmail login: $(iso "$T_WEBMAIL") from 192\.0\.2\.1 \(code\)$" \
		"$OUT"
	check_match "text: last client login" \
		"^last client login: $(iso "$T_PHONE") \(app-password phone\)$" "$OUT"
	expect_exit 0 "$M" --json show "$B"
	check_json "no journal: both null" \
		'.last_login == {"webmail": null, "client": null}' "$OUT"
	note "$B" "$NOW" client refused bad-password imap 192.0.2.9
	expect_exit 0 "$M" show "$B"
	check_match "text: never" '^last webmail login: never$' "$OUT"
	check_match "text: a refusal is no login" '^last client login: never$' "$OUT"
	expect_exit 0 "$M" --json list
	check_json "list has no last_login" 'all(.[]; has("last_login") | not)' "$OUT"
}

# damage_phone_entry: one byte of the entry of the phone's app password
# (the one with service "smtp") flipped in place, as a torn write or an
# editor would: the file keeps its size, the entry fails its check.
damage_phone_entry() {
	local file=$STATE_DIR/$A.journal size
	size=$(stat -c %s "$file")
	python3 - "$file" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
at = data.find(b"smtp")
assert at >= 0 and data.find(b"smtp", at + 1) < 0, "one smtp entry"
data[at] ^= 0x20
open(path, "r+b").write(data)
PY
	files_only check_eq "the journal keeps its size" "$size" "$(stat -c %s "$file")"
}

test_damaged() {
	group "damaged entries: the others shown, the damage said, exit 0"
	damage_phone_entry
	expect_exit 0 "$M" --json activity "$A"
	check_valid_activity "python3 json: still activity's shape" "$OUT"
	check_json "the three valid entries" 'length == 3' "$OUT"
	check_json "the damaged one left out" 'all(.[]; .service != "smtp")' "$OUT"
	check_match "stderr counts it" \
		"^mailsecctl: $A: 1 damaged journal entries skipped$" "$ERR"
	expect_exit 0 "$M" activity "$A"
	check_match "text: the same" "$A: 1 damaged journal entries skipped" "$ERR"
	expect_exit 0 "$M" --json show "$A"
	check_json "show: the last valid client login" \
		'.last_login.client.service == "pop3"' "$OUT"
}

test_app_name() {
	group "an app password's name as it was given"
	local c=carol@example.com name='Thunderbird at home é'
	add_mailbox "$c"
	note "$c" "$NOW" client accepted app-password imap 192.0.2.3 "$name"
	expect_exit 0 "$M" --json activity "$c"
	check_json "the name, spaces and UTF-8 kept" \
		".[0].app == \"$name\"" "$OUT"
	expect_exit 0 "$M" activity "$c"
	check_match "text: the name after the detail" \
		"app-password $name +1\$" "$OUT"
}

test_journal_off() {
	group "activity_journal = false: nothing shown, said on stderr"
	local config=$TEST_ROOT/journal-off.conf
	{ cat "$MAILSEC_CONFIG"; echo 'activity_journal = false;'; } >"$config"
	MAILSEC_CONFIG=$config expect_exit 0 "$M" --json activity "$A"
	check_eq "JSON: []" "[]" "$OUT"
	check_match "stderr: the journal is off" \
		'the activity journal is off \(activity_journal in mailsec.conf\)' "$ERR"
	MAILSEC_CONFIG=$config expect_exit 0 "$M" activity "$A"
	check_eq "text: nothing" "" "$OUT"
	MAILSEC_CONFIG=$config expect_exit 0 "$M" --json show "$A"
	check_json "show: no last logins" \
		'.last_login == {"webmail": null, "client": null}' "$OUT"
	MAILSEC_CONFIG=$config expect_exit 3 "$M" activity nobody@example.com
}

test_remove() {
	group "remove takes the journal with it"
	expect_exit 0 "$M" remove "$A"
	files_only check "no journal left" test ! -e "$STATE_DIR/$A.journal"
	add_mailbox "$A"
	expect_exit 0 "$M" --json activity "$A"
	check_eq "a new mailbox of the name has no activity" "[]" "$OUT"
}

add_mailbox "$A"
add_mailbox "$B"
test_usage
test_empty
test_json
test_since
test_text
test_show
files_only test_damaged
test_app_name
test_journal_off
test_remove
finish
