#!/usr/bin/env python3
"""Forwarding over memif: mpmaster against a testpmd forwarder.

Two pipelines, both started beforehand and measured taking turns (A B A B
...; only the one being measured runs, the other is stopped with SIGSTOP):

  A  testpmd generator <-memif-> testpmd forwarder (io, ports 0<->1)
  B  testpmd generator <-memif-> mpmaster (1 worker, l2fwd 0<->1)

The generator is a testpmd in flowgen mode on two memif ports (client
role): it sends 64-byte UDP packets on both ports and receives and counts
what comes back (txonly never polls RX, so it cannot count the return
traffic).  The forwarder is the memif server on two sockets and sends
what it receives on one port out of the other.  Reported: packets per
second the generator receives back (both ports), per round (after one
warm-up round, printed as round -1 and not counted), and the ratio
B/A within each round (this VM changes speed for minutes at a time, far
more than within one round), with medians.

Same CPUs for both: the generator's forwarding lcore on CPU 1, testpmd's
forwarder lcore (A) or mpmaster's distributor (B) on CPU 0, the mpmaster
worker (adaptive polling) on CPU 1; the main lcores on CPU 0.

Usage (root, hugepages reserved, package dpdk installed):
    bench/memif.py [--rounds 8] [--warmup 1] [--window 2] [--bin build]
                   [--out bench/results/memif.json]
"""
import argparse
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402

CONFIG = """eal:
  file_prefix: {prefix}
  main_lcore: 0
  main_cpu: 0
  memory_mb: 256
  args: [--no-pci, "--vdev=net_memif0,role=server,socket={dir}/b0.sock,id=0",
         "--vdev=net_memif1,role=server,socket={dir}/b1.sock,id=0"]
ports: [0, 1]
distributor: {{lcore: 1, cpu: 0}}
workers:
  poll: adaptive
  instances:
    - {{id: 0, lcore: 2, cpu: 1}}
  heartbeat_timeout_ms: 0   # paused turns would look like hangs
stats: {{interval_s: 0}}
control: {{socket: {dir}/mp.sock}}
"""


class Testpmd:
    """An interactive dpdk-testpmd driven through its stdin; its stdout is
    unbuffered (stdbuf) so that each command's output comes before the next
    prompt."""

    PROMPT = b"testpmd> "

    def __init__(self, prefix, lcores, vdevs, log, process_group=0, extra=()):
        self.prefix = prefix
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            ["stdbuf", "-o0", "dpdk-testpmd", "--lcores=" + lcores, "--in-memory",
             "--file-prefix=" + prefix, "--no-pci", "-m", "256"] + vdevs +
            ["--", "-i", "--total-num-mbufs=16384"] + list(extra),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            process_group=process_group)
        self.buf = b""
        self._prompt(60)

    def _prompt(self, timeout):
        end = time.monotonic() + timeout
        while self.PROMPT not in self.buf:
            left = end - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0, left))
            chunk = os.read(self.proc.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                raise RuntimeError("testpmd %s: %s; last output:\n%s" % (
                    self.prefix, "exited" if ready else "no prompt",
                    self.buf.decode(errors="replace")[-3000:]))
            self.log.write(chunk.decode(errors="replace"))
            self.log.flush()
            self.buf += chunk
        out, _, self.buf = self.buf.partition(self.PROMPT)
        return out.decode(errors="replace")

    def cmd(self, line, timeout=30):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        return self._prompt(timeout)

    def links_up(self):
        return re.findall(r"Link status: (\w+)", self.cmd("show port info all")) == ["up", "up"]

    def counts(self):
        """(RX-packets, TX-packets) summed over the ports, from the PMD."""
        out = self.cmd("show port stats all")
        rx = sum(int(v) for v in re.findall(r"RX-packets:\s+(\d+)", out))
        tx = sum(int(v) for v in re.findall(r"TX-packets:\s+(\d+)", out))
        return rx, tx

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
                self.proc.wait(20)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        mpbench.clean_prefix(self.prefix)


def vdevs(role, sock0, sock1):
    return ["--vdev=net_memif0,role=%s,socket=%s,id=0" % (role, sock0),
            "--vdev=net_memif1,role=%s,socket=%s,id=0" % (role, sock1)]


def measure(group, gen, warmup, window):
    """Packets per second gen receives back, with its pipeline's process
    group woken for the turn."""
    os.killpg(group, signal.SIGCONT)
    try:
        time.sleep(warmup)
        a, t0 = gen.counts()[0], time.monotonic()
        time.sleep(window)
        b, t1 = gen.counts()[0], time.monotonic()
    finally:
        os.killpg(group, signal.SIGSTOP)
    return (b - a) / (t1 - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--window", type=float, default=2.0)
    ap.add_argument("--bin", default=os.path.join(mpbench.HERE, "..", "build"))
    ap.add_argument("--out")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="mpbench-memif.")
    tag = str(os.getpid())
    prefixes = {"fwd": "mbmf" + tag, "gen_a": "mbmga" + tag, "gen_b": "mbmgb" + tag,
                "mp": "mbmmp" + tag}
    started = []
    groups = []
    try:
        # A: the testpmd forwarder (server) leads its group, the generator joins.
        fwd = Testpmd(prefixes["fwd"], "0@0,1@0",
                      vdevs("server", tmp + "/a0.sock", tmp + "/a1.sock"),
                      tmp + "/fwd.log")
        started.append(fwd)
        gen_a = Testpmd(prefixes["gen_a"], "0@0,1@1",
                        vdevs("client", tmp + "/a0.sock", tmp + "/a1.sock"),
                        tmp + "/gen_a.log", process_group=fwd.proc.pid)
        started.append(gen_a)
        # B: mpmaster (server, its workers in its group), then the generator.
        cfg = os.path.join(tmp, "mp.yaml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(prefix=prefixes["mp"], dir=tmp) +
                    "pid_file: %s/mpmaster.pid\n" % tmp)
        mplog = open(os.path.join(tmp, "mpmaster.log"), "w+")
        mp = subprocess.Popen([os.path.join(args.bin, "mpmaster"), "-c", cfg],
                              stdout=subprocess.DEVNULL, stderr=mplog, process_group=0)
        try:
            tel = mpbench.Telemetry(prefixes["mp"])
            mpbench.wait_for(lambda: mpbench.worker_state(tel, 0) == "running", 30)
        except (TimeoutError, OSError):
            mplog.seek(0)
            sys.exit("mpmaster did not start; its log:\n" + mplog.read()[-4000:])
        gen_b = Testpmd(prefixes["gen_b"], "0@0,1@1",
                        vdevs("client", tmp + "/b0.sock", tmp + "/b1.sock"),
                        tmp + "/gen_b.log", process_group=mp.pid)
        started.append(gen_b)
        for t in (gen_a, gen_b):
            mpbench.wait_for(t.links_up, 30)
        fwd.cmd("set fwd io")
        fwd.cmd("start")
        for t in (gen_a, gen_b):
            t.cmd("set fwd flowgen")
            t.cmd("start")
        groups = [fwd.proc.pid, mp.pid]
        pipelines = [("A testpmd", fwd.proc.pid, gen_a), ("B mpmaster", mp.pid, gen_b)]
        for _, group, _ in pipelines:
            os.killpg(group, signal.SIGSTOP)
        pps = {name: [] for name, _, _ in pipelines}
        print("round  A testpmd-fwd Mpps  B mpmaster Mpps  B/A")
        # Round -1 is a warm-up, not counted: the first turns after the
        # pipelines started came out 10-100 times slower than the next.
        for n in range(-1, args.rounds):
            for name, group, gen in pipelines:
                pps[name].append(measure(group, gen, args.warmup, args.window))
            a, b = pps["A testpmd"][-1], pps["B mpmaster"][-1]
            print("%5d  %17.3f  %15.3f  %.3f" % (n, a / 1e6, b / 1e6, b / a if a else 0))
            sys.stdout.flush()
            if n < 0:
                pps = {name: [] for name in pps}
        for group in groups:
            os.killpg(group, signal.SIGCONT)
        groups = []
        ratios = mpbench.round_ratios(pps["B mpmaster"], pps["A testpmd"])
        med_a = statistics.median(pps["A testpmd"])
        med_b = statistics.median(pps["B mpmaster"])
        print("median A %.3f Mpps, B %.3f Mpps; median of the round ratios B/A %.3f "
              "(min %.3f, max %.3f)" % (med_a / 1e6, med_b / 1e6, statistics.median(ratios),
                                        min(ratios), max(ratios)))
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"pps": pps, "ratios": ratios, "rounds": args.rounds,
                           "window_s": args.window}, f, indent=1)
        # Stop the traffic, then mpmaster, before its peer goes away: a memif
        # peer disconnecting under a polling lcore can crash it (DPDK 22.11).
        for t in (gen_a, gen_b, fwd):
            t.cmd("stop")
        mpbench.stop([mp], timeout=20)
        mplog.seek(0)
        audit = re.findall(r"mempool audit: .*", mplog.read())
        print("mpmaster: " + (audit[-1] if audit else "no mempool audit line"))
    finally:
        for group in groups:
            try:
                os.killpg(group, signal.SIGCONT)
            except ProcessLookupError:
                pass
        if "mp" in locals():
            mpbench.stop([mp], timeout=20)
        for t in reversed(started):
            t.quit()
        mpbench.clean_prefix(prefixes["mp"])
        subprocess.call(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
