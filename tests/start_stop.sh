#!/bin/bash
# One launch runs the primary, the distributor and two pinned workers that
# forward traffic; SIGTERM stops everything and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

# The pid file names the master.
[ "$(cat "$T/mpmaster.pid")" = "$MASTER_PID" ] || fail "pid file does not hold the master's pid"

# Each worker runs where the config pins it.
for i in 0 1; do
	pid=$(worker_field $i pid)
	want=$(((i + 1) % NCPU))
	got=$(awk '/Cpus_allowed_list/ {print $2}' "/proc/$pid/status")
	[ "$got" = "$want" ] || fail "worker $i (pid $pid) runs on CPUs $got, config says $want"
	[ "$(worker_field $i lcore)" = $((i + 2)) ] || fail "worker $i lcore"
	[ "$(worker_field $i cpu)" = "$want" ] || fail "worker $i cpu in telemetry"
	log "worker $i pid $pid pinned to CPU $got"
done

# Traffic flows through both workers and out of the ports.
ports_tx() { jget /mp/stats 'r["port0"]["tx"] + r["port1"]["tx"]'; }
rx0_a=$(worker_field 0 rx); rx1_a=$(worker_field 1 rx); tx_a=$(ports_tx)
wait_until 10 above "$rx0_a" worker_field 0 rx || fail "worker 0 rx did not grow from $rx0_a in 10 s"
wait_until 10 above "$rx1_a" worker_field 1 rx || fail "worker 1 rx did not grow from $rx1_a in 10 s"
wait_until 10 above "$tx_a" ports_tx || fail "ports tx did not grow from $tx_a in 10 s"
log "forwarded $(($(ports_tx) - tx_a)) packets while the counters were checked"

# The telemetry contract of SPEC.md.
fields=$(jget /mp/workers 'sorted(r["0"].keys())')
for f in id pid lcore cpu state restarts last_exit rx tx drops heartbeat_age_ms ring_count ring_size; do
	case "$fields" in *"'$f'"*) ;; *) fail "/mp/workers lacks $f: $fields" ;; esac
done
[ "$(worker_field 0 ring_size)" = 1023 ] || [ "$(worker_field 0 ring_size)" = 1024 ] ||
	fail "ring_size $(worker_field 0 ring_size)"
[ "$(jget /mp/config 'r["generation"]')" = 1 ] || fail "/mp/config generation"
[ "$(jget /mp/config 'r["mode"]')" = round-robin ] || fail "/mp/config mode"
[ "$(jget /mp/config 'r["path"]')" = "$T/mp.yaml" ] || fail "/mp/config path"
[ "$(jget /mp/stats 'r["distributor"]["enqueued"] > 0')" = True ] || fail "/mp/stats distributor enqueued nothing"
# The mempool has the configured size and, while traffic flows, mbufs in
# use (in the rings and in bursts).  The master reads in_use and free one
# after the other, under traffic, so they add up to size in most replies,
# not all: wait for one where both hold.
mempool_ok() {
	[ "$(jget /mp/stats '(r["mempool"]["size"] == 8191 and r["mempool"]["in_use"] > 0 and
	     r["mempool"]["in_use"] + r["mempool"]["free"] == r["mempool"]["size"])')" = True ]
}
wait_until 10 mempool_ok || fail "/mp/stats mempool: $(jget /mp/stats 'r["mempool"]')"
grep -q 'stats: ports rx' "$T/master.log" || fail "no periodic stats line"

workers=$(worker_pids_all)
[ "$(echo "$workers" | wc -w)" = 2 ] || fail "expected 2 worker processes, found: $workers"

kill -TERM "$MASTER_PID"
rc=0
wait "$MASTER_PID" || rc=$?
[ "$rc" = 0 ] || fail "master exited $rc after SIGTERM"
for pid in $workers; do
	! kill -0 "$pid" 2>/dev/null || fail "worker pid $pid survived the master"
done
[ ! -e "$T/mpmaster.pid" ] || fail "pid file left behind"
[ ! -e "/var/run/dpdk/$PREFIX" ] || fail "runtime dir left: $(ls "/var/run/dpdk/$PREFIX")"
! ls /dev/hugepages/"${PREFIX}"map_* >/dev/null 2>&1 || fail "hugepage files left behind"
grep -q 'worker 0 stopped' "$T/master.log" || fail "no stop line for worker 0"
MASTER_PID=
expect_exact_audit
log "PASS"
