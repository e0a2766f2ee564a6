#!/usr/bin/env python3
"""Forwarding rate of mpmaster against DPDK's own client_server_mp.

Runs the two pipelines alternately (A B A B ...) in one session on the same
lcores and CPUs: the distributor (mp_server's main lcore) on CPU 0, one
busy-polling worker (mp_client) on CPU 1, two net_null ports, 64-byte
packets.  Reports the packets per second the worker side transmits (ports'
opackets, read through the primary's telemetry) and the ratio of medians.

Usage (root, hugepages reserved, dpdk-doc installed):
    bench/throughput.py [--rounds 3] [--window 5] [--bin build]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = """eal:
  file_prefix: {prefix}
  main_lcore: 0
  main_cpu: 0
  memory_mb: 256
  args: [--no-pci, --vdev=net_null0, --vdev=net_null1]
pid_file: {tmp}/mpmaster.pid
distributor: {{lcore: 1, cpu: 0, burst: 32}}
workers:
  poll: busy
  instances:
    - {{id: 0, lcore: 2, cpu: 1}}
stats: {{interval_s: 0}}
"""


def run_mpmaster(binary, args, n):
    prefix = "mpbm%d_%d" % (os.getpid(), n)
    tmp = tempfile.mkdtemp(prefix="mpbench.")
    cfg = os.path.join(tmp, "mp.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(prefix=prefix, tmp=tmp))
    procs = [subprocess.Popen([os.path.join(binary, "mpmaster"), "-c", cfg],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        tel = mpbench.Telemetry(prefix)
        mpbench.wait_for(lambda: mpbench.worker_state(tel, 0) == "running", 30)
        return mpbench.measure_pps(tel, args.warmup, args.window)
    finally:
        mpbench.stop(procs)
        mpbench.clean_prefix(prefix)
        subprocess.call(["rm", "-rf", tmp])


def run_reference(refdir, args, n):
    prefix = "mpbr%d_%d" % (os.getpid(), n)
    common = ["--file-prefix=" + prefix, "--no-pci"]
    procs = [subprocess.Popen(
        [os.path.join(refdir, "mp_server"), "--lcores=0@0,1@0", "-m", "256",
         "--vdev=net_null0", "--vdev=net_null1"] + common + ["--", "-p", "0x3", "-n", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        tel = mpbench.Telemetry(prefix)
        procs.append(subprocess.Popen(
            [os.path.join(refdir, "mp_client"), "--lcores=2@1",
             "--proc-type=secondary"] + common + ["--", "-n", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        mpbench.wait_for(lambda: tel.opackets() > 0, 30)
        return mpbench.measure_pps(tel, args.warmup, args.window)
    finally:
        mpbench.stop(procs)
        mpbench.clean_prefix(prefix)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--window", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--bin", default="build")
    args = ap.parse_args()
    refdir = subprocess.check_output(
        [os.path.join(HERE, "build-reference.sh"), os.path.join(HERE, "ref-build")],
        stderr=subprocess.DEVNULL).decode().strip()
    mp, ref = [], []
    for n in range(args.rounds):
        mp.append(run_mpmaster(args.bin, args, n))
        ref.append(run_reference(refdir, args, n))
        print("round %d: mpmaster %.2f Mpps, client_server_mp %.2f Mpps"
              % (n + 1, mp[-1] / 1e6, ref[-1] / 1e6), flush=True)
    m, r = statistics.median(mp), statistics.median(ref)
    # Virtual machines change speed between runs; a ratio within each
    # adjacent pair of runs is less affected than the ratio of medians.
    pairs = sorted(a / b for a, b in zip(mp, ref))
    print("median: mpmaster %.2f Mpps (min %.2f max %.2f), client_server_mp "
          "%.2f Mpps (min %.2f max %.2f), ratio of medians %.2f, "
          "median of per-round ratios %.2f"
          % (m / 1e6, min(mp) / 1e6, max(mp) / 1e6,
             r / 1e6, min(ref) / 1e6, max(ref) / 1e6, m / r,
             statistics.median(pairs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
