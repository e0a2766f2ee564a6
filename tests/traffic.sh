#!/bin/bash
# Real traffic end to end through two network namespaces: ping; a 32 MiB
# TCP transfer arrives byte-identical while a worker is SIGKILLed in the
# middle of it; UDP at a fixed rate loses nothing in the rings.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_tap_env

start_tap_master 2
ip netns exec "$NS0" ping -c 5 -i 0.2 198.18.0.2 >"$T/ping" || fail "ping: $(cat "$T/ping")"
log "$(grep 'packet loss' "$T/ping")"

# TCP: a receiver in NS1 hashes what arrives; the sender in NS0 sends a file.
head -c 33554432 /dev/urandom >"$T/payload"
want=$(sha256sum <"$T/payload" | cut -d' ' -f1)
ip netns exec "$NS1" python3 -c '
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 5201)); s.listen(1)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b); n += len(b)
open(sys.argv[1], "w").write("%s %d\n" % (h.hexdigest(), n))
' "$T/received" &
receiver=$!
STARTED_PIDS="$STARTED_PIDS $receiver"
sleep 0.5
ip netns exec "$NS0" python3 -c '
import socket, sys, time
s = socket.create_connection(("198.18.0.2", 5201), timeout=60)
data = open(sys.argv[1], "rb").read()
for i in range(0, len(data), 1 << 20):
    s.sendall(data[i:i + (1 << 20)])
    time.sleep(0.01)
s.close()
' "$T/payload" &
sender=$!
sleep 0.3
victim=$(worker_field 1 pid)
kill -KILL "$victim"
log "killed worker 1 (pid $victim) during the transfer"
wait "$sender" || fail "sender failed"
wait "$receiver" || fail "receiver failed"
read -r got size <"$T/received"
[ "$size" = 33554432 ] || fail "received $size bytes, want 33554432"
[ "$got" = "$want" ] || fail "checksum mismatch"
wait_until 10 replaced 1 "$victim" || fail "worker 1 was not replaced"
log "32 MiB arrived intact across a worker crash"

# UDP at a fixed, moderate rate: nothing dropped in the rings.
d0=$(jget /mp/stats 'r["distributor"]["dropped"]')
ip netns exec "$NS1" iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
sleep 0.5
timeout 30 ip netns exec "$NS0" iperf3 -c 198.18.0.2 -p 5202 -u -b 20M -t 3 -J >"$T/udp.json" ||
	fail "iperf3 failed"
d1=$(jget /mp/stats 'r["distributor"]["dropped"]')
lost=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]["sum"]; print(e["lost_packets"], e["packets"])' "$T/udp.json")
log "UDP 20 Mbit/s for 3 s: lost/sent $lost, distributor drops $((d1 - d0))"
[ "$d1" = "$d0" ] || fail "the distributor dropped $((d1 - d0)) packets at steady state"
stop_master
log "PASS"
