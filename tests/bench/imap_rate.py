#!/usr/bin/env python3
"""IMAP LOGIN + LOGOUT as fast as it goes, from N client processes at once.

usage: imap_rate.py [--host HOST] [--clients N] [--seconds S] PORT USERS

USERS is a file of "MAILBOX PASSWORD" lines. Client k logs in as the
mailboxes k, k+N, k+2N, ... in turn: one connection a login (connect,
greeting, LOGIN, LOGOUT, close), in plain text from the server's own
address, so that TLS costs nothing here. For S seconds, then one line:

    logins OK FAIL seconds WALL rate PER_SECOND p50 MS p99 MS

PER_SECOND counts successful logins by the wall clock; p50 and p99 are of
one whole connection, in milliseconds. Exit 0 when every login succeeded,
1 when some failed (the first refusal is printed on stderr), 2 on usage.
"""
import argparse
import multiprocessing
import socket
import sys
import time


def read_tagged(sock_file, tag):
    """Lines until the one of `tag`; its status word (OK, NO, BAD)."""
    while True:
        line = sock_file.readline()
        if not line:
            raise ConnectionError("connection closed")
        if line.startswith(tag + b" "):
            return line.split(b" ", 2)[1], line


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def one_login(host, port, user, password):
    """None when logged in and out, else what the server said."""
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock_file = sock.makefile("rb")
        if not sock_file.readline().startswith(b"* OK"):
            return "no greeting"
        sock.sendall(("a LOGIN %s %s\r\n" % (quoted(user), quoted(password)))
                     .encode())
        status, line = read_tagged(sock_file, b"a")
        if status != b"OK":
            return line.decode(errors="replace").strip()
        sock.sendall(b"b LOGOUT\r\n")
        read_tagged(sock_file, b"b")
    return None


def client(args, users, k, start, results):
    mine = users[k::args.clients] or users
    ok = fail = 0
    first_error = None
    latencies = []
    while time.time() < start:
        time.sleep(0.001)
    deadline = start + args.seconds
    i = 0
    while time.time() < deadline:
        user, password = mine[i % len(mine)]
        i += 1
        t0 = time.monotonic()
        try:
            error = one_login(args.host, args.port, user, password)
        except OSError as e:
            error = "%s: %s" % (type(e).__name__, e)
        latencies.append(time.monotonic() - t0)
        if error is None:
            ok += 1
        else:
            fail += 1
            first_error = first_error or "%s: %s" % (user, error)
    results.put((ok, fail, first_error, latencies, time.time()))


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    rank = max(1, int(-(-p * len(sorted_values) // 100)))
    return sorted_values[rank - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("port", type=int)
    parser.add_argument("users")
    args = parser.parse_args()
    with open(args.users) as f:
        users = [tuple(line.split(None, 1)) for line in f.read().splitlines()
                 if line.strip()]
    if not users or args.clients < 1 or args.seconds <= 0:
        parser.print_usage(sys.stderr)
        return 2
    results = multiprocessing.Queue()
    start = time.time() + 0.3  # every client started, then all at once
    procs = [multiprocessing.Process(target=client,
                                     args=(args, users, k, start, results))
             for k in range(args.clients)]
    for p in procs:
        p.start()
    got = [results.get() for _ in procs]
    for p in procs:
        p.join()
    ok = sum(g[0] for g in got)
    fail = sum(g[1] for g in got)
    wall = max(g[4] for g in got) - start
    latencies = sorted(x for g in got for x in g[3])
    errors = [g[2] for g in got if g[2]]
    if errors:
        print("imap_rate: %d failed; first: %s" % (fail, errors[0]),
              file=sys.stderr)
    print("logins %d %d seconds %.2f rate %.1f p50 %.2f p99 %.2f" %
          (ok, fail, wall, ok / wall if wall > 0 else 0.0,
           1e3 * percentile(latencies, 50), 1e3 * percentile(latencies, 99)))
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
