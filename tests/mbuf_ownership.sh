#!/bin/bash
# Every mbuf has exactly one owner at every instruction: a worker, a port,
# the pool, or "leaked by this crash" (counted).  gdb stops a forwarding
# worker at the worst instants of its hand-over of a burst and SIGKILLs it
# there; the master recovers each crash, the pipeline keeps forwarding, and
# at stop the mempool audit finds no mbuf twice and exactly as many missing
# as the recoveries counted.  The instants:
#  - tx-returned:   net_null has freed the burst inside rte_eth_tx_burst(),
#                   the call has just returned, the worker has not yet said so;
#  - tx-inside:     inside the PMD, in the pool put of its 11th free;
#  - refused-entry: the port took 5 packets and refused the rest, and the
#                   worker is entering the free of that refused tail;
#  - refused-put:   inside the pool put of that free, after two pointers;
#  - dequeue:       inside the ring dequeue, the head moved, nothing copied;
#  - dequeue-tail:  the dequeue copied the burst, its tail not yet moved;
#  - put:           inside a pool put of the PMD's own free of one packet.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v gdb >/dev/null || skip "needs gdb"

# The put's copy loop, found by its text so that the test follows the code.
put_line=$(grep -n 'MP_LANE_PUT_COPY' "$top_srcdir/src/shared/pool.c" | head -1 | cut -d: -f1)
[ -n "$put_line" ] || fail "cannot find the lane put's copy loop in src/shared/pool.c"

# gdb stops the worker for seconds: no heartbeat watchdog here.
RESTART="{backoff_ms: [10, 10], max_restarts: 100000, window_s: 1}" \
	write_config "$T/mp.yaml" 2 "  heartbeat_timeout_ms: 0"
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

# kill_at NAME ID GDB-COMMANDS...: attach gdb to worker ID, run the
# commands (which stop it where wanted), SIGKILL it there, wait for its
# replacement and for every worker to forward again.
kill_at() {
	local name=$1 id=$2 pid args=() c
	shift 2
	pid=$(worker_field "$id" pid)
	for c in "$@"; do args+=(-ex "$c"); done
	timeout 120 gdb -q -batch -p "$pid" "${args[@]}" -ex kill \
		>"$T/gdb-$name.log" 2>&1 || true
	grep -qE "^(Breakpoint|Thread .* hit Breakpoint|Run till exit)" "$T/gdb-$name.log" ||
		fail "$name: gdb did not stop worker $id where asked: $(tail -5 "$T/gdb-$name.log")"
	wait_until 30 replaced "$id" "$pid" || fail "$name: worker $id was not replaced"
	expect_forwarding 2 "after the kill $name"
	log "$name: worker $id (pid $pid) killed and replaced; $(grep "worker $id (pid $pid)" "$T/master.log" | grep -o 'died .*' | tail -1)"
}

kill_at tx-returned 0 'break *eth_null_tx' continue finish
kill_at tx-inside 1 'break *eth_null_tx' continue "break pool.c:$put_line" \
	'ignore 2 10' continue
kill_at refused-entry 0 'break *eth_null_tx' continue 'set $rdx = 5' \
	'break rte_pktmbuf_free_bulk' continue
kill_at refused-put 1 'break *eth_null_tx' continue 'set $rdx = 5' \
	'break rte_pktmbuf_free_bulk' continue "break pool.c:$put_line" 'ignore 3 2' continue
kill_at dequeue 0 'break __rte_ring_dequeue_elems' continue
kill_at dequeue-tail 1 'break __rte_ring_update_tail' continue
kill_at put 0 "break pool.c:$put_line" continue

stop_master
log "PASS"
