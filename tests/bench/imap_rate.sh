#!/usr/bin/env bash
# The real-server rows of the benchmark: IMAP LOGIN + LOGOUT a second
# through a Dovecot started here, as tests/e2e/servers.sh sets it up
# (Debian's configuration wired by conf/wire-debian, PAM through
# pam_wrapper), on ports of its own, with
#   (i)   passdb passwd-file, no 2FA: the ceiling, no PAM at all;
#   (ii)  passdb pam, the imap stack with pam_mailsec on files;
#   (iii) the same with pam_mailsec on PostgreSQL (a private cluster);
# each for a few seconds from N parallel clients (tests/bench/imap_rate.py),
# with the same password hash in all three, so that a ratio to the ceiling
# is what PAM and pam_mailsec cost a login. Prints figures, asserts none.
#
#   MAILSECCTL=... MAILSEC_MODULE=... [MAILSEC_PG_DRIVER=...] \
#     flock /tmp/mailsec-e2e.lock tests/bench/imap_rate.sh \
#     [--clients N] [--seconds S] [--mailboxes M] [--hash sha256|yescrypt|both]
#
# `make bench-imap` sets the three paths from the build. Without
# MAILSEC_PG_DRIVER (a build without --with-postgresql) row (iii) is
# skipped. Root only: Dovecot's auth worker reads the records as root.
# Exit 0 when every row ran without a failed login, 1 otherwise, 77 when
# it cannot run here.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${MAILSECCTL:?}" "${MAILSEC_MODULE:?}"
pg_driver=${MAILSEC_PG_DRIVER:-}

clients=8 seconds=5 mailboxes=64 hashes="sha256 yescrypt" modes="debian reused"
while [ $# -gt 0 ]; do
	case $1 in
	--clients) clients=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--mailboxes) mailboxes=$2; shift ;;
	--hash) case $2 in both) hashes="sha256 yescrypt" ;; *) hashes=$2 ;; esac
		shift ;;
	--processes) case $2 in both) modes="debian reused" ;; *) modes=$2 ;; esac
		shift ;;
	*) echo "usage: imap_rate.sh [--clients N] [--seconds S] [--mailboxes M]" \
		"[--hash sha256|yescrypt|both] [--processes debian|reused|both]" >&2
		exit 2 ;;
	esac
	shift
done

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "the IMAP rows need root"
for tool in dovecot postfix python3 openssl; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/install-deps)"
done
. "$top_srcdir/tests/e2e/servers.sh"
[ -n "$PAM_WRAPPER_SO" ] || skip "libpam_wrapper.so is not installed"
# Ports of its own: neither a real install's nor those of tests/e2e and
# tests/demo (servers.sh's, 11xxx and 12xxx).
# shellcheck disable=SC2034 # read by servers.sh's functions
IMAP=14143 IMAPS=14993 POP3=14110 POP3S=14995 SMTP=14025 SUBMISSION=14587 \
	WEBMAIL=14144 WEBMAIL_SMTP=14588
PYTHON=$(PATH=/usr/bin:/bin command -v python3)

T=$(mktemp -d)
chmod 711 "$T"
cleanup() {
	[ -d "$T/pg" ] && "$top_srcdir/tests/support/pg-cluster" stop "$T/pg"
	servers_remove "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- the mailboxes: 2FA off, the imap stack's password login ---
cat >"$T/files.conf" <<CONF
users_dir = "$T/users";
state_dir = "$T/state";
CONF
servers_setup "$T" "$MAILSEC_MODULE" "$T/files.conf" ||
	{ echo "imap_rate: the servers' configuration failed" >&2; exit 1; }
passdb_conf=$T/root/etc/dovecot/conf.d/90-mailsec.conf
cp "$passdb_conf" "$T/90-mailsec.conf.pam"
cp "$T/root/etc/dovecot/local.conf" "$T/local.conf.debian"
# use_processes debian|reused: Debian's processes, a new imap-login and
# imap process for every connection (the security mode), or both kept
# and reused ("high-performance mode"): the work of a login left is then
# mostly authentication, what (i)-(iii) differ in.
use_processes() {
	cp "$T/local.conf.debian" "$T/root/etc/dovecot/local.conf"
	[ "$1" = reused ] || return 0
	cat >>"$T/root/etc/dovecot/local.conf" <<CONF
service imap-login {
  service_count = 0
  process_min_avail = $(nproc)
}
service imap {
  service_count = 0
  process_min_avail = $clients
}
CONF
}

mailbox() { echo "bench$1@example.com"; }
password() { echo "Bench pass $1"; }
for i in $(seq 0 $((mailboxes - 1))); do
	password "$i" | MAILSEC_CONFIG=$T/files.conf "$MAILSECCTL" add "$(mailbox "$i")" \
		>/dev/null || { echo "imap_rate: mailsecctl add failed" >&2; exit 1; }
	echo "$(mailbox "$i") $(password "$i")"
	sed -n 's/^password = "\(.*\)";$/\1/p' "$T/users/$(mailbox "$i").conf" \
		>"$T/yescrypt.$i"
done >"$T/users.txt"

# set_hash sha256|yescrypt: every record's password hash, and passwd-file's
# the same string. yescrypt: mailsecctl's (libxcrypt's default, as made);
# sha256: $5$rounds=1000$, the hash of the in-process bench's (a).
set_hash() {
	local i name hash
	for i in $(seq 0 $((mailboxes - 1))); do
		name=$(mailbox "$i")
		if [ "$1" = sha256 ]; then
			hash=$(password "$i" | "$PYTHON" -W ignore -c 'import crypt, sys
salt = crypt.mksalt(crypt.METHOD_SHA256)[3:]
print(crypt.crypt(sys.stdin.readline().rstrip("\n"), "$5$rounds=1000$" + salt))')
		else
			hash=$(cat "$T/yescrypt.$i")
		fi
		sed -i "s|^password = \".*\";\$|password = \"$hash\";|" "$T/users/$name.conf"
		echo "$name:{CRYPT}$hash::::::"
	done >"$T/passwd"
	# Read by the auth process, which runs as dovecot.
	chown root:dovecot "$T/passwd" && chmod 640 "$T/passwd"
}

# --- the database: the same records, imported ---
pg_conf=$T/pg.conf
pg_setup() {
	local sock
	[ -n "$pg_driver" ] || return 1
	sock=$("$top_srcdir/tests/support/pg-cluster" start "$T/pg") || return 1
	# users_dir and state_dir: the files db import reads.
	cat >"$pg_conf" <<CONF
users_dir = "$T/users";
state_dir = "$T/state";
store = "postgresql";
postgresql = {
  conninfo = "host=$sock dbname=mailsec user=mailsec_module";
  admin_conninfo = "host=$sock dbname=mailsec user=mailsec_admin";
  driver = "$pg_driver";
  module_role = "mailsec_module";
};
CONF
	MAILSEC_CONFIG=$pg_conf "$MAILSECCTL" db init >/dev/null
}
# pg_import: the file store's mailboxes into the database, over its own.
pg_import() {
	MAILSEC_CONFIG=$pg_conf "$MAILSECCTL" db import --replace >/dev/null
}

# --- one row ---
dovecot_stop() { stop_pid "$T/run/master.pid"; rm -f "$T/run/master.pid"; }

# use_passdb pam|passwd-file [CONFIG]: Dovecot's passdb, and the stacks'
# mailsec.conf.
use_passdb() {
	if [ "$1" = passwd-file ]; then
		sed -e 's/^\( *driver = \)pam$/\1passwd-file/' \
			-e "s|^\\( *args = \\)%{if;.*|\\1scheme=CRYPT $T/passwd|" \
			"$T/90-mailsec.conf.pam" >"$passdb_conf"
	else
		cp "$T/90-mailsec.conf.pam" "$passdb_conf"
		sed -i "s|config=[^ ]*|config=$2|" "$T"/root/etc/pam.d/*
	fi
}

failed_rows=0 ceiling=
# row LABEL: Dovecot started afresh, one untimed second, then the run.
row() {
	local label=$1 out rc
	dovecot_start "$T" || { echo "imap_rate: dovecot did not start" >&2; return 1; }
	"$PYTHON" "$top_srcdir/tests/bench/imap_rate.py" --clients "$clients" \
		--seconds 1 "$IMAP" "$T/users.txt" >/dev/null 2>&1
	out=$("$PYTHON" "$top_srcdir/tests/bench/imap_rate.py" --clients "$clients" \
		--seconds "$seconds" "$IMAP" "$T/users.txt")
	rc=$?
	dovecot_stop
	# logins OK FAIL seconds WALL rate R p50 MS p99 MS
	# shellcheck disable=SC2086 # the words of that one line
	set -- $out
	if [ $# -ne 11 ]; then
		printf '%-42s did not run (imap_rate.py failed)\n' "$label"
		failed_rows=$((failed_rows + 1))
		return 0
	fi
	if [ "$rc" != 0 ]; then
		failed_rows=$((failed_rows + 1))
		grep -i 'error\|fatal\|warn' "$T/dovecot.log" | tail -n 3 >&2
	fi
	[ -n "$ceiling" ] || ceiling=$7
	printf '%-42s %3s %7s %5s %9.0f %7s %7.1f %7.1f\n' "$label" "$clients" \
		"$2" "$3" "$7" "$(awk -v r="$7" -v c="$ceiling" \
			'BEGIN { printf "%.2f", (c > 0 ? r / c : 0) }')" "$9" "${11}"
}

rows() {
	printf '%-42s %3s %7s %5s %9s %7s %7s %7s\n' row clients ok fail \
		logins/s ratio "p50 ms" "p99 ms"
	use_passdb passwd-file
	row "(i)   passwd-file, no PAM (the ceiling)" || exit 1
	use_passdb pam "$T/files.conf"
	row "(ii)  PAM, pam_mailsec on files" || exit 1
	if [ -z "$pg_ready" ]; then
		printf '%-42s skipped: %s\n' "(iii) PAM, pam_mailsec on PostgreSQL" "$pg_why"
	elif ! pg_import; then
		printf '%-42s skipped: %s\n' "(iii) PAM, pam_mailsec on PostgreSQL" \
			"mailsecctl db import failed"
		failed_rows=$((failed_rows + 1))
	else
		use_passdb pam "$pg_conf"
		row "(iii) PAM, pam_mailsec on PostgreSQL" || exit 1
	fi
}

echo "IMAP LOGIN + LOGOUT through Dovecot $(dovecot --version | cut -d' ' -f1)" \
	"on 127.0.0.1:$IMAP, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg):"
echo "  $clients clients, $seconds s a row, one connection a login, $mailboxes mailboxes" \
	"in turn, 2FA off"
pg_ready=
if [ -z "$pg_driver" ]; then
	pg_why="no MAILSEC_PG_DRIVER (configure --with-postgresql)"
elif pg_setup; then
	pg_ready=1
else
	pg_why="the database could not be made (pg-cluster, mailsecctl db init)"
fi
for mode in $modes; do
	use_processes "$mode"
	for hash in $hashes; do
		set_hash "$hash"
		ceiling=
		echo
		echo "== processes: $mode; password hash: $hash =="
		rows
	done
done
[ "$failed_rows" = 0 ]
