#!/bin/bash
# Ports with tx: primary: workers hand their packets to the master's
# transmitter on a ring of their own.  gdb stops a forwarding worker at the
# worst instants of that hand-over and SIGKILLs it there; the master
# settles each crash, the pipeline keeps forwarding, and at stop the
# mempool audit finds no mbuf twice and none missing.  The instants:
#  - enqueue-copy:  inside the enqueue onto its ring to the transmitter,
#                   the producer head moved, the slots being written;
#  - enqueue-tail:  the slots written, the producer tail not yet moved;
#  - enqueue-done:  the ring took the run, the worker has not said so yet.
#  - partial:       the ring took 5 packets of the run (gdb made its
#                   capacity 5 for that one enqueue) and the worker has
#                   just begun to announce the free of the refused rest.
# Then the same on a transmitter of its own lcore, which a reload cannot
# change: one more kill while it runs.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v gdb >/dev/null || skip "needs gdb"

# gdb stops the worker for seconds: no heartbeat watchdog here.
RESTART="{backoff_ms: [10, 10], max_restarts: 100000, window_s: 1}" \
	write_config "$T/mp.yaml" 2 "  heartbeat_timeout_ms: 0"
sed -i 's/^ports: .*/ports: [{id: 0, tx: primary}, {id: 1, tx: primary}]/' "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"
grep -q "port 0 (net_null): 1 RX queue(s), transmits through the primary" "$T/master.log" ||
	fail "port 0 does not transmit through the primary"
expect_forwarding 2 "through the transmitter"
tx_sent() { jget /mp/stats 'r["transmitter"]["sent"]'; }
above 0 tx_sent || fail "the transmitter sent nothing"

# Nothing of the burst was the transmitter's yet (all freed); or the run
# the ring took is the transmitter's and the rest of the burst (a run for
# the other port, not handed on yet) the worker's.
worker='burst of ([0-9]+) packets: freed \1, 0 already back in the pool, 0 with a port or the transmitter, 0 lost'
transmitter='packets: freed [0-9]+, 0 already back in the pool, [1-9][0-9]* with a port or the transmitter, 0 lost'


# In a worker, the only rte_ring enqueue is the hand-over (its frees go
# onto its lane, which is not an rte_ring).
kill_at enqueue-copy 0 "$worker" 'break __rte_ring_enqueue_elems' continue
kill_at enqueue-tail 1 "$worker" 'break __rte_ring_update_tail if enqueue == 1' continue
# A watchpoint on the producer tail stops the worker just after its store.
kill_at enqueue-done 0 "$transmitter" 'break __rte_ring_enqueue_elems' continue \
	delete 'frame 1' 'watch -l r->prod.tail' continue
# The worker's ring to the transmitter is empty while gdb holds it (the
# transmitter drains it), so a capacity of 5 lets exactly 5 in.  The
# capacity is put back before the kill.
ring=mpw_main::ctx.tx_ring
kill_at partial 1 "$transmitter" 'break __rte_ring_move_prod_head' continue delete \
	"set \$cap = $ring->capacity" "set var $ring->capacity = 5" \
	'watch -l mpw_main::ctx.slot->inflight.run_start' continue \
	"set var $ring->capacity = \$cap"
stop_master

# A transmitter on an lcore of its own.
sed -i "s/^distributor:/transmitter: {lcore: 9, cpu: $((1 % NCPU))}\ndistributor:/" "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running (own transmitter lcore)"
grep -q "transmitter running on lcore 9" "$T/master.log" || fail "the transmitter is not on lcore 9"
expect_forwarding 2 "through a transmitter of its own"
kill_at own-lcore-done 1 "$transmitter" 'break __rte_ring_enqueue_elems' continue \
	delete 'frame 1' 'watch -l r->prod.tail' continue
stop_master
log "PASS"
