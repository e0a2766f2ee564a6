#!/bin/bash
# A worker whose heartbeat stalls (SIGSTOP) is killed by the watchdog and
# replaced; the other worker is not touched.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

write_config "$T/mp.yaml" 2 "  heartbeat_timeout_ms: 300"
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"
victim=$(worker_field 0 pid)
other=$(worker_field 1 pid)

kill -STOP "$victim"
wait_until 10 replaced 0 "$victim" || fail "stalled worker 0 was not replaced"
grep -q "worker 0 (pid $victim) heartbeat stalled for [0-9]* ms (limit 300 ms): killing it" "$T/master.log" ||
	fail "no watchdog line"
[ "$(worker_field 0 last_exit)" = "signal 9 (SIGKILL)" ] || fail "last_exit '$(worker_field 0 last_exit)'"
grep -q "worker 0 exited (signal 9 (SIGKILL)) after heartbeat stall" "$T/master.log" ||
	fail "exit line does not give the reason"
[ "$(worker_field 1 pid)" = "$other" ] || fail "worker 1 was restarted"
a=$(worker_field 1 rx)
wait_until 10 above "$a" worker_field 1 rx || fail "worker 1 stopped forwarding (rx stayed at $a)"
[ "$(zombies)" = 0 ] || fail "zombie processes"
stop_master
log "PASS"
