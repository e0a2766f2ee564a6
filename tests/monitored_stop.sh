#!/bin/bash
# Nothing an operator runs next to the master can bring it down: a
# telemetry client reading /mp/workers and /mp/stats in a loop, as fast as
# the master answers, while the master is stopped 50 times (each stop exit
# 0, its runtime directory and hugepage files removed) and while 20 reloads
# add and remove workers.  The callbacks run on DPDK's telemetry thread; they
# used to read the rings, pool and memzone after the stop had freed them
# (SIGSEGV in 10 stops of 25).
. "$(dirname "$0")/lib.sh"
need_dpdk_env

STOPS=${MONITORED_STOPS:-50}
RELOADS=${MONITORED_RELOADS:-20}

"$PYTHON" "$top_srcdir/tests/telemetry_poller.py" "$PREFIX" "$T/poll" \
	/mp/workers /mp/stats &
STARTED_PIDS=$!
wait_until 10 test -s "$T/poll" || fail "the telemetry poller did not start"

# poll_field N: the Nth number of the poller's status (1 good replies,
# 2 error replies, 3 connections).
poll_field() { awk -v n="$1" '{print $n}' "$T/poll" 2>/dev/null; }
# answered_since GOOD CONNECTIONS: the poller has a connection newer than
# CONNECTIONS and 200 more good replies than GOOD.
answered_since() {
	[ "$(poll_field 3)" -gt "$2" ] && [ "$(poll_field 1)" -ge $(($1 + 200)) ]
}
runtime_gone() {
	[ ! -e "/var/run/dpdk/$PREFIX" ] && ! ls /dev/hugepages/"${PREFIX}"map_* >/dev/null 2>&1
}

write_config "$T/mp.yaml" 2
for i in $(seq 1 "$STOPS"); do
	good=$(poll_field 1); conns=$(poll_field 3)
	start_master "$T/mp.yaml"
	wait_until 30 all_running 2 || fail "stop $i: workers did not reach running"
	wait_until 30 answered_since "$good" "$conns" ||
		fail "stop $i: the poller got no answers from this master ($(cat "$T/poll"))"
	kill -TERM "$MASTER_PID"
	rc=0
	wait "$MASTER_PID" || rc=$?
	MASTER_PID=
	[ "$rc" = 0 ] || fail "stop $i under a polling client: exit $rc"
	runtime_gone || fail "stop $i: runtime directory or hugepage files left behind"
	[ -z "$(worker_pids_all)" ] || fail "stop $i: workers left: $(worker_pids_all)"
done
expect_exact_audit
log "$STOPS stops under a polling client: all exit 0, nothing left behind ($(poll_field 1) good replies, $(poll_field 2) errors, $(poll_field 3) connections)"

# Reloads that add and remove workers, under the same client.
generation() { jget /mp/config 'r["generation"]'; }
at_generation() { [ "$(generation 2>/dev/null)" = "$1" ]; }
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"
for i in $(seq 1 "$RELOADS"); do
	good=$(poll_field 1)
	write_config "$T/mp.yaml" $((i % 2 == 1 ? 3 : 1))
	kill -HUP "$MASTER_PID"
	wait_until 30 at_generation $((i + 1)) || fail "reload $i not applied"
	wait_until 30 all_running $((i % 2 == 1 ? 3 : 1)) || fail "reload $i: workers not running"
	wait_until 30 answered_since "$good" -1 || fail "reload $i: the poller got no answers"
	master_alive || fail "the master died at reload $i"
done
stop_master
log "$RELOADS reloads adding and removing workers under a polling client: master alive, stop exit 0"
log "PASS"
