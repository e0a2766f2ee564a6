#!/bin/bash
# Hot upgrade of the worker logic: pointing workers.program at a new binary
# and reloading replaces every worker, one at a time, each drained before
# it stops, with zero packets dropped (rings and ports) under UDP load.
# Then the operator's rolling restart, `mpctl restart all`, under the same
# load: the same zero.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_tap_env

start_tap_master 2
old0=$(worker_field 0 pid); old1=$(worker_field 1 pid)
drops() { jget /mp/stats 'r["distributor"]["dropped"]' ; }
wdrops() { jget /mp/workers 'r["0"]["drops"] + r["1"]["drops"]'; }
d0=$(drops); w0=$(wdrops); o0=$(outside_losses); q0=$(queue_drops)

# UDP load for as long as the test wants: the sender sends 10000
# datagrams a second until $T/stop exists, then writes how many it sent;
# the receiver counts what arrives and writes its count whenever nothing
# arrived for 0.2 s.
ip netns exec "$NS1" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("198.18.0.2", 5203)); s.settimeout(0.2); n = 0
while True:
    try:
        s.recv(2048); n += 1
    except socket.timeout:
        open(sys.argv[1] + ".tmp", "w").write("%d\n" % n)
        __import__("os").replace(sys.argv[1] + ".tmp", sys.argv[1])
' "$T/received" &
STARTED_PIDS="$STARTED_PIDS $!"
wait_until 10 listening "$NS1" u 5203 || fail "the UDP receiver does not listen on port 5203"
ip netns exec "$NS0" "$PYTHON" -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); n = 0; t = time.monotonic()
while not os.path.exists(sys.argv[1]):
    s.sendto(b"x" * 512, ("198.18.0.2", 5203)); n += 1
    t += 0.0001
    time.sleep(max(0, t - time.monotonic()))
open(sys.argv[2], "w").write("%d\n" % n)
' "$T/stop" "$T/sent" &
sender=$!
STARTED_PIDS="$STARTED_PIDS $sender"
port0_rx() { jget /mp/stats 'r["port0"]["rx"]'; }
rx0=$(port0_rx)
# The load is on once 500 of its datagrams reached port 0.
wait_until 10 above $((rx0 + 500)) port0_rx || fail "no UDP load on port 0: rx $rx0 -> $(port0_rx)"

cp "$MPMASTER" "$T/mpmaster-v2"
cp "$(dirname "$MPMASTER")/mpworker" "$T/mpworker-v2"
sed -i "s|^workers:|workers:\n  program: $T/mpworker-v2|" "$T/mp.yaml"
start=$(date +%s%N)
kill -HUP "$MASTER_PID"
upgraded() { [ "$(jget /mp/config 'r["generation"]')" = 2 ]; }
wait_until 20 upgraded || fail "reload did not complete"
ms=$((($(date +%s%N) - start) / 1000000))
running "$sender" || fail "the UDP load ended before the rolling restart did ($ms ms)"
[ "$(grep -c 'reload: restarting worker' "$T/master.log")" = 2 ] || fail "not a rolling restart"
rx1=$(port0_rx)
wait_until 10 above $((rx1 + 500)) port0_rx || fail "no UDP load after the upgrade"

up0=$(worker_field 0 pid); up1=$(worker_field 1 pid)
start=$(date +%s%N)
"$MPCTL" -c "$T/mp.yaml" restart all >"$T/restart.out" 2>&1 ||
	fail "mpctl restart all exited $?: $(cat "$T/restart.out")"
ms2=$((($(date +%s%N) - start) / 1000000))
running "$sender" || fail "the UDP load ended before mpctl restart all did ($ms2 ms)"
grep -q "^2 worker(s) restarted$" "$T/restart.out" || fail "mpctl said: $(cat "$T/restart.out")"
[ "$(grep -c "^worker [01] running (pid" "$T/restart.out")" = 2 ] ||
	fail "no progress line per worker: $(cat "$T/restart.out")"
[ "$(grep -c 'restart: restarting worker' "$T/master.log")" = 2 ] || fail "not a rolling restart"
for i in 0 1; do
	pid=$(worker_field $i pid)
	[ "$pid" != "$up0" ] && [ "$pid" != "$up1" ] || fail "mpctl restart all did not replace worker $i"
done
[ "$(jget /mp/config 'r["generation"]')" = 2 ] || fail "a restart changed the generation"
# Let the load run on the new workers too, then end it.
rx2=$(port0_rx)
wait_until 10 above $((rx2 + 500)) port0_rx || fail "no UDP load after the restart"
touch "$T/stop"
wait "$sender" || fail "the UDP sender failed"
sent=$(cat "$T/sent")
got() { cat "$T/received" 2>/dev/null || echo 0; }
accounted() { [ $(($(got) + $(outside_losses) - o0)) -ge "$sent" ]; }
wait_until 10 accounted ||
	fail "sent $sent datagrams, $(got) arrived, $(($(outside_losses) - o0)) dropped by the kernels outside the pipeline"
outside=$(($(outside_losses) - o0))
[ $(($(got) + outside)) = "$sent" ] ||
	fail "sent $sent datagrams, $(got) arrived and $outside dropped outside the pipeline"

for i in 0 1; do
	pid=$(worker_field $i pid)
	[ "$pid" != "$old0" ] && [ "$pid" != "$old1" ] || fail "worker $i was not replaced"
	[ "$(readlink "/proc/$pid/exe")" = "$T/mpworker-v2" ] || fail "worker $i does not run the new binary"
done
log "rolling upgrade of 2 workers took $ms ms, mpctl restart all $ms2 ms; ring drops $(($(drops) - d0)), TX drops $(($(wdrops) - w0)); UDP sent $sent, received $(got), dropped by the kernels outside the pipeline $outside ($(($(queue_drops) - q0)) in NS0's queue to the master, the rest in NS1's socket buffer)"
[ "$(drops)" = "$d0" ] || fail "the distributor dropped $(($(drops) - d0)) packets"
[ "$(wdrops)" = "$w0" ] || fail "the workers dropped $(($(wdrops) - w0)) packets"
stop_master
log "PASS"
