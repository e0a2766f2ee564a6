#!/bin/bash
# Real traffic end to end through two network namespaces: ping; a 32 MiB
# TCP transfer arrives byte-identical while a worker is SIGKILLed in the
# middle of it; UDP at a fixed rate loses nothing in the rings.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_tap_env

start_tap_master 2
if [ "$TOPOLOGY" = af_packet ]; then
	grep -q "port 1 (net_af_packet): 1 RX queue(s), transmits through the primary" "$T/master.log" ||
		fail "AF_PACKET port 1 does not transmit through the primary"
fi
ip netns exec "$NS0" ping -c 5 -i 0.2 198.18.0.2 >"$T/ping" || fail "ping: $(cat "$T/ping")"
log "$(grep 'packet loss' "$T/ping")"

# TCP: a receiver in NS1 hashes what arrives; the sender in NS0 sends a
# file.  Both say how far they are, in bytes, in a file: the receiver what
# it has read, the sender what it has handed to its socket.
head -c 33554432 /dev/urandom >"$T/payload"
want=$(sha256sum <"$T/payload" | cut -d' ' -f1)
ip netns exec "$NS1" "$PYTHON" -c '
import hashlib, os, socket, sys
def progress(n):
    open(sys.argv[2] + ".new", "w").write("%d\n" % n)
    os.replace(sys.argv[2] + ".new", sys.argv[2])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 5201)); s.listen(1)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b)
    if (n + len(b)) >> 18 != n >> 18:       # every 256 KiB
        progress(n + len(b))
    n += len(b)
progress(n)
open(sys.argv[1], "w").write("%s %d\n" % (h.hexdigest(), n))
' "$T/received" "$T/rx-progress" &
receiver=$!
STARTED_PIDS="$STARTED_PIDS $receiver"
wait_until 10 listening "$NS1" t 5201 || fail "the receiver does not listen on port 5201"
victim=$(worker_field 1 pid)
# The 20 ms pause after each MiB paces the transfer (0.64 s at least), so
# that the kill below lands inside it on a fast machine too.
ip netns exec "$NS0" "$PYTHON" -c '
import os, socket, sys, time
s = socket.create_connection(("198.18.0.2", 5201), timeout=60)
data = open(sys.argv[1], "rb").read()
for i in range(0, len(data), 1 << 20):
    s.sendall(data[i:i + (1 << 20)])
    open(sys.argv[2] + ".new", "w").write("%d\n" % (i + (1 << 20)))
    os.replace(sys.argv[2] + ".new", sys.argv[2])
    time.sleep(0.02)
s.close()
' "$T/payload" "$T/tx-progress" &
sender=$!
STARTED_PIDS="$STARTED_PIDS $sender"
# Kill worker 1 once the transfer crosses the pipeline (1 MiB received)...
wait_until 20 above 1048575 cat "$T/rx-progress" ||
	fail "the transfer did not start: $(cat "$T/rx-progress" 2>/dev/null || echo 0) bytes received"
kill -KILL "$victim" || fail "worker 1 (pid $victim) was not running"
# ...and make sure it was still going on: what the sender had handed to its
# socket, read after the kill, is short of the whole file.
sent=$(cat "$T/tx-progress" 2>/dev/null || echo 0)
log "killed worker 1 (pid $victim) during the transfer: $(cat "$T/rx-progress") bytes received, $sent sent"
[ "$sent" -lt 33554432 ] || fail "the sender had sent the whole file before the kill"
wait "$sender" || fail "sender failed"
wait "$receiver" || fail "receiver failed"
read -r got size <"$T/received"
[ "$size" = 33554432 ] || fail "received $size bytes, want 33554432"
[ "$got" = "$want" ] || fail "checksum mismatch"
wait_until 10 replaced 1 "$victim" || fail "worker 1 was not replaced"
log "32 MiB arrived intact across a worker crash"

# UDP at a fixed, moderate rate: nothing dropped in the rings.
d0=$(jget /mp/stats 'r["distributor"]["dropped"]')
t0=$(jget /mp/stats 'r["transmitter"]["dropped"]')
ip netns exec "$NS1" iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
wait_until 10 listening "$NS1" t 5202 || fail "iperf3 -s does not listen on port 5202"
timeout 30 ip netns exec "$NS0" iperf3 -c 198.18.0.2 -p 5202 -u -b 20M -t 3 -J >"$T/udp.json" ||
	fail "iperf3 failed"
d1=$(jget /mp/stats 'r["distributor"]["dropped"]')
t1=$(jget /mp/stats 'r["transmitter"]["dropped"]')
lost=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]["sum"]; print(e["lost_packets"], e["packets"])' "$T/udp.json")
log "UDP 20 Mbit/s for 3 s: lost/sent $lost, distributor drops $((d1 - d0))"
[ "$d1" = "$d0" ] || fail "the distributor dropped $((d1 - d0)) packets at steady state"
[ "$t1" = "$t0" ] || fail "the transmitter dropped $((t1 - t0)) packets at steady state"
stop_master
log "PASS"
