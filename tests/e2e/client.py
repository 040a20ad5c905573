#!/usr/bin/env python3
"""One login with a real client library, from a chosen 127.0.0.x source.

usage: client.py [options] imap|pop3|smtp|send SOURCE PORT USER [RHOST]
       client.py [options] deliver SOURCE PORT RECIPIENT
       client.py [options] --service SERVICE auth SOURCE SOCKET USER [RHOST]
The password comes on stdin (one line). With RHOST (IMAP and auth), the
login passes on RHOST as the client's address: an IMAP
ID ("x-originating-ip" RHOST) before LOGIN, as a webmail does.
"send" relays one envelope without SMTP AUTH, as the webmail does on its
trusted listener. "deliver" sends one message to RECIPIENT without
SMTP AUTH, as another mail server does on port 25. "auth" asks Dovecot's auth socket SOCKET directly, as
Postfix does, for the PAM service SERVICE (SOURCE is not used).
Without --tls, IMAP, POP3 and SMTP switch to TLS with STARTTLS where the
server offers it, as mail clients do (Dovecot takes no password in clear
from another address; Postfix's submission service offers AUTH only
then); that server's certificate is not checked unless --ca is given.
Options: --host HOST (default 127.0.0.1); --tls (TLS from the first byte,
the server's certificate checked against --ca and HOST); --cert PEM and
--key PEM: the client certificate; --timeout SECONDS (default 20).
--hold (imap, pop3): once logged in, stay connected (IMAP: in IDLE on
INBOX), print "held" on stdout, and wait for the server to end the
connection: then print "closed TIME" (seconds since 1970, as date +%s.%N)
and exit 0; exit 3 when it is still open after --timeout seconds.
Exit 0: logged in (IMAP: and opened INBOX; sent); 1: refused (a login or a recipient refused, a
TLS handshake or a connection the server ended or never answered, a
socket it did not let us open); 2: anything else.
"""
import argparse
import base64
import imaplib
import os
import poplib
import smtplib
import socket
import ssl
import sys
import time


class StillOpen(Exception):
    """--hold: the server did not end the connection in time."""


def hold(readline):
    """Waits for the server to close the connection (a BYE, then EOF)."""
    print("held", flush=True)
    try:
        while readline():
            pass
    except socket.timeout:
        raise StillOpen()
    except (ConnectionResetError, ssl.SSLError):
        pass
    print("closed %.3f" % time.time(), flush=True)
    return 0


class Refused(Exception):
    """The server (or the socket's permissions) said no."""


def tls_context(options):
    context = ssl.create_default_context(cafile=options.ca)
    if not options.tls and not options.ca:  # STARTTLS to a host certificate
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if options.cert:
        context.load_cert_chain(options.cert, options.key)
    return context


def connect(options, port):
    sock = socket.create_connection((options.host, port),
                                    timeout=options.timeout,
                                    source_address=(options.source, 0))
    if not options.tls:
        return sock
    return tls_context(options).wrap_socket(sock,
                                            server_hostname=options.host)


class IMAP(imaplib.IMAP4):
    def __init__(self, options, port):
        self.options = options
        super().__init__(options.host, port, timeout=options.timeout)

    def _create_socket(self, timeout):
        return connect(self.options, self.port)


class POP3(poplib.POP3):
    def __init__(self, options, port):
        self.options = options
        super().__init__(options.host, port, timeout=options.timeout)

    def _create_socket(self, timeout):
        return connect(self.options, self.port)


class SMTP(smtplib.SMTP):
    def __init__(self, options, port):
        self.options = options
        super().__init__(options.host, port, timeout=options.timeout)

    def _get_socket(self, host, port, timeout):
        return connect(self.options, port)


def imap(options, password):
    client = IMAP(options, int(options.port))
    if not options.tls and "STARTTLS" in client.capabilities:
        client.starttls(tls_context(options))
    if options.rhost:
        client.xatom("ID", '("x-originating-ip" "%s")' % options.rhost)
    try:
        client.login(options.user, password)
    except imaplib.IMAP4.error:
        return 1
    # A mailbox the server cannot open (no userdb, no mail_location) still
    # answers LOGIN with OK: only opening INBOX shows it.
    kind, answer = client.select("INBOX")
    if kind != "OK":
        raise RuntimeError("SELECT INBOX: %s" % answer)
    if options.hold:
        client.send(b"h1 IDLE\r\n")
        line = client.readline()
        if not line.startswith(b"+"):
            raise RuntimeError("IDLE: %r" % line)
        return hold(client.readline)
    client.logout()
    return 0


def pop3(options, password):
    client = POP3(options, int(options.port))
    if not options.tls and "STLS" in client.capa():
        client.stls(tls_context(options))
    try:
        client.user(options.user)
        client.pass_(password)
    except poplib.error_proto:
        return 1
    if options.hold:
        return hold(client.file.readline)
    client.quit()
    return 0


def smtp_session(options, name):
    client = SMTP(options, int(options.port))
    client.ehlo(name)
    if not options.tls and client.has_extn("starttls"):
        client.starttls(context=tls_context(options))
        client.ehlo(name)
    return client


def smtp(options, password):
    client = smtp_session(options, "client.test")
    try:
        client.login(options.user, password)
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError):
        return 1
    client.quit()
    return 0


def send(options, password):
    """0 when the recipient (another domain: a relay) is accepted."""
    client = smtp_session(options, "webmail.test")
    code, _ = client.mail(options.user)
    if code == 250:
        code, _ = client.rcpt("someone@example.org")
    client.rset()
    client.quit()
    return 0 if code == 250 else 1


def deliver(options, password):
    """0 when the message to USER (the recipient) is accepted."""
    client = smtp_session(options, "mx.example.org")
    message = ("From: someone@example.org\r\nTo: %s\r\n"
               "Subject: inbound\r\n\r\nHello.\r\n" % options.user)
    try:
        client.sendmail("someone@example.org", [options.user], message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError):
        return 1
    client.quit()
    return 0


def auth(options, password):
    """One PLAIN request in Dovecot's auth client protocol."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(options.timeout)
    try:
        sock.connect(options.port)
    except PermissionError as error:
        raise Refused(error)
    stream = sock.makefile("rw", newline="\n")
    stream.write("VERSION\t1\t2\nCPID\t%d\n" % os.getpid())
    stream.flush()
    for line in stream:
        if line.startswith("DONE"):
            break
    plain = base64.b64encode(("\0%s\0%s" % (options.user, password)).encode())
    fields = ["AUTH", "1", "PLAIN", "service=" + options.service, "secured",
              "resp=" + plain.decode()]
    if options.rhost:
        fields.insert(4, "rip=" + options.rhost)
    stream.write("\t".join(fields) + "\n")
    stream.flush()
    answer = stream.readline()
    return 0 if answer.startswith("OK\t") else 1


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--service", default="smtp")
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("protocol",
                        choices=["imap", "pop3", "smtp", "send", "deliver",
                                 "auth"])
    parser.add_argument("source")
    parser.add_argument("port")
    parser.add_argument("user")
    parser.add_argument("rhost", nargs="?")
    return parser.parse_args(argv)


def main(argv):
    options = parse(argv[1:])
    password = sys.stdin.readline().rstrip("\n")
    login = {"imap": imap, "pop3": pop3, "smtp": smtp, "send": send,
             "deliver": deliver, "auth": auth}[options.protocol]
    try:
        return login(options, password)
    except StillOpen:
        print("client.py: %s: still open after %g s" %
              (options.protocol, options.timeout), file=sys.stderr)
        return 3
    except ssl.SSLCertVerificationError as error:  # ours, not the server's
        print("client.py: %s: %s" % (options.protocol, error),
              file=sys.stderr)
        return 2
    except (Refused, ssl.SSLError, socket.timeout, ConnectionResetError,
            smtplib.SMTPResponseException, smtplib.SMTPServerDisconnected,
            imaplib.IMAP4.abort, EOFError) as error:
        print("client.py: %s: refused: %s" % (options.protocol, error),
              file=sys.stderr)
        return 1
    except Exception as error:  # a broken server is not a refusal
        print("client.py: %s: %s" % (options.protocol, error),
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
