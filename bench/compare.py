#!/usr/bin/env python3
"""Two or more mpmaster builds against client_server_mp, alternating runs.

Before and after a change: each round runs client_server_mp, then every
build, on the same lcores and CPUs as throughput.py, and prints each
build's rate and its ratio to the reference of the same round.  The
summary is the median of the per-round ratios, which is what survives
this VM's changes of speed.

Usage (root, hugepages reserved, dpdk-doc installed):
    bench/compare.py --bins OLD_BUILD_DIR,build [--rounds 5] [--workers 1]
                     [--traffic null|flows] [--mode round-robin|flow-hash]
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402
import throughput  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", required=True, help="comma-separated build directories")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--traffic", choices=("null", "flows"), default="null")
    ap.add_argument("--mode", choices=("round-robin", "flow-hash"), default="round-robin")
    ap.add_argument("--handler", choices=("l2fwd", "macswap"), default="l2fwd")
    ap.add_argument("--window", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=1.5)
    args = ap.parse_args()
    bins = args.bins.split(",")
    refdir = mpbench.build_reference()

    ratios = {b: [] for b in bins}
    with throughput.flows_pcap() as args.pcap:
        for n in range(args.rounds):
            ref = throughput.run_reference(refdir, args, n, args.workers, args.traffic)
            line = "round %d: client_server_mp %.2f Mpps" % (n + 1, ref / 1e6)
            for b in bins:
                r = throughput.run_mpmaster(b, args, n, args.workers, args.traffic,
                                            args.mode, args.handler)
                ratios[b].append(r / ref)
                line += " | %s %.2f Mpps (%.2fx)" % (b, r / 1e6, r / ref)
            print(line, flush=True)
    for b in bins:
        v = ratios[b]
        print("%s: median ratio %.3f (%.3f-%.3f) over %d rounds"
              % (b, statistics.median(v), min(v), max(v), len(v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
