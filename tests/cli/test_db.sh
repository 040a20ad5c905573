#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# mailsecctl on the PostgreSQL store (mailsecctl.8, DATABASE), on a private
# cluster (tests/support/pg-cluster): db init, upgrade and check; the
# everyday commands with the same outputs as on files; db import of a file
# store with 2FA, state, app-password uses and a journal, db export into a
# fresh file store, and the two file stores equal; --replace, the skip
# count; db verbs on the file store.
#
#   MAILSECCTL=... PG_DRIVER=.../store_postgresql.so JOURNAL_NOTE=... \
#   [MAILSEC_MODULE=... PAM_WRAPPER_LIB=...] tests/cli/test_db.sh
#
# Exit 77 when PostgreSQL 15 or the driver is missing. The module's logins
# (an app-password use, a used code) need pamtester and pam_wrapper; the
# checks on them are skipped, said, without.

. "$(dirname "$0")/lib.sh"

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_CLUSTER=$top_srcdir/tests/support/pg-cluster
M=$MAILSECCTL

if [ -z "${PG_DRIVER:-}" ] || [ ! -f "$PG_DRIVER" ]; then
	echo "SKIP: PG_DRIVER does not name the built store_postgresql.so (got '${PG_DRIVER:-}')" >&2
	exit 77
fi
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] && ! command -v pg_config >/dev/null; then
	echo "SKIP: PostgreSQL 15 is not installed (postgresql-15)" >&2
	exit 77
fi
if [ ! -x "${JOURNAL_NOTE:-}" ]; then
	echo "JOURNAL_NOTE must name the built tests/cli/journal_note" >&2
	exit 1
fi

# The cluster's directory must be reachable by `postgres` when run as
# root: not under TEST_ROOT (0700).
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-db.XXXXXX") || exit 1
trap '"$PG_CLUSTER" stop "$PG_DIR"; rm -rf "$TEST_ROOT"' EXIT
if ! SOCK=$("$PG_CLUSTER" start "$PG_DIR"); then
	echo "pg-cluster start failed" >&2
	exit 1
fi

# db_config DIR STORE: DIR/STORE.conf on the cluster's database, with
# users_dir and state_dir in DIR; STORE files or postgresql. Prints its
# path.
db_config() {
	mkdir -p "$1"
	cat >"$1/$2.conf" <<CONF
users_dir = "$1/users";
state_dir = "$1/state";
store = "$2";
postgresql = {
  conninfo = "host=$SOCK dbname=mailsec user=mailsec_module";
  admin_conninfo = "host=$SOCK dbname=mailsec user=mailsec_admin";
  module_role = "mailsec_module";
  driver = "$PG_DRIVER";
  timeout = 5000;
};
CONF
	printf '%s\n' "$1/$2.conf"
}

# check_jq DESCRIPTION FILTER JSON: the filter holds, on JSON that is
# there (jq -e passes on no input at all).
check_jq() {
	if [ -n "$3" ] && jq -e "$2" >/dev/null 2>&1 <<<"$3"; then
		pass "$1"
	else
		fail "$1" "jq -e '$2' does not hold on:" "${3:-(nothing)}"
	fi
}

DB=$(db_config "$TEST_ROOT/db" postgresql)       # the database, users_dir unused
FILES=$(db_config "$TEST_ROOT/files" files)      # a file store, for comparison
SRC_DB=$(db_config "$TEST_ROOT/src" postgresql)  # import from src's files
SRC=$(db_config "$TEST_ROOT/src" files)
DST_DB=$(db_config "$TEST_ROOT/dst" postgresql)  # export into dst's files
DST=$(db_config "$TEST_ROOT/dst" files)

ON_FILES="db: the configured store is files"

test_files_refused() {
	group "db verbs on the file store"
	local verb
	for verb in init upgrade check import export; do
		expect_exit 2 "$M" --config "$FILES" db "$verb"
		check_match "db $verb on files says why" "$ON_FILES" "$ERR"
	done
	expect_exit 2 "$M" --config "$FILES" db check --replace
	check_match "--replace only for import/export" \
		'--replace is not an option of db check' "$ERR"
}

test_schema() {
	group "db init, upgrade, check"
	expect_exit 5 "$M" --config "$DB" db check
	check_match "check before init hints at db init" 'db init' "$ERR"
	expect_exit 5 "$M" --config "$DB" check-config
	check_match "check-config before init: the schema" 'schema' "$OUT"
	check_match "check-config before init: no record read" '^records: 0$' "$OUT"
	logged 0 "$M" --config "$DB" db init
	check_match "init prints its report" '[a-z]' "$OUT"
	if [ -n "$LOGGED" ]; then
		check_eq "init: its one syslog line" \
			"authpriv.notice mailsecctl: changed: store command=db init done user=$(id -un) sudo_user=-" \
			"$LOGGED"
	fi
	expect_exit 4 "$M" --config "$DB" db init
	expect_exit 0 "$M" --config "$DB" db check
	check_match "check prints its report" '[a-z]' "$OUT"
	expect_exit 0 "$M" --config "$DB" --json db check
	check_jq "check --json: a report" '.report | type == "string"' "$OUT"
	expect_exit 0 "$M" --config "$DB" db upgrade
	expect_exit 0 "$M" --config "$DB" check-config
	check_match "check-config on the database: no problems" \
		'^problems: none$' "$OUT"
	local untrusted=$TEST_ROOT/untrusted/store_postgresql.so bad_driver
	mkdir -p "$TEST_ROOT/untrusted"
	cp "$PG_DRIVER" "$untrusted"
	chmod 0666 "$untrusted"
	bad_driver=$(db_config "$TEST_ROOT/untrusted" postgresql)
	sed -i "s|driver = \".*\";|driver = \"$untrusted\";|" "$bad_driver"
	expect_exit 5 "$M" --config "$bad_driver" check-config
	check_match "check-config: a driver that would not be loaded" \
		'postgresql\.driver' "$OUT"
	local gone
	gone=$(db_config "$TEST_ROOT/gone" postgresql)
	sed -i "s|host=$SOCK|host=$TEST_ROOT/nosocket|g" "$gone"
	expect_exit 6 "$M" --config "$gone" db check
	check_match "an unreachable database is named" 'postgresql' "$ERR"
}

# What a command printed, with what differs between two runs in any store
# (times, secrets, codes) made constant.
normalized() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g;
		s/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2})?/TIME/g'
}

# everyday CONF: the everyday commands on one store; their exit statuses
# and normalized outputs, one block each, on stdout.
everyday() {
	local conf=$1 box=e@example.com secret code
	run() {
		"$M" --config "$conf" "$@" <"$TEST_ROOT/stdin" \
			>"$TEST_ROOT/stdout" 2>"$TEST_ROOT/stderr"
		printf '$ %s -> %s\n' "$*" "$?" | sed -E 's/ [0-9]{6}( |$)/ CODE\1/'

		normalized <"$TEST_ROOT/stdout"
		sed "s|$conf|CONF|g" "$TEST_ROOT/stderr"
		: >"$TEST_ROOT/stdin"
	}
	printf 'old password\n' >"$TEST_ROOT/stdin"
	run add "$box"
	printf 'other password\n' >"$TEST_ROOT/stdin"
	run add "$box"
	printf 'new password\n' >"$TEST_ROOT/stdin"
	run passwd "$box"
	# Secrets, codes and passwords differ from run to run: their first
	# line only (the command and its exit status).
	run --json 2fa enroll "$box" --qr none | head -n 1
	secret=$(jq -r .secret "$TEST_ROOT/stdout")
	code=$(totp "$secret")
	run 2fa confirm "$box" "$code" | head -n 1
	run non-webmail app-passwords "$box"
	run app-password add "$box" Phone --services imap,smtp | head -n 1
	run app-password add "$box" Phone
	run app-password list "$box"
	run --json app-password list "$box"
	run show "$box"
	run --json show "$box"
	run list
	run --json list
	run activity "$box"
	run 2fa confirm "$box" 000000
	run unlock "$box"
	run app-password revoke "$box" Phone
	run app-password revoke "$box" Phone
	run non-webmail disable "$box"
	run 2fa disable "$box"
	run logout "$box"
	run show nobody@example.com
	run remove "$box"
	run remove "$box"
	run list
}

test_everyday() {
	group "everyday commands: the same on the database as on files"
	local on_files on_db
	on_files=$(everyday "$FILES")
	on_db=$(everyday "$DB")
	if [ "$on_files" = "$on_db" ]; then
		pass "every output and exit status equal ($(grep -c '^\$ ' <<<"$on_db") commands)"
	else
		fail "outputs differ (files, then database)" \
			"$(diff <(printf '%s\n' "$on_files") <(printf '%s\n' "$on_db"))"
	fi
	check_match "a mailbox was made on the database" '^\$ add e@example.com -> 0$' "$on_db"
	check_absent "the database store left no users_dir" "users" \
		"$(ls "$TEST_ROOT/db")"
}

MODULE_OK=no
module_ready() {
	local wrapper
	wrapper=$(find_wrapper)
	[ -n "$wrapper" ] && [ -f "$wrapper" ] && [ -f "${MAILSEC_MODULE:-}" ] &&
		command -v pamtester >/dev/null || return 1
	WRAPPER=$wrapper
	mkdir -p "$TEST_ROOT/pam.d"
	local service
	for service in webmail imap; do
		cat >"$TEST_ROOT/pam.d/$service" <<STACK
auth required $MAILSEC_MODULE config=$SRC
account required $MAILSEC_MODULE config=$SRC
STACK
	done
}

# login ANSWERS SERVICE MAILBOX: a login through the module on SRC.
login() {
	printf '%b' "$1" | LD_PRELOAD=$WRAPPER PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR=$TEST_ROOT/pam.d \
		pamtester "$2" "$3" authenticate acct_mgmt >/dev/null 2>&1
}

# The file store to import: a mailbox with 2FA enabled and a used code;
# one locked out after wrong codes; one with an app password used once;
# journal entries.
REPLAYED=""
SECRETS=()
make_source() {
	local secret bad app
	export MAILSEC_CONFIG=$SRC
	add_mailbox a@example.com 'pw a'
	add_mailbox b@example.com 'pw b'
	add_mailbox c@example.com 'pw c'
	expect_exit 0 "$M" --json 2fa enroll a@example.com --qr none
	secret=$(jq -r .secret <<<"$OUT")
	expect_exit 0 "$M" --json 2fa confirm a@example.com "$(totp "$secret")"
	SECRETS+=("$secret" "$(jq -r '.recovery_codes[0]' <<<"$OUT")")
	expect_exit 0 "$M" --json 2fa enroll b@example.com --qr none
	bad=$(wrong_code "$(jq -r .secret <<<"$OUT")")
	for _ in 1 2 3 4 5; do
		run_input "" "$M" 2fa confirm b@example.com "$bad"
	done
	expect_exit 0 "$M" --json show b@example.com
	check_jq "b is locked out" '.locked_until != null' "$OUT"
	expect_exit 0 "$M" --json app-password add c@example.com Phone
	app=$(jq -r .password <<<"$OUT")
	SECRETS+=("$app")
	"$JOURNAL_NOTE" a@example.com "$(date +%s)" client accepted password \
		imap 192.0.2.7 >/dev/null || fail "journal_note"
	if module_ready; then
		MODULE_OK=yes
		REPLAYED=$(totp "$secret" '+30 seconds')
		check "webmail login with a code (marks it used)" \
			login "pw a\n$REPLAYED\n" webmail a@example.com
		check "imap login with the app password (a use)" \
			login "$app\n" imap c@example.com
	else
		echo "skip: module logins (pamtester, pam_wrapper or MAILSEC_MODULE missing):" \
			"the code's use and the app password's use are not checked"
	fi
	check_absent "no app password in the journal's output" "$app" \
		"$("$M" activity c@example.com 2>&1)"
	MAILSEC_CONFIG=$MAIN_DIR/mailsec.conf
}

# snapshot CONF: what every command shows of the three mailboxes.
snapshot() {
	local box
	"$M" --config "$1" --json list
	for box in a@example.com b@example.com c@example.com; do
		"$M" --config "$1" --json show "$box"
		"$M" --config "$1" --json activity "$box"
		"$M" --config "$1" --json app-password list "$box"
	done
}

test_import_export() {
	group "db import, db export: lossless"
	local before on_db after box
	make_source
	before=$(snapshot "$SRC")
	expect_exit 0 "$M" --config "$SRC_DB" db import
	check_eq "import's summary" "imported 3 mailboxes, 0 skipped (already there)" "$OUT"
	check_absent "no progress line when stderr is no terminal" $'\r' "$ERR"
	local secret
	for secret in "${SECRETS[@]}"; do
		check_absent "no secret in import's output" "$secret" "$OUT$ERR"
	done
	on_db=$(snapshot "$SRC_DB")
	check_eq "the database shows what the files did" "$before" "$on_db"
	expect_exit 0 "$M" --config "$DST_DB" db export
	check_eq "export's summary" "exported 3 mailboxes, 0 skipped (already there)" "$OUT"
	after=$(snapshot "$DST")
	check_eq "the exported files show what the first did" "$before" "$after"
	for box in a@example.com b@example.com c@example.com; do
		check "$box: record byte-equal after import and export" \
			cmp "$TEST_ROOT/src/users/$box.conf" "$TEST_ROOT/dst/users/$box.conf"
	done
	check "the host key came along" \
		cmp "$TEST_ROOT/src/state/.mailsec-hostkey" "$TEST_ROOT/dst/state/.mailsec-hostkey"
	check_jq "the lockout came along" '.locked_until != null' \
		"$("$M" --config "$DST" --json show b@example.com)"
	check_jq "the journal came along" 'any(.[]; .rhost == "192.0.2.7")' \
		"$("$M" --config "$DST" --json activity a@example.com)"
	if [ "$MODULE_OK" = yes ]; then
		check_jq "the app password's use came along" \
			'.[0].last_used != null' \
			"$("$M" --config "$DST" --json app-password list c@example.com)"
		sed -i "s|config=$SRC|config=$DST|" "$TEST_ROOT/pam.d/webmail"
		check "the used code is still used (replay refused)" \
			not login "pw a\n$REPLAYED\n" webmail a@example.com
	fi
	expect_exit 0 "$M" --config "$DST" check-config
	expect_exit 0 "$M" --config "$SRC_DB" check-config
	check_match "check-config on the database counts them" '^records: 3$' "$OUT"
}

not() {
	! "$@"
}

test_skip_replace() {
	group "already there: skipped, or --replace"
	expect_exit 4 "$M" --config "$SRC_DB" db import
	check_eq "every one skipped" "imported 0 mailboxes, 3 skipped (already there)" "$OUT"
	expect_exit 4 "$M" --config "$DST_DB" --json db export
	check_jq "export --json counts them" '.exported == 0 and .skipped == 3' "$OUT"
	expect_exit 0 "$M" --config "$SRC" non-webmail disable c@example.com
	MAILSEC_CONFIG=$SRC expect_exit_input $'pw d\n' 0 "$M" add d@example.com
	expect_exit 4 "$M" --config "$SRC_DB" db import
	check_eq "the new one imported, the others skipped" \
		"imported 1 mailbox, 3 skipped (already there)" "$OUT"
	check_jq "a skipped mailbox is left as it was" '.non_webmail == "enabled"' \
		"$("$M" --config "$SRC_DB" --json show c@example.com)"
	# A journal only the target has: --replace leaves the source's (none).
	MAILSEC_CONFIG=$SRC_DB "$JOURNAL_NOTE" d@example.com "$(date +%s)" \
		client refused password imap 198.51.100.9 >/dev/null ||
		fail "journal_note on the database"
	check_match "the target's own journal entry" '198\.51\.100\.9' \
		"$("$M" --config "$SRC_DB" activity d@example.com)"
	logged 0 "$M" --config "$SRC_DB" --json db import --replace
	check_jq "--replace copies every one" '.imported == 4 and .skipped == 0' "$OUT"
	if [ -n "$LOGGED" ]; then
		check_eq "import: its one syslog line" \
			"authpriv.notice mailsecctl: changed: store command=db import imported=4 skipped=0 replace user=$(id -un) sudo_user=-" \
			"$LOGGED"
	fi
	check_absent "--replace drops the target's journal" '198.51.100.9' \
		"$("$M" --config "$SRC_DB" activity d@example.com)"
	check_jq "the replaced mailbox is the source's" '.non_webmail == "disabled"' \
		"$("$M" --config "$SRC_DB" --json show c@example.com)"
	check_jq "a replaced mailbox keeps its lockout" '.locked_until != null' \
		"$("$M" --config "$SRC_DB" --json show b@example.com)"
	expect_exit 0 "$M" --config "$SRC_DB" non-webmail app-passwords c@example.com
	# An entry only the file store's journal of c has: the database's
	# copy, shorter, must not leave it behind.
	MAILSEC_CONFIG=$DST "$JOURNAL_NOTE" c@example.com "$(date +%s)" \
		client refused password imap 198.51.100.9 >/dev/null ||
		fail "journal_note on the exported files"
	check_match "the file store's own journal entry" '198\.51\.100\.9' \
		"$("$M" --config "$DST" activity c@example.com)"
	expect_exit 0 "$M" --config "$DST_DB" db export --replace
	check_absent "export --replace drops the file store's journal" \
		'198.51.100.9' "$("$M" --config "$DST" activity c@example.com)"
	check_eq "export --replace: the database's journal" \
		"$("$M" --config "$SRC_DB" --json activity c@example.com)" \
		"$("$M" --config "$DST" --json activity c@example.com)"
	check_eq "export --replace" "exported 4 mailboxes, 0 skipped (already there)" "$OUT"
	check_jq "the file store has the database's copy" '.non_webmail == "app-passwords"' \
		"$("$M" --config "$DST" --json show c@example.com)"
	if command -v script >/dev/null; then
		local tty
		tty=$(script -qec "$(printf '%q ' "$M" --config "$SRC_DB" db import --replace)" /dev/null)
		check_match "on a terminal, the progress line" $'\rimported 4/4' "$tty"
	else
		echo "skip: script(1) missing: the progress line on a terminal is not checked"
	fi
	expect_exit 0 "$M" --config "$SRC_DB" list
	check_eq "list on the database: four rows" 4 "$(grep -c '@example' <<<"$OUT")"
}

# logged CODE CMD...: expect_exit with mailsecctl's syslog lines captured
# (tests/syslog_capture.c) into LOGGED; without the shim, said and empty.
LOGGED=""
logged() {
	local code=$1 log=$TEST_ROOT/syslog
	shift
	LOGGED=""
	if [ ! -f "${SYSLOG_SHIM:-}" ]; then
		echo "skip: SYSLOG_SHIM not set: the syslog line is not checked"
		expect_exit "$code" "$@"
		return
	fi
	# Behind ASan's runtime in a sanitizer build: it must come first.
	local asan
	asan=$(ldd "$M" 2>/dev/null | awk '/libasan/ { print $3; exit }')
	: >"$log"
	expect_exit "$code" env -u SUDO_USER LD_PRELOAD="${asan:+$asan:}$SYSLOG_SHIM" \
		SYSLOG_CAPTURE="$log" "$@"
	LOGGED=$(cat "$log")
}

# psql SQL: as the schema's owner on the test database.
psql_admin() {
	local bindir
	bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || pg_config --bindir)
	"$bindir/psql" -qAtX -v ON_ERROR_STOP=1 -h "$SOCK" -U mailsec_admin \
		-d mailsec -c "$1"
}

# A row the schema's owner named at will: its name would become a path
# (db export writes users_dir/NAME.conf) and a line of output.
test_bad_names() {
	group "a row whose name is no mailbox name: refused"
	local exp=$TEST_ROOT/exp conf refused
	conf=$(db_config "$exp/a" postgresql)
	refused="postgresql: a row's name is not a mailbox name:"
	psql_admin "INSERT INTO mailsec_mailbox (name, record, version)
		SELECT '../../escaped', record, 4242 FROM mailsec_mailbox
		WHERE name = 'a@example.com'" || fail "psql INSERT"
	expect_exit 5 "$M" --config "$conf" check-config
	check_match "check-config names the row" "$refused \.\./\.\./escaped\$" "$OUT"
	check_absent "check-config: not 'problems: none'" "problems: none" "$OUT"
	expect_exit 5 "$M" --config "$conf" db export
	check_match "export refuses" "$refused \.\./\.\./escaped" "$ERR"
	check_eq "export wrote nothing, in users_dir or out of it" \
		"$exp $exp/a $exp/a/postgresql.conf" "$(find "$exp" | sort | xargs)"
	expect_exit 5 "$M" --config "$conf" list
	check_match "list refuses" "$refused \.\./\.\./escaped" "$ERR"
	check_eq "list shows no mailbox then" "" "$OUT"
	psql_admin "UPDATE mailsec_mailbox SET name = E'Up\\n\\001' || repeat('x', 300)
		WHERE name = '../../escaped'" || fail "psql UPDATE"
	expect_exit 5 "$M" --config "$conf" list
	check_match "a name shown printable and cut" \
		"$refused Up\?\?x{57}\.\.\.\$" "$ERR"
	check_eq "the message on one line" 1 "$(wc -l <<<"$ERR")"
	psql_admin "DELETE FROM mailsec_mailbox WHERE version = 4242" ||
		fail "psql DELETE"
	expect_exit 0 "$M" --config "$conf" list
}

test_damaged() {
	group "a damaged row: reported, as a damaged file is"
	psql_admin "UPDATE mailsec_mailbox SET record = 'version = ;' WHERE name = 'd@example.com'" ||
		fail "psql UPDATE"
	psql_admin "UPDATE mailsec_mailbox SET state = '\\x00ff', state_seq = state_seq + 1 WHERE name = 'c@example.com'" ||
		fail "psql UPDATE"
	expect_exit 5 "$M" --config "$SRC_DB" check-config
	check_match "check-config names the damaged record" 'd@example\.com' "$OUT"
	check_match "check-config names the damaged state" 'c@example\.com' "$OUT"
	check_match "check-config still counts every mailbox" '^records: 4$' "$OUT"
	expect_exit 5 "$M" --config "$SRC_DB" show d@example.com
	expect_exit 5 "$M" --config "$SRC_DB" list
	check_match "list shows the others" '^a@example\.com ' "$OUT"
	check_match "list says which failed" 'd@example\.com' "$ERR"
}

test_files_refused
test_schema
test_everyday
test_import_export
test_skip_replace
test_bad_names
test_damaged
finish
