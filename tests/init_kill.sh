#!/bin/bash
# Workers SIGKILLed inside their EAL start-up, again and again: each is
# replaced, the pipeline still forwards, and the master still stops
# cleanly (exit 0).  A secondary killed there leaves DPDK's memory hotplug
# lock held as a reader, which used to keep rte_eal_cleanup() waiting
# until the master gave up with exit 3; the master now gives those readers
# back at exit (README, Fault isolation).
. "$(dirname "$0")/lib.sh"
need_dpdk_env

KILLS=${INIT_KILLS:-40}
RESTART="{backoff_ms: [10, 10], max_restarts: 100000, window_s: 1}" \
	write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

# Kill whichever worker process exists, 20-60 ms apart: with a 10 ms
# backoff and 40-60 ms of EAL start-up most kills land inside rte_eal_init().
for k in $(seq 1 "$KILLS"); do
	pids=($(worker_pids_all))
	[ "${#pids[@]}" = 0 ] || kill -KILL "${pids[RANDOM % ${#pids[@]}]}" 2>/dev/null || true
	sleep "0.0$((RANDOM % 5 + 2))"
	master_alive || fail "master died at kill $k"
done
wait_until 30 all_running 2 || fail "workers did not come back after the kills"
for i in 0 1; do
	a=$(worker_field $i rx); sleep 0.3; b=$(worker_field $i rx)
	[ "$b" -gt "$a" ] || fail "worker $i does not forward after the kills"
done
stop_master
log "kills $KILLS; hotplug lock readers given back at exit: $(grep -c 'gave back a memory hotplug lock reader' "$T/master.log")"
log "PASS"
