#!/bin/bash
# distributor.mode flow-hash: all packets of one TCP flow go to one worker
# (both directions), where round-robin spreads them over both.  The mode is
# switched by a reload, which applies it live.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_tap_env

start_tap_master 2
ip netns exec "$NS1" iperf3 -s -p 5204 >/dev/null 2>&1 &
STARTED_PIDS="$STARTED_PIDS $!"
wait_until 10 listening "$NS1" t 5204 || fail "iperf3 -s does not listen on port 5204"

# tcp_run NAME: a 3 s single-flow TCP transfer; prints "retransmits rx0 rx1".
tcp_run() {
	local a0 a1
	a0=$(worker_field 0 rx); a1=$(worker_field 1 rx)
	timeout 30 ip netns exec "$NS0" iperf3 -c 198.18.0.2 -p 5204 -t 3 -J >"$T/$1.json" ||
		fail "iperf3 $1 failed"
	echo "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_sent"]["retransmits"])' "$T/$1.json") $(($(worker_field 0 rx) - a0)) $(($(worker_field 1 rx) - a1))"
}

# minor A B: the smaller of two counts.
minor() { echo $(($1 < $2 ? $1 : $2)); }

read -r rr_retx rr0 rr1 <<<"$(tcp_run rr)"
log "round-robin: $rr_retx retransmits, worker rx $rr0 / $rr1"
# Round-robin spreads the flow over both workers: the check below can tell.
[ "$(minor "$rr0" "$rr1")" -ge $(((rr0 + rr1) / 4)) ] || fail "round-robin did not spread the flow: $rr0 / $rr1"

sed -i "s|^distributor:.*|distributor: {lcore: 1, cpu: 0, mode: flow-hash}|" "$T/mp.yaml"
sed -i "/^  lcore: 1$/d; /^  cpu: 0$/d" "$T/mp.yaml"
kill -HUP "$MASTER_PID"
is_flow_hash() { [ "$(jget /mp/config 'r["mode"]')" = flow-hash ]; }
wait_until 10 is_flow_hash || fail "mode did not switch: $(tail -3 "$T/master.log")"

read -r fh_retx fh0 fh1 <<<"$(tcp_run fh)"
log "flow-hash: $fh_retx retransmits, worker rx $fh0 / $fh1"
# The data flow (data and ACKs) is on one worker.  The other may carry
# iperf3's control connection (another 5-tuple), ARP and IPv6 neighbour
# discovery: a few dozen packets against the flow's hundreds of thousands.
# (Retransmissions are logged, not compared: they also come from drops
# whenever the 2 CPUs are busy, and vary widely between runs of one mode:
# flow-hash 0, 117 and 1456 in three runs, round-robin 3874 to 7632.)
[ "$(minor "$fh0" "$fh1")" -le $(((fh0 + fh1) / 100)) ] || fail "flow split across workers: $fh0 / $fh1"
stop_master
log "PASS"
