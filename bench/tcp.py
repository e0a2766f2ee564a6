#!/usr/bin/env python3
"""TCP through the tap topology: mpmaster (round-robin, flow-hash) against
DPDK's client_server_mp.

Two net_tap ports whose interfaces are moved into two network namespaces
this script creates (198.18.0.1 and 198.18.0.2); one iperf3 TCP flow from
the first to the second crosses the distributor and a worker.  Reports
throughput and retransmissions per variant, rounds alternating.
client_server_mp runs with one client only: net_tap wants as many RX as
TX queues, and mp_server configures one RX queue and one TX queue per
client.

Usage (root, hugepages reserved, iperf3 installed):
    bench/tcp.py [--rounds 3] [--seconds 5] [--bin build]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = """eal:
  file_prefix: {prefix}
  main_lcore: 0
  main_cpu: 0
  memory_mb: 256
  args: {eal_args}
distributor: {{lcore: 1, cpu: 0, mode: {mode}}}
workers:
  poll: adaptive
  instances:
{instances}
stats: {{interval_s: 0}}
"""

VARIANTS = [
    # (name, workers, mode); mode None is client_server_mp
    ("client_server_mp, 1 client", 1, None),
    ("mpmaster rr, 1 worker", 1, "round-robin"),
    ("mpmaster rr, 2 workers", 2, "round-robin"),
    ("mpmaster flow-hash, 2 workers", 2, "flow-hash"),
]


TOPOLOGY = os.path.join(HERE, "..", "scripts", "topology.sh")


def topology(cmd, *args):
    """Run a function of scripts/topology.sh, the tests' traffic topology."""
    subprocess.check_call(["bash", "-c", '. "$0" && "$@"', TOPOLOGY, cmd] + list(args))


def iperf(nss, seconds):
    server = subprocess.Popen(["ip", "netns", "exec", nss[1], "iperf3", "-s", "-1", "-p", "5299"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        out = subprocess.check_output(
            ["timeout", str(seconds + 20), "ip", "netns", "exec", nss[0], "iperf3", "-c",
             "198.18.0.2", "-p", "5299", "-t", str(seconds), "-J"])
        end = json.loads(out)["end"]
        return end["sum_received"]["bits_per_second"], end["sum_sent"]["retransmits"]
    finally:
        server.kill()
        server.wait()


def run(args, n, workers, mode, refdir):
    prefix = "mpbt%d%d" % (os.getpid() % 10000, n)
    nss = [prefix + "n0", prefix + "n1"]
    taps = ["--vdev=net_tap0,iface=%sa" % prefix, "--vdev=net_tap1,iface=%sb" % prefix]
    if mode is None:
        pipeline = mpbench.reference(refdir, prefix, 1, taps)
    else:
        pipeline = mpbench.mpmaster(args.bin, CONFIG.format(
            prefix=prefix, mode=mode, eal_args=json.dumps(["--no-pci"] + taps),
            instances="".join("    - {id: %d, lcore: %d, cpu: 1}\n" % (i, 2 + i)
                              for i in range(workers))), prefix, workers)
    with pipeline:
        try:
            topology("topology_up", prefix, *nss)
            return iperf(nss, args.seconds)
        finally:
            topology("topology_down", *nss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--bin", default="build")
    args = ap.parse_args()
    refdir = mpbench.build_reference()
    res = {}
    for n in range(args.rounds):
        for name, workers, mode in VARIANTS:
            bps, retx = run(args, n, workers, mode, refdir)
            res.setdefault(name, []).append((bps, retx))
            print("round %d: %-30s %7.0f Mbit/s, %5d retransmits" % (n + 1, name, bps / 1e6, retx),
                  flush=True)
    print("\n| variant | Mbit/s, median (min-max) | retransmits, median (min-max) |")
    print("|---|---|---|")
    for name, _, _ in VARIANTS:
        bps = [r[0] / 1e6 for r in res[name]]
        retx = [r[1] for r in res[name]]
        print("| %s | %.0f (%.0f-%.0f) | %d (%d-%d) |" % (
            name, statistics.median(bps), min(bps), max(bps),
            statistics.median(retx), min(retx), max(retx)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
