"""Shared pieces of the benchmarks: telemetry client, process and
runtime-file handling.  Every run uses its own DPDK file prefix and removes
its runtime directory and hugepage files afterwards."""
import json
import os
import signal
import socket
import subprocess
import time


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


def measure_pps(tel, warmup, window):
    """Packets per second leaving the ports over window seconds."""
    time.sleep(warmup)
    a, t0 = tel.opackets(), time.monotonic()
    time.sleep(window)
    b, t1 = tel.opackets(), time.monotonic()
    return (b - a) / (t1 - t0)
