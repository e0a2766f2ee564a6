#!/bin/bash
# Workers SIGKILLed inside their EAL start-up, again and again: each is
# replaced, the pipeline still forwards, and the master still stops
# cleanly (exit 0).  A secondary killed there leaves DPDK's memory hotplug
# lock held as a reader, which used to keep rte_eal_cleanup() waiting
# until the master gave up with exit 3; the master now releases those
# readers' holds at exit (README, Fault isolation).
. "$(dirname "$0")/lib.sh"
need_dpdk_env

KILLS=${INIT_KILLS:-40}
start_master_fast_restart 2

# Kill whichever worker process exists, 20-60 ms apart: with a 10 ms
# backoff and 40-60 ms of EAL start-up most kills land inside rte_eal_init().
for k in $(seq 1 "$KILLS"); do
	pids=($(worker_pids_all))
	[ "${#pids[@]}" = 0 ] || kill -KILL "${pids[RANDOM % ${#pids[@]}]}" 2>/dev/null || true
	# Pacing between kills (the moments they land at), not a wait.
	sleep "0.0$((RANDOM % 5 + 2))"
	master_alive || fail "master died at kill $k"
done
wait_until 30 all_running 2 || fail "workers did not come back after the kills"
expect_forwarding 2 "after the kills"
stop_master
log "kills $KILLS; repaired: $(grep -o "EAL's .* lock is still held by [^0-9]*[0-9]* [a-z()]*" "$T/master.log" |
	sed "s/EAL's //; s/ is still held by/:/" | sort | uniq -c | tr -s ' \n' ' ' || echo "nothing")"
log "PASS"
