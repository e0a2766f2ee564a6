#!/usr/bin/env python3
"""Forwarding rate of the example network functions against mpworker.

Installs the build into a temporary directory, builds examples/firewall
and examples/router against it with pkg-config (as users do), then runs
one pipeline per NF, 1 busy worker, on the flows traffic of throughput.py
(1024 UDP/IPv4 flows from a pcap, 10.0.x.y -> 10.1.0.1:4789) and measures
them in turns like throughput.py (only the one measured runs).  The
firewall has 8 rules, the flows matching the last; the router 8 routes,
the flows matching a /16.  Prints Mpps per round and the median of the
per-round ratios to mpworker.

Usage (root, hugepages reserved, from the top of the tree):
    bench/nf.py [--bin build] [--rounds 10]
"""
import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402
import throughput  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

CONFIG = """eal:
  file_prefix: {prefix}
  main_lcore: 0
  main_cpu: 0
  memory_mb: 256
  args: {eal_args}
distributor: {{lcore: 1, cpu: 0}}
workers:
  poll: busy
  program: {program}
  args: {args}
  instances:
    - {{id: 0, lcore: 2, cpu: 1}}
  heartbeat_timeout_ms: 0   # paused turns would look like hangs
stats: {{interval_s: 0}}
"""

RULES = """default deny
deny proto tcp dport 22
deny proto udp src 192.0.2.0/24
allow proto tcp dst 10.1.0.0/16 dport 80
allow proto tcp src 10.1.0.0/16 sport 80
deny proto icmp dst 10.1.0.0/16
allow proto udp dport 53
allow proto udp dst 10.1.0.0/16 dport 4789
"""

ROUTES = """192.0.2.0/24 port 1 via 02:00:00:00:00:01
198.51.100.0/24 port 1 via 02:00:00:00:00:02
203.0.113.0/24 port 0 via 02:00:00:00:00:03
10.2.0.0/16 port 0 via 02:00:00:00:00:04
10.3.0.0/16 port 0 via 02:00:00:00:00:05
10.1.0.0/16 port 1 via 02:00:00:00:00:06
172.16.0.0/12 port 1 via 02:00:00:00:00:07
0.0.0.0/1 port 0 via 02:00:00:00:00:08
"""


def build_examples(bindir, tmp):
    """Install bindir into tmp and build the examples against it there."""
    dest = os.path.join(tmp, "inst")
    subprocess.check_call(["make", "-s", "-C", bindir, "install", "DESTDIR=" + dest],
                          stdout=subprocess.DEVNULL)
    pcs = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs
           if f == "libmpworker.pc"]
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
    out = {}
    for nf in ("firewall", "router"):
        src = os.path.join(tmp, nf)
        shutil.copytree(os.path.join(TOP, "examples", nf), src)
        subprocess.check_call(["make", "-s", "-C", src, "PKGCONF=pkg-config --define-prefix"],
                              env=env, stdout=subprocess.DEVNULL)
        out[nf] = os.path.join(src, nf)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--window", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=0.3)
    args = ap.parse_args()
    bindir = os.path.abspath(args.bin)
    tmp = tempfile.mkdtemp(prefix="mpbench-nf.")
    try:
        nfs = build_examples(bindir, tmp)
        with open(os.path.join(tmp, "fw.rules"), "w") as f:
            f.write(RULES)
        with open(os.path.join(tmp, "routes"), "w") as f:
            f.write(ROUTES)
        variants = [
            ("mpworker", os.path.join(bindir, "mpworker"), []),
            ("firewall", nfs["firewall"], ["--rules", os.path.join(tmp, "fw.rules")]),
            ("router", nfs["router"], ["--routes", os.path.join(tmp, "routes")]),
        ]
        with throughput.flows_pcap() as pcap, contextlib.ExitStack() as stack:
            pipelines = {}
            for n, (name, program, nf_args) in enumerate(variants):
                prefix = "mpbnf%d_%d" % (os.getpid(), n)
                config = CONFIG.format(
                    prefix=prefix, program=program, args=json.dumps(nf_args),
                    eal_args=json.dumps(["--no-pci"] + throughput.eal_vdevs("flows", pcap)))
                pipelines[name] = stack.enter_context(mpbench.mpmaster(bindir, config, prefix, 1))
                mpbench.pause(pipelines[name][0])

            def printer(n, last):
                print("round %d: %s" % (n + 1, ", ".join(
                    "%s %.2f Mpps" % (k, v / 1e6) for k, v in last.items())), flush=True)
            pps = mpbench.interleave(pipelines, args.rounds, args.warmup, args.window, printer)
        for name in ("firewall", "router"):
            r = mpbench.round_ratios(pps[name], pps["mpworker"])
            print("%s: median %.2f Mpps, %.3f of mpworker (%.3f-%.3f) over %d rounds" % (
                name, statistics.median(pps[name]) / 1e6, statistics.median(r), min(r),
                max(r), len(r)))
        print("mpworker: median %.2f Mpps" % (statistics.median(pps["mpworker"]) / 1e6))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
