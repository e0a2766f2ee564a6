#!/usr/bin/env python3
"""Two or more mpmaster builds against client_server_mp, taking turns.

Before and after a change: starts client_server_mp and every build at
once, then measures them taking turns like throughput.py (only the one
measured runs), on the same lcores and CPUs, and prints each build's rate
and its ratio to the reference in the same round.  The summary is the
median of the per-round ratios, which is what survives this VM's changes
of speed.

Usage (root, hugepages reserved, dpdk-doc installed):
    bench/compare.py --bins OLD_BUILD_DIR,build [--rounds 15] [--workers 1]
                     [--traffic null|flows] [--mode round-robin|flow-hash]
                     [--handler l2fwd|macswap] [--burst 32]
                     [--tx auto|direct|primary[,...]]

With several --tx values each build runs once per value (the ports' tx):
`--bins build --tx direct,primary` is the cost of the transmit path
through the primary against the workers' own TX queues, on ports that
can do both.
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402
import throughput  # noqa: E402

REF = "client_server_mp"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", required=True, help="comma-separated build directories")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--traffic", choices=("null", "flows"), default="null")
    ap.add_argument("--mode", choices=("round-robin", "flow-hash"), default="round-robin")
    ap.add_argument("--handler", choices=("l2fwd", "macswap"), default="l2fwd")
    ap.add_argument("--burst", type=int, default=32, help="distributor.burst of every build")
    ap.add_argument("--tx", default="auto", help="comma-separated ports' tx of every build")
    ap.add_argument("--window", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=0.3)
    args = ap.parse_args()
    txs = args.tx.split(",")
    names = {}
    for b in args.bins.split(","):
        for tx in txs:
            names["%s tx=%s" % (b, tx) if len(txs) > 1 else b] = (b, tx)
    bins = list(names)
    refdir = mpbench.build_reference()

    def printer(n, last):
        print("round %d: %s %.2f Mpps | %s" % (n + 1, REF, last[REF] / 1e6, " | ".join(
            "%s %.2f Mpps (%.2fx)" % (b, last[b] / 1e6, last[b] / max(last[REF], 1))
            for b in bins)),
            flush=True)

    variants = [(REF, None, None, None)] + [
        (name, b, args.mode, args.handler, tx) for name, (b, tx) in names.items()]
    with throughput.flows_pcap() as args.pcap:
        pps = throughput.measure(variants, args, refdir, args.workers, args.traffic, printer)
    for b in bins:
        v = mpbench.round_ratios(pps[b], pps[REF])
        print("%s: median ratio %.3f (%.3f-%.3f) over %d rounds"
              % (b, statistics.median(v), min(v), max(v), len(v)))
    # Each tx against the first one of the same build, round by round.
    for name, (b, tx) in names.items():
        first = "%s tx=%s" % (b, txs[0])
        if len(txs) > 1 and name != first:
            v = mpbench.round_ratios(pps[name], pps[first])
            print("%s / %s: median ratio %.3f (%.3f-%.3f) over %d rounds"
                  % (name, first, statistics.median(v), min(v), max(v), len(v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
