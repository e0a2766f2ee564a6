#!/bin/bash
# Fault isolation: a worker killed with SIGKILL is replaced by a new
# process that reaches running again, its exit is recorded, and the other
# worker keeps forwarding throughout.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

victim=$(worker_field 0 pid)
other=$(worker_field 1 pid)
kill -KILL "$victim"
new_running() {
	local pid
	pid=$(worker_field 0 pid 2>/dev/null) || return 1
	[ "$pid" != "$victim" ] && [ "$pid" != 0 ] &&
		[ "$(worker_field 0 state)" = running ]
}
wait_until 20 new_running || fail "worker 0 was not replaced"
[ "$(worker_field 0 restarts)" = 1 ] || fail "restarts $(worker_field 0 restarts), want 1"
[ "$(worker_field 0 last_exit)" = "signal 9 (SIGKILL)" ] ||
	fail "last_exit '$(worker_field 0 last_exit)'"
grep -q "worker 0 exited (signal 9 (SIGKILL)); restarting in 10 ms" "$T/master.log" ||
	fail "no exit line in the log"

# The other worker never noticed.
[ "$(worker_field 1 pid)" = "$other" ] || fail "worker 1 was restarted too"
[ "$(worker_field 1 restarts)" = 0 ] || fail "worker 1 restarts"
a=$(worker_field 1 rx)
wait_until 10 above "$a" worker_field 1 rx || fail "worker 1 stopped forwarding (rx stayed at $a)"
a=$(worker_field 0 rx)
wait_until 10 above "$a" worker_field 0 rx || fail "the new worker 0 does not forward (rx stayed at $a)"

stop_master
log "PASS"
