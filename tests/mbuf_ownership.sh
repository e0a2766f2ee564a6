#!/bin/bash
# Every mbuf has exactly one owner at every instruction: a worker, a port,
# the pool, or "leaked by this crash" (counted).  gdb stops a forwarding
# worker at the worst instants of its hand-over of a burst and SIGKILLs it
# there; the master recovers each crash, the pipeline keeps forwarding, and
# at stop the mempool audit finds no mbuf twice and exactly as many missing
# as the recoveries counted.  The instants:
#  - tx-returned:   net_null freed the run inside rte_eth_tx_burst() into
#                   the worker's cache, the call returned, nothing said so;
#  - tx-inside:     inside the PMD, entering its 11th free;
#  - cache-put:     inside the PMD's first put into the cache, just after
#                   it raised the cache's length (a hardware watchpoint);
#  - flush-inside:  inside the cache flush of a PMD's put (a cache of 8);
#  - flush-after:   the flush put its pointers on the lane and returned,
#                   the cache's length not yet reset;
#  - drain:         inside the worker's emptying of its cache onto its lane
#                   at the end of a burst (the third pointer);
#  - refused-entry: the port took 5 packets and refused the rest, and the
#                   worker is entering the free of that refused tail;
#  - refused-put:   inside the lane put of that free, after two pointers;
#  - dequeue:       inside the ring dequeue, the head moved, nothing copied;
#  - dequeue-tail:  the dequeue copied the burst, its tail not yet moved.
#  - next-burst:    a burst went out whole and its packets are back on the
#                   lane; the worker has just marked its lane for the next
#                   burst (a hardware watchpoint on the mark).
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v gdb >/dev/null || skip "needs gdb"

# The lane put's copy loop, found by its text so that the test follows the code.
put_line=$(grep -n 'MP_LANE_PUT_COPY' "$top_srcdir/src/shared/pool.h" | head -1 | cut -d: -f1)
[ -n "$put_line" ] || fail "cannot find the lane put's copy loop in src/shared/pool.h"
put="break pool.h:$put_line"

# gdb stops the worker for seconds: no heartbeat watchdog here.  A cache
# of 8 (flush threshold 12) makes the PMD's puts flush inside a run (16).
RESTART="{backoff_ms: [10, 10], max_restarts: 100000, window_s: 1}" \
	write_config "$T/mp.yaml" 2 "  heartbeat_timeout_ms: 0"
sed -i 's/^  cache: .*/  cache: 8/' "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

# Worker ID's lcore cache's length, as gdb sees it at eth_null_tx's entry.
cache_len() { echo "((struct rte_mbuf **)\$rsi)[0]->pool->local_cache[$(($1 + 2))].len"; }

kill_at tx-returned 0 '' 'tbreak *eth_null_tx' continue finish
kill_at tx-inside 1 '' 'tbreak *eth_null_tx' continue 'break rte_pktmbuf_free' \
	'ignore 2 10' continue
kill_at cache-put 0 '' 'tbreak *eth_null_tx' continue "watch -l $(cache_len 0)" continue
kill_at flush-inside 1 '' 'tbreak *eth_null_tx' continue 'break lanes_enqueue' continue
kill_at flush-after 0 '' 'tbreak *eth_null_tx' continue 'break lanes_enqueue' continue finish
kill_at drain 1 '' "$put if \$_caller_is(\"transmit\")" 'ignore 1 2' continue
kill_at refused-entry 0 '' 'tbreak *eth_null_tx' continue 'set $rdx = 5' \
	'break rte_pktmbuf_free_bulk' continue
kill_at refused-put 1 '' 'tbreak *eth_null_tx' continue 'set $rdx = 5' \
	'break rte_pktmbuf_free_bulk' continue "$put" 'ignore 3 2' continue
kill_at dequeue 0 '' 'break __rte_ring_dequeue_elems' continue
kill_at dequeue-tail 1 '' 'break __rte_ring_update_tail' continue
kill_at next-burst 0 '' 'break __rte_ring_dequeue_elems' continue delete \
	'watch -l mpw_main::ctx.slot->inflight.lane_mark' continue

stop_master
log "PASS"
