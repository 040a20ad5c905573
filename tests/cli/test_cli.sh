#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # literal '$y$...' hashes
# mailsecctl against its contract (mailsecctl.8): commands, JSON
# shapes, exit codes, file modes, atomic and locked writes, refusal of
# unsafe files. Runs the built tool on a mailsec.conf in a temporary
# directory (see lib.sh); needs jq and oathtool (else exit 77).
#
#   MAILSECCTL=$PWD/mailsecctl/mailsecctl top_srcdir=.. tests/cli/test_cli.sh
#
# mailsecctl's exit codes, asserted exactly: 0 done; 1 refused; 2 usage;
# 3 no such mailbox; 4 already exists; 5 invalid input or record; 6 system
# error. This script exits 0 when every case passed, 1 if any failed, 77
# (skip) without jq or oathtool; its last line is "N passed, N failed".

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

M=$MAILSECCTL
SHOW_KEYS='["mailbox","non_webmail_access","non_webmail","2fa","recovery_codes_left","locked_until","app_passwords"]'
# A change's object ends with what became of the live sessions: null
# without kick_command.
CHANGED_KEYS='["mailbox","non_webmail_access","non_webmail","2fa","recovery_codes_left","locked_until","app_passwords","sessions_ended"]'
LIST_KEYS='["mailbox","non_webmail_access","non_webmail","2fa","recovery_codes_left","locked_until"]'
RECOVERY_RE='^[a-z2-7]{5}-[a-z2-7]{5}$'

test_usage() {
	group "usage, help, version"
	expect_exit 0 "$M" --help
	check_match "--help lists the commands" '^  2fa confirm MAILBOX' "$OUT"
	check_match "--help gives the exit codes" '2 usage' "$OUT"
	expect_exit 0 "$M" -h
	expect_exit 0 "$M" --version
	check_match "--version prints the version" '^mailsecctl [0-9]' "$OUT"

	local cmd
	for cmd in add remove list show passwd "2fa enroll" "2fa confirm" \
		"2fa disable" "2fa recovery" "non-webmail enable" \
		"non-webmail disable" unlock logout check-config; do
		# shellcheck disable=SC2086 # the group and its verb are two words
		expect_exit 0 "$M" $cmd --help
		check_match "$cmd --help is about $cmd" "^  $cmd( |$)" "$OUT"
	done
	expect_exit 0 "$M" 2fa --help
	check_match "2fa --help lists 2fa enroll" '^  2fa enroll' "$OUT"
	expect_exit 0 "$M" non-webmail --help
	check_match "non-webmail --help lists non-webmail disable" \
		'^  non-webmail disable' "$OUT"

	expect_exit 2 "$M"
	check_match "no command: usage on stderr" '^usage: mailsecctl' "$ERR"
	expect_exit 2 "$M" frobnicate
	check_match "unknown command named" 'frobnicate: unknown command' "$ERR"
	expect_exit 0 "$M" help
	check_match "help: usage on stdout" '^usage: mailsecctl' "$OUT"
	check_match "help lists the commands" '^  2fa confirm MAILBOX' "$OUT"
	expect_exit 0 "$M" help show
	check_match "help show is about show" '^  show MAILBOX' "$OUT"
	expect_exit 0 "$M" help 2fa
	check_match "help 2fa lists 2fa enroll" '^  2fa enroll' "$OUT"
	expect_exit 2 "$M" help frobnicate
	expect_exit 0 "$M" -V
	check_match "-V prints the version" '^mailsecctl [0-9]' "$OUT"
	# Command names are exact: no abbreviations.
	expect_exit 2 "$M" sho x@example.com
	expect_exit 2 "$M" lis
	expect_exit 2 "$M" 2fa enr x@example.com
	expect_exit 2 "$M" non-web disable x@example.com
	expect_exit 2 "$M" SHOW x@example.com
	expect_exit 2 "$M" 2fa
	expect_exit 2 "$M" 2fa bogus x@example.com
	expect_exit 2 "$M" non-webmail
	expect_exit 2 "$M" non-webmail on x@example.com
	# Wrong numbers of arguments.
	expect_exit 2 "$M" add
	expect_exit 2 "$M" add a@example.com b@example.com
	expect_exit 2 "$M" show
	expect_exit 2 "$M" show a@example.com b@example.com
	check_match "wrong number of arguments said" 'show: wrong number of arguments' "$ERR"
	expect_exit 2 "$M" list extra
	expect_exit 2 "$M" remove
	expect_exit 2 "$M" passwd
	expect_exit 2 "$M" 2fa enroll
	expect_exit 2 "$M" 2fa confirm a@example.com
	expect_exit 2 "$M" 2fa confirm a@example.com 123456 654321
	expect_exit 2 "$M" 2fa disable
	expect_exit 2 "$M" 2fa recovery a@example.com b@example.com
	expect_exit 2 "$M" non-webmail enable
	expect_exit 2 "$M" unlock
	expect_exit 2 "$M" logout a@example.com b@example.com
	expect_exit 2 "$M" check-config extra
	# Options.
	expect_exit 2 "$M" --bogus list
	check_match "option errors start with mailsecctl:" "^mailsecctl: unrecognized option '--bogus'" "$ERR"
	expect_exit 2 "$M" list -x
	expect_exit 2 "$M" --config
	expect_exit 2 "$M" --json=yes list
	expect_exit 2 "$M" --qr none show a@example.com
	check_match "--qr outside enroll said" 'only for 2fa enroll' "$ERR"
	expect_exit 2 "$M" 2fa enroll a@example.com --qr bogus
	expect_exit 2 "$M" 2fa enroll a@example.com --qr png:
	# Usage errors are found before any file is touched.
	files_only check "usage errors created no directory" test ! -e "$USERS_DIR"
}

test_add() {
	group "add"
	local dir conf users state

	# A fresh tree under umask 000: the tool sets modes itself.
	dir=$TEST_ROOT/umask
	conf=$(make_config "$dir")
	users=$dir/users
	state=$dir/state
	local old_umask
	old_umask=$(umask)
	umask 000
	expect_exit_input $'pw one\n' 0 "$M" --config "$conf" add u@example.com
	check_match "add prints the new mailbox" '^mailbox: u@example.com$' "$OUT"
	expect_exit 0 "$M" --config "$conf" logout u@example.com # writes state
	umask "$old_umask"
	files_only check_eq "users_dir made 0700 under umask 000" 700 "$(file_mode "$users")"
	files_only check_eq "state_dir made 0700 under umask 000" 700 "$(file_mode "$state")"
	files_only check_eq "record 0600 under umask 000" 600 \
		"$(file_mode "$users/u@example.com.conf")"
	files_only check_eq "state 0600 under umask 000" 600 \
		"$(file_mode "$state/u@example.com.state")"
	files_only check_eq "lock 0600 under umask 000" 600 \
		"$(file_mode "$state/u@example.com.lock")"

	expect_exit_input $'pw\n' 0 "$M" --json add bob@example.com
	check_json "add --json: the new mailbox, 2FA off, access on" \
		'.mailbox == "bob@example.com" and .non_webmail_access == true and ."2fa" == "off" and .recovery_codes_left == 0 and .locked_until == null' \
		"$OUT"
	files_only check "record file created" test -f "$USERS_DIR/bob@example.com.conf"
	files_only check_match "record holds a crypt hash, not the password" \
		'^password = "\$' "$(cat "$USERS_DIR/bob@example.com.conf")"
	files_only check_absent "record does not hold the password itself" '"pw"' \
		"$(cat "$USERS_DIR/bob@example.com.conf")"
	expect_exit_input $'pw\n' 4 "$M" add bob@example.com
	check_match "duplicate said" 'already exists' "$ERR"
	expect_exit_input $'pw\n' 4 "$M" add BOB@example.com

	local name
	for name in "a b" ".x" "a@b@c" "../x" "x/y" "" "a:b" $'a\nb' "é@example.com" \
		"$(printf 'a%.0s' {1..250})"; do
		expect_exit_input $'pw\n' 5 "$M" add "$name"
	done
	files_only check "no file made outside users_dir for ../x" test ! -e "$MAIN_DIR/x.conf"
	files_only check "no record for a refused name" test ! -e "$USERS_DIR/x/y.conf"
	# 249 characters is the longest name (NAME.state fits in 255 bytes).
	name=$(printf 'a%.0s' {1..237})@example.com
	check_eq "long name is 249 characters" 249 "${#name}"
	expect_exit_input $'pw\n' 0 "$M" add "$name"
	expect_exit 0 "$M" logout "$name"
	expect_exit 0 "$M" remove "$name"

	# Upper case is folded.
	expect_exit_input $'pw\n' 0 "$M" --json add Alice@Example.COM
	check_json "add of Alice@Example.COM reports alice@example.com" \
		'.mailbox == "alice@example.com"' "$OUT"
	files_only check "record named in lower case" test -f "$USERS_DIR/alice@example.com.conf"
	files_only check "no upper-case record" test ! -e "$USERS_DIR/Alice@Example.COM.conf"
	expect_exit 0 "$M" show alice@example.com
	expect_exit 0 "$M" --json show ALICE@EXAMPLE.COM
	check_json "show folds the name too" '.mailbox == "alice@example.com"' "$OUT"
	expect_exit_input $'pw\n' 4 "$M" add alice@example.com

	# Passwords: first line of stdin; empty refused; at most 512 bytes.
	expect_exit_input $'\n' 5 "$M" add empty@example.com
	check_match "empty password said" 'empty password' "$ERR"
	expect_exit_input "" 5 "$M" add empty@example.com
	files_only check "no record after an empty password" test ! -e "$USERS_DIR/empty@example.com.conf"
	# At most 511 bytes: the limit of crypt(3).
	expect_exit_input "$(printf 'p%.0s' {1..512})"$'\n' 5 "$M" add long@example.com
	check_match "too long password said" 'longer than 511 bytes' "$ERR"
	files_only check "no record after a too long password" test ! -e "$USERS_DIR/long@example.com.conf"
	expect_exit_input "$(printf 'p%.0s' {1..511})"$'\n' 0 "$M" add long@example.com
	# A NUL byte would end the password early as a C string: "\0x" would
	# store the hash of the empty password.
	expect_exit_printf '\0x\n' 5 "$M" add nul@example.com
	check_match "NUL said" 'password contains a NUL byte' "$ERR"
	expect_exit_printf 'pass\0word\n' 5 "$M" add nul@example.com
	expect_exit_printf 'password\0\n' 5 "$M" add nul@example.com
	files_only check "no record after a password with a NUL" \
		test ! -e "$USERS_DIR/nul@example.com.conf"
	expect_exit_input "no newline" 0 "$M" add nonl@example.com
	expect_exit_input $'two\nlines\n' 0 "$M" add lines@example.com
	check_absent "no error text mentions the password" "$(printf 'p%.0s' {1..20})" "$ERR"
	local n
	for n in long nonl lines; do
		expect_exit 0 "$M" remove "$n@example.com"
	done
}

test_parallel() {
	group "parallel adds and edits"
	local dir conf runs i ok exists other
	dir=$TEST_ROOT/parallel
	conf=$(make_config "$dir")
	runs=$TEST_ROOT/parallel-runs
	mkdir -p "$runs"

	# 20 distinct names at once, on a tree that does not exist yet.
	for i in $(seq 1 20); do
		(printf 'pw%s\n' "$i" | "$M" --config "$conf" add "p$i@example.com" \
			>/dev/null 2>"$runs/distinct.$i.err"
		 echo $? >"$runs/distinct.$i.rc") &
	done
	wait
	ok=$(grep -lx 0 "$runs"/distinct.*.rc | wc -l)
	check_eq "20 parallel adds of distinct names: all exit 0" 20 "$ok"
	[ "$ok" = 20 ] || fail "stderr of the failed adds" "$(cat "$runs"/distinct.*.err)"
	expect_exit 0 "$M" --config "$conf" --json list
	check_eq "list --json has all 20" 20 "$(jq length <<<"$OUT")"
	check_eq "every one listed once" 20 "$(jq -r '.[].mailbox' <<<"$OUT" | sort -u | wc -l)"

	# 20 adds of one name at once: one wins, the others see it exists.
	for i in $(seq 1 20); do
		(printf 'pw%s\n' "$i" | "$M" --config "$conf" add same@example.com \
			>/dev/null 2>"$runs/same.$i.err"
		 echo $? >"$runs/same.$i.rc") &
	done
	wait
	ok=$(grep -lx 0 "$runs"/same.*.rc | wc -l)
	exists=$(grep -lx 4 "$runs"/same.*.rc | wc -l)
	other=$((20 - ok - exists))
	check_eq "20 parallel adds of one name: exactly one exits 0" 1 "$ok"
	check_eq "...and 19 exit 4" 19 "$exists"
	check_eq "...and none exits otherwise" 0 "$other"
	expect_exit 0 "$M" --config "$conf" --json list
	check_eq "list --json has 21 now" 21 "$(jq length <<<"$OUT")"

	# Different edits of one mailbox at once lose nothing.
	local hash_before hash_after record=$dir/users/same@example.com.conf
	hash_before=$(record_field "$record" password)
	for i in 1 2 3 4 5; do
		("$M" --config "$conf" non-webmail disable same@example.com >/dev/null 2>&1
		 echo $? >"$runs/edit-nw.$i.rc") &
		("$M" --config "$conf" 2fa enroll same@example.com --qr none >/dev/null 2>&1
		 echo $? >"$runs/edit-2fa.$i.rc") &
		(printf 'new%s\n' "$i" | "$M" --config "$conf" passwd same@example.com \
			>/dev/null 2>&1
		 echo $? >"$runs/edit-pw.$i.rc") &
		("$M" --config "$conf" logout same@example.com >/dev/null 2>&1
		 echo $? >"$runs/edit-lo.$i.rc") &
	done
	wait
	check_eq "20 parallel edits of one mailbox: all exit 0" 20 \
		"$(grep -lx 0 "$runs"/edit-*.rc | wc -l)"
	expect_exit 0 "$M" --config "$conf" --json show same@example.com
	check_json "every edit kept: access off and 2FA pending" \
		'.non_webmail_access == false and ."2fa" == "pending"' "$OUT"
	hash_after=$(record_field "$record" password)
	files_only check "every edit kept: password changed" \
		test -n "$hash_after" -a "$hash_after" != "$hash_before"
	files_only check_eq "record still 0600" 600 "$(file_mode "$record")"
}

test_show_list() {
	group "show and list"
	local dir conf
	dir=$TEST_ROOT/list
	conf=$(make_config "$dir")
	# Before anything was written, users_dir does not exist yet: there is
	# no mailbox to list or show (only writing commands create it).
	expect_exit 0 "$M" --config "$conf" list
	check_eq "no users_dir: empty list says so" "no mailboxes" "$OUT"
	expect_exit 0 "$M" --config "$conf" --json list
	check_eq "no users_dir: list --json is []" "[]" "$(jq -c . <<<"$OUT")"
	expect_exit 3 "$M" --config "$conf" show nobody@example.com
	check_match "no users_dir: show says no such mailbox" "no such mailbox" "$ERR"
	# A users_dir that is there but unusable is still a system error, and
	# so is one whose parent is missing (an unmounted file system?).
	ln -s /tmp "$dir/users"
	files_only expect_exit 6 "$M" --config "$conf" list
	rm "$dir/users"
	local lost=$dir/lost.conf
	printf 'users_dir = "%s/gone/users";\nstate_dir = "%s/gone/state";\n' \
		"$dir" "$dir" >"$lost"
	expect_exit 6 "$M" --config "$lost" list
	expect_exit 6 "$M" --config "$lost" show nobody@example.com
	mkdir -m 700 "$dir/users" "$dir/state"
	expect_exit 0 "$M" --config "$conf" list
	check_eq "empty list says so" "no mailboxes" "$OUT"
	expect_exit 0 "$M" --config "$conf" --json list
	check_eq "empty list --json is []" "[]" "$(jq -c . <<<"$OUT")"
	local n
	for n in carol@example.com a@example.com b@example.org b@example.com; do
		expect_exit_input $'pw\n' 0 "$M" --config "$conf" add "$n"
	done
	expect_exit 0 "$M" --config "$conf" non-webmail disable b@example.org
	expect_exit 0 "$M" --config "$conf" --json list
	check_json "list --json is an array of 4" 'type == "array" and length == 4' "$OUT"
	check_eq "list --json sorted by name" \
		'["a@example.com","b@example.com","b@example.org","carol@example.com"]' \
		"$(jq -c '[.[].mailbox]' <<<"$OUT")"
	check_json "each element has exactly the list keys" \
		"all(.[]; keys_unsorted == $LIST_KEYS)" "$OUT"
	check_json "list reflects non-webmail access" \
		'[.[] | select(.mailbox == "b@example.org")][0].non_webmail_access == false' \
		"$OUT"
	check_eq "list --json is one line" 1 "$(wc -l <<<"$OUT")"
	expect_exit 0 "$M" --config "$conf" list
	check_eq "list text: one line a mailbox" 4 "$(wc -l <<<"$OUT")"
	check_match "list text row" \
		'^b@example.org +non-webmail=disabled +2fa=off +recovery-codes=0 +locked-until=-$' \
		"$OUT"
	check_eq "list text sorted" "a@example.com b@example.com b@example.org carol@example.com" \
		"$(awk '{print $1}' <<<"$OUT" | paste -sd' ')"

	expect_exit 0 "$M" --config "$conf" show carol@example.com
	check_eq "show text" \
		"mailbox: carol@example.com
non-webmail: enabled
2fa: off
recovery-codes: 0
locked-until: -
app-passwords: 0
last webmail login: never
last client login: never" "$OUT"
	expect_exit 0 "$M" --config "$conf" --json show carol@example.com
	check_json "show --json: exactly the documented keys, in order" \
		"keys_unsorted == $SHOW_KEYS + [\"last_login\"]" "$OUT"
	check_json "show --json: types" \
		'(.mailbox|type) == "string" and (.non_webmail_access|type) == "boolean" and (."2fa"|type) == "string" and (.recovery_codes_left|type) == "number" and .locked_until == null and .non_webmail == "enabled" and .app_passwords == 0' \
		"$OUT"
	# Options may appear anywhere on the line.
	expect_exit 0 "$M" show --json carol@example.com --config "$conf"
	check_json "options after the command" '.mailbox == "carol@example.com"' "$OUT"

	expect_exit 3 "$M" --config "$conf" show nobody@example.com
	check_match "no such mailbox said" 'nobody@example.com: no such mailbox' "$ERR"
	check_eq "show of unknown prints nothing on stdout" "" "$OUT"
	expect_exit 3 "$M" --config "$conf" --json show nobody@example.com
	expect_exit 5 "$M" --config "$conf" show "../users/a@example.com"
	expect_exit 5 "$M" --config "$conf" show ".hidden"

	# A broken record: reported on stderr, the others listed, exit 5.
	printf 'garbage\n' >"$dir/users/broken@example.com.conf"
	chmod 600 "$dir/users/broken@example.com.conf"
	files_only expect_exit 5 "$M" --config "$conf" --json list
	files_only check_json "list with a broken record still lists the other 4" 'length == 4' "$OUT"
	files_only check_match "the broken record is named on stderr" 'broken@example.com.conf' "$ERR"
	files_only expect_exit 5 "$M" --config "$conf" show broken@example.com
	# Files that are not canonical record names are not mailboxes.
	rm "$dir/users/broken@example.com.conf"
	cp -p "$dir/users/a@example.com.conf" "$dir/users/Upper@example.com.conf"
	cp -p "$dir/users/a@example.com.conf" "$dir/users/a@example.com.conf.bak"
	expect_exit 0 "$M" --config "$conf" --json list
	check_json "list skips files that are not canonical record names" 'length == 4' "$OUT"
}

test_passwd() {
	group "passwd"
	local record=$USERS_DIR/pw@example.com.conf before after
	add_mailbox pw@example.com "first password"
	before=$(record_field "$record" password)
	expect_exit_input $'second password\n' 0 "$M" passwd pw@example.com
	check_match "passwd prints the mailbox" '^mailbox: pw@example.com$' "$OUT"
	after=$(record_field "$record" password)
	files_only check "passwd changes the hash in the record" \
		test -n "$after" -a "$after" != "$before"
	files_only check_match "the new hash is a crypt hash" '^\$' "$after"
	expect_exit_input $'x\n' 0 "$M" --json passwd PW@example.com
	check_json "passwd --json: the show object" "keys_unsorted == $CHANGED_KEYS and .sessions_ended == null" "$OUT"
	before=$(record_field "$record" password)
	expect_exit_input $'\n' 5 "$M" passwd pw@example.com
	expect_exit_input "" 5 "$M" passwd pw@example.com
	expect_exit_printf 'new\0password\n' 5 "$M" passwd pw@example.com
	check_match "NUL said" 'password contains a NUL byte' "$ERR"
	expect_exit_printf '\0\n' 5 "$M" passwd pw@example.com
	files_only check_eq "an empty password or a NUL leaves the record" "$before" \
		"$(record_field "$record" password)"
	expect_exit_input $'pw\n' 3 "$M" passwd nobody@example.com
	files_only check "passwd of unknown creates no record" \
		test ! -e "$USERS_DIR/nobody@example.com.conf"
	expect_exit_input $'pw\n' 5 "$M" passwd "a b"
}

test_2fa() {
	group "2fa"
	local box=tf@example.com record=$USERS_DIR/tf@example.com.conf
	local secret1 secret2 code bad first second
	add_mailbox "$box"

	expect_exit 1 "$M" 2fa confirm "$box" 123456
	check_match "confirm without enrolment said" 'no pending 2FA enrolment' "$ERR"
	expect_exit 1 "$M" 2fa recovery "$box"
	expect_exit 0 "$M" 2fa disable "$box"
	check_match "disable of a mailbox without 2FA: off" '^2fa: off$' "$OUT"

	expect_exit 0 "$M" --json 2fa enroll "$box" --qr none
	check_json "enroll --json: mailbox, secret, uri" \
		'keys_unsorted == ["mailbox","secret","uri","sessions_ended"] and .mailbox == "tf@example.com"' \
		"$OUT"
	secret1=$(jq -r .secret <<<"$OUT")
	check_match "secret is base32 of 160 bits or more" '^[A-Z2-7]{32,}$' "$secret1"
	check_json "uri is otpauth://totp/ with the secret" \
		"(.uri | startswith(\"otpauth://totp/\")) and (.uri | contains(\"secret=$secret1\"))" \
		"$OUT"
	files_only check_eq "record holds the pending secret" "$secret1" "$(record_field "$record" secret)"
	expect_exit 0 "$M" --json show "$box"
	check_json "show: 2fa pending" '."2fa" == "pending" and .recovery_codes_left == 0' "$OUT"

	# Enrolling again while pending replaces the secret.
	expect_exit 0 "$M" 2fa enroll "$box" --qr none
	secret2=$(sed -n 's/^secret: //p' <<<"$OUT")
	check_match "enroll text: secret line" '^[A-Z2-7]{32,}$' "$secret2"
	check_match "enroll text: uri line" '^uri: otpauth://totp/' "$OUT"
	check "enroll again gives a new secret" test "$secret2" != "$secret1"
	files_only check_eq "record holds the new secret" "$secret2" "$(record_field "$record" secret)"

	bad=$(wrong_code "$secret2")
	expect_exit 1 "$M" 2fa confirm "$box" "$bad"
	check_match "wrong code said" 'wrong verification code' "$ERR"
	expect_exit 1 "$M" 2fa confirm "$box" abcdef
	expect_exit 0 "$M" --json show "$box"
	check_json "still pending after a wrong code" '."2fa" == "pending"' "$OUT"
	# The replaced secret's code does not work (unless it happens to be
	# one of the new secret's codes too: 1 in 300000).
	code=$(totp "$secret1")
	if [ "$code" != "$(totp "$secret2")" ]; then
		expect_exit 1 "$M" 2fa confirm "$box" "$code"
	fi

	expect_exit 0 "$M" --json 2fa confirm "$box" "$(totp "$secret2")"
	check_json "confirm --json: mailbox and 10 recovery codes" \
		'keys_unsorted == ["mailbox","recovery_codes","sessions_ended"] and (.recovery_codes | length) == 10' \
		"$OUT"
	first=$(jq -r '.recovery_codes[]' <<<"$OUT")
	check_eq "recovery codes have the form xxxxx-xxxxx" 10 \
		"$(grep -Ec "$RECOVERY_RE" <<<"$first")"
	check_eq "recovery codes are distinct" 10 "$(sort -u <<<"$first" | wc -l)"
	expect_exit 0 "$M" --json show "$box"
	check_json "show: enabled, 10 recovery codes left" \
		'."2fa" == "enabled" and .recovery_codes_left == 10' "$OUT"
	files_only check_eq "record status enabled" enabled "$(record_field "$record" status)"
	expect_exit 1 "$M" 2fa confirm "$box" "$(totp "$secret2" "+30 seconds")"
	check_match "confirm when enabled said" 'no pending' "$ERR"

	expect_exit 1 "$M" 2fa enroll "$box" --qr none
	check_match "enroll while enabled said" 'disable it first' "$ERR"
	files_only check_eq "refused enroll keeps the secret" "$secret2" "$(record_field "$record" secret)"

	expect_exit 0 "$M" --json 2fa recovery "$box"
	check_json "recovery --json: 10 codes" '(.recovery_codes | length) == 10' "$OUT"
	second=$(jq -r '.recovery_codes[]' <<<"$OUT")
	check_eq "new recovery codes have the form" 10 "$(grep -Ec "$RECOVERY_RE" <<<"$second")"
	check_eq "new recovery codes all differ from the old ones" "" \
		"$(comm -12 <(sort <<<"$first") <(sort <<<"$second"))"
	expect_exit 0 "$M" 2fa recovery "$box"
	check_eq "recovery text: 10 indented codes" 10 \
		"$(grep -Ec '^  [a-z2-7]{5}-[a-z2-7]{5}$' <<<"$OUT")"
	expect_exit 0 "$M" --json show "$box"
	check_json "still 10 recovery codes left" '.recovery_codes_left == 10' "$OUT"

	# Nothing secret in show or list, text or JSON.
	local hashes=() outputs="" i
	mapfile -t hashes < <(grep -o '"\$[^"]*"' "$record" | tr -d '"' | sort -u)
	files_only check_eq "the record holds 11 hashes: password and 10 recovery codes" 11 \
		"${#hashes[@]}"
	files_only check "the password hash is one of them" \
		grep -qxF -- "$(record_field "$record" password)" <(printf '%s\n' "${hashes[@]}")
	expect_exit 0 "$M" show "$box"; outputs+=$OUT$ERR
	expect_exit 0 "$M" --json show "$box"; outputs+=$OUT$ERR
	expect_exit 0 "$M" list; outputs+=$OUT$ERR
	expect_exit 0 "$M" --json list; outputs+=$OUT$ERR
	expect_exit 0 "$M" unlock "$box"; outputs+=$OUT$ERR
	expect_exit 0 "$M" --json non-webmail enable "$box"; outputs+=$OUT$ERR
	for i in "${!hashes[@]}"; do
		check_absent "show/list never print hash $((i + 1)) of the record" \
			"${hashes[i]}" "$outputs"
	done
	check_absent "show/list never print the TOTP secret" "$secret2" "$outputs"
	check_absent "show/list never print part of the secret" "${secret2:0:16}" "$outputs"

	expect_exit 0 "$M" --json 2fa disable "$box"
	check_json "disable: 2fa off, no recovery codes" \
		'."2fa" == "off" and .recovery_codes_left == 0' "$OUT"
	files_only check_eq "disable forgets the secret" "" "$(record_field "$record" secret)"
	files_only check_eq "disable forgets the recovery codes" "" "$(grep -o '"\$[^"]*"' "$record" | grep -v -F "$(record_field "$record" password)")"
	expect_exit 0 "$M" 2fa disable "$box"
	expect_exit 1 "$M" 2fa recovery "$box"
	check_match "recovery without 2FA said" '2FA is not enabled' "$ERR"

	# Enrol again after disable; the code read from stdin with "-".
	local box2=stdin@example.com secret3
	add_mailbox "$box2"
	expect_exit 0 "$M" --json 2fa enroll "$box2" --qr none
	secret3=$(jq -r .secret <<<"$OUT")
	expect_exit_input "$(wrong_code "$secret3")"$'\n' 1 "$M" 2fa confirm "$box2" -
	expect_exit_input "" 5 "$M" 2fa confirm "$box2" -
	expect_exit_printf "$(totp "$secret3")"'\0x\n' 5 "$M" 2fa confirm "$box2" -
	check_match "NUL in a code said" 'code contains a NUL byte' "$ERR"
	expect_exit_input "$(totp "$secret3")"$'\n' 0 "$M" 2fa confirm "$box2" -
	check_eq "confirm text: 10 indented codes" 10 \
		"$(grep -Ec '^  [a-z2-7]{5}-[a-z2-7]{5}$' <<<"$OUT")"
	check_match "confirm text: the mailbox" '^mailbox: stdin@example.com$' "$OUT"
	expect_exit 0 "$M" --json show "$box2"
	check_json "confirm - enabled 2FA" '."2fa" == "enabled"' "$OUT"

	# JSON enroll with the default (terminal) QR: one JSON object only.
	local box3=qr@example.com
	add_mailbox "$box3"
	expect_exit 0 "$M" --json 2fa enroll "$box3"
	check_json "enroll --json without --qr prints the JSON object only" \
		'.uri | startswith("otpauth://totp/")' "$OUT"
	check_eq "...on one line" 1 "$(wc -l <<<"$OUT")"
	expect_exit 0 "$M" 2fa enroll "$box3"
	check "enroll text with the default QR prints more than 3 lines" \
		test "$(wc -l <<<"$OUT")" -gt 10
	expect_exit 0 "$M" 2fa enroll "$box3" --qr ansi
	check_match "--qr ansi prints colour escapes" $'\e\\[' "$OUT"

	# Unknown and invalid mailboxes.
	local cmd
	for cmd in "enroll" "disable" "recovery"; do
		expect_exit 3 "$M" 2fa "$cmd" nobody@example.com
		expect_exit 5 "$M" 2fa "$cmd" "a@b@c"
	done
	expect_exit 3 "$M" 2fa enroll nobody@example.com --qr none
	expect_exit 3 "$M" 2fa confirm nobody@example.com 123456
	expect_exit_input $'123456\n' 3 "$M" 2fa confirm nobody@example.com -
	expect_exit 5 "$M" 2fa confirm "a b" 123456
	files_only check "2fa on unknown creates no record" test ! -e "$USERS_DIR/nobody@example.com.conf"
}

test_qr_files() {
	group "2fa enroll --qr png:FILE, svg:FILE"
	local box=pic@example.com dir=$TEST_ROOT/pictures old_umask
	add_mailbox "$box"
	mkdir -p "$dir"
	old_umask=$(umask)
	umask 000
	expect_exit 0 "$M" 2fa enroll "$box" --qr "png:$dir/qr.png"
	umask "$old_umask"
	check "png written" test -s "$dir/qr.png"
	check_eq "png starts with the PNG signature" "89504e470d0a1a0a" \
		"$(head -c 8 "$dir/qr.png" | od -An -tx1 | tr -d ' \n')"
	check_eq "png mode 0600 (it holds the secret)" 600 "$(file_mode "$dir/qr.png")"
	check_match "png: secret and uri still printed" '^uri: otpauth://totp/' "$OUT"

	expect_exit 0 "$M" --json 2fa enroll "$box" --qr "svg:$dir/qr.svg"
	check_json "svg with --json: the JSON object on stdout" '.secret | length >= 32' "$OUT"
	check "svg written" test -s "$dir/qr.svg"
	check_match "svg is SVG" '<svg ' "$(head -c 400 "$dir/qr.svg")"
	check_match "svg ends with </svg>" '</svg>' "$(tail -n 2 "$dir/qr.svg")"
	check_eq "svg mode 0600 (it holds the secret)" 600 "$(file_mode "$dir/qr.svg")"

	expect_exit 0 "$M" 2fa enroll "$box" --qr "png:$dir/qr.png"
	check "png replaced in place" test -s "$dir/qr.png"
	local before
	before=$(sha256sum <"$USERS_DIR/$box.conf")
	expect_exit 6 "$M" 2fa enroll "$box" --qr "png:$dir/missing/qr.png"
	check_match "unwritable QR file named" "$dir/missing/qr.png" "$ERR"
	files_only check_eq "unwritable QR file: the enrolment was not replaced" "$before" \
		"$(sha256sum <"$USERS_DIR/$box.conf")"
	expect_exit 6 "$M" 2fa enroll "$box" --qr "svg:$dir"
	check_match "QR file that is a directory named" "is a directory" "$ERR"
	files_only check_eq "QR file a directory: the enrolment was not replaced" "$before" \
		"$(sha256sum <"$USERS_DIR/$box.conf")"
	check_eq "no temporary QR files left" "" \
		"$(find "$dir" -name 'qr.*.*' -print)"
	expect_exit 0 "$M" 2fa enroll "$box" --qr none
	check_eq "--qr none prints mailbox, secret, uri and the next step" 4 \
		"$(wc -l <<<"$OUT")"
	check_eq "enroll's last line: the next step" \
		"next: mailsecctl 2fa confirm $box CODE (a code from the app; 2FA stays pending until then)" \
		"$(tail -n 1 <<<"$OUT")"
	expect_exit 0 "$M" --json 2fa enroll "$box" --qr none
	check_json "enroll --json: no next step in the object" \
		'keys_unsorted == ["mailbox","secret","uri","sessions_ended"]' "$OUT"
}

test_non_webmail() {
	group "non-webmail"
	local box=nw@example.com record=$USERS_DIR/nw@example.com.conf
	add_mailbox "$box"
	expect_exit 0 "$M" --json non-webmail disable "$box"
	check_json "disable: the show object, access false" \
		".non_webmail_access == false and keys_unsorted == $CHANGED_KEYS" "$OUT"
	files_only check_match "record says false" '^non_webmail_access = false;' "$(cat "$record")"
	expect_exit 0 "$M" --json show "$box"
	check_json "show: non_webmail_access false" '.non_webmail_access == false' "$OUT"
	expect_exit 0 "$M" show "$box"
	check_match "show text: disabled" '^non-webmail: disabled$' "$OUT"
	expect_exit 0 "$M" non-webmail disable "$box"
	expect_exit 0 "$M" non-webmail enable "$box"
	expect_exit 0 "$M" --json show "$box"
	check_json "show: non_webmail_access true again" '.non_webmail_access == true' "$OUT"
	files_only check_match "record says true" '^non_webmail_access = true;' "$(cat "$record")"
	expect_exit 3 "$M" non-webmail disable nobody@example.com
	expect_exit 3 "$M" non-webmail enable nobody@example.com
	expect_exit 5 "$M" non-webmail enable ".x"
}

test_app_passwords() {
	group "app passwords"
	local box=app@example.com record=$USERS_DIR/app@example.com.conf
	local pw pw2 keys
	add_mailbox "$box"
	expect_exit 0 "$M" --json app-password add "$box" "Thunderbird at home" \
		--services imap,smtp --from 192.0.2.0/24,2001:db8::/32 --expires 30
	check_json "add --json: the documented keys, in order" \
		'keys_unsorted == ["mailbox","name","services","from","created","expires","password","sessions_ended"]' "$OUT"
	check_json "add --json: values" \
		'.mailbox == "app@example.com" and .name == "Thunderbird at home" and .services == ["imap","smtp"] and .from == ["192.0.2.0/24","2001:db8::/32"] and (.expires|type) == "string"' "$OUT"
	pw=$(jq -r .password <<<"$OUT")
	check_match "the password: five groups of four letters" \
		'^[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}$' "$pw"
	files_only check_absent "the record never holds the password" "$pw" "$(cat "$record")"
	files_only check_absent "nor without its spaces" "${pw// /}" "$(cat "$record")"
	files_only check_match "the record holds its digest" 'digest = "blake2b\$' "$(cat "$record")"
	expect_exit 0 "$M" app-password add "$box" phone --expires 2099-12-31
	check_match "add text: the password once" \
		'^password \(shown only now\): [a-z]{4}( [a-z]{4}){4}$' "$OUT"
	check_match "add text: a date is through its end, UTC" \
		'^expires: 2100-01-01T00:00:00Z$' "$OUT"
	check_match "add text: the default services" '^services: imap, pop3, smtp$' "$OUT"
	check_match "add text: any address" '^from: any address$' "$OUT"
	pw2=$(sed -n 's/^password (shown only now): //p' <<<"$OUT")
	check "two passwords differ" test "$pw" != "$pw2"
	expect_exit 4 "$M" app-password add "$box" phone
	check_match "a taken name is said" "exists already" "$ERR"
	expect_exit 3 "$M" app-password add nobody@example.com phone
	expect_exit 5 "$M" app-password add "$box" ""
	expect_exit 5 "$M" app-password add "$box" "$(printf 'tab\there')"
	expect_exit 5 "$M" app-password add "$box" "$(printf '%065d' 0)"
	expect_exit 5 "$M" app-password add "$box" -- -x
	expect_exit 5 "$M" app-password add "$box" x --services IMAP
	expect_exit 5 "$M" app-password add "$box" x --services imap,
	expect_exit 5 "$M" app-password add "$box" x --from 192.0.2.0/33
	expect_exit 5 "$M" app-password add "$box" x --from example.com
	expect_exit 5 "$M" app-password add "$box" x --expires 2001-01-01
	expect_exit 5 "$M" app-password add "$box" x --expires 0
	expect_exit 5 "$M" app-password add "$box" x --expires soon
	expect_exit 2 "$M" app-password add "$box"
	expect_exit 2 "$M" show "$box" --services imap
	expect_exit 2 "$M" app-password list "$box" --all
	expect_exit 2 "$M" add "$box" --keep-app-passwords

	expect_exit 0 "$M" --json app-password list "$box"
	keys='["name","services","from","created","expires","last_used","last_service","last_rhost","uses"]'
	check_json "list --json: an array of 2 with the documented keys" \
		"type == \"array\" and length == 2 and all(.[]; keys_unsorted == $keys)" "$OUT"
	check_json "list --json: never used" \
		'all(.[]; .last_used == null and .last_service == null and .last_rhost == null and .uses == 0)' "$OUT"
	check_absent "list never shows the password" "$pw" "$OUT"
	check_absent "list never shows the digest" "blake2b" "$OUT"
	expect_exit 0 "$M" app-password list "$box"
	check_match "list text: last use" '^last used: never$' "$OUT"
	expect_exit 3 "$M" app-password list nobody@example.com
	expect_exit 0 "$M" --json show "$box"
	check_json "show: how many" '.app_passwords == 2' "$OUT"

	expect_exit 0 "$M" --json non-webmail app-passwords "$box"
	check_json "app-passwords: the show object" \
		".non_webmail == \"app-passwords\" and .non_webmail_access == true and keys_unsorted == $CHANGED_KEYS" "$OUT"
	files_only check_match "record: app_passwords_only" '^app_passwords_only = true;' "$(cat "$record")"
	expect_exit 0 "$M" show "$box"
	check_match "show text: app-passwords" '^non-webmail: app-passwords$' "$OUT"
	expect_exit 0 "$M" list
	check_match "list text: app-passwords" "^$box +non-webmail=app-passwords " "$OUT"
	expect_exit 0 "$M" --json non-webmail disable "$box"
	check_json "disable: disabled, access false" \
		'.non_webmail == "disabled" and .non_webmail_access == false' "$OUT"
	files_only check_absent "disable drops app_passwords_only" "app_passwords_only" "$(cat "$record")"
	expect_exit 0 "$M" non-webmail enable "$box"

	expect_exit 3 "$M" app-password revoke "$box" nothing
	expect_exit 2 "$M" app-password revoke "$box"
	expect_exit 2 "$M" app-password revoke "$box" phone --all
	expect_exit 0 "$M" --json app-password revoke "$box" phone
	check_json "revoke --json" '. == {"mailbox":"app@example.com","revoked":1,"sessions_ended":null}' "$OUT"
	expect_exit 0 "$M" --json app-password revoke "$box" --all
	check_json "revoke --all" '.revoked == 1' "$OUT"
	expect_exit 0 "$M" app-password list "$box"
	check_eq "none left" "no app passwords" "$OUT"
	files_only check_absent "an empty list is not written" "app_passwords" "$(cat "$record")"

	# passwd revokes them, unless told to keep them.
	expect_exit 0 "$M" app-password add "$box" one
	expect_exit_input $'new pw\n' 0 "$M" --json passwd "$box" --keep-app-passwords
	check_json "passwd --keep-app-passwords keeps them" '.app_passwords == 1' "$OUT"
	expect_exit_input $'newer pw\n' 0 "$M" --json passwd "$box"
	check_json "passwd revokes them" '.app_passwords == 0' "$OUT"

	# A provider's default for new mailboxes.
	local conf
	conf=$(make_config "$TEST_ROOT/nwdefault" 'non_webmail_default = "app-passwords";')
	expect_exit_input $'pw\n' 0 "$M" --config "$conf" --json add new@example.com
	check_json "non_webmail_default: a new mailbox takes it" \
		'.non_webmail == "app-passwords"' "$OUT"
	conf=$(make_config "$TEST_ROOT/nwbad" 'non_webmail_default = "sometimes";')
	expect_exit 5 "$M" --config "$conf" check-config

	# 20 at most.
	local i
	for i in $(seq 1 20); do
		mailsecctl app-password add "$box" "app $i" >/dev/null
	done
	expect_exit 1 "$M" app-password add "$box" "app 21"
	check_match "the limit is said" "at most 20" "$ERR"
	(umask 077 && printf 'x' >"$STATE_DIR/$box.apps")
	files_only expect_exit 5 "$M" check-config
	files_only check_match "check-config reads the app state" "$box.apps: corrupt app state" "$OUT"
	files_only expect_exit 5 "$M" app-password list "$box"
	expect_exit 0 "$M" remove "$box"
	files_only check "remove takes the app state too" test ! -e "$STATE_DIR/$box.apps"
}

test_unlock_logout() {
	group "unlock, logout"
	local box=ul@example.com
	add_mailbox "$box"
	expect_exit 0 "$M" unlock "$box"
	check_match "unlock prints the mailbox" '^locked-until: -$' "$OUT"
	expect_exit 0 "$M" --json unlock "$box"
	check_json "unlock --json: not locked" '.locked_until == null' "$OUT"
	expect_exit 0 "$M" logout "$box"
	expect_exit 0 "$M" --json logout "$box"
	check_json "logout --json: the show object" "keys_unsorted == $CHANGED_KEYS" "$OUT"
	files_only check_eq "state file 0600" 600 "$(file_mode "$STATE_DIR/$box.state")"
	expect_exit 3 "$M" unlock nobody@example.com
	expect_exit 3 "$M" logout nobody@example.com
	files_only check "unlock/logout of unknown create no state" \
		test ! -e "$STATE_DIR/nobody@example.com.state"
	expect_exit 5 "$M" unlock "a b"
	expect_exit 5 "$M" logout "../x"
}

# A replay mark belongs to the secret it was made with: re-enrolled with a
# longer period, whose step numbers are all smaller than the old ones, the
# new secret's first code still confirms.
test_reenrol_other_period() {
	group "re-enrol with another period"
	local box=rp@example.com secret conf30 conf60
	conf30=$(make_config "$TEST_ROOT/period")
	conf60=$TEST_ROOT/period/mailsec-60.conf
	{ cat "$conf30"; echo 'totp = { period = 60; };'; } >"$conf60"
	expect_exit_input $'pw\n' 0 "$M" --config "$conf30" add "$box"
	expect_exit 0 "$M" --config "$conf30" --json 2fa enroll "$box" --qr none
	secret=$(jq -r .secret <<<"$OUT")
	expect_exit 0 "$M" --config "$conf30" 2fa confirm "$box" \
		"$(oathtool --totp -b "$secret")"
	expect_exit 0 "$M" --config "$conf30" 2fa disable "$box"
	expect_exit 0 "$M" --config "$conf60" --json 2fa enroll "$box" --qr none
	secret=$(jq -r .secret <<<"$OUT")
	expect_exit 0 "$M" --config "$conf60" 2fa confirm "$box" \
		"$(oathtool --totp -s 60s -b "$secret")"
	expect_exit 0 "$M" --config "$conf60" --json show "$box"
	check_json "enabled with the 60 s secret" '."2fa" == "enabled"' "$OUT"
}

# Wrong codes of a pending secret count toward the lockout, as at login:
# the password alone must not be enough to guess the new secret's code and
# so get its recovery codes.
test_confirm_lockout() {
	group "2fa confirm counts wrong codes"
	local box=cl@example.com secret bad
	add_mailbox "$box"
	expect_exit 0 "$M" --json 2fa enroll "$box" --qr none
	secret=$(jq -r .secret <<<"$OUT")
	bad=$(wrong_code "$secret")
	for _ in 1 2 3 4 5; do
		expect_exit 1 "$M" 2fa confirm "$box" "$bad"
	done
	expect_exit 0 "$M" --json show "$box"
	check_json "locked after five wrong codes" '.locked_until != null' "$OUT"
	expect_exit 1 "$M" 2fa confirm "$box" "$(oathtool --totp -b "$secret")"
	check_match "locked said" 'too many wrong codes' "$ERR"
	expect_exit 0 "$M" --json show "$box"
	check_json "still pending" '."2fa" == "pending"' "$OUT"
	expect_exit 0 "$M" unlock "$box"
	expect_exit 0 "$M" 2fa confirm "$box" "$(oathtool --totp -b "$secret")"
}

# A holder of the mailbox lock that never lets go: mailsecctl gives up
# after a bounded wait with a system error, never hangs.
test_stalled_lock() {
	group "stalled lock holder"
	local box=sl@example.com holder start
	add_mailbox "$box"
	expect_exit 0 "$M" unlock "$box"
	# The holder is the sleep itself (a subshell that execs it), so that
	# killing it lets go of the lock.
	(exec 9>>"$STATE_DIR/$box.lock" && flock 9 && exec sleep 30) &
	holder=$!
	sleep 0.3
	start=$SECONDS
	expect_exit 6 "$M" unlock "$box"
	check_match "stalled lock said" 'still held by another process' "$ERR"
	check "gave up within a few seconds" test $((SECONDS - start)) -le 8
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	expect_exit 0 "$M" unlock "$box"
}

test_remove() {
	group "remove"
	local box=rm@example.com
	add_mailbox "$box"
	expect_exit 0 "$M" logout "$box"
	files_only check "state exists before remove" test -f "$STATE_DIR/$box.state"
	expect_exit 0 "$M" --json remove RM@example.com
	check_json "remove --json" '. == {"mailbox":"rm@example.com","removed":true,"sessions_ended":null}' "$OUT"
	files_only check "record gone" test ! -e "$USERS_DIR/$box.conf"
	files_only check "state gone" test ! -e "$STATE_DIR/$box.state"
	expect_exit 3 "$M" show "$box"
	files_only check "the lock file stays (mailsecctl.8, SAFETY)" \
		test -f "$STATE_DIR/$box.lock"
	expect_exit 3 "$M" remove "$box"
	expect_exit 3 "$M" remove nobody@example.com
	# A name that is no mailbox gets no lock file.
	local cmd
	for cmd in unlock logout "2fa disable" "2fa recovery" \
		"non-webmail disable"; do
		# shellcheck disable=SC2086 # the group and its verb are two words
		expect_exit 3 "$M" $cmd nobody@example.com
	done
	expect_exit_input $'pw\n' 3 "$M" passwd nobody@example.com
	expect_exit 3 "$M" 2fa enroll nobody@example.com --qr none
	expect_exit 3 "$M" 2fa confirm nobody@example.com 123456
	files_only check_eq "no lock file for a name that is no mailbox" "" \
		"$(find "$STATE_DIR" -name 'nobody@*' -print)"
	expect_exit 5 "$M" remove "../main/users/x"
	# A new mailbox of the same name starts afresh.
	add_mailbox "$box"
	expect_exit 0 "$M" --json show "$box"
	check_json "re-added mailbox starts with 2FA off" '."2fa" == "off"' "$OUT"
	expect_exit 0 "$M" remove "$box"
	files_only check "text remove" test ! -e "$USERS_DIR/$box.conf"
}

test_check_config() {
	group "check-config"
	local dir conf users n
	dir=$TEST_ROOT/check
	conf=$(make_config "$dir")
	users=$dir/users
	for n in one@example.com two@example.com; do
		expect_exit_input $'pw\n' 0 "$M" --config "$conf" add "$n"
	done
	expect_exit 0 "$M" --config "$conf" check-config
	check_match "check-config names the config" "^config: $conf\$" "$OUT"
	check_match "check-config: no problems said so" '^problems: none$' "$OUT"
	check_eq "check-config: no bare problems: line" "" \
		"$(grep -x 'problems:' <<<"$OUT")"
	check_match "check-config: records counted" '^records: 2$' "$OUT"
	expect_exit 0 "$M" --config "$conf" --json check-config
	check_json "check-config --json on a clean setup" \
		"keys_unsorted == [\"config\",\"problems\",\"records\"] and .config == \"$conf\" and .problems == [] and .records == 2" \
		"$OUT"

	# A record that is not libconfig.
	printf 'garbage\n' >"$users/x@y.conf"
	chmod 600 "$users/x@y.conf"
	expect_exit 5 "$M" --config "$conf" check-config
	files_only check_match "the broken record is named with its line" \
		"^  $users/x@y\\.conf:[0-9]+: " "$OUT"
	expect_exit 5 "$M" --config "$conf" --json check-config
	files_only check_json "check-config --json: one problem naming the file and line" \
		"(.problems | length) == 1 and (.problems[0] | test(\"^$users/x@y\\\\.conf:[0-9]+: \")) and .records == 3" \
		"$OUT"
	expect_exit 5 "$M" --config "$conf" show x@y
	files_only check_match "show of the broken record names file and line" \
		"$users/x@y\\.conf:[0-9]+: " "$ERR"
	rm "$users/x@y.conf"

	# Valid libconfig, invalid record: each kind is found with its line.
	printf 'version = 1;\npassword = "$y$j9T$x$y";\ntotp = {\n  status = "bogus";\n};\n' \
		>"$users/bad@example.com.conf"
	chmod 600 "$users/bad@example.com.conf"
	expect_exit 5 "$M" --config "$conf" --json check-config
	files_only check_json "invalid status found on its line (4)" \
		"any(.problems[]; startswith(\"$users/bad@example.com.conf:4: \"))" "$OUT"
	printf 'version = 1;\npassword = "$y$j9T$x$y";\ntotp = {\n  status = "enabled";\n  secret = "NOT!BASE32";\n  algorithm = "SHA1"; digits = 6; period = 30;\n};\n' \
		>"$users/bad@example.com.conf"
	expect_exit 5 "$M" --config "$conf" --json check-config
	files_only check_json "invalid secret found on its line (5)" \
		"any(.problems[]; test(\"^$users/bad@example\\\\.com\\\\.conf:5: 'secret' must be base32\"))" \
		"$OUT"
	printf 'version = 1;\npassword = "$y$j9T$x$y";\ntotp = {\n  status = "enabled";\n  secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";\n  digits = 9;\n};\n' \
		>"$users/bad@example.com.conf"
	expect_exit 5 "$M" --config "$conf" --json check-config
	files_only check_json "digits outside 6-8 found on its line (6)" \
		"any(.problems[]; startswith(\"$users/bad@example.com.conf:6: \"))" "$OUT"
	printf 'version = 1;\n' >"$users/bad@example.com.conf"
	expect_exit 5 "$M" --config "$conf" show bad@example.com
	check_match "missing password named" "bad@example.com.conf.*password" "$ERR"
	expect_exit 5 "$M" --config "$conf" 2fa enroll bad@example.com --qr none
	expect_exit_input $'pw\n' 5 "$M" --config "$conf" passwd bad@example.com
	files_only check_eq "an invalid record is not rewritten" "version = 1;" "$(cat "$users/bad@example.com.conf")"
	rm "$users/bad@example.com.conf"

	# Several problems: each one reported.
	printf 'garbage\n' >"$users/g1@example.com.conf"
	printf 'garbage\n' >"$users/g2@example.com.conf"
	printf 'stray\n' >"$users/README"
	chmod 600 "$users/g1@example.com.conf" "$users/g2@example.com.conf"
	expect_exit 5 "$M" --config "$conf" --json check-config
	check_json "three problems, each reported" '(.problems | length) == 3' "$OUT"
	check_json "a stray file is a problem too" \
		'any(.problems[]; test("README: not a mailbox record name"))' "$OUT"
	rm "$users/g1@example.com.conf" "$users/g2@example.com.conf" "$users/README"
	expect_exit 0 "$M" --config "$conf" check-config

	# An unsafe record is a system error (6).
	chmod 666 "$users/one@example.com.conf"
	expect_exit 6 "$M" --config "$conf" --json check-config
	check_json "writable record reported" \
		'any(.problems[]; test("one@example.com.conf: file is group- or world-writable"))' \
		"$OUT"
	chmod 600 "$users/one@example.com.conf"
	expect_exit 0 "$M" --config "$conf" check-config

	# A damaged activity journal is reported, never a crash; remove
	# takes it with the mailbox.
	local journal=$dir/state/one@example.com.journal
	(umask 077 && head -c 600 /dev/urandom >"$journal")
	expect_exit 5 "$M" --config "$conf" --json check-config
	check_json "damaged journal entries reported" \
		"any(.problems[]; . == \"$journal: 3 damaged entries\")" "$OUT"
	(umask 077 && printf 'x' >"$journal")
	expect_exit 5 "$M" --config "$conf" check-config
	check_match "one damaged entry" "one@example.com.journal: 1 damaged entry\$" "$OUT"
	ln -sf /dev/null "$journal"
	expect_exit 6 "$M" --config "$conf" check-config
	check_match "a journal that is a symlink" "one@example.com.journal: " "$OUT"
	rm "$journal"
	(umask 077 && printf 'x' >"$journal")
	expect_exit 0 "$M" --config "$conf" remove one@example.com
	check "remove takes the journal too" test ! -e "$journal"
	expect_exit 0 "$M" --config "$conf" check-config

	# A journal without a record (a login decided as its mailbox went)
	# is reported; add drops it.
	(umask 077 && printf 'x' >"$journal")
	expect_exit 5 "$M" --config "$conf" --json check-config
	check_json "an orphan journal reported" \
		"any(.problems[]; . == \"$journal: orphan journal: no mailbox one@example.com\")" \
		"$OUT"
	expect_exit_input $'pw\n' 0 "$M" --config "$conf" add one@example.com
	check "add drops an orphan journal" test ! -e "$journal"
	expect_exit 0 "$M" --config "$conf" check-config
}

test_bad_settings() {
	group "invalid mailsec.conf"
	local dir conf line
	dir=$TEST_ROOT/badconf
	conf=$(make_config "$dir" "webmail_services = [ \"webmail\" ];" \
		"totp = { digits = 9; };")
	line=$(grep -n 'digits = 9' "$conf" | cut -d: -f1)
	expect_exit_input $'pw\n' 5 "$M" --config "$conf" add a@example.com
	check_match "add: error names mailsec.conf and the line" "^mailsecctl: $conf:$line: .*digits" "$ERR"
	check "nothing created under an invalid mailsec.conf" test ! -e "$dir/users"
	expect_exit 5 "$M" --config "$conf" list
	expect_exit 5 "$M" --config "$conf" show a@example.com
	check_match "show: error names the file and line" "$conf:$line: " "$ERR"
	expect_exit 5 "$M" --config "$conf" 2fa enroll a@example.com --qr none
	expect_exit 5 "$M" --config "$conf" check-config
	check_match "check-config reports it" "^  $conf:$line: " "$OUT"
	check_match "check-config: records not checked, not 0" \
		'^records: not checked' "$OUT"
	expect_exit 5 "$M" --config "$conf" --json check-config
	check_json "check-config --json reports it; records null" \
		"(.problems | length) == 1 and (.problems[0] | startswith(\"$conf:$line: \")) and .records == null" \
		"$OUT"
	expect_exit 5 env MAILSEC_CONFIG="$conf" "$M" show a@example.com

	conf=$(make_config "$dir" "no_such_key = 1;")
	expect_exit 5 "$M" --config "$conf" list
	check_match "unknown key named with its line" "$conf:3: " "$ERR"
	conf=$(make_config "$dir" "totp = { period = 10; };")
	expect_exit 5 "$M" --config "$conf" list
	conf=$(make_config "$dir" "totp = { algorithm = \"MD5\"; };")
	expect_exit 5 "$M" --config "$conf" list
	conf=$(make_config "$dir" "this is not libconfig")
	expect_exit 5 "$M" --config "$conf" list
	check_match "syntax error named with its line" "$conf:3: " "$ERR"
	printf 'users_dir = "relative/users";\n' >"$dir/mailsec.conf"
	expect_exit 5 "$M" --config "$dir/mailsec.conf" list
	# --help reads no mailsec.conf.
	expect_exit 0 "$M" --config "$dir/none.conf" --help
}

test_unsafe_files() {
	group "unsafe records and directories"
	local box=safe@example.com record=$USERS_DIR/safe@example.com.conf
	add_mailbox "$box"
	chmod 666 "$record"
	expect_exit 6 "$M" show "$box"
	files_only check_match "world-writable record named" "$record: file is group- or world-writable" "$ERR"
	expect_exit 6 "$M" --json list
	expect_exit_input $'pw\n' 6 "$M" passwd "$box"
	expect_exit 6 "$M" non-webmail disable "$box"
	files_only check_eq "refused record left as it was" 666 "$(file_mode "$record")"
	chmod 620 "$record"
	expect_exit 6 "$M" show "$box"
	chmod 602 "$record"
	expect_exit 6 "$M" show "$box"
	chmod 600 "$record"
	expect_exit 0 "$M" show "$box"

	# A symlink in place of the record: refused, the target untouched.
	local target=$TEST_ROOT/target.conf copy=$TEST_ROOT/target.copy
	cp -p "$record" "$target"
	cp -p "$record" "$copy"
	rm "$record"
	ln -s "$target" "$record"
	expect_exit 6 "$M" show "$box"
	files_only check_match "symlink named" "$record: is a symbolic link" "$ERR"
	expect_exit_input $'new password\n' 6 "$M" passwd "$box"
	expect_exit 6 "$M" non-webmail disable "$box"
	expect_exit 6 "$M" 2fa enroll "$box" --qr none
	expect_exit 6 "$M" remove "$box"
	expect_exit_input $'pw\n' 4 "$M" add "$box"
	check "the symlink target is not modified" cmp -s "$target" "$copy"
	files_only check "the symlink is still there" test -L "$record"
	rm "$record"

	# A directory in place of a record.
	mkdir -m 700 "$record"
	expect_exit 6 "$M" show "$box"
	check_match "directory record named" "not a regular file" "$ERR"
	rmdir "$record"
	expect_exit 3 "$M" show "$box"

	# Unsafe directories.
	chmod 777 "$USERS_DIR"
	expect_exit 6 "$M" list
	files_only check_match "writable users_dir named" "$USERS_DIR: directory is group- or world-writable" "$ERR"
	expect_exit_input $'pw\n' 6 "$M" add new@example.com
	chmod 700 "$USERS_DIR"
	chmod 770 "$STATE_DIR"
	expect_exit_input $'pw\n' 6 "$M" add new@example.com
	files_only check "no record made when state_dir is unsafe" test ! -e "$USERS_DIR/new@example.com.conf"
	chmod 700 "$STATE_DIR"
	# A symlinked users_dir is refused, and nothing is written through it.
	mv "$USERS_DIR" "$TEST_ROOT/users.real"
	ln -s "$TEST_ROOT/users.real" "$USERS_DIR"
	expect_exit 6 "$M" list
	files_only check_match "symlinked users_dir named" "$USERS_DIR: is a symbolic link" "$ERR"
	expect_exit_input $'pw\n' 6 "$M" add link@example.com
	check "no record written through the symlink" \
		test ! -e "$TEST_ROOT/users.real/link@example.com.conf"
	rm "$USERS_DIR"
	mv "$TEST_ROOT/users.real" "$USERS_DIR"

	# A symlinked state file is refused too.
	add_mailbox state@example.com
	expect_exit 0 "$M" logout state@example.com
	cp -p "$STATE_DIR/state@example.com.state" "$TEST_ROOT/state.copy"
	cp -p "$STATE_DIR/state@example.com.state" "$TEST_ROOT/state.target"
	rm "$STATE_DIR/state@example.com.state"
	ln -s "$TEST_ROOT/state.target" "$STATE_DIR/state@example.com.state"
	expect_exit 6 "$M" logout state@example.com
	check "the state symlink target is not modified" \
		cmp -s "$TEST_ROOT/state.target" "$TEST_ROOT/state.copy"
	rm "$STATE_DIR/state@example.com.state"
	expect_exit 0 "$M" remove state@example.com
}

test_config_option() {
	group "--config and MAILSEC_CONFIG"
	local dir conf bad
	dir=$TEST_ROOT/other
	conf=$(make_config "$dir")
	bad=$(make_config "$TEST_ROOT/bad-env" "totp = { digits = 9; };")
	expect_exit_input $'pw\n' 0 "$M" --config "$conf" add only-here@example.com
	files_only check "--config's users_dir used" test -f "$dir/users/only-here@example.com.conf"
	files_only check "MAILSEC_CONFIG's users_dir not used" test ! -e "$USERS_DIR/only-here@example.com.conf"
	expect_exit 3 "$M" show only-here@example.com
	expect_exit 0 env MAILSEC_CONFIG="$conf" "$M" show only-here@example.com
	expect_exit 0 env MAILSEC_CONFIG="$bad" "$M" --config "$conf" show only-here@example.com
	expect_exit 0 env MAILSEC_CONFIG="$bad" "$M" show --config="$conf" only-here@example.com
	expect_exit 5 env MAILSEC_CONFIG="$bad" "$M" show only-here@example.com
	expect_exit 0 "$M" --json --config "$conf" check-config
	check_json "check-config reports the --config file" ".config == \"$conf\"" "$OUT"
	expect_exit 0 "$M" --json check-config
	check_json "check-config reports MAILSEC_CONFIG" ".config == \"$MAILSEC_CONFIG\"" "$OUT"

	# A file someone named must be there: a typo never means the defaults
	# (another users_dir, other webmail_services).
	local typo=$dir/mailsec.cnf
	expect_exit 6 "$M" --config "$typo" show only-here@example.com
	check_match "a missing --config file is named" \
		"^mailsecctl: $typo: no such file" "$ERR"
	expect_exit 6 "$M" --config "$typo" list
	expect_exit_input $'pw\n' 6 "$M" --config "$typo" add typo@example.com
	check_eq "no record made for a missing --config file" "" \
		"$(find "$TEST_ROOT" -name 'typo@example.com.conf' -print)"
	expect_exit 6 env MAILSEC_CONFIG="$typo" "$M" show only-here@example.com
	check_match "a missing MAILSEC_CONFIG file is named" \
		"^mailsecctl: $typo: no such file" "$ERR"
	expect_exit 6 "$M" --config "$typo" --json check-config
	check_json "check-config: the missing file is its one problem" \
		"(.problems | length) == 1 and (.problems[0] | startswith(\"$typo: no such file\"))" \
		"$OUT"
	expect_exit 5 "$M" --config "" list
	# Only the built-in path, named by no one, may be missing.
	local builtin
	builtin=$(env -u MAILSEC_CONFIG "$M" --json check-config | jq -r .config)
	if [ -n "$builtin" ] && [ ! -e "$builtin" ]; then
		run_input "" env MAILSEC_CONFIG= "$M" --json check-config
		check_json "a missing built-in mailsec.conf is no problem" \
			"all(.problems[]; startswith(\"$builtin\") | not)" "$OUT"
	else
		echo "note: $builtin exists: its absence not tested"
	fi
}

# audited TEXT CODE CMD...: expect_exit_input with syslog captured
# (tests/syslog_capture.c); LOGGED holds the lines, CHANGED those of
# changes.
LOGGED=""
CHANGED=""
# The shim, behind ASan's runtime in a sanitizer build (which must come
# first of the preloaded libraries).
syslog_preload() {
	local asan
	asan=$(ldd "$M" 2>/dev/null | awk '/libasan/ { print $3; exit }')
	printf '%s\n' "${asan:+$asan:}$SYSLOG_SHIM"
}

audited() {
	local text=$1 code=$2 log=$TEST_ROOT/syslog
	shift 2
	: >"$log"
	expect_exit_input "$text" "$code" env LD_PRELOAD="$(syslog_preload)" \
		SYSLOG_CAPTURE="$log" "$@"
	LOGGED=$(cat "$log")
	CHANGED=$(grep -F 'changed:' "$log")
}

# one_change DESCRIPTION COMMAND [SUDO_USER]: CHANGED is exactly one
# LOG_NOTICE authpriv line for COMMAND on $box by this user.
one_change() {
	local sudo_user=${3:--}
	check_eq "$1: one line" 1 "$(grep -c . <<<"$CHANGED")"
	check_eq "$1: the line" \
		"authpriv.notice mailsecctl: changed: mailbox=$box command=$2 user=$(id -un) sudo_user=$sudo_user" \
		"$CHANGED"
}

test_audit() {
	group "audit trail (syslog)"
	if [ ! -f "${SYSLOG_SHIM:-}" ]; then
		fail "SYSLOG_SHIM does not name tests/.libs/libsyslogcap.so"
		return
	fi
	local box=audit@example.com pw='audit pw 1' pw2='audit pw 2'
	local secret code codes
	audited "$pw"$'\n' 0 "$M" add "$box"
	one_change "add" add
	check_absent "add: no password logged" "$pw" "$LOGGED"
	audited "$pw2"$'\n' 0 env SUDO_USER=admin "$M" passwd "$box"
	one_change "passwd under sudo" passwd admin
	check_absent "passwd: no password logged" "$pw2" "$LOGGED"
	audited "" 0 env SUDO_USER=$'ev il\nchanged: x' "$M" unlock "$box"
	one_change "SUDO_USER made safe" unlock 'ev?il?changed:?x'
	audited "" 0 "$M" --json 2fa enroll "$box" --qr none
	one_change "2fa enroll" "2fa enroll"
	secret=$(jq -r .secret <<<"$OUT")
	check_absent "2fa enroll: no secret logged" "$secret" "$LOGGED"
	code=$(totp "$secret")
	audited "" 0 "$M" --json 2fa confirm "$box" "$code"
	one_change "2fa confirm" "2fa confirm"
	check_absent "2fa confirm: no code logged" "$code" "$LOGGED"
	codes=$(jq -r '.recovery_codes[]' <<<"$OUT")
	check_absent "2fa confirm: no recovery code logged" "${codes%%$'\n'*}" "$LOGGED"
	audited "" 0 "$M" --json 2fa recovery "$box"
	one_change "2fa recovery" "2fa recovery"
	codes=$(jq -r '.recovery_codes[]' <<<"$OUT")
	check_absent "2fa recovery: no recovery code logged" "${codes%%$'\n'*}" "$LOGGED"
	audited "" 0 "$M" non-webmail disable "$box"
	one_change "non-webmail disable" "non-webmail disable"
	audited "" 0 "$M" non-webmail enable "$box"
	one_change "non-webmail enable" "non-webmail enable"
	audited "" 0 "$M" non-webmail app-passwords "$box"
	one_change "non-webmail app-passwords" "non-webmail app-passwords"
	audited "" 0 "$M" --json app-password add "$box" "Mail app"
	one_change "app-password add" 'app-password add app_password="Mail app"'
	check_absent "app-password add: no password logged" \
		"$(jq -r .password <<<"$OUT")" "$LOGGED"
	audited "" 0 "$M" app-password revoke "$box" "Mail app"
	one_change "app-password revoke" 'app-password revoke app_password="Mail app"'
	audited "" 0 "$M" app-password revoke "$box" --all
	one_change "app-password revoke --all" 'app-password revoke app_passwords=all'
	audited "" 0 "$M" app-password list "$box"
	check_eq "app-password list logs nothing" "" "$LOGGED"
	audited "" 0 "$M" logout "$box"
	one_change "logout" logout
	audited "" 0 "$M" 2fa disable "$box"
	one_change "2fa disable" "2fa disable"
	# Reading, and changes refused, log nothing.
	audited "" 0 "$M" show "$box"
	check_eq "show logs nothing" "" "$LOGGED"
	audited "" 0 "$M" list
	check_eq "list logs nothing" "" "$LOGGED"
	audited "" 0 "$M" check-config
	check_eq "check-config logs nothing" "" "$LOGGED"
	audited "" 1 "$M" 2fa recovery "$box"
	check_eq "a refused change logs nothing" "" "$LOGGED"
	audited "x"$'\n' 3 "$M" passwd nobody@example.com
	check_eq "a change of no mailbox logs nothing" "" "$LOGGED"
	audited "" 0 "$M" remove "$box"
	one_change "remove" remove
}

# wait_for_pid FILE: the pid the file comes to hold, within 3 s.
wait_for_pid() {
	local i
	for i in $(seq 60); do
		[ -s "$1" ] && { cat "$1"; return; }
		sleep 0.05
	done
}

# gone_within_1s PID: the process ends (gone, or a zombie) within 1 s.
# shellcheck disable=SC2317 # called through check
gone_within_1s() {
	local deadline state
	[ -n "$1" ] || return 1
	deadline=$(($(date +%s%N) + 1000000000))
	while [ "$(date +%s%N)" -lt "$deadline" ]; do
		state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) ||
			return 0
		[ "$state" = Z ] && return 0
		sleep 0.02
	done
	return 1
}

# kick_command: run after the changes that take access away, never for
# the others; a failure keeps the change, says so, and exits 7.
test_kick() {
	group "kick_command (live sessions)"
	if [ ! -f "${SYSLOG_SHIM:-}" ]; then
		fail "SYSLOG_SHIM does not name tests/.libs/libsyslogcap.so"
		return
	fi
	local dir=$TEST_ROOT/kick box=kick@example.com conf ran cmd
	ran=$dir/ran
	mkdir -p "$dir"
	conf=$(make_config "$dir" \
		"kick_command = [ \"/bin/sh\", \"-c\", \"echo \\\"\$1\\\" >>'$ran'\", \"sh\", \"%m\" ];")
	export MAILSEC_CONFIG=$conf
	audited $'pw\n' 0 "$M" --json add KICK@example.com
	check_json "add: sessions_ended null" '.sessions_ended == null' "$OUT"
	check "add runs no kick" test ! -e "$ran"
	for cmd in "non-webmail enable" unlock "2fa disable"; do
		# shellcheck disable=SC2086 # the group and its verb are two words
		expect_exit 0 "$M" --json $cmd "$box"
		check_json "$cmd: sessions_ended null" '.sessions_ended == null' "$OUT"
	done
	check "enable, unlock, disable of 2FA that is off run no kick" test ! -e "$ran"
	audited "" 0 "$M" --json non-webmail disable "$box"
	check_json "disable: sessions_ended true" \
		'.sessions_ended == true and .non_webmail == "disabled" and (has("kick_error") | not)' "$OUT"
	check_eq "the command got the canonical name" "$box" "$(cat "$ran")"
	check_match "logged at LOG_INFO" \
		"^authpriv.info mailsecctl: ended live sessions: mailbox=$box\$" "$LOGGED"
	expect_exit 0 "$M" non-webmail disable "$box"
	check_eq "text: nothing more on stdout" "" "$(grep -i session <<<"$OUT")"
	for cmd in logout "non-webmail app-passwords" "2fa enroll"; do
		: >"$ran"
		# shellcheck disable=SC2086
		expect_exit 0 "$M" $cmd "$box"
		check_eq "$cmd kicks" "$box" "$(cat "$ran")"
	done
	: >"$ran"
	expect_exit_input $'new pw\n' 0 "$M" passwd "$box"
	check_eq "passwd kicks" "$box" "$(cat "$ran")"

	conf=$(make_config "$dir" 'kick_timeout = 1;' \
		'kick_command = [ "/bin/sh", "-c", "echo doveadm: Error: anvil down >&2; exit 75" ];')
	export MAILSEC_CONFIG=$conf
	audited "" 0 "$M" --json non-webmail enable "$box"
	check_json "enable runs no kick, not even a failing one" '.sessions_ended == null' "$OUT"
	audited "" 7 "$M" --json non-webmail disable "$box"
	check_json "a failed kick: saved, sessions_ended false, kick_error" \
		'.non_webmail == "disabled" and .sessions_ended == false and .kick_error == "/bin/sh exited with status 75: doveadm: Error: anvil down"' "$OUT"
	check_eq "stderr says saved, not closed, why" \
		"mailsecctl: $box: saved, but its open connections were not closed: /bin/sh exited with status 75: doveadm: Error: anvil down" "$ERR"
	check_match "logged at LOG_WARNING" \
		"^authpriv.warning mailsecctl: $box: saved, but its open connections were not closed: " "$LOGGED"
	check_match "the change is logged as made" \
		"^authpriv.notice mailsecctl: changed: mailbox=$box command=non-webmail disable " "$LOGGED"
	expect_exit 0 "$M" --json show "$box"
	check_json "the change stayed saved" '.non_webmail == "disabled"' "$OUT"

	conf=$(make_config "$dir" 'kick_timeout = 1;' \
		'kick_command = [ "/bin/sleep", "30" ];')
	export MAILSEC_CONFIG=$conf
	local start=$SECONDS
	expect_exit 7 "$M" --json logout "$box"
	check "a hanging kick ends within kick_timeout" test $((SECONDS - start)) -le 3
	check_json "timed out" '.sessions_ended == false and .kick_error == "/bin/sleep timed out after 1 s"' "$OUT"

	# A remove that fails after the record is gone (the app state a
	# directory) needs the file store to fail in.
	if on_database; then
		files_only kick_after_a_remove_that_failed
	else
		# A remove that fails after the record is gone (here the app state
		# is a directory) still ends the sessions of a mailbox that no longer
		# exists; the status stays the failure's.
		local part
		part_remove() {
			expect_exit_input $'pw\n' 0 "$M" --config "$conf" add "$part"
			rm -f "$dir/state/$part.apps"
			mkdir -p "$dir/state/$part.apps/x"
			: >"$ran"
			audited "" 6 "$M" --config "$conf" remove "$part"
			check "$part: the record is gone" test ! -e "$dir/users/$part.conf"
			rm -rf "${dir:?}/state/$part.apps"
		}
		part=part1@example.com
		conf=$(make_config "$dir" \
			"kick_command = [ \"/bin/sh\", \"-c\", \"echo \\\"\$1\\\" >>'$ran'\", \"sh\", \"%m\" ];")
		part_remove
		check_eq "a remove that failed after the record still kicks" "$part" "$(cat "$ran")"
		check_match "its kick logged at LOG_INFO" \
			"^authpriv.info mailsecctl: ended live sessions: mailbox=$part\$" "$LOGGED"
		part=part2@example.com
		conf=$(make_config "$dir" \
			'kick_command = [ "/bin/sh", "-c", "echo anvil down >&2; exit 75" ];')
		part_remove
		check_match "a failed kick after a failed remove: said" \
			"^mailsecctl: $part: its open connections were not closed: /bin/sh exited with status 75: anvil down\$" "$ERR"
		check_match "and logged at LOG_WARNING" \
			"^authpriv.warning mailsecctl: $part: its open connections were not closed: " "$LOGGED"
	fi

	# mailsecctl stopped while the kick runs (the webmail's deadline,
	# Ctrl-C) takes the command with it, and dies of the signal.
	local pidf=$dir/kick.pid sig mpid sleeper status
	conf=$(make_config "$dir" 'kick_timeout = 10;' \
		"kick_command = [ \"/bin/sh\", \"-c\", \"echo \$\$ >'$pidf'; exec sleep 30\" ];")
	for sig in TERM HUP USR1 PIPE; do
		rm -f "$pidf"
		"$M" --config "$conf" logout "$box" >/dev/null 2>&1 &
		mpid=$!
		sleeper=$(wait_for_pid "$pidf")
		kill -"$sig" "$mpid"
		check "SIG$sig to mailsecctl: its kick is gone within 1 s" \
			gone_within_1s "$sleeper"
		wait "$mpid"
		status=$?
		check_eq "SIG$sig: mailsecctl died of it" \
			"$((128 + $(kill -l "$sig")))" "$status"
		[ -n "$sleeper" ] && kill -KILL "$sleeper" 2>/dev/null
	done

	# A name doveadm would read as an address is never handed over.
	conf=$(make_config "$dir" \
		"kick_command = [ \"/bin/sh\", \"-c\", \"echo \\\"\$1\\\" >>'$ran'\", \"sh\", \"%m\" ];")
	export MAILSEC_CONFIG=$conf
	: >"$ran"
	expect_exit_input $'pw\n' 0 "$M" add 0x7f000001
	expect_exit 7 "$M" --json non-webmail disable 0x7f000001
	check_json "an address-like name: not run" \
		'.sessions_ended == false and (.kick_error | contains("would be read as an address/option"))' "$OUT"
	check_eq "the command never ran" "" "$(cat "$ran")"

	conf=$(make_config "$dir" 'kick_command = [ "/nonexistent/doveadm", "kick", "%m" ];')
	expect_exit 5 "$M" --config "$conf" --json check-config
	check_json "check-config: a missing kick program is a problem" \
		'.problems | any(contains("kick_command: /nonexistent/doveadm"))' "$OUT"
	# It runs as root: a program others could have written is not run.
	local loose=$dir/loose.sh
	printf '#!/bin/sh\necho ran >>%s\n' "$ran" >"$loose"
	chmod 0777 "$loose"
	conf=$(make_config "$dir" "kick_command = [ \"$loose\", \"%m\" ];")
	expect_exit 5 "$M" --config "$conf" --json check-config
	check_json "check-config: a program others can write is a problem" \
		'.problems | any(contains("loose.sh: writable by group or others (mode 0777)"))' "$OUT"
	: >"$ran"
	expect_exit 7 "$M" --config "$conf" --json logout "$box"
	check_json "a program others can write: a failed kick" \
		'.sessions_ended == false and (.kick_error | startswith("cannot run ") and contains("writable by group or others"))' "$OUT"
	check_eq "it never ran" "" "$(cat "$ran")"
	conf=$(make_config "$dir" 'kick_command = [ "doveadm", "kick", "%m" ];')
	expect_exit 5 "$M" --config "$conf" check-config
	check_match "check-config: a relative program named with its line" \
		"mailsec.conf:3: 'kick_command' must begin with an absolute path" "$OUT"
	export MAILSEC_CONFIG=$MAIN_DIR/mailsec.conf
}

test_leftovers() {
	group "no temporary files left"
	check_eq "no .tmp-* file anywhere under the test tree" "" \
		"$(find "$TEST_ROOT" -name '.tmp-*' -print)"
	check_eq "every record is 0600" "" \
		"$(find "$TEST_ROOT" -path '*/users/*.conf' -type f ! -perm 600 -print)"
}

test_usage
test_add
test_parallel
test_show_list
test_passwd
test_2fa
test_qr_files
test_non_webmail
test_app_passwords
test_unlock_logout
test_reenrol_other_period
test_confirm_lockout
files_only test_stalled_lock
test_remove
files_only test_check_config
test_bad_settings
files_only test_unsafe_files
test_config_option
test_audit
test_kick
test_leftovers
finish
