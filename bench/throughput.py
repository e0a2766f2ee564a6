#!/usr/bin/env python3
"""Forwarding rate of mpmaster against DPDK's own client_server_mp.

For each worker count and kind of traffic, starts every variant at once (a
DPDK primary each, with its own file prefix), then measures them taking
turns (A B C A B C ...): only the variant being measured runs, the others
are stopped with SIGSTOP.  All use the same lcores and CPUs: the
distributor (mp_server's forwarding lcore) on CPU 0, the workers
(mp_clients) on CPU 1, busy polling, 64-byte packets.  Reports the packets
per second the worker side transmits (ports' opackets, read through the
primary's telemetry), medians and spread over the turns, and ratios: the
median of the ratios within each round of turns.

Variants, for each worker count:
  null traffic (two net_null ports; every packet is the same, so one flow):
    ref            client_server_mp
    rr             mpmaster, round-robin, l2fwd handler
    rr-macswap     mpmaster, round-robin, handler swapping MACs (touches data)
  flows traffic (port 0 replays 1024 UDP flows from a pcap, port 1 is a
  net_null without RX):
    ref            client_server_mp
    rr             mpmaster, round-robin
    flow-hash      mpmaster, flow-hash

Usage (root, hugepages reserved, dpdk-doc installed):
    bench/throughput.py [--workers 1,2,4] [--rounds 15] [--window 1]
                        [--bin build] [--burst 32]
                        [--out bench/results/throughput.json]
"""
import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER_CPU = 1
DIST_CPU = 0

CONFIG = """eal:
  file_prefix: {prefix}
  main_lcore: 0
  main_cpu: {dist_cpu}
  memory_mb: 256
  args: {eal_args}
ports: [{{id: 0, tx: {tx}}}, {{id: 1, tx: {tx}}}]
distributor: {{lcore: 1, cpu: {dist_cpu}, burst: {burst}, mode: {mode}}}
workers:
  poll: busy
  args: [--handler={handler}]
  instances:
{instances}
  heartbeat_timeout_ms: 0   # paused turns would look like hangs
stats: {{interval_s: 0}}
"""

VARIANTS = [
    # (traffic, name, mode, handler); name "ref" is client_server_mp
    ("null", "ref", None, None),
    ("null", "rr", "round-robin", "l2fwd"),
    ("null", "rr-macswap", "round-robin", "macswap"),
    ("flows", "ref", None, None),
    ("flows", "rr", "round-robin", "l2fwd"),
    ("flows", "flow-hash", "flow-hash", "l2fwd"),
]


def write_flows_pcap(path, nflows=1024):
    """nflows 64-byte UDP/IPv4 frames, one per flow, as a classic pcap."""
    def csum(b):
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        s = (s >> 16) + (s & 0xffff)
        return ~(s + (s >> 16)) & 0xffff

    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(nflows):
            eth = bytes.fromhex("020000000002" "020000000001" "0800")
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 50, 0, 0, 64, 17, 0,
                             bytes([10, 0, i >> 8, i & 255]), bytes([10, 1, 0, 1]))
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            udp = struct.pack("!HHHH", 1024 + i, 4789, 30, 0) + bytes(22)
            frame = eth + ip + udp
            out.write(struct.pack("<IIII", 0, i, len(frame), len(frame)) + frame)


@contextlib.contextmanager
def flows_pcap():
    """The path of a fresh flows pcap (write_flows_pcap), removed afterwards."""
    tmp = tempfile.mkdtemp(prefix="mpbench-pcap.")
    try:
        path = os.path.join(tmp, "flows.pcap")
        write_flows_pcap(path)
        yield path
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def eal_vdevs(traffic, pcap):
    if traffic == "null":
        return ["--vdev=net_null0", "--vdev=net_null1"]
    # net_pcap has one TX queue per tx_pcap: give it one per possible worker
    # (port 0 transmits nothing: its packets leave by its peer, port 1).
    return ["--vdev=net_pcap0,rx_pcap=%s,infinite_rx=1%s" % (pcap, ",tx_pcap=/dev/null" * 4),
            "--vdev=net_null1,no-rx=1"]


def mpmaster(binary, args, n, workers, traffic, mode, handler, tx="auto"):
    """mpbench.mpmaster() for variant n of this benchmark; tx is the ports'
    tx (auto, direct, primary)."""
    prefix = "mpbm%d_%d" % (os.getpid(), n)
    instances = "".join("    - {id: %d, lcore: %d, cpu: %d}\n" % (i, 2 + i, WORKER_CPU)
                        for i in range(workers))
    config = CONFIG.format(prefix=prefix, dist_cpu=DIST_CPU, mode=mode, handler=handler,
                           burst=args.burst, tx=tx, instances=instances,
                           eal_args=json.dumps(["--no-pci"] + eal_vdevs(traffic, args.pcap)))
    return mpbench.mpmaster(binary, config, prefix, workers)


@contextlib.contextmanager
def reference(refdir, args, workers, traffic):
    """mpbench.reference() for this benchmark, once every client forwards
    (each has a TX queue of its own): a client paused inside its EAL
    start-up would hold locks that keep the next primary from starting."""
    with mpbench.reference(refdir, "mpbr%d" % os.getpid(), workers,
                           eal_vdevs(traffic, args.pcap), DIST_CPU, WORKER_CPU) as (server, tel):
        mpbench.wait_for(lambda: all(tel.queue_opackets()[:workers]), 30)
        yield server, tel


def measure(variants, args, refdir, workers, traffic, printer):
    """Start every variant (name, build directory, mode, handler[, ports'
    tx]; build None for the reference) and measure them in turns; returns
    {name: [pps of each round]}."""
    with contextlib.ExitStack() as stack:
        pipelines = {}
        for n, (name, binary, mode, handler, *tx) in enumerate(variants):
            if binary is None:
                cm = reference(refdir, args, workers, traffic)
            else:
                cm = mpmaster(binary, args, n, workers, traffic, mode, handler, *tx)
            pipelines[name] = stack.enter_context(cm)
            mpbench.pause(pipelines[name][0])	# not to slow the next start
        return mpbench.interleave(pipelines, args.rounds, args.warmup, args.window,
                                  printer)


def summary(values):
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "runs": values}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--window", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=0.3)
    ap.add_argument("--bin", default="build")
    ap.add_argument("--burst", type=int, default=32, help="mpmaster's distributor.burst")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "throughput.json"))
    args = ap.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    refdir = mpbench.build_reference()

    pps = {}
    with flows_pcap() as args.pcap:
        for w in counts:
            for traffic in ("null", "flows"):
                variants = [(name, None if name == "ref" else args.bin, mode, handler)
                            for t, name, mode, handler in VARIANTS if t == traffic]

                def printer(n, last):
                    print("round %d: %d worker(s), %-5s traffic: %s" % (
                        n + 1, w, traffic, ", ".join(
                            "%s %.2f Mpps" % (k, v / 1e6) for k, v in last.items())),
                        flush=True)
                for name, v in measure(variants, args, refdir, w, traffic, printer).items():
                    pps[(w, traffic, name)] = v
    results = []
    for (w, traffic, name), values in pps.items():
        results.append(dict(workers=w, traffic=traffic, variant=name, **summary(values)))
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": "%s, %d CPUs, %s" % (platform.node(), os.cpu_count(), cpu_model()),
        "kernel": platform.release(),
        "rounds": args.rounds, "window_s": args.window,
        "results": results,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)

    def ratio(w, traffic, a, b):
        return statistics.median(mpbench.round_ratios(pps[(w, traffic, a)],
                                                      pps[(w, traffic, b)]))

    def cell(w, traffic, name):
        v = pps[(w, traffic, name)]
        return "%.2f (%.2f-%.2f)" % (statistics.median(v) / 1e6, min(v) / 1e6, max(v) / 1e6)

    print("\nMpps, median (min-max) of %d rounds; %s" % (args.rounds, report["machine"]))
    print("Ratios: median of the per-round ratios.")
    print("| workers | traffic | client_server_mp | mpmaster rr | rr / ref | other | other / rr |")
    print("|---|---|---|---|---|---|---|")
    for w in counts:
        for traffic, other in (("null", "rr-macswap"), ("flows", "flow-hash")):
            print("| %d | %s | %s | %s | **%.2fx** | %s: %s | %.2f |" % (
                w, traffic, cell(w, traffic, "ref"), cell(w, traffic, "rr"),
                ratio(w, traffic, "rr", "ref"), other, cell(w, traffic, other),
                ratio(w, traffic, other, "rr")))
    print("results written to %s" % args.out)
    return 0


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
