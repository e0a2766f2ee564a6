#!/usr/bin/env python3
"""AF_PACKET forwarding: mpmaster (1 worker) against dpdk-testpmd io-fwd
on the same veth pairs, taking turns.

Topology, made and removed by the script: veth pairs PREFIXa<->PREFIXA and
PREFIXb<->PREFIXB; PREFIXA in namespace NS0, where a dpdk-testpmd in
txonly mode (net_af_packet on PREFIXA) sends 64-byte frames as fast as it
can; PREFIXB in namespace NS1, whose rx_packets counter is the sink.  The
forwarder under test binds net_af_packet ports to PREFIXa and PREFIXb:
mpmaster (the distributor and its transmitter on CPU 0, the worker on
CPU 1), or testpmd io forwarding (one forwarding lcore on CPU 0).  Each
round starts one forwarder, reads the sink's rate over a window after a
warm-up, and stops it, alternating, so both see the same generator and
the same placement of this VM; the summary is the median per-round ratio.

Usage (root, hugepages reserved, dpdk and ethtool installed):
    bench/af_packet.py [--bin build] [--rounds 6] [--window 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402

PREFIX = "mpafb%d" % (os.getpid() % 100000)
NS0, NS1 = PREFIX + "n0", PREFIX + "n1"

CONFIG = """eal:
  file_prefix: {prefix}
  main_lcore: 0
  main_cpu: 0
  memory_mb: 256
  args: [--no-pci, "--vdev=net_af_packet0,iface={a}", "--vdev=net_af_packet1,iface={b}"]
ports: [0, 1]
distributor: {{lcore: 1, cpu: 0}}
workers:
  poll: {poll}
  heartbeat_timeout_ms: 0
  instances:
    - {{id: 0, lcore: 2, cpu: {wcpu}}}
stats: {{interval_s: 0}}
control: {{socket: {tmp}/mp.sock}}
"""


def sh(*cmd):
    subprocess.check_call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def topology_up():
    for side in "ab":
        host, peer, ns = PREFIX + side, PREFIX + side.upper(), NS0 if side == "a" else NS1
        sh("ip", "link", "add", host, "type", "veth", "peer", "name", peer)
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "set", peer, "netns", ns)
        for dev, where in ((host, []), (peer, ["ip", "netns", "exec", ns])):
            sh(*where, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", "tx", "off")
            sh(*where, "ip", "link", "set", dev, "up")


def topology_down():
    for ns in (NS0, NS1):
        subprocess.call(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    for side in "ab":
        subprocess.call(["ip", "link", "del", PREFIX + side], stderr=subprocess.DEVNULL)


def sink_packets():
    out = subprocess.check_output(["ip", "netns", "exec", NS1, "cat",
                                   "/sys/class/net/%sB/statistics/rx_packets" % PREFIX])
    return int(out)


def testpmd(prefix, ns, lcores, vdevs, mode):
    """A testpmd of its own prefix, forwarding at once, in namespace ns (or here)."""
    where = ["ip", "netns", "exec", ns] if ns else []
    return subprocess.Popen(
        where + ["dpdk-testpmd", "--lcores=" + lcores, "--no-pci", "--file-prefix=" + prefix,
                 "-m", "256"] + ["--vdev=" + v for v in vdevs] +
        ["--", "--forward-mode=" + mode, "--nb-cores=1", "--txpkts=64", "--stats-period=0"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        process_group=0)


def rate(warmup, window):
    time.sleep(warmup)
    a, t = sink_packets(), time.monotonic()
    time.sleep(window)
    return (sink_packets() - a) / (time.monotonic() - t)


def run_mpmaster(binary, tmp, args):
    config = CONFIG.format(prefix=PREFIX + "m", a=PREFIX + "a", b=PREFIX + "b", tmp=tmp,
                           wcpu=args.worker_cpu, poll=args.poll)
    with mpbench.mpmaster(binary, config, PREFIX + "m", 1):
        return rate(args.warmup, args.window)


def run_testpmd(args):
    p = testpmd(PREFIX + "t", None, "0@0,1@0",
                ["net_af_packet0,iface=%sa" % PREFIX, "net_af_packet1,iface=%sb" % PREFIX], "io")
    try:
        mpbench.wait_for(lambda: os.path.exists("/var/run/dpdk/%st/dpdk_telemetry.v2" % PREFIX), 30)
        return rate(args.warmup, args.window)
    finally:
        mpbench.stop([p])
        mpbench.clean_prefix(PREFIX + "t")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--window", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--worker-cpu", type=int, default=0,
                    help="mpmaster's worker CPU (CPU 1 is the generator's)")
    ap.add_argument("--poll", choices=("busy", "adaptive"), default="adaptive")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="mpafb.")
    gen = None
    try:
        topology_up()
        gen = testpmd(PREFIX + "g", NS0, "0@1,1@1", ["net_af_packet0,iface=%sA" % PREFIX],
                      "txonly")
        mpbench.wait_for(lambda: sink_packets() >= 0 and os.path.exists(
            "/var/run/dpdk/%sg/dpdk_telemetry.v2" % PREFIX), 30)
        mp, tp = [], []
        for n in range(args.rounds):
            mp.append(run_mpmaster(args.bin, tmp, args))
            tp.append(run_testpmd(args))
            print("round %d: mpmaster %.3f Mpps | testpmd io %.3f Mpps (%.2fx)"
                  % (n + 1, mp[-1] / 1e6, tp[-1] / 1e6, mp[-1] / tp[-1]), flush=True)
        v = mpbench.round_ratios(mp, tp)
        print("mpmaster: median %.3f Mpps, testpmd io: median %.3f Mpps; "
              "mpmaster/testpmd median ratio %.3f (%.3f-%.3f) over %d rounds"
              % (statistics.median(mp) / 1e6, statistics.median(tp) / 1e6,
                 statistics.median(v), min(v), max(v), len(v)))
    finally:
        if gen is not None:
            mpbench.stop([gen])
        mpbench.clean_prefix(PREFIX + "g")
        topology_down()
        subprocess.call(["rm", "-rf", tmp])
    return 0


if __name__ == "__main__":
    sys.exit(main())
