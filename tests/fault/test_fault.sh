#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2317 # OP_run & co.: "${op}_run"
# Fault injection. Under the LD_PRELOAD shim (shim.c),
# each call of write, pwrite, fsync, rename*, open*, flock and malloc made
# by `mailsecctl add`, `passwd`, `2fa confirm` and a webmail login (its
# state update) fails in turn, on a fresh copy of a known store. After
# every failure:
#   - no .tmp-* file is left in users_dir or state_dir;
#   - the command exits 6 with the old record byte for byte (or exits 0
#     with the change complete, when the call had a fallback); a login
#     fails closed, or succeeds only with its state update written;
#   - the store still loads, and the next normal run succeeds.
# And the activity journal, written last, can fail (its lock, its open, its
# write): the login goes through.
# One exception is asserted as such: when fsync of the directory after the
# rename fails, the new record is already in place; the command says so
# with exit 6 (its durability is unknown) and the record is the new one.
#
# A failed allocation inside a library (libconfig, libxcrypt, libpam: the
# shim names the first caller outside libc) is held to the same data rules
# but not to the exit status: libconfig 1.5 has no allocation-failure path
# (it crashes, exits 2, or hands back NULL), which the summary counts.
#
#   FAULT_MALLOC_CAP=N  malloc calls tried per operation, spread evenly
#                       over all of them (default 40; 0 = every one)

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MALLOC_CAP=${FAULT_MALLOC_CAP:-40}
FNS="write pwrite fsync rename renameat renameat2 open openat flock linkat malloc"
OURS=" mailsecctl pam_mailsec.so " # must handle every failure cleanly
ALICE=alice@example.com            # 2FA on: passwd and the login
BOB=bob@example.com                # enrolment pending: 2fa confirm
CAROL=carol@example.com            # added; an earlier carol left a state
MAILBOX=$ALICE                     # pam_login's
OLD_PW='old password'
NEW_PW='new password'
TPL=$TEST_ROOT/template
WORK=$TEST_ROOT/work
FAULTS=$TEST_ROOT/faults # the shim's report of one run
declare -A COUNT         # calls of each function in a clean run
N_SITES=0
N_KNOWN=0
N_UNREACHED=0
KNOWN_LIST=()

# Alice's code of a step ago is used up: a login's code now is fresh.
template_mailboxes() {
	printf '%s\n' "$OLD_PW" | ctl add "$ALICE" >/dev/null &&
		SECRET_A=$(ctl --json 2fa enroll "$ALICE" --qr none | jq -r .secret) &&
		ctl 2fa confirm "$ALICE" "$(totp "$SECRET_A" '-30 seconds')" >/dev/null &&
		printf '%s\n' "$OLD_PW" | ctl add "$BOB" >/dev/null &&
		SECRET_B=$(ctl --json 2fa enroll "$BOB" --qr none | jq -r .secret) &&
		[ -n "$SECRET_A" ] && [ -n "$SECRET_B" ] &&
		cp -p "$STATE/$ALICE.state" "$STATE/$CAROL.state"
}

make_template() {
	use_store "$WORK"
	if ! template_mailboxes; then
		echo "cannot make the template store" >&2
		exit 1
	fi
	cp -a "$WORK" "$TPL"
}

reset_store() {
	rm -rf "$WORK"
	cp -a "$TPL" "$WORK"
}

same_users() {
	diff -r "$TPL/users" "$USERS" >/dev/null 2>&1
}

# --- the operations: OP_run [FAULT_VAR=VALUE...], OP_done (the change is
# complete), OP_kept (the mailbox is as before), OP_again (a normal run) ---

add_run() {
	printf '%s\n' "$NEW_PW" | faulty "$@" -- "$MAILSECCTL" --config "$CONF" \
		add "$CAROL"
}
add_done() {
	ctl show "$CAROL" >/dev/null 2>&1 && [ ! -e "$STATE/$CAROL.state" ]
}
add_kept() {
	[ ! -e "$USERS/$CAROL.conf" ]
}
add_again() {
	add_done || printf '%s\n' "$NEW_PW" | ctl add "$CAROL"
}

passwd_run() {
	printf '%s\n' "$NEW_PW" | faulty "$@" -- "$MAILSECCTL" --config "$CONF" \
		passwd "$ALICE"
}
passwd_done() {
	ctl show "$ALICE" >/dev/null 2>&1 && password_is "$NEW_PW" "$USERS/$ALICE.conf"
}
passwd_kept() {
	cmp -s "$TPL/users/$ALICE.conf" "$USERS/$ALICE.conf" &&
		ctl show "$ALICE" >/dev/null 2>&1
}
passwd_again() {
	printf 'another password\n' | ctl passwd "$ALICE"
}

# show_holds MAILBOX FILTER: show --json succeeds and FILTER holds on it
# (jq 1.6 -e passes on empty input: the exit status is checked first).
show_holds() {
	local json
	json=$(ctl --json show "$1" 2>/dev/null) &&
		jq -e "$2" >/dev/null <<<"$json"
}
confirm_run() {
	faulty "$@" -- "$MAILSECCTL" --config "$CONF" 2fa confirm "$BOB" "$CODE"
}
confirm_done() {
	show_holds "$BOB" '."2fa" == "enabled" and .recovery_codes_left == 10'
}
confirm_kept() {
	show_holds "$BOB" '."2fa" == "pending"'
}
# The failed run may have used its code up: the next one.
confirm_again() {
	confirm_done ||
		ctl 2fa confirm "$BOB" "$(totp "$SECRET_B" '+30 seconds')"
}

login_run() {
	pam_login "$OLD_PW" "$CODE" "$@"
}

# The code each run of OP uses: the current one.
fresh_code() {
	case $1 in
	confirm) CODE=$(totp "$SECRET_B") ;;
	login) CODE=$(totp "$SECRET_A") ;;
	*) CODE= ;;
	esac
}

# --- judging one injected failure ---------------------------------------

is_ours() {
	[[ $OURS == *" $1 "* ]]
}

known() {
	N_KNOWN=$((N_KNOWN + 1))
	KNOWN_LIST+=("$1")
	printf 'known %s\n' "$1"
}

no_temp_files() {
	local left
	left=$(temp_files "$USERS" "$STATE")
	[ -z "$left" ] && return 0
	fail "$1: temp files left behind" "$left"
	return 1
}

# judge_ctl OP FN I N RC BY: a mailsecctl operation.
judge_ctl() {
	local op=$1 fn=$2 i=$3 n=$4 rc=$5 by=$6
	local what="$op: $fn #$i/$n in $by"

	no_temp_files "$what" || return
	if [ "$rc" = 0 ]; then
		if "${op}_done"; then
			pass "$what: exit 0, change complete"
		else
			fail "$what: exit 0 but the change is incomplete"
		fi
	elif same_users && "${op}_kept"; then
		if [ "$rc" = 6 ]; then
			pass "$what: exit 6, old record kept"
		elif is_ours "$by"; then
			fail "$what: exit $rc, expected 6 (old record kept)" \
				"$(head -c 300 "$TEST_ROOT/stderr")"
		else
			known "$what: exit $rc (old record kept)"
		fi
	elif ! "${op}_done"; then
		fail "$what: exit $rc, and the record is neither old nor new" \
			"$(diff -r "$TPL/users" "$USERS" 2>&1 | head -n 6)"
	elif [ "$rc" = 6 ] && [ "$fn" = fsync ] && [ "$i" = "$n" ]; then
		pass "$what: exit 6 after the rename (directory fsync): new record in place"
	else
		fail "$what: exit $rc, but the change took effect" \
			"$(head -c 300 "$TEST_ROOT/stderr")"
	fi
}

# judge_login FN I N RC BY: a webmail login's state update.
judge_login() {
	local fn=$1 i=$2 n=$3 rc=$4 by=$5
	local what="login: $fn #$i/$n in $by"

	no_temp_files "$what" || return
	if [ "$rc" = 0 ]; then
		if cmp -s "$TPL/state/$ALICE.state" "$STATE/$ALICE.state"; then
			fail "$what: logged in, but the state was not written"
		elif pam_login "$OLD_PW" "$CODE"; then
			fail "$what: logged in, and the code is not used up"
		else
			pass "$what: logged in, state written"
		fi
	elif ! ctl show "$ALICE" >/dev/null 2>&1; then
		fail "$what: failed, but the state no longer loads"
	elif [ "$rc" -ge 128 ] && is_ours "$by"; then
		fail "$what: the module crashed (exit $rc)"
	elif [ "$rc" -ge 128 ]; then
		known "$what: pamtester crashed (exit $rc), login refused"
	else
		pass "$what: failed closed (pamtester exit $rc)"
	fi
}

# --- the sweep ------------------------------------------------------------

# count_calls OP: COUNT[fn] from a clean run of OP under the shim.
count_calls() {
	local op=$1 fn

	reset_store
	fresh_code "$op"
	rm -f "$FAULTS"
	if ! ("${op}_run" FAULT_COUNT="$FAULTS") >/dev/null 2>&1; then
		fail "$op: a clean run under the shim failed"
	fi
	for fn in $FNS; do
		COUNT[$fn]=$(awk -v f="$fn" '$1 == f { print $2 }' "$FAULTS" 2>/dev/null)
		COUNT[$fn]=${COUNT[$fn]:-0}
	done
}

# indices FN N: the call numbers to fail: all, or for malloc at most
# MALLOC_CAP spread evenly from the first to the last.
indices() {
	local fn=$1 n=$2
	if [ "$fn" != malloc ] || [ "$MALLOC_CAP" -le 0 ] ||
		[ "$n" -le "$MALLOC_CAP" ]; then
		[ "$n" -gt 0 ] && seq 1 "$n"
		return
	fi
	awk -v n="$n" -v k="$MALLOC_CAP" \
		'BEGIN { for (j = 0; j < k; j++) print 1 + int(j * (n - 1) / (k - 1)) }'
}

# again OP: the next normal run after a failure succeeds.
again() {
	local op=$1 what=$2
	if [ "$op" = login ]; then
		pam_login "$OLD_PW" "$(totp "$SECRET_A" '+30 seconds')"
	else
		"${op}_again" >/dev/null 2>&1
	fi || fail "$what: the next normal run failed"
}

# inject OP FN I N: one run of OP with call I of FN failing, judged.
inject() {
	local op=$1 fn=$2 i=$3 n=$4 rc by

	reset_store
	fresh_code "$op"
	rm -f "$FAULTS"
	("${op}_run" FAULT_CALL="$fn:$i" FAULT_COUNT="$FAULTS") \
		>/dev/null 2>"$TEST_ROOT/stderr"
	rc=$?
	by=$(awk '$1 == "fired" { print $4 }' "$FAULTS" 2>/dev/null)
	if [ -z "$by" ]; then
		# A path that depends on the run (a code at a step boundary).
		N_UNREACHED=$((N_UNREACHED + 1))
		printf 'note %s: %s #%s not reached in this run\n' "$op" "$fn" "$i"
		return
	fi
	N_SITES=$((N_SITES + 1))
	if [ "$op" = login ]; then
		judge_login "$fn" "$i" "$n" "$rc" "$by"
	else
		judge_ctl "$op" "$fn" "$i" "$n" "$rc" "$by"
	fi
	again "$op" "$op: $fn #$i/$n"
}

# sweep OP [GROUP]: every call site of OP failed in turn.
sweep() {
	local op=$1 fn i tried summary=""

	group "${2:-$op}"
	count_calls "$op"
	for fn in $FNS; do
		tried=0
		for i in $(indices "$fn" "${COUNT[$fn]}"); do
			inject "$op" "$fn" "$i" "${COUNT[$fn]}"
			tried=$((tried + 1))
		done
		[ "${COUNT[$fn]}" -gt 0 ] && summary+=" $fn $tried/${COUNT[$fn]}"
	done
	printf 'calls failed of calls made:%s\n' "$summary"
}

# journal_fails FN: the last call of FN in a login, the activity journal's
# (it is written after the state, as the login's last step), fails; the
# login must go through all the same.
journal_fails() {
	local fn=$1 n=${COUNT[$1]} rc=0

	reset_store
	fresh_code login
	rm -f "$FAULTS"
	login_run FAULT_CALL="$fn:$n" FAULT_COUNT="$FAULTS" || rc=$?
	check "journal: $fn #$n/$n fired" grep -q "^fired $fn $n " "$FAULTS"
	check "journal: $fn #$n/$n failing, the login goes through" test "$rc" = 0
	check "journal: $fn #$n/$n, the state was written" \
		not cmp -s "$TPL/state/$ALICE.state" "$STATE/$ALICE.state"
	check "journal: $fn #$n/$n, nothing noted" \
		test ! -s "$STATE/$ALICE.journal"
}

not() {
	! "$@"
}

started=$SECONDS
make_template
for op in add passwd confirm login; do
	sweep "$op"
done
group "login, journal not writable"
count_calls login
for fn in flock openat pwrite; do
	journal_fails "$fn"
done
# Where the file system has no O_TMPFILE, a record's temp file is named
# from the start (store.h): that path, failed call by call too.
export FAULT_NO_TMPFILE=1
sweep passwd "passwd, no O_TMPFILE"
unset FAULT_NO_TMPFILE
# Nor without /proc, through which an unnamed temp file gets its name.
group "passwd, no /proc"
reset_store
check "passwd works without /proc" passwd_run FAULT_NO_PROC=1
check "and wrote the new password" passwd_done
check "no temp file left" test -z "$(temp_files "$USERS" "$STATE")"
printf '\n%d call sites failed in %d s; %d not reached; %d library failures without a clean error:\n' \
	"$N_SITES" $((SECONDS - started)) "$N_UNREACHED" "$N_KNOWN"
for line in "${KNOWN_LIST[@]}"; do
	printf '  %s\n' "$line"
done | sed -E 's/ #[0-9]+\/[0-9]+//' | sort | uniq -c
# Call numbers must mean the same call run after run, or nothing is tested.
check "armed calls reached: all but $N_UNREACHED of $((N_SITES + N_UNREACHED))" \
	test $((N_UNREACHED * 10)) -le "$N_SITES"
finish
