#!/bin/bash
# Your own network function: a tiny NF of the tests' own (tests/nf/tiny_nf.c,
# written from SPEC.md and mpworker.h) is built outside the tree against the
# installed library with one pkg-config line, and runs under mpmaster as one
# instance (a per-instance program) next to the built-in mpworker: its
# counters show in /mp/workers and go on across a crash, its verdicts
# (MPW_DROP, a port that does not exist) are dropped and counted, a reload
# that changes only its arguments restarts only it, an NF whose init fails
# exits 1 and ends fatal under the restart policy, and a reload gives it
# another chance.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_nf_build_env

nf_build "$top_srcdir/tests/nf/tiny_nf.c" "$T/tiny_nf"
log "built tiny_nf with: cc tiny_nf.c -o tiny_nf \$(pkg-config --cflags --libs libmpworker)"

RESTART="{backoff_ms: [10, 40], max_restarts: 3, window_s: 60}" write_config "$T/mp.yaml" 2
sed -i "s|    - {id: 1, lcore: 3, cpu: \([0-9]*\)}|    - {id: 1, lcore: 3, cpu: \1, program: $T/tiny_nf}|" "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"
[ "$(worker_field 1 program)" = tiny_nf ] || fail "worker 1 runs $(worker_field 1 program)"
[ "$(worker_field 0 program)" = mpworker ] || fail "worker 0 runs $(worker_field 0 program)"
[ "$(readlink "/proc/$(worker_field 1 pid)/exe")" = "$T/tiny_nf" ] || fail "worker 1 is not tiny_nf"
[ "$(jget /mp/workers 'r["0"]["counters"]')" = "{}" ] || fail "mpworker declared counters"

counter() { worker_counter 1 "$1"; }
seen_above() { [ "$(counter seen)" -gt "$1" ]; }
wait_until 10 seen_above 10000 || fail "counter seen does not grow: $(jget /mp/workers 'r["1"]')"
# One packet in 8 dropped by verdict, another one in 8 sent to port 99: the
# runtime counts both in the worker's drops and never transmits them.
read -r seen dropped misrouted drops tx <<<"$(jget /mp/workers 'r["1"]["counters"]["seen"], r["1"]["counters"]["dropped"], r["1"]["counters"]["misrouted"], r["1"]["drops"], r["1"]["tx"]' | tr -d '(),')"
log "tiny_nf: seen $seen, dropped $dropped, misrouted $misrouted; worker drops $drops, tx $tx"
[ "$dropped" -gt 0 ] && [ "$misrouted" -gt 0 ] || fail "no verdicts counted"
[ $((drops * 100 / seen)) -ge 20 ] && [ $((drops * 100 / seen)) -le 30 ] ||
	fail "worker drops $drops are not 1/4 of $seen"

# A crash: the replacement's counters go on from the dead one's.
before=$(counter seen)
victim=$(worker_field 1 pid)
kill -KILL "$victim"
wait_until 30 replaced 1 "$victim" || fail "worker 1 was not replaced"
wait_until 10 seen_above "$before" || fail "counters started over after a restart"

# Only worker 1's args change: only it restarts; its init fails, it exits 1
# and, after max_restarts, is fatal.
w0=$(worker_field 0 pid)
sed -i "s|program: $T/tiny_nf}|program: $T/tiny_nf, args: [--fail-init]}|" "$T/mp.yaml"
kill -HUP "$MASTER_PID"
wait_until 30 is_fatal 1 || fail "a failing init did not end fatal: $(worker_field 1 state)"
grep -q "tiny_nf\[[0-9]*\]: .*tiny_nf: asked to fail in init\|w1\[[0-9]*\]: tiny_nf: asked to fail in init" "$T/master.log" ||
	fail "the NF's own error line is not in the log"
grep -q "worker 1: tiny_nf: init failed: Operation canceled" "$T/master.log" || fail "no init failure line"
[ "$(worker_field 1 last_exit)" = "exit 1" ] || fail "last_exit $(worker_field 1 last_exit)"
[ "$(worker_field 0 pid)" = "$w0" ] || fail "a reload of worker 1's args restarted worker 0"

# A reload back to good args gives the fatal worker another chance.
sed -i "s|, args: \[--fail-init\]}|}|" "$T/mp.yaml"
kill -HUP "$MASTER_PID"
wait_until 30 all_running 2 || fail "worker 1 did not come back after the reload"
[ "$(worker_field 0 pid)" = "$w0" ] || fail "the second reload restarted worker 0"
stop_master
log "PASS"
