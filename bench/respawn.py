#!/usr/bin/env python3
"""Crash-to-running latency of mpmaster workers.

Starts mpmaster with two net_null ports and two workers (restart backoff
10 ms), then SIGKILLs worker 0 N times under full load.  For each kill it
measures, over one telemetry connection polled every millisecond, the time
from the kill to the replacement worker being `running` (attached and fed
by the distributor), and reports median and worst case, the packets the
dead worker held (freed, counted as its drops) and the packets taken back
from its ring (redistributed).

Usage (root, hugepages reserved, from the build directory or with --bin):
    bench/respawn.py [--kills 20] [--bin build] [--poll busy|adaptive]
"""
import argparse
import os
import signal
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402

CONFIG = """eal:
  file_prefix: {prefix}
  memory_mb: 256
  args: [--no-pci, --vdev=net_null0, --vdev=net_null1]
distributor: {{lcore: 1, cpu: 0}}
workers:
  poll: {poll}
  restart: {{backoff_ms: [10, 10], max_restarts: 100000, window_s: 1}}
  instances:
    - {{id: 0, lcore: 2, cpu: 1}}
    - {{id: 1, lcore: 3, cpu: {cpu1}}}
stats: {{interval_s: 0}}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--bin", default="build")
    ap.add_argument("--poll", default="busy", choices=["busy", "adaptive"])
    args = ap.parse_args()

    prefix = "mpbench%d" % os.getpid()
    config = CONFIG.format(prefix=prefix, poll=args.poll, cpu1=min(1, os.cpu_count() - 1))
    with mpbench.mpmaster(args.bin, config, prefix, 2) as (master, tel):
        time.sleep(1)
        latencies, held, redistributed = [], [], []
        for _ in range(args.kills):
            before = tel.get("/mp/workers")["0"]
            dist_before = tel.get("/mp/stats")["distributor"]["redistributed"]
            t0 = time.monotonic()
            os.kill(before["pid"], signal.SIGKILL)

            def replaced():
                w = tel.get("/mp/workers")["0"]
                return (w["pid"] not in (0, before["pid"])
                        and w["state"] == "running") and w
            after = mpbench.wait_for(replaced, 10)
            latencies.append((time.monotonic() - t0) * 1000)
            held.append(after["drops"] - before["drops"])
            time.sleep(0.3)
            redistributed.append(
                tel.get("/mp/stats")["distributor"]["redistributed"] - dist_before)
        latencies.sort()
        print("kills: %d (poll %s, backoff 10 ms)" % (args.kills, args.poll))
        print("crash-to-running ms: median %.1f, min %.1f, max %.1f" % (
            statistics.median(latencies), latencies[0], latencies[-1]))
        print("packets held by the dead worker (freed, counted as drops): "
              "mean %.1f, max %d" % (statistics.mean(held), max(held)))
        print("packets taken back from its ring (redistributed): mean %.0f, max %d"
              % (statistics.mean(redistributed), max(redistributed)))
    if master.returncode != 0:
        print("mpmaster exited %d" % master.returncode, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
