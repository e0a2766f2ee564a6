#!/bin/bash
# 100 random SIGKILLs of workers under full load: every kill is followed by
# a replacement, traffic still flows afterwards, no zombie ever appears, and
# the mempool's in-use count comes back within the documented bound (one
# burst per crash at most; see README, Fault isolation).
. "$(dirname "$0")/lib.sh"
need_dpdk_env

KILLS=${SOAK_KILLS:-100}
start_master_fast_restart 2

in_use() { jget /mp/stats 'r["mempool"]["in_use"]'; }
max_in_use() { local i v m=0; for i in 1 2 3 4 5; do v=$(in_use); [ "$v" -gt "$m" ] && m=$v; sleep 0.1; done; echo "$m"; }
before=$(max_in_use)

for k in $(seq 1 "$KILLS"); do
	id=$((RANDOM % 2))
	pid=$(worker_field "$id" pid)
	if [ "$pid" != 0 ]; then kill -KILL "$pid" 2>/dev/null || true; fi
	sleep "0.0$((RANDOM % 5 + 2))"
	# The dead worker is a zombie until libuv reaps it: it must not stay one.
	wait_until 5 no_zombies || fail "zombie left 5 s after kill $k"
	master_alive || fail "master died at kill $k"
done
wait_until 30 all_running 2 || fail "workers did not come back after the soak"
after=$(max_in_use)
restarts=$(jget /mp/workers 'r["0"]["restarts"] + r["1"]["restarts"]')
bound=$((before + restarts * 32))
log "kills $KILLS, restarts $restarts, mempool in_use before $before after $after (bound $bound)"
[ "$after" -le "$bound" ] || fail "mempool in_use $after exceeds $bound"
expect_forwarding 2 "after the soak"
no_zombies || fail "zombie processes"
stop_master
log "PASS"
