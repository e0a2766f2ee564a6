#!/usr/bin/env python3
"""Ask a DPDK primary's telemetry socket for COMMANDS in a loop, as fast as
it answers, over one connection at a time, reconnecting whenever the
socket goes away (the master stopped) or appears again (a new one
started).  Each reply is checked to be JSON of the command asked; the
counts of good replies, null replies (an error answered) and connections
go to STATUS_FILE, rewritten after every connection and every 200 replies,
so that a test can wait until this poller has really talked to a master.

Usage: telemetry_poller.py PREFIX STATUS_FILE COMMAND...
"""
import json
import os
import socket
import sys
import time


def main():
    prefix, status_path, commands = sys.argv[1], sys.argv[2], sys.argv[3:]
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    good = null = connections = 0

    def status():
        tmp = status_path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d %d\n" % (good, null, connections))
        os.replace(tmp, status_path)

    status()
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            s.connect(path)
            info = json.loads(s.recv(16384).decode())
            bufsize = info.get("max_output_len", 16384)
        except (OSError, ValueError):
            s.close()
            time.sleep(0.001)
            continue
        connections += 1
        status()
        try:
            while True:
                for cmd in commands:
                    s.send(cmd.encode())
                    reply = s.recv(bufsize)
                    if not reply:
                        raise EOFError
                    value = json.loads(reply.decode())[cmd]
                    if value is None:
                        null += 1
                    else:
                        good += 1
                    if (good + null) % 200 == 0:
                        status()
        except (OSError, ValueError, KeyError, EOFError):
            pass
        s.close()
        status()


if __name__ == "__main__":
    main()
