#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `mailsecctl self`, the webmail's door (mailsecctl.8, SELF-SERVICE): the
# built tool authenticates the caller's credential through a `webmail`
# stack holding the built module (code=append, session=600), under
# pam_wrapper with the service file in a temp dir, never /etc/pam.d.
# Cases: who gets in (password, code, session, other address, stale code,
# other mailbox), what may be done (an allow-list; the rest exits 2), which
# commands need a fresh code, passwd's stdin lines, that stdin is read whole
# first (bounded in size and time, no NUL), that a record changed after the
# credential was checked is left alone, that a password alone never passes
# for a mailbox with 2FA, that activity shows the owner's own journal, and
# that no credential is ever printed. Needs jq,
# oathtool and pam_wrapper (else exit 77); pam_exec for one case.
#
#   MAILSECCTL=... MAILSEC_MODULE=.../pam_mailsec.so tests/cli/test_self.sh

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WRAPPER=$(find_wrapper)
if [ -z "$WRAPPER" ] || [ ! -f "$WRAPPER" ]; then
	echo "SKIP: libpam_wrapper.so not found" >&2
	exit 77
fi
if [ ! -f "${MAILSEC_MODULE:-}" ]; then
	echo "SKIP: MAILSEC_MODULE does not name the built module" >&2
	exit 77
fi

# A wide window gives each login of the run a step of its own (a code is
# used once, steps only move forward); no lockout in the way of the cases.
MAILSEC_CONFIG=$(make_config "$MAIN_DIR" \
	'totp = { window = 10; };' 'lockout = { max_failures = 1000; };')
PAM_DIR=$TEST_ROOT/pam.d
mkdir -p "$PAM_DIR"
cat >"$PAM_DIR/webmail" <<STACK
auth required $MAILSEC_MODULE config=$MAILSEC_CONFIG code=append session=600
account required $MAILSEC_MODULE config=$MAILSEC_CONFIG
STACK

M=$MAILSECCTL
A=alice@example.com
A_PW='alice pw 1'
B_PW='bob pw 2'
C=carol@example.com
C_PW='carol pw 3'
D=dave@example.com
D_PW='dave pw 4'
HOST=192.0.2.10
OTHER_HOST=198.51.100.7
TRANSCRIPT=$TEST_ROOT/transcript
SHOW_KEYS='["mailbox","non_webmail_access","non_webmail","2fa","recovery_codes_left","locked_until","app_passwords","last_login"]'
SECRET=""
NEXT_STEP=1
CODE=""

# self ARGS...: the tool's self command through the temp `webmail` stack;
# with SELF_SYSLOG=FILE, its syslog lines into FILE (tests/syslog_capture.c).
# shellcheck disable=SC2317 # called through sx's "$@"
self() {
	LD_PRELOAD="$WRAPPER${SELF_SYSLOG:+ $SYSLOG_SHIM}" \
		SYSLOG_CAPTURE=${SELF_SYSLOG:-} PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR=$PAM_DIR "$M" self "$@"
}

# sx STDIN CODE ARGS...: `self ARGS` with STDIN, expecting exit CODE; its
# output is kept for the final look for credentials.
sx() {
	local text=$1 code=$2
	shift 2
	expect_exit_input "$text" "$code" self "$@"
	printf '%s\n%s\n' "$OUT" "$ERR" >>"$TRANSCRIPT"
}

# sx_printf FORMAT CODE ARGS...: sx with stdin made by printf FORMAT.
sx_printf() {
	local format=$1 code=$2
	shift 2
	expect_exit_printf "$format" "$code" self "$@"
	printf '%s\n%s\n' "$OUT" "$ERR" >>"$TRANSCRIPT"
}

# self_bg FIFO ARGS...: `self ARGS` in the background reading FIFO, its
# output in $TEST_ROOT/bg.out and bg.err; BG_PID its process.
self_bg() {
	local fifo=$1
	shift
	self "$@" <"$fifo" >"$TEST_ROOT/bg.out" 2>"$TEST_ROOT/bg.err" &
	BG_PID=$!
}

# wait_bg CODE ARGS...: waits for self_bg's run of ARGS, expecting CODE.
wait_bg() {
	local code=$1
	shift
	wait "$BG_PID"
	RC=$?
	OUT=$(cat "$TEST_ROOT/bg.out")
	ERR=$(cat "$TEST_ROOT/bg.err")
	printf '%s\n%s\n' "$OUT" "$ERR" >>"$TRANSCRIPT"
	report_exit "$code" self "$@"
}

# now_ms: a monotonic-enough clock for "within N seconds".
now_ms() {
	date +%s%3N
}

# pam_module NAME: the path of a PAM module of the system, or nothing.
pam_module() {
	local dir
	for dir in /lib/*/security /usr/lib/*/security /lib/security \
		/usr/lib/security /lib64/security; do
		if [ -f "$dir/$1" ]; then
			printf '%s\n' "$dir/$1"
			return
		fi
	done
}

# next_code: CODE, a code newer than every one used so far in this run
# (not printed: a $(...) subshell would not count the step).
next_code() {
	CODE=$(totp "$SECRET" "+$((NEXT_STEP * 30)) seconds")
	NEXT_STEP=$((NEXT_STEP + 1))
}

# show_field JQ: a field of `mailsecctl --json show alice` (admin side).
show_field() {
	"$M" --json show "$A" | jq -r "$1"
}

test_command_line() {
	group "command line: usage errors (exit 2) before any authentication"
	local cmd
	sx "$A_PW"$'\n' 2 "$A" status
	check_match "missing --rhost said" 'rhost IP is required' "$ERR"
	for cmd in example.com 1.2.3 256.1.1.1 "192.0.2.1 " "::1%lo" "" \
		"192.0.2.1/24" "$(printf 'a%.0s' {1..300})"; do
		sx "$A_PW"$'\n' 2 "$A" status --rhost "$cmd"
	done
	check_match "bad address said" 'not an IPv4 or IPv6 address' "$ERR"
	for cmd in remove add list unlock logout check-config "show bob@example.com" \
		"show $A" "2fa" "2fa bogus" "2fa" "non-webmail" "non-webmail on" \
		frobnicate "self $A status" STATUS; do
		# shellcheck disable=SC2086 # the words of a command
		sx "$A_PW"$'\n' 2 "$A" $cmd --rhost "$HOST"
	done
	check_match "refusal names the allowed commands" 'command not allowed' "$ERR"
	sx "$A_PW"$'\n' 2 "$A" --rhost "$HOST"
	sx "$A_PW"$'\n' 2 "$A" status extra --rhost "$HOST"
	sx "$A_PW"$'\n' 2 "$A" 2fa confirm --rhost "$HOST"
	sx "$A_PW"$'\n' 2 "$A" 2fa confirm 1 2 --rhost "$HOST"
	sx "$A_PW"$'\n' 2 "$A" passwd bob@example.com --rhost "$HOST"
	sx "$A_PW"$'\n' 2 "$A" status --rhost "$HOST" --config "$MAILSEC_CONFIG"
	sx "$A_PW"$'\n' 2 "$A" 2fa enroll --rhost "$HOST" --qr "svg:$TEST_ROOT/qr.svg"
	check "--qr from self wrote no file" test ! -e "$TEST_ROOT/qr.svg"
	expect_exit 2 "$M" show "$A" --rhost "$HOST"
	check_match "--rhost outside self said" 'only for self' "$ERR"
	sx "$A_PW"$'\n' 5 "../x" status --rhost "$HOST"
	files_only check "the refused commands changed nothing" test -f "$USERS_DIR/$A.conf"
	check "no 2FA came of 2fa enroll refused" \
		test "$(show_field '."2fa"')" = off
}

test_password_only() {
	group "2FA off: the password is the credential"
	sx "$A_PW"$'\n' 0 "$A" status --rhost "$HOST"
	check_json "status: show's object" "keys_unsorted == $SHOW_KEYS" "$OUT"
	check_json "status: this mailbox, 2FA off" \
		".mailbox == \"$A\" and .\"2fa\" == \"off\"" "$OUT"
	sx "$A_PW"$'\n' 0 Alice@Example.COM status --rhost 2001:db8::5
	check_json "upper case folded; IPv6 address" ".mailbox == \"$A\"" "$OUT"
	sx "wrong pw"$'\n' 1 "$A" status --rhost "$HOST"
	check_eq "nothing on stdout when refused" "" "$OUT"
	sx "$B_PW"$'\n' 1 "$A" status --rhost "$HOST"
	sx "$B_PW"$'\n' 0 bob@example.com status --rhost "$HOST"
	sx "$A_PW"$'\n' 1 carol@example.com status --rhost "$HOST"
	local unknown
	sx "$A_PW"$'\n' 1 nobody@example.com status --rhost "$HOST"
	unknown=$(grep '^mailsecctl:' <<<"$ERR")
	sx "$A_PW"$'\n' 1 bob@example.com status --rhost "$HOST"
	check_eq "an unknown mailbox reads as a wrong password" \
		"$(grep '^mailsecctl:' <<<"${ERR//bob@example.com/nobody@example.com}")" \
		"$unknown"
	sx "" 1 "$A" status --rhost "$HOST"
	sx "$A_PW"$'\n' 0 "$A" non-webmail disable --rhost "$HOST"
	check_json "non-webmail disable" '.non_webmail_access == false' "$OUT"
	sx "$A_PW"$'\n' 0 "$A" non-webmail enable --rhost "$HOST"
	check_json "non-webmail enable: a password is enough with 2FA off" \
		'.non_webmail_access == true' "$OUT"
	sx "$A_PW"$'\n' 1 "$A" 2fa recovery --rhost "$HOST"
	check_match "no recovery codes without 2FA" '2FA is not enabled' "$ERR"
}

test_input() {
	group "stdin read whole first: at most 3 lines of 511 bytes, no NUL"
	local before long
	before=$(record_field "$USERS_DIR/$A.conf" password)
	# As a C string the credential would end at the NUL: "alice pw 1".
	sx_printf "$A_PW"'\0junk\n' 5 "$A" status --rhost "$HOST"
	check_match "NUL in the credential said" 'contains a NUL byte' "$ERR"
	sx_printf "$A_PW"'\nnew\0pw\n' 5 "$A" passwd --rhost "$HOST"
	check_match "NUL in the new password said" 'contains a NUL byte' "$ERR"
	sx_printf "$A_PW"'\n\0\n' 5 "$A" passwd --rhost "$HOST"
	sx "$A_PW"$'\n\n' 5 "$A" passwd --rhost "$HOST"
	check_match "empty new password said" 'empty new password' "$ERR"
	sx "$A_PW"$'\na\nb\nc\n' 5 "$A" status --rhost "$HOST"
	check_match "a fourth line refused" 'more than 3 lines' "$ERR"
	long=$(printf 'p%.0s' {1..512})
	sx "$long"$'\n' 5 "$A" status --rhost "$HOST"
	check_match "a long line refused" 'longer than 511 bytes' "$ERR"
	sx "$A_PW"$'\n'"$long"$'\n' 5 "$A" passwd --rhost "$HOST"
	sx "$A_PW"$'\nextra\n' 2 "$A" status --rhost "$HOST"
	check_match "a line the stack did not ask for refused" \
		'did not ask for' "$ERR"
	sx "$A_PW" 0 "$A" status --rhost "$HOST"
	check_json "a last line without its newline counts" ".mailbox == \"$A\"" "$OUT"
	files_only check_eq "nothing refused changed the password" "$before" \
		"$(record_field "$USERS_DIR/$A.conf" password)"
	sx "$A_PW"$'\n' 0 "$A" status --rhost "$HOST"
}

test_deadline() {
	group "stdin never closed: self gives up within its deadline"
	local fifo=$TEST_ROOT/open.fifo before start elapsed holder
	before=$(record_field "$USERS_DIR/$C.conf" password)
	mkfifo "$fifo"
	# The writer keeps the pipe open for a minute after the first line.
	{ printf '%s\n' "$C_PW"; exec sleep 60; } >"$fifo" &
	holder=$!
	start=$(now_ms)
	self_bg "$fifo" "$C" passwd --rhost "$HOST"
	wait_bg 5 "$C" passwd --rhost "$HOST"
	elapsed=$(($(now_ms) - start))
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	check_match "said it waited for the end of stdin" \
		'standard input not closed within 5 s' "$ERR"
	check "gave up after 5 s, not before" test "$elapsed" -ge 4900
	check "...and well within 12 s (took ${elapsed} ms)" test "$elapsed" -lt 12000
	files_only check_eq "nothing changed" "$before" \
		"$(record_field "$USERS_DIR/$C.conf" password)"
	rm -f "$fifo"
}

test_changed_meanwhile() {
	group "passwd held open while the owner changes password and 2FA"
	local fifo=$TEST_ROOT/race.fifo owner_pw='carol owner pw' secret writer
	local attacker_pw='carol attacker pw'
	mkfifo "$fifo"
	self_bg "$fifo" "$C" passwd --rhost "$HOST"
	exec {writer}>"$fifo"
	printf '%s\n' "$C_PW" >&"$writer"
	# Time for a self that checks the credential as it comes to do so.
	sleep 1
	printf '%s\n' "$owner_pw" | "$M" passwd "$C" >/dev/null
	secret=$("$M" --json 2fa enroll "$C" --qr none | jq -r .secret)
	"$M" 2fa confirm "$C" "$(totp "$secret")" >/dev/null
	check_eq "the owner turned 2FA on" enabled \
		"$("$M" --json show "$C" | jq -r '."2fa"')"
	printf '%s\n' "$attacker_pw" >&"$writer"
	exec {writer}>&-
	wait_bg 1 "$C" passwd --rhost "$HOST"
	rm -f "$fifo"
	"$M" 2fa disable "$C" >/dev/null
	sx "$owner_pw"$'\n' 0 "$C" status --rhost "$HOST"
	check_json "the owner's new password still works" ".mailbox == \"$C\"" "$OUT"
	sx "$attacker_pw"$'\n' 1 "$C" status --rhost "$HOST"
	C_PW=$owner_pw
}

test_changed_during_check() {
	group "a record changed while the stack ran: refused under the lock"
	local exec_module dir=$TEST_ROOT/pam.d-exec script=$TEST_ROOT/change.sh
	local before new='dave new pw'
	exec_module=$(pam_module pam_exec.so)
	if [ -z "$exec_module" ]; then
		printf 'SKIP %s\n' "pam_exec.so not found: case not run"
		return
	fi
	# After pam_mailsec's account stage passed, the stack itself edits
	# the record: the edit self then makes must find another record under
	# the lock.
	cat >"$script" <<SCRIPT
#!/bin/sh
MAILSEC_CONFIG='$MAILSEC_CONFIG' exec '$M' non-webmail disable '$D' >/dev/null
SCRIPT
	chmod 755 "$script"
	mkdir -p "$dir"
	cat >"$dir/webmail" <<STACK
auth required $MAILSEC_MODULE config=$MAILSEC_CONFIG code=append session=600
account required $MAILSEC_MODULE config=$MAILSEC_CONFIG
account required $exec_module quiet $script
STACK
	before=$(record_field "$USERS_DIR/$D.conf" password)
	PAM_DIR=$dir sx "$D_PW"$'\n'"$new"$'\n' 1 "$D" passwd --rhost "$HOST"
	check_match "said the mailbox changed" 'mailbox changed while' "$ERR"
	files_only check_eq "the password stayed" "$before" \
		"$(record_field "$USERS_DIR/$D.conf" password)"
	check_eq "the edit made during the check is there" false \
		"$("$M" --json show "$D" | jq -r .non_webmail_access)"
	"$M" non-webmail enable "$D" >/dev/null
	PAM_DIR=$dir sx "$D_PW"$'\n' 1 "$D" 2fa enroll --rhost "$HOST"
	check_eq "no enrolment" off "$("$M" --json show "$D" | jq -r '."2fa"')"
	# The same edit again writes the same bytes: the same record.
	PAM_DIR=$dir sx "$D_PW"$'\n' 0 "$D" status --rhost "$HOST"
	# Edited between the stages, the module's account stage refuses the
	# login itself: the record is no longer the file it was judged on.
	"$M" non-webmail enable "$D" >/dev/null
	cat >"$dir/webmail" <<STACK
auth required $MAILSEC_MODULE config=$MAILSEC_CONFIG code=append session=600
auth required $exec_module quiet $script
account required $MAILSEC_MODULE config=$MAILSEC_CONFIG
STACK
	PAM_DIR=$dir sx "$D_PW"$'\n'"$new"$'\n' 6 "$D" passwd --rhost "$HOST"
	check_match "not authenticated" 'not authenticated' "$ERR"
	files_only check_eq "the password stayed, again" "$before" \
		"$(record_field "$USERS_DIR/$D.conf" password)"
}

test_enrol() {
	group "2fa enroll and confirm"
	local svg
	sx "$A_PW"$'\n' 0 "$A" 2fa enroll --rhost "$HOST"
	check_json "enroll: mailbox, secret, uri, qr_svg" \
		"keys_unsorted == [\"mailbox\",\"secret\",\"uri\",\"qr_svg\",\"sessions_ended\"] and .mailbox == \"$A\"" \
		"$OUT"
	svg=$(jq -r .qr_svg <<<"$OUT")
	check_match "qr_svg is an SVG document" '^<svg xmlns=' "$svg"
	check_match "qr_svg is whole" '^</svg>$' "$svg"
	SECRET=$(jq -r .secret <<<"$OUT")
	check_eq "2FA pending" pending "$(show_field '."2fa"')"
	sx "$A_PW"$'\n'"$(wrong_code "$SECRET")"$'\n' 1 "$A" 2fa confirm - --rhost "$HOST"
	sx "$A_PW"$'\n'"$(totp "$SECRET")"$'\n' 0 "$A" 2fa confirm - --rhost "$HOST"
	check_json "confirm: ten recovery codes" \
		".mailbox == \"$A\" and (.recovery_codes | length) == 10" "$OUT"
	RECOVERY=$(jq -r '.recovery_codes[0]' <<<"$OUT")
	check_eq "2FA enabled" enabled "$(show_field '."2fa"')"
	sx "$A_PW"$'\n' 1 "$A" 2fa enroll --rhost "$HOST"
}

test_codes() {
	group "2FA on: password and code, sessions"
	local string
	sx "$A_PW"$'\n' 1 "$A" status --rhost "$HOST"
	sx "$A_PW$(wrong_code "$SECRET")"$'\n' 1 "$A" status --rhost "$HOST"
	next_code
	string=$A_PW$CODE
	SESSION=$string
	sx "$string"$'\n' 0 "$A" status --rhost "$HOST"
	check_json "status with 2FA on" '."2fa" == "enabled"' "$OUT"
	sx "$string"$'\n' 0 "$A" status --rhost "$HOST"
	check_json "the same string again: the session" ".mailbox == \"$A\"" "$OUT"
	sx "$string"$'\n' 1 "$A" status --rhost "$OTHER_HOST"
	sx "$A_PW$(totp "$SECRET" "-30 seconds")"$'\n' 1 "$A" status --rhost "$HOST"
	sx "$B_PW"$'\n' 1 "$A" status --rhost "$HOST"
	sx "$string"$'\n' 1 bob@example.com status --rhost "$HOST"
	sx "$A_PW$RECOVERY"$'\n' 0 "$A" status --rhost "$OTHER_HOST"
	check_json "a recovery code logs in" '.recovery_codes_left == 9' "$OUT"
	sx "$A_PW$RECOVERY"$'\n' 0 "$A" status --rhost "$OTHER_HOST"
	check_json "its string then holds a session" ".mailbox == \"$A\"" "$OUT"
	sx "$A_PW$RECOVERY"$'\n' 1 "$A" status --rhost "$HOST"
}

test_fresh_code() {
	group "what a resumed session may not do"
	local cmd
	for cmd in "2fa disable" "2fa recovery" "non-webmail enable"; do
		# shellcheck disable=SC2086 # the words of a command
		sx "$SESSION"$'\n' 1 "$A" $cmd --rhost "$HOST"
		check_match "$cmd: a fresh code is asked for" 'needs a fresh code' "$ERR"
	done
	sx "$SESSION"$'\n'"new pw"$'\n' 1 "$A" passwd --rhost "$HOST"
	check_match "passwd: a fresh code is asked for" 'needs a fresh code' "$ERR"
	check_eq "2FA still enabled" enabled "$(show_field '."2fa"')"
	sx "$SESSION"$'\n' 0 "$A" status --rhost "$HOST"
	check_json "the session still works for status" '."2fa" == "enabled"' "$OUT"
	sx "$SESSION"$'\n' 0 "$A" non-webmail disable --rhost "$HOST"
	check_json "a session may turn non-webmail access off" \
		'.non_webmail_access == false' "$OUT"
	next_code
	sx "$A_PW$CODE"$'\n' 0 "$A" non-webmail enable --rhost "$HOST"
	check_json "with a fresh code it may turn it on" \
		'.non_webmail_access == true' "$OUT"
	next_code
	sx "$A_PW$CODE"$'\n' 0 "$A" 2fa recovery --rhost "$HOST"
	check_json "fresh recovery codes with a fresh code" \
		'(.recovery_codes | length) == 10' "$OUT"
	sx "$A_PW$RECOVERY"$'\n' 1 "$A" status --rhost 203.0.113.9
	sx "$A_PW$RECOVERY"$'\n' 1 "$A" status --rhost "$OTHER_HOST"
	check_match "new recovery codes end the session of an old one" \
		'not authenticated' "$ERR"
	sx "$SESSION"$'\n' 1 "$A" status --rhost "$HOST"
}

# On a mailbox of its own, with its own secret: the other groups' codes
# stay within the window.
test_app_passwords() {
	group "app passwords: add needs a fresh code, list and revoke do not"
	local e=erin@example.com e_pw='erin pw 5' pw session
	local saved_secret=$SECRET saved_step=$NEXT_STEP
	add_mailbox "$e" "$e_pw"
	SECRET=$("$M" --json 2fa enroll "$e" --qr none | jq -r .secret)
	"$M" 2fa confirm "$e" "$(totp "$SECRET")" >/dev/null
	NEXT_STEP=1
	next_code
	session=$e_pw$CODE
	sx "$session"$'\n' 0 "$e" status --rhost "$HOST"
	sx "$session"$'\n' 1 "$e" app-password add Phone --rhost "$HOST"
	check_match "add from a session: a fresh code is asked for" \
		'needs a fresh code' "$ERR"
	next_code
	sx "$e_pw$CODE"$'\n' 0 "$e" app-password add Phone --services imap,smtp \
		--expires 30 --rhost "$HOST"
	check_json "add: the documented object" \
		'keys_unsorted == ["mailbox","name","services","from","created","expires","password","sessions_ended"] and .services == ["imap","smtp"]' "$OUT"
	pw=$(jq -r .password <<<"$OUT")
	sx "$session"$'\n' 0 "$e" app-password list --rhost "$HOST"
	check_json "list from a session" 'length == 1 and .[0].name == "Phone"' "$OUT"
	check_absent "list: no password" "$pw" "$OUT"
	sx "$session"$'\n' 0 "$e" non-webmail app-passwords --rhost "$HOST"
	check_json "app-passwords from a session: a tightening" \
		'.non_webmail == "app-passwords" and .app_passwords == 1' "$OUT"
	sx "$session"$'\n' 0 "$e" non-webmail disable --rhost "$HOST"
	sx "$session"$'\n' 1 "$e" non-webmail app-passwords --rhost "$HOST"
	check_match "app-passwords from disabled loosens: a fresh code" \
		'needs a fresh code' "$ERR"
	next_code
	sx "$e_pw$CODE"$'\n' 0 "$e" non-webmail app-passwords --rhost "$HOST"
	check_json "with a fresh code it may" '.non_webmail == "app-passwords"' "$OUT"
	sx "$session"$'\n' 2 "$e" status --services imap --rhost "$HOST"
	sx "$session"$'\n' 2 "$e" app-password revoke --rhost "$HOST"
	sx "$session"$'\n' 3 "$e" app-password revoke Nothing --rhost "$HOST"
	sx "$session"$'\n' 0 "$e" app-password revoke Phone --rhost "$HOST"
	check_json "revoke from a session" '.revoked == 1' "$OUT"
	sx "$session"$'\n' 0 "$e" app-password revoke --all --rhost "$HOST"
	check_json "revoke --all" '.revoked == 0' "$OUT"
	SECRET=$saved_secret
	NEXT_STEP=$saved_step
}

test_activity() {
	group "activity: the owner's own journal, newest first, read-only"
	local f=frank@example.com f_pw='frank pw 6' now
	now=$(date +%s)
	add_mailbox "$f" "$f_pw"
	# Decisions of earlier logins, as the module notes them.
	check "journal_note: an old POP3 login" "$JOURNAL_NOTE" "$f" 1588334400 \
		client accepted password pop3 2001:db8::1
	check "journal_note: a guess a minute ago" "$JOURNAL_NOTE" "$f" \
		$((now - 60)) client refused bad-password imap 198.51.100.7
	sx "$f_pw"$'\n' 0 "$f" activity --rhost "$HOST"
	check_json "an array of activity's objects" \
		'type == "array" and all(.[]; keys_unsorted == ["time","first",
		 "count","service","role","rhost","result","detail","app"])' "$OUT"
	check_json "the guess from 198.51.100.7" \
		'any(.[]; .service == "imap" and .result == "refused" and
		 .detail == "bad-password" and .rhost == "198.51.100.7")' "$OUT"
	check_json "this very login, through the webmail stack" \
		"any(.[]; .role == \"webmail\" and .result == \"accepted\" and
		 .rhost == \"$HOST\" and .detail == \"password\")" "$OUT"
	check_json "newest first" '[.[].time] == ([.[].time] | sort | reverse)' \
		"$OUT"
	sx "$f_pw"$'\n' 0 "$f" activity --since 1h --rhost "$HOST"
	check_json "--since 1h leaves out 2020" \
		'length >= 1 and all(.[]; .time > "2021")' "$OUT"
	sx "$f_pw"$'\n' 5 "$f" activity --since yesterday --rhost "$HOST"
	check_eq "bad --since: nothing on stdout" "" "$OUT"
	sx "wrong pw"$'\n' 1 "$f" activity --rhost "$HOST"
	check_eq "refused: nothing on stdout" "" "$OUT"
	sx "$B_PW"$'\n' 1 "$f" activity --rhost "$HOST"
	check_eq "another mailbox's credential: nothing" "" "$OUT"
	sx "$f_pw"$'\n' 2 "$f" activity extra --rhost "$HOST"
	sx "$f_pw"$'\n' 2 "$f" status --since 1h --rhost "$HOST"
	sx "$f_pw"$'\n' 0 "$f" status --rhost "$HOST"
	check_json "status: last client login from the journal" \
		'.last_login.client == {"time": "2020-05-01T12:00:00Z",
		 "service": "pop3", "rhost": "2001:db8::1", "detail": "password",
		 "app": null}' "$OUT"
	check_json "status: last webmail login, this one's" \
		".last_login.webmail.rhost == \"$HOST\"" "$OUT"
}

test_client_role() {
	group "webmail service of the client role: a password alone is not 2FA"
	local conf=$TEST_ROOT/client-role.conf dir=$TEST_ROOT/pam.d-client
	{
		cat "$MAILSEC_CONFIG"
		printf 'webmail_services = [ "roundcube" ];\n'
	} >"$conf"
	mkdir -p "$dir"
	cat >"$dir/webmail" <<STACK
auth required $MAILSEC_MODULE config=$conf
account required $MAILSEC_MODULE config=$conf
STACK
	PAM_DIR=$dir sx "$A_PW"$'\n' 1 "$A" 2fa disable --rhost "$HOST"
	check_match "said the password alone is not enough" \
		'password alone' "$ERR"
	check_eq "2FA still enabled" enabled "$(show_field '."2fa"')"
	PAM_DIR=$dir sx "$A_PW"$'\n' 1 "$A" status --rhost "$HOST"
	PAM_DIR=$dir sx "$A_PW"$'\n' 1 "$A" non-webmail disable --rhost "$HOST"
	check_eq "access unchanged" true "$(show_field .non_webmail_access)"
	PAM_DIR=$dir sx "$B_PW"$'\n' 0 bob@example.com status --rhost "$HOST"
	check_json "2FA off: the password is all there is" '."2fa" == "off"' "$OUT"
}

test_passwd() {
	group "passwd: old credential on line 1, the new password last"
	local new='alice new pw 2'
	next_code
	SESSION=$A_PW$CODE
	sx "$SESSION"$'\n' 0 "$A" status --rhost "$HOST"
	next_code
	sx "$A_PW$CODE"$'\n123456\n'"$new"$'\n' 2 "$A" passwd --rhost "$HOST"
	check_match "extra line refused" 'must be the last line' "$ERR"
	next_code
	sx "$A_PW$CODE"$'\n' 5 "$A" passwd --rhost "$HOST"
	next_code
	sx "$A_PW$CODE"$'\n'"$new"$'\n' 0 "$A" passwd --rhost "$HOST"
	check_json "passwd prints the mailbox" ".mailbox == \"$A\"" "$OUT"
	sx "$SESSION"$'\n' 1 "$A" status --rhost "$HOST"
	check_match "the old session ended" 'not authenticated' "$ERR"
	next_code
	sx "$A_PW$CODE"$'\n' 1 "$A" status --rhost "$HOST"
	A_PW=$new
	next_code
	sx "$A_PW$CODE"$'\n' 0 "$A" status --rhost "$HOST"
}

test_disable() {
	group "2fa disable with a fresh code; then passwd on the password"
	local pw3='alice third pw'
	next_code
	sx "$A_PW$CODE"$'\n' 0 "$A" 2fa disable --rhost "$HOST"
	check_json "2FA off" '."2fa" == "off"' "$OUT"
	sx "$A_PW"$'\n' 0 "$A" status --rhost "$HOST"
	local log=$TEST_ROOT/self.syslog lines
	: >"$log"
	SELF_SYSLOG=$log sx "$A_PW"$'\n'"$pw3"$'\n' 0 "$A" passwd --rhost "$HOST"
	# One line of the tool's for the change: self's, not ctl_audit's too.
	lines=$(grep -F ' mailsecctl: ' "$log")
	check_eq "self passwd: one line of mailsecctl's" \
		"authpriv.notice mailsecctl: self: mailbox=$A rhost=$HOST command=passwd user=$(id -un) sudo_user=${SUDO_USER:--}: done" \
		"$lines"
	check_absent "self passwd: neither password logged" "$A_PW" "$(cat "$log")"
	check_absent "self passwd: the new password not logged" "$pw3" "$(cat "$log")"
	sx "$A_PW"$'\n' 1 "$A" status --rhost "$HOST"
	A_PW=$pw3
	sx "$A_PW"$'\n' 0 "$A" status --rhost "$HOST"
}

test_no_secret_printed() {
	group "no credential in any output"
	local pw
	for pw in 'alice pw 1' 'alice new pw 2' 'alice third pw' "$B_PW" \
		"$SESSION" 'carol pw 3' 'carol owner pw' 'carol attacker pw' \
		"$D_PW" 'dave new pw' 'frank pw 6'; do
		check_absent "not printed: a credential" "$pw" "$(cat "$TRANSCRIPT")"
	done
}

add_mailbox "$A" "$A_PW"
add_mailbox bob@example.com "$B_PW"
add_mailbox "$C" "$C_PW"
add_mailbox "$D" "$D_PW"
test_command_line
test_password_only
test_input
test_deadline
test_changed_meanwhile
test_changed_during_check
test_enrol
test_codes
test_fresh_code
test_app_passwords
test_activity
test_client_role
test_passwd
test_disable
test_no_secret_printed
finish
