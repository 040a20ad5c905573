#!/usr/bin/env python3
"""One login with a real client library, from a chosen 127.0.0.x source.

usage: client.py imap|pop3|smtp SOURCE PORT USER [RHOST]
The password comes on stdin (one line). With RHOST (IMAP only), an
ID ("x-originating-ip" RHOST) is sent before LOGIN, as a webmail does.
Exit 0: logged in; 1: authentication refused; 2: anything else.
"""
import imaplib
import poplib
import smtplib
import socket
import sys


def connect(source, port):
    return socket.create_connection(("127.0.0.1", port), timeout=20,
                                    source_address=(source, 0))


class IMAP(imaplib.IMAP4):
    def __init__(self, source, port):
        self.source = source
        super().__init__("127.0.0.1", port, timeout=20)

    def _create_socket(self, timeout):
        return connect(self.source, self.port)


class POP3(poplib.POP3):
    def __init__(self, source, port):
        self.source = source
        super().__init__("127.0.0.1", port, timeout=20)

    def _create_socket(self, timeout):
        return connect(self.source, self.port)


def imap(source, port, user, password, rhost):
    client = IMAP(source, port)
    if rhost:
        client.xatom("ID", '("x-originating-ip" "%s")' % rhost)
    try:
        client.login(user, password)
    except imaplib.IMAP4.error:
        return 1
    client.logout()
    return 0


def pop3(source, port, user, password, rhost):
    client = POP3(source, port)
    try:
        client.user(user)
        client.pass_(password)
    except poplib.error_proto:
        return 1
    client.quit()
    return 0


def smtp(source, port, user, password, rhost):
    client = smtplib.SMTP("127.0.0.1", port, timeout=20,
                          source_address=(source, 0))
    client.ehlo("client.test")
    try:
        client.login(user, password)
    except smtplib.SMTPAuthenticationError:
        return 1
    client.quit()
    return 0


def send(source, port, user, password, rhost):
    """Relays one message envelope without SMTP AUTH, as the webmail does
    on its trusted listener: 0 when the recipient is accepted."""
    client = smtplib.SMTP("127.0.0.1", port, timeout=20,
                          source_address=(source, 0))
    client.ehlo("webmail.test")
    client.mail(user)
    code, _ = client.rcpt("someone@example.org")
    client.rset()
    client.quit()
    return 0 if code == 250 else 1


def main(argv):
    protocol, source, port, user = argv[1:5]
    rhost = argv[5] if len(argv) > 5 else None
    password = sys.stdin.readline().rstrip("\n")
    login = {"imap": imap, "pop3": pop3, "smtp": smtp, "send": send}[protocol]
    try:
        return login(source, int(port), user, password, rhost)
    except Exception as error:  # a broken server is not a refusal
        print("client.py: %s: %s" % (protocol, error), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
