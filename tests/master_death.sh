#!/bin/bash
# If the master is SIGKILLed its workers exit by themselves within 1 s, and
# a new master starts at once on the same prefix (stale files cleaned).
. "$(dirname "$0")/lib.sh"
need_dpdk_env

write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"
workers=$(worker_pids_all)

kill -KILL "$MASTER_PID"
wait "$MASTER_PID" 2>/dev/null || true
start=$(date +%s%N)
# Orphans are reaped by init whenever it gets to it: a zombie counts as gone.
gone() {
	local p
	for p in $workers; do
		[ ! -e "/proc/$p" ] || [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] ||
			return 1
	done
}
wait_until_ms() { local i; for i in $(seq 1 500); do "$@" && return 0; sleep 0.01; done; return 1; }
wait_until_ms gone || fail "workers outlived the master: $workers"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -le 1000 ] || fail "workers took $ms ms to exit, limit 1000"
log "workers exited ${ms} ms after the master was killed"
[ -d "/var/run/dpdk/$PREFIX" ] || fail "expected the dead primary's runtime dir to be left"

start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "a new master did not start on the stale prefix"
grep -q "another DPDK primary" "$T/master.log" && fail "stale lock taken for a live primary"
stop_master
log "PASS"
