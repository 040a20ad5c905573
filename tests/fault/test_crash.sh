#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2317 # functions run by check
# Crash safety.
#
# 1. kill -9: `mailsecctl passwd` is killed after a random delay, again and
#    again. After each kill the mailbox loads, and its record is byte for
#    byte the one before, or a complete record whose hash is the new
#    password's: never torn. Half the runs go through the fault shim with
#    FAULT_DELAY_US, which slows each I/O call down so that random kills
#    land inside the write path, not only in the password hash before it.
#    Temp files a killed run leaves behind are counted, and must not change
#    what `show`, `list` and `check-config` see.
# 2. A full disk (root only: a 64 KiB tmpfs made here): `passwd` exits 6
#    with "No space left on device" and the old record; a webmail login
#    whose state must grow fails closed; freed space brings both back.
#
# Exit 0 all passed, 1 a failure; 77 when not root (the kill loop has
# passed, the full disk was not tried).
#
#   CRASH_RUNS=N  kills (default 200)

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${CRASH_RUNS:-200}
SLOW_US=2000 # per I/O call, in the slowed runs
MAILBOX=alice@example.com
RECORD= # the mailbox's record file, once the store is set
BEFORE=$TEST_ROOT/before.conf

now_us() {
	echo $(($(date +%s%N) / 1000))
}

# passwd_bg PASSWORD [FAULT_VAR=VALUE...]: starts a passwd; PID is its
# pid. A simple command, so that the pid is mailsecctl's own (env execs
# it), not that of a subshell the kill would leave it running behind.
passwd_bg() {
	local password=$1 stdin=$TEST_ROOT/stdin
	shift
	printf '%s\n' "$password" >"$stdin"
	env "$@" ${1:+LD_PRELOAD="$FAULT_SHIM"} \
		"$MAILSECCTL" --config "$CONF" passwd "$MAILBOX" \
		<"$stdin" >/dev/null 2>&1 &
	PID=$!
}

# run_time_us [FAULT_VAR=VALUE...]: how long one whole passwd takes.
run_time_us() {
	local start
	start=$(now_us)
	passwd_bg "timing run" "$@"
	wait "$PID"
	echo $(($(now_us) - start))
}

# sleep_us N: sleep(1) takes fractions of a second.
sleep_us() {
	sleep "$(printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)))"
}

# --- 1. kill -9 -------------------------------------------------------------

N_OLD=0
N_NEW=0
N_FINISHED=0

# judge_kill RUN PASSWORD DELAY: the record after run RUN was killed.
judge_kill() {
	local run=$1 password=$2 delay=$3
	local what="kill #$run after $delay µs"

	if ! ctl show "$MAILBOX" >/dev/null 2>&1; then
		fail "$what: the mailbox no longer loads" \
			"$(ctl show "$MAILBOX" 2>&1 | head -n 2)"
		cp "$BEFORE" "$RECORD" # so that the next runs still mean something
	elif cmp -s "$BEFORE" "$RECORD"; then
		N_OLD=$((N_OLD + 1))
		pass "$what: old record"
	elif password_is "$password" "$RECORD"; then
		N_NEW=$((N_NEW + 1))
		cp "$RECORD" "$BEFORE"
		pass "$what: new record"
	else
		fail "$what: the record is neither the old nor the new one" \
			"$(diff "$BEFORE" "$RECORD" | head -n 6)"
		cp "$RECORD" "$BEFORE"
	fi
}

kill_loop() {
	local run delay password span plain slow
	local -a slow_env=(FAULT_DELAY_US="$SLOW_US")

	group "kill -9 during passwd ($RUNS runs)"
	plain=$(run_time_us)
	slow=$(run_time_us "${slow_env[@]}")
	printf 'one passwd takes %d µs; slowed down, %d µs\n' "$plain" "$slow"
	cp "$RECORD" "$BEFORE"
	for run in $(seq 1 "$RUNS"); do
		password="password $run"
		if [ $((run % 2)) = 0 ]; then
			span=$slow
			passwd_bg "$password" "${slow_env[@]}"
		else
			span=$plain
			passwd_bg "$password"
		fi
		delay=$(((RANDOM * 32768 + RANDOM) % (span + span / 10)))
		sleep_us "$delay"
		kill -9 "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null && N_FINISHED=$((N_FINISHED + 1))
		judge_kill "$run" "$password" "$delay"
	done
}

# Temp files of killed runs: the temp file is named only once complete,
# with the record's own temp name, so at most one (a run killed between
# naming and renaming), invisible to every reader, removed by the next
# write.
check_leftovers() {
	local left count
	left=$(temp_files "$USERS" "$STATE")
	count=$(wc -w <<<"$left")
	printf '%d runs finished before the kill; %d kept the old record, %d wrote the new one\n' \
		"$N_FINISHED" "$N_OLD" "$N_NEW"
	printf '%d temp files left by killed runs: %s\n' "$count" "$left"
	check "at most one temp file left after $RUNS kills" test "$count" -le 1
	check "show loads with the leftovers there" ctl show "$MAILBOX"
	check "list shows the one mailbox only" \
		test "$(ctl --json list | jq length)" = 1
	check "check-config passes with the leftovers there" \
		ctl check-config
	check "a normal passwd still works" \
		sh -c "printf 'last password\n' | \"\$0\" --config \"\$1\" passwd \"\$2\" >/dev/null" \
		"$MAILSECCTL" "$CONF" "$MAILBOX"
	check "and wrote the new password" password_is "last password" "$RECORD"
	check "and removed what the killed runs left" \
		test -z "$(temp_files "$USERS" "$STATE")"
}

# --- 2. full disk -------------------------------------------------------------

DISK=$TEST_ROOT/disk
declare -A SECRET # of each mailbox on the full disk

refused() {
	! "$@"
}

# mount_disk: a 64 KiB tmpfs at DISK, unmounted on exit. False if not.
mount_disk() {
	[ "$(id -u)" = 0 ] || return 1
	mkdir -p "$DISK"
	mount -t tmpfs -o size=64k,mode=0700 mailsec-test "$DISK" 2>/dev/null ||
		return 1
	AT_EXIT+=("umount '$DISK' 2>/dev/null")
}

# confirm_last_step MAILBOX: 2fa confirm with the previous step's code, so
# that this step's code is left for a login. Tried twice: a step may end
# between computing the code and confirming it.
confirm_last_step() {
	for _ in 1 2; do
		ctl 2fa confirm "$1" "$(totp "${SECRET[$1]}" '-30 seconds')" \
			>/dev/null 2>&1 && return 0
	done
	return 1
}

# full_setup: alice (passwd, and a login whose state is there) and bob (a
# login whose state must be made: state_dir emptied, as at a reboot when
# it is on tmpfs), both with 2FA on.
full_setup() {
	local box
	use_store "$DISK/store"
	for box in alice@example.com bob@example.com; do
		printf 'old password\n' | ctl add "$box" >/dev/null &&
			SECRET[$box]=$(ctl --json 2fa enroll "$box" --qr none |
				jq -r .secret) &&
			confirm_last_step "$box" ||
			{ echo "full_setup: $box could not be set up" >&2; return 1; }
	done
	rm "$STATE/bob@example.com.state"
	RECORD=$USERS/$MAILBOX.conf
	cp "$RECORD" "$BEFORE"
}

fill_disk() {
	dd if=/dev/zero of="$DISK/fill" bs=4k >/dev/null 2>&1
	[ "$(df --output=avail "$DISK" | tail -n 1 | tr -d ' ')" = 0 ]
}

full_disk() {
	local err code rc
	group "full disk"
	full_setup || { fail "cannot set up the store on the tmpfs"; return; }
	check "the tmpfs is full" fill_disk

	err=$(printf 'new password\n' | ctl passwd "$MAILBOX" 2>&1 >/dev/null)
	rc=$?
	check "passwd on a full disk exits 6 (got $rc)" test "$rc" = 6
	check "with a clear error: $err" grep -q 'No space left on device' <<<"$err"
	check "the old record is kept, byte for byte" cmp -s "$BEFORE" "$RECORD"
	check "no temp file left" test -z "$(temp_files "$USERS" "$STATE")"
	check "the mailbox still loads" ctl show "$MAILBOX"

	# A state there already is rewritten in place: no new block needed.
	code=$(totp "${SECRET[$MAILBOX]}")
	if pam_login 'old password' "$code"; then
		check "login with its state there: in place, the code used up" \
			refused pam_login 'old password' "$code"
	else
		pass "login with its state there failed closed"
	fi
	MAILBOX=bob@example.com
	code=$(totp "${SECRET[$MAILBOX]}")
	check "login whose state must grow fails closed" \
		refused pam_login 'old password' "$code"
	check "and bob's state still loads" ctl show "$MAILBOX"
	check "no temp file left" test -z "$(temp_files "$USERS" "$STATE")"

	rm -f "$DISK/fill"
	check "space freed: bob logs in" pam_login 'old password' "$code"
	MAILBOX=alice@example.com
	check "space freed: passwd works" \
		sh -c "printf 'new password\n' | \"\$0\" --config \"\$1\" passwd \"\$2\" >/dev/null" \
		"$MAILSECCTL" "$CONF" "$MAILBOX"
	umount "$DISK"
}

started=$SECONDS
use_store "$TEST_ROOT/store"
printf 'password 0\n' | ctl add "$MAILBOX" >/dev/null ||
	{ echo "cannot add the mailbox" >&2; exit 1; }
RECORD=$USERS/$MAILBOX.conf
kill_loop
check_leftovers
if mount_disk; then
	full_disk
	printf '\n%d s\n' $((SECONDS - started))
	finish
fi
printf '\n%d s\n' $((SECONDS - started))
[ "$N_FAIL" -gt 0 ] && finish
printf '\n%d passed, %d failed\n' "$N_PASS" "$N_FAIL"
skip "the full-disk part needs root and a tmpfs mount"
