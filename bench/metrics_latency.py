#!/usr/bin/env python3
"""Latency of GET /metrics with many workers.

Starts mpmaster with two net_null ports (traffic flowing) and N adaptive
workers (default 32, lcores 2..N+1, alternating over the machine's CPUs),
metrics.listen on a free loopback port, and once every worker runs makes
R sequential GETs of /metrics, each on a new connection as a scraper with
no keep-alive does, then R more over one keep-alive connection.  Reports
median, p99 and max of each, in ms, and the size of the page.  Every
reply is checked: status 200 and a mp_worker_up line per worker.

Usage (root, hugepages reserved, from the top of the tree):
    bench/metrics_latency.py [--workers 32] [--requests 200] [--bin build]
"""
import argparse
import http.client
import os
import shutil
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402

CONFIG = """eal:
  file_prefix: {prefix}
  memory_mb: 256
  args: [--no-pci, --vdev=net_null0, --vdev=net_null1]
distributor: {{lcore: 1, cpu: 0}}
workers:
  poll: adaptive
  ring_size: 256
  instances:
{instances}
stats: {{interval_s: 0}}
control: {{socket: {tmp}/mp.sock}}
metrics: {{listen: "127.0.0.1:{port}"}}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check(status, body, workers):
    ups = body.count(b"\nmp_worker_up{")
    if status != 200 or ups != workers:
        raise RuntimeError("bad reply: status %d, %d mp_worker_up lines" % (status, ups))


def timed(fn, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(name, ms):
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * len(ms))) - 1)]
    print("%-28s median %.2f ms, p99 %.2f ms, max %.2f ms (%d requests)" % (
        name, statistics.median(ms), p99, ms[-1], len(ms)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=32)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--bin", default="build")
    args = ap.parse_args()

    prefix = "mpbench%d" % os.getpid()
    port = free_port()
    ncpu = os.cpu_count()
    instances = "\n".join("    - {id: %d, lcore: %d, cpu: %d}" % (i, i + 2, (i + 1) % ncpu)
                          for i in range(args.workers))
    tmp = "/tmp/mpbench-metrics.%d" % os.getpid()
    os.makedirs(tmp, exist_ok=True)
    config = CONFIG.format(prefix=prefix, instances=instances, port=port, tmp=tmp)
    size = 0
    with mpbench.mpmaster(args.bin, config, prefix, args.workers) as (master, tel):
        def fresh():
            nonlocal size
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/metrics", headers={"Connection": "close"})
            r = c.getresponse()
            body = r.read()
            c.close()
            check(r.status, body, args.workers)
            size = len(body)

        keep = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def kept():
            keep.request("GET", "/metrics")
            r = keep.getresponse()
            check(r.status, r.read(), args.workers)

        fresh()                 # warm up: first page, connection set-up
        a = timed(fresh, args.requests)
        b = timed(kept, args.requests)
        keep.close()
    shutil.rmtree(tmp, ignore_errors=True)
    print("GET /metrics, %d adaptive workers on %d CPUs, net_null traffic, page %d bytes"
          % (args.workers, ncpu, size))
    summary("new connection each:", a)
    summary("one keep-alive connection:", b)
    if master.returncode != 0:
        print("mpmaster exited %d" % master.returncode, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
