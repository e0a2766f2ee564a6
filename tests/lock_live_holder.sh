#!/bin/bash
# EAL lock repair never takes a live process's hold.  gdb stops a live
# dpdk-proc-info inside a memzone lookup of its start-up, holding EAL's
# memzone lock as a reader, for as long as the test likes.  A worker then
# dies before running (its replacement, blocked on that lock in its own
# start-up, is killed), which makes the master check EAL's locks.  The
# reader's hold has been in place far longer than 200 ms, but its holder is
# alive: the master must wait for it, not release it (releasing it let a
# writer in beside a live reader).  Once proc-info goes on, it finishes its
# work, and the replacement worker starts.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v gdb >/dev/null || skip "needs gdb"
command -v dpdk-proc-info >/dev/null || skip "needs dpdk-proc-info"

RESTART="{backoff_ms: [10, 10], max_restarts: 100000, window_s: 1}" \
	write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

# proc-info stops holding the memzone lock as a reader, and goes on only
# once $T/go exists.
cat >"$T/holder.gdb" <<GDB
set breakpoint pending on
break rte_memzone_lookup
run
break rte_fbarray_find_next_used
commands 2
  bt 3
  shell touch $T/holding; while [ ! -e $T/go ]; do sleep 0.1; done
  delete
  continue
end
continue
GDB
taskset -c $((NCPU - 1)) gdb -q -batch -x "$T/holder.gdb" --args "$(command -v dpdk-proc-info)" \
	--file-prefix "$PREFIX" --no-pci -- --stats >"$T/gdb.log" 2>&1 &
holder_gdb=$!
STARTED_PIDS=$holder_gdb
wait_until 60 test -e "$T/holding" || fail "proc-info did not stop in a memzone lookup: $(tail -5 "$T/gdb.log")"
grep -q "in rte_memzone_lookup" "$T/gdb.log" || fail "proc-info did not stop in a memzone lookup: $(tail -5 "$T/gdb.log")"
holder=$(pgrep -x dpdk-proc-info -P "$(pgrep -x gdb -P "$holder_gdb" || echo "$holder_gdb")" | head -1)
[ -n "$holder" ] || holder=$(pgrep -f -- "^$(command -v dpdk-proc-info) --file-prefix $PREFIX" | head -1)
[ -n "$holder" ] || fail "cannot find the proc-info process"
log "dpdk-proc-info (pid $holder) holds EAL's memzone lock as a reader"

# Worker 0 crashes; its replacement blocks in its start-up on that lock
# (it needs it as a writer) and is killed there: it died before running.
victim=$(worker_field 0 pid)
kill -KILL "$victim"
spawned_again() { [ "$(grep -c "worker 0 spawned: pid" "$T/master.log")" -ge 2 ]; }
wait_until 30 spawned_again || fail "worker 0 was not spawned again"
starting=$(grep -o "worker 0 spawned: pid [0-9]*" "$T/master.log" | tail -1 | grep -o "[0-9]*$")
[ "$(worker_field 0 state)" = starting ] || fail "the replacement is $(worker_field 0 state), not starting"
kill -KILL "$starting"
waits() { grep -q "EAL lock check after worker 0 died before running waits for pid $holder (dpdk-proc-info)" "$T/master.log"; }
wait_until 30 waits || fail "the master did not wait for the live holder"
grep -q "EAL's memzone lock is still held" "$T/master.log" &&
	fail "the master released a live process's hold on the memzone lock"
log "the master waits for the live holder: $(grep -o 'EAL lock check .*' "$T/master.log" | head -1)"

touch "$T/go"
wait "$holder_gdb" || fail "gdb running proc-info failed: $(tail -5 "$T/gdb.log")"
STARTED_PIDS=
grep -q "NIC statistics for port 0" "$T/gdb.log" || fail "proc-info did not finish its work: $(tail -5 "$T/gdb.log")"
wait_until 30 all_running 2 || fail "workers not running after the holder let go"
grep -q "EAL's memzone lock is still held" "$T/master.log" &&
	fail "the master released a hold that was not stale"
expect_forwarding 2 "after the live holder let go"
stop_master
log "PASS"
