#!/bin/bash
# Hot upgrade of the worker logic: pointing workers.program at a new binary
# and reloading replaces every worker, one at a time, each drained before
# it stops, with zero packets dropped (rings and ports) under UDP load.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_tap_env

start_tap_master 2
old0=$(worker_field 0 pid); old1=$(worker_field 1 pid)
drops() { jget /mp/stats 'r["distributor"]["dropped"]' ; }
wdrops() { jget /mp/workers 'r["0"]["drops"] + r["1"]["drops"]'; }
d0=$(drops); w0=$(wdrops)

ip netns exec "$NS1" iperf3 -s -1 -p 5203 >/dev/null 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
wait_until 10 listening "$NS1" t 5203 || fail "iperf3 -s does not listen on port 5203"
port0_rx() { jget /mp/stats 'r["port0"]["rx"]'; }
rx0=$(port0_rx)
timeout 30 ip netns exec "$NS0" iperf3 -c 198.18.0.2 -p 5203 -u -b 10M -t 6 -J >"$T/udp.json" &
client=$!
# The load is on once 500 of its datagrams (about 0.6 s of it) reached port 0.
wait_until 10 above $((rx0 + 500)) port0_rx || fail "no UDP load on port 0: rx $rx0 -> $(port0_rx)"

cp "$MPMASTER" "$T/mpmaster-v2"
cp "$(dirname "$MPMASTER")/mpworker" "$T/mpworker-v2"
sed -i "s|^workers:|workers:\n  program: $T/mpworker-v2|" "$T/mp.yaml"
start=$(date +%s%N)
kill -HUP "$MASTER_PID"
upgraded() { [ "$(jget /mp/config 'r["generation"]')" = 2 ]; }
wait_until 20 upgraded || fail "reload did not complete"
ms=$((($(date +%s%N) - start) / 1000000))
running "$client" || fail "the UDP load ended before the rolling restart did ($ms ms)"
wait "$client" || fail "iperf3 failed"

for i in 0 1; do
	pid=$(worker_field $i pid)
	[ "$pid" != "$old0" ] && [ "$pid" != "$old1" ] || fail "worker $i was not replaced"
	[ "$(readlink "/proc/$pid/exe")" = "$T/mpworker-v2" ] || fail "worker $i does not run the new binary"
done
[ "$(grep -c 'reload: restarting worker' "$T/master.log")" = 2 ] || fail "not a rolling restart"
lost=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]["sum"]; print(e["lost_packets"])' "$T/udp.json")
log "rolling restart of 2 workers took $ms ms; ring drops $(($(drops) - d0)), TX drops $(($(wdrops) - w0)), iperf3 lost $lost"
[ "$(drops)" = "$d0" ] || fail "the distributor dropped $(($(drops) - d0)) packets"
[ "$(wdrops)" = "$w0" ] || fail "the workers dropped $(($(wdrops) - w0)) packets"
stop_master
log "PASS"
