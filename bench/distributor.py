#!/usr/bin/env python3
"""The distributor alone: how fast it receives and dispatches, per mode.

Starts one mpmaster per (build, mode) with --workers workers on the
throughput benchmark's flows traffic (1024 UDP flows replayed by
net_pcap), stops every worker with SIGSTOP so that their rings fill and
the distributor drops what it dispatches, and then measures the
distributor's receive rate (/mp/stats) taking turns like throughput.py:
only the master being measured runs.  What is left is the distributor's
own cost per packet, without the workers' share of the CPUs and without
the time-sharing of several workers on one CPU, which makes the
end-to-end comparison of modes noisy on a 2-CPU machine.  This is the
benchmark to judge a change to the flow hash by.

Usage (root, hugepages reserved):
    bench/distributor.py [--bins build[,OTHER]] [--modes round-robin,flow-hash]
                         [--workers 2] [--rounds 8]
"""
import argparse
import contextlib
import os
import signal
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402
import throughput  # noqa: E402


def dist_rx(tel):
    return tel.get("/mp/stats")["distributor"]["rx"]


def wake_master(leader):
    """Resume the master only: its workers stay stopped."""
    os.kill(leader.pid, signal.SIGCONT)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", default="build", help="comma-separated build directories")
    ap.add_argument("--modes", default="round-robin,flow-hash")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--window", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=0.3)
    ap.add_argument("--burst", type=int, default=32, help="distributor.burst")
    args = ap.parse_args()
    variants = [(b, m) for b in args.bins.split(",") for m in args.modes.split(",")]
    name = {v: "%s %s" % v for v in variants}

    def printer(n, last):
        print("round %d: %s" % (n + 1, " | ".join(
            "%s %.2f Mpps" % (name[v], last[v] / 1e6) for v in variants)), flush=True)

    with throughput.flows_pcap() as args.pcap, contextlib.ExitStack() as stack:
        masters = {}
        for n, (binary, mode) in enumerate(variants):
            proc, tel = stack.enter_context(throughput.mpmaster(
                binary, args, n, args.workers, "flows", mode, "l2fwd"))
            workers = tel.get("/mp/workers")
            for wid in range(args.workers):
                os.kill(workers[str(wid)]["pid"], signal.SIGSTOP)
            mpbench.pause(proc)	# not to slow the next start
            masters[(binary, mode)] = (proc, tel)
        rates = mpbench.interleave(masters, args.rounds, args.warmup, args.window,
                                   printer, count=dist_rx, wake=wake_master)

    base = variants[0]
    print("\ndistributor alone, %d stopped workers, flows traffic, %d rounds"
          % (args.workers, args.rounds))
    print("| build | mode | Mpps, median (min-max) | ns/packet | ratio to %s |" % name[base])
    print("|---|---|---|---|---|")
    for v in variants:
        mpps = [x / 1e6 for x in rates[v]]
        ratios = mpbench.round_ratios(rates[v], rates[base])
        print("| %s | %s | %.2f (%.2f-%.2f) | %.1f | %.3f (%.3f-%.3f) |" % (
            v[0], v[1], statistics.median(mpps), min(mpps), max(mpps),
            1e3 / statistics.median(mpps), statistics.median(ratios), min(ratios),
            max(ratios)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
