#!/bin/bash
# A worker that keeps crashing is restarted with backoff until it exceeds
# max_restarts within window_s, then left in state fatal: no restart storm.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

# A worker that ran longer than the backoff cap before crashing starts the
# backoff over; the cap is far above what a sanitized worker takes from
# running to crashed (about 45 ms), so the delays must double.
RESTART="{backoff_ms: [10, 1000], max_restarts: 3, window_s: 60}" \
	write_config "$T/mp.yaml" 1 "  args: [--fault=segv, --fault-after=5000]"
start_master "$T/mp.yaml"
wait_until 30 is_fatal || fail "worker 0 never reached fatal: $(worker_field 0 state)"
[ "$(worker_field 0 restarts)" = 3 ] || fail "restarts $(worker_field 0 restarts), want 3"
[ "$(worker_field 0 last_exit)" = "signal 11 (SIGSEGV)" ] ||
	fail "last_exit '$(worker_field 0 last_exit)'"
grep -q "worker 0 exited (signal 11 (SIGSEGV)); restarting in 10 ms (restart 1)" "$T/master.log" ||
	fail "no first restart line"
grep -q "restarting in 20 ms (restart 2)" "$T/master.log" || fail "backoff did not double"

# It stays fatal: no new process, no new log line.  What is tested is that
# nothing happens, so it is given a time in which to happen: 1 s, where a
# fourth restart would come after an 80 ms backoff.
sleep 1
is_fatal || fail "left fatal"
[ "$(worker_field 0 pid)" = 0 ] || fail "fatal worker has a pid"
[ -z "$(worker_pids_all)" ] || fail "a worker process exists: $(worker_pids_all)"
[ "$(grep -c 'state fatal' "$T/master.log")" = 1 ] || fail "fatal logged more than once"
master_alive || fail "master died"
[ "$(zombies)" = 0 ] || fail "zombie processes"
stop_master
log "PASS"
