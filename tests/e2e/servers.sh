# Dovecot and Postfix as Debian 12 installs them, wired by conf/wire-debian
# (the administrator's steps, nothing else), in a private directory T, with
# PAM from T/root/etc/pam.d through pam_wrapper (never /etc/pam.d).
#
# T/root stands for the system's /: Debian's default Dovecot configuration
# (/usr/share/dovecot, which dovecot-core's postinst copies to
# /etc/dovecot), Postfix's main.cf as "dpkg-reconfigure postfix" (Internet
# Site) writes it and the package's master.cf (debian_defaults). Then
# conf/wire-debian T/root. After that only this changes, so that a run
# never meets a real install on this host:
#  - ports and addresses (localize): every listener on a port of the
#    tests' own (below), the webmail's address 127.0.0.3 for 127.0.0.2;
#  - paths (localize): /etc/dovecot, /etc/postfix's files, /etc/mailsec,
#    /etc/aliases, the host certificate, /var/spool/postfix, /var/vmail
#    and /var/mail under T/root;
#  - the PAM stacks' module path and config=, if any (mailsec_pam_stacks);
#  - the test-only settings, the whole list: dovecot_test_conf and
#    postfix_test_conf.
# Sourced by tests/e2e/test_e2e.sh, test_webmail.sh and tests/demo; needs
# top_srcdir.

# The tests' own ports: never those of a real install (143, 993, 110, 995,
# 25, 587, and the webmail's 10143 and 10587).
IMAP=11143 IMAPS=11993 POP3=11110 POP3S=11995 SMTP=11025 SUBMISSION=11587
WEBMAIL_HOST=127.0.0.3 WEBMAIL=12143 WEBMAIL_SMTP=12587
# The webmail's address and listeners as conf/dovecot/90-mailsec.conf and
# conf/postfix/master.cf have them.
webmail_listener() {
	sed -n "/inet_listener webmail {/,/}/s/^ *$1 = //p" \
		"$top_srcdir/conf/dovecot/90-mailsec.conf"
}
SHIPPED_WEBMAIL_HOST=$(webmail_listener address)
SHIPPED_WEBMAIL=$(webmail_listener port)
SHIPPED_WEBMAIL_SMTP=$(sed -n "s/^$SHIPPED_WEBMAIL_HOST:\([0-9]*\)  *inet .*/\1/p" \
	"$top_srcdir/conf/postfix/master.cf")
PAM_WRAPPER_SO=$(ls /usr/lib/*/libpam_wrapper.so 2>/dev/null | head -n 1)

# wait_port [HOST:]PORT (HOST 127.0.0.1 unless given)
wait_port() {
	local host=127.0.0.1 port=$1
	case $1 in *:*) host=${1%:*} port=${1##*:} ;; esac
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
		sleep 0.2
	done
	echo "$host:$port never opened" >&2
	return 1
}

# ports_free [HOST:]PORT...: refuse to start beside something already
# listening (another run).
ports_free() {
	local host port
	for port in "$@"; do
		host=127.0.0.1
		case $port in *:*) host=${port%:*} port=${port##*:} ;; esac
		if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
			echo "$host:$port is already in use" >&2
			return 1
		fi
	done
}

# debian_defaults R: what the packages leave in R = T/root, and what
# "dpkg-reconfigure postfix" writes for "Internet Site" (its postinst:
# main.cf.debian, main.cf.tls, then postconf), with the mail name
# mail.test. A self-signed host certificate stands for ssl-cert's
# snakeoil one, which Debian's 10-ssl.conf (through dovecot.pem) and
# main.cf.tls name.
debian_defaults() {
	local r=$1
	mkdir -p "$r/etc/pam.d" "$r/etc/dovecot/private" "$r/etc/postfix" \
		"$r/etc/ssl/certs" "$r/etc/ssl/private" "$r/var/spool/postfix" "$r/var/mail"
	cp /usr/share/dovecot/dovecot.conf "$r/etc/dovecot/"
	cp -r /usr/share/dovecot/conf.d "$r/etc/dovecot/"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mail.test \
		-keyout "$r/etc/ssl/private/ssl-cert-snakeoil.key" \
		-out "$r/etc/ssl/certs/ssl-cert-snakeoil.pem" 2>/dev/null || return 1
	ln -s "$r/etc/ssl/certs/ssl-cert-snakeoil.pem" "$r/etc/dovecot/private/dovecot.pem"
	ln -s "$r/etc/ssl/private/ssl-cert-snakeoil.key" "$r/etc/dovecot/private/dovecot.key"
	cp /usr/share/postfix/master.cf.dist "$r/etc/postfix/master.cf"
	cat /usr/share/postfix/main.cf.debian /usr/share/postfix/main.cf.tls \
		>"$r/etc/postfix/main.cf"
	cp /etc/aliases "$r/etc/aliases"
	postconf -c "$r/etc/postfix" -e \
		"smtpd_relay_restrictions=permit_mynetworks permit_sasl_authenticated defer_unauth_destination" \
		myhostname=mail.test alias_maps=hash:/etc/aliases \
		alias_database=hash:/etc/aliases \
		"mydestination=\$myhostname, mail.test, localhost.localdomain, localhost" \
		relayhost= "mynetworks=127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128" \
		mailbox_size_limit=0 recipient_delimiter=+ inet_interfaces=all \
		inet_protocols=all
}

# localize R FILE...: the tests' ports, addresses and paths in FILEs.
localize() {
	local r=$1
	shift
	sed -i -e "s|$SHIPPED_WEBMAIL_HOST:$SHIPPED_WEBMAIL_SMTP |$WEBMAIL_HOST:$WEBMAIL_SMTP |" \
		-e "s|port = $SHIPPED_WEBMAIL\$|port = $WEBMAIL|" \
		-e "s|${SHIPPED_WEBMAIL_HOST//./\\.}|$WEBMAIL_HOST|g" \
		-e "s|^smtp\( *\)inet |127.0.0.1:$SMTP\1inet |" \
		-e "s|^submission inet |127.0.0.1:$SUBMISSION inet |" \
		-e "s#\(^\|[ <=:]\)\(/etc/dovecot/\|/etc/mailsec/\|/etc/aliases\|/etc/ssl/[a-z]*/ssl-cert-snakeoil\|/var/spool/postfix\|/var/vmail\)#\1$r\2#g" \
		"$@"
}

# mailsec_pam_stacks R MODULE CONFIG [SESSION]: the stacks conf/wire-debian
# put in R/etc/pam.d with the module's path and config= filled in (none
# for an empty CONFIG: the module's own, the system's mailsec.conf), and
# the webmail session length, if given.
mailsec_pam_stacks() {
	local stack
	for stack in "$1"/etc/pam.d/*; do
		sed -i -e "s|pam_mailsec\.so|$2${3:+ config=$3}|" \
		    ${4:+-e "s/session=[0-9]*/session=$4/"} "$stack"
	done
}

# The test-only settings of Dovecot, in the local.conf that Debian's
# dovecot.conf includes last: this run's own directories, log and
# listeners (Debian's listen = *, :: and the default ports would meet a
# real install), PAM through pam_wrapper, and refusals at once (Debian
# waits 2 s after each; speed only).
dovecot_test_conf() {
	cat <<CONF
base_dir = $1/run
state_dir = $1/run/state
log_path = $1/dovecot.log
listen = 127.0.0.1, $WEBMAIL_HOST
service imap-login {
  inet_listener imap {
    port = $IMAP
  }
  inet_listener imaps {
    port = $IMAPS
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3
  }
  inet_listener pop3s {
    port = $POP3S
  }
}
service auth-worker {
  executable = /usr/bin/env LD_PRELOAD=$PAM_WRAPPER_SO PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$1/root/etc/pam.d /usr/lib/dovecot/auth -w
}
auth_failure_delay = 0
CONF
}

# The test-only settings of Postfix: this run's own queue, data directory,
# log and local mailboxes (Debian's are /var/spool/postfix, /var/lib/postfix,
# syslog and /var/mail).
postfix_test_conf() {
	postconf -c "$1/root/etc/postfix" -e \
		"queue_directory=$1/root/var/spool/postfix" \
		"data_directory=$1/postfix-data" \
		"maillog_file=$1/postfix.log" "maillog_file_prefixes=$1" \
		"mail_spool_directory=$1/root/var/mail"
}

# servers_setup T MODULE CONFIG [SESSION]: T/root as Debian installs it,
# wired by conf/wire-debian, with the tests' ports, addresses and paths,
# and the PAM stacks of MODULE with CONFIG (empty: the system's). The user vmail is made on this
# host if missing (servers_remove deletes it again).
servers_setup() {
	local t=$1 r=$1/root
	mkdir -p "$t/postfix-data" && chown postfix "$t/postfix-data"
	debian_defaults "$r" || return 1
	id vmail >/dev/null 2>&1 || touch "$t/made-vmail"
	MAILSEC_WEBMAIL_ADDRESS=$WEBMAIL_HOST "$top_srcdir/conf/wire-debian" "$r" >/dev/null ||
		return 1
	localize "$r" "$r/etc/dovecot/conf.d/90-mailsec.conf" \
		"$r/etc/dovecot/conf.d/10-ssl.conf" \
		"$r/etc/postfix/main.cf" "$r/etc/postfix/master.cf"
	mailsec_pam_stacks "$r" "${@:2}"
	dovecot_test_conf "$t" >"$r/etc/dovecot/local.conf"
	postfix_test_conf "$t"
	postalias -c "$r/etc/postfix" "hash:$r/etc/aliases"
	# The queue's directories, as the package's install makes them (the
	# auth-postfix socket goes into private/ before Postfix starts).
	postfix -c "$r/etc/postfix" check >/dev/null 2>&1 || return 1
}

# maildir T MAILBOX: where Dovecot keeps MAILBOX's mail (conf/dovecot/
# 90-mailsec.conf's userdb and mail_location).
maildir() {
	local mailbox=$2
	echo "$1/root/var/vmail/${mailbox#*@}/${mailbox%@*}/Maildir"
}

# dovecot_start T: IMAP on $IMAP, POP3 on $POP3 (127.0.0.1 and
# $WEBMAIL_HOST) and the webmail listener on $WEBMAIL_HOST:$WEBMAIL
# (servers_setup first).
dovecot_start() {
	ports_free "$IMAP" "$POP3" "$IMAPS" "$POP3S" "$WEBMAIL_HOST:$IMAP" \
		"$WEBMAIL_HOST:$POP3" "$WEBMAIL_HOST:$WEBMAIL" || return 1
	# Its daemons must not keep the caller's stdout open (a pipe would
	# never close while they run).
	dovecot -c "$1/root/etc/dovecot/dovecot.conf" </dev/null \
		>>"$1/dovecot-start.log" 2>&1 ||
		{ cat "$1/dovecot-start.log" >&2; return 1; }
	wait_port "$IMAP" && wait_port "$POP3" && wait_port "$WEBMAIL_HOST:$WEBMAIL"
}

# postfix_start T: port 25's smtpd on $SMTP, SMTP AUTH on $SUBMISSION
# through Dovecot (start it first), the webmail's trusted listener on
# $WEBMAIL_HOST:$WEBMAIL_SMTP.
postfix_start() {
	ports_free "$SMTP" "$SUBMISSION" "$WEBMAIL_HOST:$WEBMAIL_SMTP" || return 1
	postfix -c "$1/root/etc/postfix" start >>"$1/postfix-start.log" 2>&1 ||
		{ cat "$1/postfix-start.log" >&2; return 1; }
	wait_port "$SMTP" && wait_port "$SUBMISSION" &&
		wait_port "$WEBMAIL_HOST:$WEBMAIL_SMTP"
}

# stop_pid FILE: TERM the daemon whose pid FILE holds, and wait for it.
stop_pid() {
	local pid
	[ -f "$1" ] && pid=$(cat "$1") || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null
}

# servers_stop T: Postfix before Dovecot, whatever was started.
servers_stop() {
	stop_pid "$1/root/var/spool/postfix/pid/master.pid"
	stop_pid "$1/run/master.pid"
}

# servers_remove T: servers_stop, then T, and vmail if servers_setup made it.
servers_remove() {
	servers_stop "$1"
	if [ -f "$1/made-vmail" ]; then
		userdel vmail 2>/dev/null
	fi
	rm -rf "$1"
}
