#!/usr/bin/env python3
"""CPU cost of the idle control plane and memory footprint per process.

Starts mpmaster with N adaptive-polling workers on two net_null ports that
receive nothing (no-rx), lets it settle, then samples every thread's CPU
time from /proc over a window: the libuv control thread (the master's main
thread) must stay under 1% of a CPU.  Also reports the hugepage memory the
primary reserved and, per process, resident memory (anonymous, file,
shared) and the hugepage memory it maps.

Usage (root, hugepages reserved):
    bench/footprint.py [--workers 2] [--window 20] [--bin build]
                       [--out bench/results/footprint.json]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpbench  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")

CONFIG = """eal:
  file_prefix: {prefix}
  main_lcore: 0
  main_cpu: 0
  memory_mb: 256
  args: [--no-pci, "--vdev=net_null0,no-rx=1", "--vdev=net_null1,no-rx=1"]
distributor: {{lcore: 1, cpu: 0}}
workers:
  poll: adaptive
  instances:
{instances}
stats: {{interval_s: 1}}
"""


def thread_times(pid):
    """{tid: (name, cpu seconds)} for every thread of pid."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def memory(pid):
    """Resident memory and mapped hugepage memory of pid, in KiB."""
    mem = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                mem[key] = int(line.split()[1])
    huge = 0
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            if line.startswith(("Shared_Hugetlb:", "Private_Hugetlb:")):
                huge += int(line.split()[1])
    mem["Hugetlb"] = huge
    return mem


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--window", type=float, default=20.0)
    ap.add_argument("--bin", default="build")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "footprint.json"))
    args = ap.parse_args()

    prefix = "mpbf%d" % os.getpid()
    ncpu = os.cpu_count()
    config = CONFIG.format(prefix=prefix, instances="".join(
        "    - {id: %d, lcore: %d, cpu: %d}\n" % (i, 2 + i, (i + 1) % ncpu)
        for i in range(args.workers)))
    with mpbench.mpmaster(args.bin, config, prefix, args.workers) as (master, tel):
        workers = [tel.get("/mp/workers")[str(i)]["pid"] for i in range(args.workers)]
        time.sleep(2)
        procs = [("mpmaster", master.pid)] + [("worker %d" % i, p) for i, p in enumerate(workers)]
        before = {pid: thread_times(pid) for _, pid in procs}
        t0 = time.monotonic()
        time.sleep(args.window)
        after = {pid: thread_times(pid) for _, pid in procs}
        elapsed = time.monotonic() - t0
        hugefiles = [f for f in os.listdir("/dev/hugepages") if f.startswith(prefix + "map_")]
        huge_kib = sum(os.stat(os.path.join("/dev/hugepages", f)).st_blocks * 512
                       for f in hugefiles) // 1024
        mem = {label: memory(pid) for label, pid in procs}

    threads = []
    for label, pid in procs:
        for tid, (name, t1) in sorted(after[pid].items()):
            t0_ = before[pid].get(tid, (name, t1))[1]
            role = name
            if pid == master.pid and tid == pid:
                role = "control loop (libuv)"
            elif name == "rte-worker-1":
                role = "distributor (busy polling)"
            threads.append({"process": label, "thread": name, "role": role,
                            "cpu_percent": 100.0 * (t1 - t0_) / elapsed})
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "workers": args.workers, "window_s": elapsed,
              "primary_hugepages_kib": huge_kib, "threads": threads, "memory_kib": mem}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)

    print("idle, %d adaptive worker(s), %.0f s window: CPU per thread" % (args.workers, elapsed))
    for t in threads:
        print("  %-9s %-16s %-28s %6.2f%%" % (t["process"], t["thread"], t["role"], t["cpu_percent"]))
    print("hugepage memory reserved by the primary: %d MiB (%d files)" % (huge_kib // 1024, len(hugefiles)))
    print("memory per process (MiB): RSS = anon + file + shmem; hugetlb mapped")
    for label, m in mem.items():
        print("  %-9s RSS %6.1f = %6.1f + %6.1f + %6.1f; hugetlb %6.1f" % (
            label, m["VmRSS"] / 1024, m["RssAnon"] / 1024, m["RssFile"] / 1024,
            m["RssShmem"] / 1024, m["Hugetlb"] / 1024))
    print("results written to %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
