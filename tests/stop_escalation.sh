#!/bin/bash
# A second stop signal during a graceful stop kills the workers at once,
# wherever they are in their own shutdown, and the master still exits 0
# promptly and leaves nothing behind (no process, pid file, runtime
# directory or hugepage file).  Repeated with the second signal at
# different moments of the workers' drain and exit.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

master_gone() { ! master_alive; }

write_config "$T/mp.yaml" 2
for delay in 0 0.002 0.005 0.01 0.02 0.05; do
	start_master "$T/mp.yaml"
	wait_until 30 all_running 2 || fail "workers did not reach running"
	workers=$(worker_pids_all)
	kill -INT "$MASTER_PID"
	# The delay between the two signals is what is varied, not a wait.
	sleep "$delay"
	kill -TERM "$MASTER_PID" 2>/dev/null || true
	t0=$(date +%s%N)
	rc=0
	wait_until 15 master_gone || fail "master still running 15 s after the second signal"
	wait "$MASTER_PID" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$rc" = 0 ] || fail "master exited $rc (second signal after ${delay} s)"
	for pid in $workers; do
		! kill -0 "$pid" 2>/dev/null || fail "worker pid $pid survived"
	done
	[ ! -e "$T/mpmaster.pid" ] || fail "pid file left behind"
	[ ! -e "/var/run/dpdk/$PREFIX" ] || fail "runtime directory left behind"
	! ls /dev/hugepages/"${PREFIX}"map_* >/dev/null 2>&1 || fail "hugepage files left behind"
	log "second signal after ${delay} s: exit 0 in $ms ms, $(grep -c 'SIGKILL (repeated stop signal)' "$T/master.log") kill(s) so far"
done
MASTER_PID=
log "PASS"
