"""Shared pieces of the benchmarks: telemetry client, process and
runtime-file handling.  Every run uses its own DPDK file prefix and removes
its runtime directory and hugepage files afterwards."""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Telemetry:
    """One connection to a primary's DPDK telemetry socket."""

    def __init__(self, prefix, timeout=30):
        path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        wait_for(lambda: os.path.exists(path), timeout)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        wait_for(lambda: self._connect(path), timeout)
        self.maxlen = json.loads(self.sock.recv(1024))["max_output_len"]

    def _connect(self, path):
        try:
            self.sock.connect(path)
            return True
        except OSError:
            return False

    def get(self, cmd):
        self.sock.send(cmd.encode())
        return json.loads(self.sock.recv(self.maxlen))[cmd.split(",")[0]]

    def opackets(self, ports=(0, 1)):
        return sum(self.get("/ethdev/stats,%d" % p)["opackets"] for p in ports)

    def queue_opackets(self, ports=(0, 1)):
        """Packets sent per TX queue index, summed over the ports."""
        per_port = [self.get("/ethdev/stats,%d" % p)["q_opackets"] for p in ports]
        return [sum(q) for q in zip(*per_port)]


def worker_state(tel, wid):
    """State of worker wid, None until the master has registered /mp/."""
    workers = tel.get("/mp/workers") or {}
    return workers.get(str(wid), {}).get("state")


def wait_for(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.001)
    raise TimeoutError("timed out after %s s" % timeout)


def stop(procs, timeout=10):
    """SIGTERM the processes (last first), SIGKILL what is left after timeout."""
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    end = time.monotonic() + timeout
    for p in reversed(procs):
        try:
            p.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def clean_prefix(prefix):
    subprocess.call(["rm", "-rf", "/var/run/dpdk/" + prefix])
    for f in os.listdir("/dev/hugepages"):
        if f.startswith(prefix + "map_"):
            os.unlink(os.path.join("/dev/hugepages", f))


def measure_pps(tel, warmup, window, count=Telemetry.opackets):
    """Rate of count(tel), by default packets leaving the ports, per second
    over window seconds."""
    time.sleep(warmup)
    a, t0 = count(tel), time.monotonic()
    time.sleep(window)
    b, t1 = count(tel), time.monotonic()
    return (b - a) / (t1 - t0)


def pause(leader):
    """SIGSTOP every process of the pipeline led by leader (its process group)."""
    os.killpg(leader.pid, signal.SIGSTOP)


def resume(leader):
    if leader.poll() is None:
        os.killpg(leader.pid, signal.SIGCONT)


def interleave(pipelines, slices, warmup, window, report=None,
               count=Telemetry.opackets, wake=resume):
    """Measure several pipelines that were all started beforehand, taking
    turns: in each of slices rounds, every pipeline in order is woken
    (wake, by default resume), measured (measure_pps of count) and paused
    again, so that only one runs at a time.  pipelines maps a name to
    (group leader process, telemetry).  Turns of a second or two put the
    variants a few seconds apart, close enough that this VM rarely changes
    speed between them, and no program restarts in between.  Calls
    report(slice, {name: rate}) after each round; returns {name: [rate of
    each round]}.  Leaves every pipeline running."""
    pps = {name: [] for name in pipelines}
    try:
        for leader, _ in pipelines.values():
            pause(leader)
        for n in range(slices):
            for name, (leader, tel) in pipelines.items():
                wake(leader)
                try:
                    pps[name].append(measure_pps(tel, warmup, window, count))
                finally:
                    pause(leader)
            if report:
                report(n, {name: v[-1] for name, v in pps.items()})
    finally:
        for leader, _ in pipelines.values():
            resume(leader)
    return pps


def round_ratios(a, b):
    """Ratio of a to b in each round of turns: what to take the median of,
    since this VM changes speed between rounds far more than within one."""
    return [x / y for x, y in zip(a, b) if y > 0]


def build_reference():
    """Build DPDK's client_server_mp (once); returns its directory."""
    return subprocess.check_output(
        [os.path.join(HERE, "build-reference.sh"), os.path.join(HERE, "ref-build")],
        stderr=subprocess.DEVNULL).decode().strip()


@contextlib.contextmanager
def mpmaster(binary, config, prefix, workers):
    """Run mpmaster with config (YAML text without pid_file, which goes to a
    temporary directory) for the duration of the with block; yields
    (process, telemetry) once workers 0..workers-1 are running."""
    tmp = tempfile.mkdtemp(prefix="mpbench.")
    cfg = os.path.join(tmp, "mp.yaml")
    with open(cfg, "w") as f:
        f.write(config + "pid_file: %s/mpmaster.pid\n" % tmp)
    log = open(os.path.join(tmp, "mpmaster.log"), "w+")
    proc = subprocess.Popen([os.path.join(binary, "mpmaster"), "-c", cfg],
                            stdout=subprocess.DEVNULL, stderr=log, process_group=0)
    try:
        try:
            tel = Telemetry(prefix)
            wait_for(lambda: all(worker_state(tel, i) == "running" for i in range(workers)), 30)
        except (TimeoutError, OSError):
            log.seek(0)
            print("mpmaster did not start; its log:\n" + log.read()[-4000:], file=sys.stderr)
            raise
        yield proc, tel
    finally:
        log.close()
        resume(proc)
        stop([proc], timeout=20)
        clean_prefix(prefix)
        subprocess.call(["rm", "-rf", tmp])


@contextlib.contextmanager
def reference(refdir, prefix, clients, vdevs, server_cpu=0, client_cpu=1):
    """Run client_server_mp (mp_server on lcores 0 and 1 of server_cpu, the
    clients on lcores 2.. of client_cpu) with the given --vdev arguments, all
    in the server's process group; yields (server process, server's
    telemetry) once the clients are started."""
    common = ["--file-prefix=" + prefix, "--no-pci"]
    server = subprocess.Popen(
        [os.path.join(refdir, "mp_server"), "--lcores=0@%d,1@%d" % (server_cpu, server_cpu),
         "-m", "256"] + vdevs + common + ["--", "-p", "0x3", "-n", str(clients)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, process_group=0)
    procs = [server]
    try:
        tel = Telemetry(prefix)
        for i in range(clients):
            procs.append(subprocess.Popen(
                [os.path.join(refdir, "mp_client"), "--lcores=%d@%d" % (2 + i, client_cpu),
                 "--proc-type=secondary"] + common + ["--", "-n", str(i)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                process_group=server.pid))
        yield server, tel
    finally:
        resume(server)
        stop(procs)
        clean_prefix(prefix)
