# Dovecot and Postfix on 127.0.0.1 around conf/'s snippets, in a private
# directory T, with PAM from T/pam.d through pam_wrapper (never /etc/pam.d).
# The webmail's two listeners are conf/'s, on 127.0.0.2 with TLS and the
# certificates of conf/tls/mailsec-webmail-certs in T/tls (the snippets'
# /etc/mailsec/tls/ is the only thing changed in them).
# Sourced by tests/e2e/test_e2e.sh and tests/demo; needs top_srcdir.

IMAP=11143 POP3=11110 SUBMISSION=587
# The webmail's listeners as conf/dovecot/90-mailsec.conf and
# conf/postfix/master.cf have them.
webmail_listener() {
	sed -n "/inet_listener webmail {/,/}/s/^ *$1 = //p" \
		"$top_srcdir/conf/dovecot/90-mailsec.conf"
}
WEBMAIL_HOST=$(webmail_listener address) WEBMAIL=$(webmail_listener port)
WEBMAIL_SMTP=$(sed -n "s/^$WEBMAIL_HOST:\([0-9]*\)  *inet .*/\1/p" \
	"$top_srcdir/conf/postfix/master.cf")
PAM_WRAPPER_SO=$(ls /usr/lib/*/libpam_wrapper.so 2>/dev/null | head -n 1)

# mailsec_pam_stacks T MODULE CONFIG [SESSION]: conf/pam.d with the module's
# path and config= filled in (and the webmail session length, if given).
mailsec_pam_stacks() {
	mkdir -p "$1/pam.d"
	for stack in "$top_srcdir"/conf/pam.d/*; do
		sed -e "s|pam_mailsec\.so|$2 config=$3|" \
		    ${4:+-e "s/session=[0-9]*/session=$4/"} \
		    "$stack" >"$1/pam.d/$(basename "$stack")"
	done
}

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

# conf_paths T FILE: a conf/ snippet with its certificate directory in T.
conf_paths() {
	sed -e "s|/etc/mailsec/tls/|$1/tls/|g" "$2"
}

# webmail_certs T: the webmail's CA, the listeners' and the webmail's
# certificates in T/tls, by the shipped script; the webmail's key is
# www-data's (Roundcube's PHP user).
webmail_certs() {
	"$top_srcdir/conf/tls/mailsec-webmail-certs" "$1/tls" init "$WEBMAIL_HOST" \
		-u www-data >/dev/null
}

dovecot_conf() {
	cat <<CONF
base_dir = $1/run
state_dir = $1/run/state
log_path = $1/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
# As Debian's 10-ssl.conf: TLS on, with a host certificate (here the one
# of the webmail's listener). Without it Dovecot opens no TLS listener.
ssl = yes
ssl_cert = <$1/tls/server.pem
ssl_key = <$1/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:$1/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 100
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$1/mail/%u
}
# The mail clients' listeners answer on the webmail's address too, as
# with Debian's listen = *.
service imap-login {
  inet_listener imap {
    address = 127.0.0.1, $WEBMAIL_HOST
    port = $IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1, $WEBMAIL_HOST
    port = $POP3
  }
  inet_listener pop3s {
    port = 0
  }
}
# PAM from T/pam.d, not /etc/pam.d.
service auth-worker {
  executable = /usr/bin/env LD_PRELOAD=$PAM_WRAPPER_SO PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$1/pam.d /usr/lib/dovecot/auth -w
}
!include $1/90-mailsec.conf
CONF
}

# dovecot_start T: IMAP on $IMAP, POP3 on $POP3 (127.0.0.1 and
# $WEBMAIL_HOST) and the webmail listener of conf/dovecot/90-mailsec.conf
# on $WEBMAIL_HOST:$WEBMAIL (webmail_certs first).
dovecot_start() {
	ports_free "$IMAP" "$POP3" "$WEBMAIL_HOST:$IMAP" "$WEBMAIL_HOST:$POP3" \
		"$WEBMAIL_HOST:$WEBMAIL" || return 1
	mkdir -p "$1/mail" && chown dovecot:dovecot "$1/mail"
	conf_paths "$1" "$top_srcdir/conf/dovecot/90-mailsec.conf" >"$1/90-mailsec.conf"
	dovecot_conf "$1" >"$1/dovecot.conf"
	# Its daemons must not keep the caller's stdout open (a pipe would
	# never close while they run).
	dovecot -c "$1/dovecot.conf" </dev/null >>"$1/dovecot-start.log" 2>&1 ||
		{ cat "$1/dovecot-start.log" >&2; return 1; }
	wait_port "$IMAP" && wait_port "$POP3" && wait_port "$WEBMAIL_HOST:$WEBMAIL"
}

# Postfix's own daemons, then conf/postfix/master.cf's listeners.
postfix_master_cf() {
	local service
	for service in "pickup unix n - n 60 1 pickup" "cleanup unix n - n - 0 cleanup" \
		"qmgr unix n - n 300 1 qmgr" "rewrite unix - - n - - trivial-rewrite" \
		"bounce unix - - n - 0 bounce" "defer unix - - n - 0 bounce" \
		"trace unix - - n - 0 bounce" "verify unix - - n - 1 verify" \
		"proxymap unix - - n - - proxymap" "smtp unix - - n - - smtp" \
		"showq unix n - n - - showq" "error unix - - n - - error" \
		"retry unix - - n - - error" "discard unix - - n - - discard" \
		"local unix - n n - - local" "anvil unix - - n - 1 anvil" \
		"scache unix - - n - 1 scache" "tlsmgr unix - - n 1000? 1 tlsmgr" \
		"postlog unix-dgram n - n - 1 postlogd"; do
		echo "$service"
	done
	conf_paths "$1" "$top_srcdir/conf/postfix/master.cf"
}

# Instance settings, conf/postfix/main.cf, and the path of Dovecot's socket.
postfix_main_cf() {
	cat <<CONF
compatibility_level = 3.6
queue_directory = $1/spool
data_directory = $1/pfdata
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.test
mydestination = mail.test
maillog_file = $1/postfix.log
maillog_file_prefixes = $1
CONF
	cat "$top_srcdir/conf/postfix/main.cf"
	echo "smtpd_sasl_path = $1/run/auth-postfix"
}

# postfix_start T: SMTP AUTH on $SUBMISSION through Dovecot (start it
# first), the webmail's trusted listener on $WEBMAIL_HOST:$WEBMAIL_SMTP.
postfix_start() {
	ports_free "$SUBMISSION" "$WEBMAIL_HOST:$WEBMAIL_SMTP" || return 1
	mkdir -p "$1/postfix" "$1/spool" "$1/pfdata"
	chown postfix "$1/pfdata"
	postfix_main_cf "$1" >"$1/postfix/main.cf"
	postfix_master_cf "$1" >"$1/postfix/master.cf"
	postfix -c "$1/postfix" start >/dev/null 2>&1 &&
		wait_port "$SUBMISSION" && wait_port "$WEBMAIL_HOST:$WEBMAIL_SMTP"
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
	stop_pid "$1/spool/pid/master.pid"
	stop_pid "$1/run/master.pid"
}
