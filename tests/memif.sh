#!/bin/bash
# memif against dpdk-testpmd as the traffic generator: two memif ports in
# mpmaster (server role), a testpmd peer (client role) sends into port 0
# and port 1 and counts what mpmaster forwards back (0<->1).
#  - the links come up, and the master logs it;
#  - bounded rounds of traffic ("start tx_first 8" in rxonly mode: 8 bursts
#    of 32 on each port, 512 packets, less than any ring on the way holds):
#    every packet sent comes back, mpmaster drops none;
#  - continuous traffic (flowgen) across a SIGKILL of the worker: every
#    packet testpmd sent is received back or counted as dropped by
#    mpmaster (distributor drops + the worker's drops, which include what
#    the master freed or counted lost after the crash, + what the memif
#    port refused the transmitter);
#  - the peer reconnecting (testpmd restarted): traffic flows again through
#    the same worker, with the new connection's memory (memif ports
#    transmit through the master's transmitter: a worker would keep the
#    old connection's mapping);
#  - the peer quitting under traffic, again and again: DPDK 22.11's memif
#    unmaps a connection's memory on EAL's interrupt thread while the
#    distributor may be reading it, which crashed the master about one
#    quit in three, until the master made such unmaps wait for the
#    distributor's iteration (src/master/quiesce.c);
#  - mpmaster as the client of a testpmd server, with one and with two
#    queue pairs (rx_queues: 2, testpmd --rxq=2 --txq=2).
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v dpdk-testpmd >/dev/null || skip "needs dpdk-testpmd (package dpdk)"
command -v stdbuf >/dev/null || skip "needs stdbuf"

TP_PREFIX=${PREFIX}tp
TP_PID=
M0=$T/m0.sock
M1=$T/m1.sock

# Runtime files of the testpmd (--in-memory still makes its directory).
memif_cleanup() {
	if [ -n "$TP_PID" ]; then
		kill -KILL "$TP_PID" 2>/dev/null || true
		wait "$TP_PID" 2>/dev/null || true
	fi
	rm -rf "/var/run/dpdk/$TP_PREFIX"
	cleanup
}
trap memif_cleanup EXIT

# tp_start [ROLE]: an interactive testpmd on the two memif sockets, in
# memif role ROLE (default client), its forwarding lcore on the workers'
# CPU; commands through a fifo, output unbuffered into $T/tp.log.
tp_start() {
	local role=${1:-client}
	rm -f "$T/tp.in"
	mkfifo "$T/tp.in"
	stdbuf -o0 dpdk-testpmd --lcores="0@0,1@$((1 % NCPU))" --in-memory \
		--file-prefix="$TP_PREFIX" --no-pci -m 256 \
		"--vdev=net_memif0,role=$role,socket=$M0,id=0" \
		"--vdev=net_memif1,role=$role,socket=$M1,id=0" \
		-- -i --total-num-mbufs=16384 ${TP_QUEUES:-} <"$T/tp.in" >"$T/tp.log" 2>&1 &
	TP_PID=$!
	exec 7>"$T/tp.in"
	wait_until 60 above 0 tp_prompts || fail "testpmd did not start: $(tail -20 "$T/tp.log")"
}

tp_stop() {
	echo quit >&7
	exec 7>&-
	wait_until 20 tp_gone || { kill -KILL "$TP_PID"; }
	wait "$TP_PID" 2>/dev/null || true
	TP_PID=
	rm -rf "/var/run/dpdk/$TP_PREFIX"
}

tp_gone() { ! kill -0 "$TP_PID" 2>/dev/null; }
tp_prompts() { grep -o 'testpmd> ' "$T/tp.log" | wc -l; }

# tp COMMAND: send it and wait for the next prompt; its output is in $T/tp.out.
tp() {
	local n off
	n=$(tp_prompts)
	off=$(stat -c %s "$T/tp.log")
	echo "$*" >&7
	wait_until 30 above "$n" tp_prompts || fail "testpmd did not answer '$*'"
	tail -c +$((off + 1)) "$T/tp.log" >"$T/tp.out"
}

# tp_counts: "RX TX" packets summed over both ports (the PMD's counters).
tp_counts() {
	tp "show port stats all"
	awk '/RX-packets:/ {rx += $2} /TX-packets:/ {tx += $2} END {print rx + 0, tx + 0}' "$T/tp.out"
}
tp_rx() { tp_counts | cut -d' ' -f1; }
tp_links_up() { tp "show port info all"; [ "$(grep -c 'Link status: up' "$T/tp.out")" = 2 ]; }

# rx_settles: testpmd's RX count did not move since the last call.
rx_settles() {
	local now
	now=$(tp_rx)
	[ "$now" = "${LAST_RX:-}" ] && return 0
	LAST_RX=$now
	return 1
}

dist_dropped() { jget /mp/stats 'r["distributor"]["dropped"]'; }
worker_drops() { worker_field 0 drops; }
tx_dropped() { jget /mp/stats 'r["transmitter"]["dropped"]'; }

write_config "$T/mp.yaml" 1
sed -i "s|  args: \[--no-pci.*|  args: [--no-pci, \"--vdev=net_memif0,role=server,socket=$M0,id=0\", \"--vdev=net_memif1,role=server,socket=$M1,id=0\"]|" "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 1 || fail "the worker did not reach running"

tp_start
wait_until 30 tp_links_up || fail "the memif links did not come up: $(grep -i memif "$T/tp.log" | tail -5)"
wait_until 10 grep -q 'port 1 (net_memif1): link up' "$T/master.log" ||
	fail "the master did not log the links coming up"
log "memif links up (testpmd client, mpmaster server)"

# bounded_rounds N: N rounds of 512 packets, TX_FIRST bursts of 32 on each
# of testpmd's streams (one per port and queue), at most half of what the
# worker's ring holds; nothing may be dropped, every packet comes back.
# Leaves testpmd's counts in rx1 and tx1.
PER_ROUND=512
TX_FIRST=8
bounded_rounds() {
	local n=$1 round want rx0 tx0 d0 w0
	tp "set fwd rxonly"
	read -r rx0 tx0 <<<"$(tp_counts)"
	d0=$(dist_dropped)
	w0=$(worker_drops)
	t0=$(tx_dropped)
	for round in $(seq "$n"); do
		tp "start tx_first $TX_FIRST"
		want=$((rx0 + PER_ROUND * round))
		wait_until 10 above $((want - 1)) tp_rx ||
			fail "round $round: testpmd received $(tp_rx), want $want; mpmaster: $(tel /mp/stats)"
		tp stop
	done
	read -r rx1 tx1 <<<"$(tp_counts)"
	[ $((tx1 - tx0)) = $((PER_ROUND * n)) ] ||
		fail "testpmd sent $((tx1 - tx0)) packets, want $((PER_ROUND * n))"
	[ $((rx1 - rx0)) = $((PER_ROUND * n)) ] ||
		fail "testpmd received $((rx1 - rx0)) of $((PER_ROUND * n))"
	[ "$(dist_dropped)" = "$d0" ] || fail "the distributor dropped $(($(dist_dropped) - d0))"
	[ "$(worker_drops)" = "$w0" ] || fail "the worker dropped $(($(worker_drops) - w0))"
	[ "$(tx_dropped)" = "$t0" ] || fail "the transmitter dropped $(($(tx_dropped) - t0))"
	log "$n rounds of $PER_ROUND packets: $((PER_ROUND * n)) sent, $((PER_ROUND * n)) received back, no drops"
}

bounded_rounds 20
d0=$(dist_dropped)
w0=$(worker_drops)
t0=$(tx_dropped)

# Continuous traffic across a worker kill: every packet accounted for.
tp "set fwd flowgen"
tp start
a=$(worker_field 0 rx)
wait_until 10 above $((a + 100000)) worker_field 0 rx || fail "the worker does not forward flowgen's traffic"
victim=$(worker_field 0 pid)
kill -KILL "$victim" || fail "worker 0 (pid $victim) was not running"
wait_until 30 replaced 0 "$victim" || fail "worker 0 was not replaced"
b=$(tp_rx)
wait_until 10 above $((b + 100000)) tp_rx || fail "no traffic back after the worker was replaced"
tp stop
# What is still on the way comes back while testpmd only receives.
tp "set fwd rxonly"
tp start
LAST_RX=
wait_until 10 rx_settles || fail "testpmd's RX count does not settle"
tp stop
read -r rx2 tx2 <<<"$(tp_counts)"
sent=$((tx2 - tx1))
back=$((rx2 - rx1))
dd=$(($(dist_dropped) - d0))
wd=$(($(worker_drops) - w0))
td=$(($(tx_dropped) - t0))
log "across a kill of worker 0: sent $sent, received $back, distributor drops $dd, worker drops $wd, transmitter drops $td"
grep "died in a burst" "$T/master.log" | tail -n 1 | sed "s/^/    /" || true
[ "$sent" = $((back + dd + wd + td)) ] ||
	fail "$((sent - back - dd - wd - td)) packets unaccounted for (sent $sent, back $back, drops $dd + $wd + $td)"

# The peer reconnects: a new testpmd, new memif regions; the worker must
# not go on writing into the old ones.  Only this step disconnects a peer
# under the polling distributor; a crash of the master here is the DPDK
# 22.11 memif bug described above.
tp_stop
wait_until 10 grep -q 'port 1 (net_memif1): link down' "$T/master.log" ||
	fail "the master did not log the links going down"
master_alive || fail "the master died when its memif peer disconnected"
tp_start
wait_until 30 tp_links_up || fail "the memif links did not come up again"
tp "set fwd rxonly"
read -r rx3 _ <<<"$(tp_counts)"
tp "start tx_first 8"
wait_until 10 above $((rx3 + 511)) tp_rx ||
	fail "after the peer reconnected testpmd received $(($(tp_rx) - rx3)) of 512"
tp stop
log "the peer reconnected: 512 sent, 512 received back"

# The peer quits under traffic, QUITS times; the master lives through each.
QUITS=${MEMIF_QUITS:-8}
downs() { grep -c 'port 0 (net_memif0): link down' "$T/master.log"; }
for q in $(seq 1 "$QUITS"); do
	tp "set fwd flowgen"
	tp start
	a=$(worker_field 0 rx)
	wait_until 30 above $((a + 10000)) worker_field 0 rx || fail "quit $q: no traffic"
	n=$(downs)
	tp_stop
	wait_until 10 above "$n" downs || fail "quit $q: the master did not see the link go down"
	master_alive || fail "the master died when its memif peer quit under traffic (quit $q)"
	tp_start
	wait_until 30 tp_links_up || fail "quit $q: the memif links did not come up again"
done
log "the peer quit $QUITS times under traffic; the master lived through each"

stop_master
tp_stop

# mpmaster as the memif client of a testpmd server (1 queue pair each: a
# client offering more rings than the server has queues is refused).  The
# server must listen before the master starts its ports.
tp_start server
sed -i 's/role=server/role=client/g' "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 1 || fail "the worker did not reach running (mpmaster as memif client)"
wait_until 30 tp_links_up || fail "the memif links did not come up with mpmaster as client: $(grep -i 'memif\|link' "$T/master.log" | tail -5)"
log "memif links up (testpmd server, mpmaster client)"
bounded_rounds 5
stop_master
tp_stop

# Two queue pairs on each side: the distributor polls both RX queues.
TP_QUEUES="--rxq=2 --txq=2" tp_start server
sed -i 's/^ports: .*/ports: [{id: 0, rx_queues: 2}, {id: 1, rx_queues: 2}]/' "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 1 || fail "the worker did not reach running (2 queue pairs)"
grep -q "port 0 (net_memif): 2 RX queue(s), transmits through the primary" "$T/master.log" ||
	fail "port 0 did not get 2 RX queues"
wait_until 30 tp_links_up || fail "the memif links did not come up with 2 queue pairs"
TX_FIRST=4
bounded_rounds 5
q1=$(jget /ethdev/stats,0 'r["q_ipackets"][1]')
[ "$q1" -gt 0 ] || fail "nothing arrived on RX queue 1 of port 0"
log "2 queue pairs: RX queue 1 of port 0 received $q1 packets"
stop_master
tp_stop
log "PASS"
