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
    ap.add_argument("--window", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=0.3)
    args = ap.parse_args()
    bins = args.bins.split(",")
    refdir = mpbench.build_reference()

    def printer(n, last):
        print("round %d: %s %.2f Mpps | %s" % (n + 1, REF, last[REF] / 1e6, " | ".join(
            "%s %.2f Mpps (%.2fx)" % (b, last[b] / 1e6, last[b] / last[REF]) for b in bins)),
            flush=True)

    variants = [(REF, None, None, None)] + [(b, b, args.mode, args.handler) for b in bins]
    with throughput.flows_pcap() as args.pcap:
        pps = throughput.measure(variants, args, refdir, args.workers, args.traffic, printer)
    for b in bins:
        v = mpbench.round_ratios(pps[b], pps[REF])
        print("%s: median ratio %.3f (%.3f-%.3f) over %d rounds"
              % (b, statistics.median(v), min(v), max(v), len(v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
