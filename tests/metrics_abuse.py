#!/usr/bin/env python3
"""Misbehaving HTTP clients of the master's /metrics, for
tests/metrics_abuse.sh.  Every mode is bounded in time and bytes and ends
by itself; each prints one line of JSON with what it saw and exits 0 if
the server behaved (answered or closed), 1 if not.

Usage: metrics_abuse.py PORT MODE [ARG]
  flood N        N connections at once, a third of them sending garbage and
                 a third a good request; held 5 s, then closed
  garbage        malformed requests, one connection each: each must get an
                 answer or a close within 20 s
  headers        one request whose header lines never end: the server must
                 answer an error or close before 64 MiB were sent
  slowloris S    a request sent one byte a second for S seconds; writes
                 "connected" to stderr once it is
"""
import errno
import json
import resource
import selectors
import socket
import sys
import time

HOST = "127.0.0.1"


def status_of(data):
    """The status code of an HTTP response, or None."""
    if data.startswith(b"HTTP/1."):
        try:
            return int(data.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return None
    return None


def flood(port, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    sel = selectors.DefaultSelector()
    socks, failed = [], 0
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        rc = s.connect_ex((HOST, port))
        if rc not in (0, errno.EINPROGRESS):
            failed += 1
            s.close()
            continue
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE)
    connected = []
    deadline = time.monotonic() + 10
    pending = len(socks)
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            sel.unregister(s)
            pending -= 1
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                connected.append(s)
            else:
                failed += 1
    for i, s in enumerate(connected):
        try:
            if i % 3 == 0:
                s.send(b"\x16\x03\x01\x02\x00garbage \xff\xfe\r\n\r\n")
            elif i % 3 == 1:
                s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
    answered, statuses = 0, {}
    for s in connected:
        sel.register(s, selectors.EVENT_READ)
    deadline = time.monotonic() + 5
    seen = set()
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if s not in seen:
                seen.add(s)
                code = status_of(data)
                if code is not None:
                    answered += 1
                    statuses[code] = statuses.get(code, 0) + 1
            if not data:
                sel.unregister(s)
    for s in socks:
        s.close()
    print(json.dumps({"mode": "flood", "tried": n, "connected": len(connected),
                      "failed": failed, "answered": answered,
                      "statuses": statuses}))
    return 0


GARBAGE = [
    b"\x00\x01\x02\x03binary\xff\xfe\xfd\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n",
    b"BREW /metrics HTCPCP/1.0\r\n\r\n",
    b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n",
    b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n" + b"x" * 4096,
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\n" + b"\x80\x81: \xc3\x28\r\n" * 50 + b"\r\n",
    b"\r\n" * 20000,
    b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 200,   # pipelined
]


def one(port, payload, timeout=20):
    """Send payload; return (status or None, 'answered'|'closed'|'timeout')."""
    s = socket.create_connection((HOST, port), timeout=timeout)
    deadline = time.monotonic() + timeout
    try:
        try:
            s.sendall(payload)
        except OSError:
            pass        # the server closed while we sent: fine
        data = b""
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                chunk = b""
            if not chunk:
                code = status_of(data)
                return code, "answered" if code is not None else "closed"
            data += chunk
            code = status_of(data)
            if code is not None and code >= 400:
                return code, "answered"
            if len(data) > 64 << 20:
                break
        code = status_of(data)
        return code, "answered" if code is not None else "timeout"
    finally:
        s.close()


def garbage(port):
    results, ok = [], True
    for p in GARBAGE:
        code, how = one(port, p)
        results.append([p[:24].decode("latin-1"), code, how])
        if how == "timeout":
            ok = False
    print(json.dumps({"mode": "garbage", "results": results}))
    return 0 if ok else 1


def headers(port):
    s = socket.create_connection((HOST, port), timeout=10)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    sent, i, outcome, code = 0, 0, "no answer", None
    line = b"a" * 100
    deadline = time.monotonic() + 60
    s.settimeout(0.0)
    while sent < 64 << 20 and time.monotonic() < deadline:
        try:
            data = s.recv(65536)
            if not data:
                outcome = "closed"
                break
            code = status_of(data)
            outcome = "answered"
            break
        except BlockingIOError:
            pass
        except OSError:
            outcome = "closed"
            break
        chunk = b"".join(b"X-H%08d: %s\r\n" % (i + k, line) for k in range(100))
        i += 100
        try:
            s.settimeout(5)
            s.sendall(chunk)
            sent += len(chunk)
        except socket.timeout:
            pass        # the server stopped reading: look for its answer
        except OSError:
            outcome = "closed"
            break
        finally:
            s.settimeout(0.0)
    s.close()
    print(json.dumps({"mode": "headers", "outcome": outcome, "status": code,
                      "sent": sent}))
    return 0 if outcome != "no answer" and (code is None or code >= 400) else 1


def slowloris(port, seconds):
    s = socket.create_connection((HOST, port), timeout=10)
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 10000
    sys.stderr.write("connected\n")
    sys.stderr.flush()
    sent, outcome = 0, "held"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and sent < len(req):
        try:
            s.send(req[sent:sent + 1])
        except OSError:
            outcome = "closed"
            break
        sent += 1
        time.sleep(1)
    s.close()
    print(json.dumps({"mode": "slowloris", "outcome": outcome, "sent": sent}))
    return 0


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    if mode == "flood":
        return flood(port, int(sys.argv[3]))
    if mode == "garbage":
        return garbage(port)
    if mode == "headers":
        return headers(port)
    if mode == "slowloris":
        return slowloris(port, int(sys.argv[3]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
