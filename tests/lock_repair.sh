#!/bin/bash
# Workers killed while they hold a lock in EAL's shared configuration: the
# master releases the dead worker's hold, the replacements run, the
# pipeline forwards, and the master stops cleanly.  gdb stops the first
# start of each worker at such a point and kills it there:
#  - worker 0 inside rte_eal_memzone_init(), holding the memzone lock as a
#    writer;
#  - worker 1 inside a memzone lookup (its ports' attach), holding the
#    memzone lock as a reader;
#  - worker 2 inside the same lookup, just after it took the memzone
#    table's own lock (an rte_fbarray rwlock) as a reader: a hardware
#    watchpoint on that lock's counter (at offset 88 of struct
#    rte_fbarray in DPDK 22.11, after name[64], count, len, elt_sz and
#    data), set at rte_fbarray_find_next_used()'s entry, whose first
#    argument is the table;
#  - worker 3 inside rte_eal_memory_init(), where it holds the memory
#    hotplug lock as a reader (rte_eal_memseg_init() runs under it);
#  - worker 4 at the same point, after gdb set that lock's writer-waiting
#    bit as well: what a writer killed while it waited for worker 4's read
#    leaves (the lock's address is the master's view of it: a secondary
#    maps EAL's configuration where the primary does).  In DPDK 22.11
#    readers wait while that bit is set, so once the dead reader's hold is
#    released, the bit alone would still stop every later start-up.
# Each used to make every later worker hang in its own start-up, which
# takes that lock as a writer, and the master's release at exit give up
# after 5 s with exit 3.  The hotplug lock's stale reader was released only
# at exit, so that the first process to take it as a writer (to grow or
# shrink DPDK's heap) waited forever, and every secondary started after it;
# it must now be released at once, and not be left for the exit.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v gdb >/dev/null || skip "needs gdb"

worker=$(dirname "$MPMASTER")/mpworker
cat >"$T/worker-wrapper" <<WRAPPER
#!/bin/bash
# The first start of worker N runs under gdb and is killed at breakpoint N.
case " \$* " in
*" -n 0 "*) id=0; at=(-ex 'break rte_eal_memzone_init' -ex run -ex 'break rte_fbarray_attach') ;;
*" -n 1 "*) id=1; at=(-ex 'break rte_memzone_lookup' -ex run -ex 'break rte_fbarray_find_next_used') ;;
*" -n 2 "*) id=2; at=(-ex 'break rte_memzone_lookup' -ex run -ex 'break rte_fbarray_find_next_used'
	-ex continue -ex delete -ex 'printf "table %s\\n", (char *)\$rdi' -ex 'watch -l *(int *)(\$rdi + 88)') ;;
*" -n 3 "*) id=3; at=(-ex 'break rte_eal_memory_init' -ex run -ex 'break rte_eal_memseg_init') ;;
*" -n 4 "*) id=4; at=(-ex 'break rte_eal_memory_init' -ex run -ex 'break rte_eal_memseg_init')
	after=(-ex 'shell while [ ! -s $T/hotplug-wait.gdb ]; do sleep 0.05; done'
	-ex 'source $T/hotplug-wait.gdb') ;;
esac
if [ -n "\${id:-}" ] && [ ! -e "$T/killed\$id" ]; then
	touch "$T/killed\$id"
	exec gdb -q -batch "\${at[@]}" -ex continue "\${after[@]}" -ex 'signal SIGKILL' \\
		--args "$worker" "\$@" >"$T/gdb\$id.log" 2>&1
fi
exec "$worker" "\$@"
WRAPPER
chmod +x "$T/worker-wrapper"
write_config "$T/mp.yaml" 5 "  program: $T/worker-wrapper"
start_master "$T/mp.yaml"
# Where the memory hotplug lock's counter is, from the master's symbols,
# once it found EAL's configuration (before its first spawn).
spawned() { grep -q "worker 0 spawned" "$T/master.log"; }
wait_until 30 spawned || fail "the master did not spawn worker 0"
addr=$(gdb -q -batch -p "$MASTER_PID" \
	-ex "printf \"lock at %p\\n\", &'eal_locks.c'::mcfg->memory_hotplug_lock.cnt" 2>&1 |
	sed -n 's/^lock at \(0x[0-9a-f]*\)$/\1/p')
[ -n "$addr" ] || fail "gdb did not find the memory hotplug lock in the master"
printf 'set var *(int *)%s |= 1\nprintf "hotplug lock %%#x\\n", *(int *)%s\n' "$addr" "$addr" \
	>"$T/hotplug-wait.gdb.tmp"
mv "$T/hotplug-wait.gdb.tmp" "$T/hotplug-wait.gdb"
wait_until 60 all_running 5 || fail "workers not running 60 s after the kills"
for id in 0 1 2 3 4; do
	grep -q "Breakpoint" "$T/gdb$id.log" ||
		fail "gdb did not stop worker $id where asked: $(tail -3 "$T/gdb$id.log")"
done
for holder in "a writer" "1 reader(s)"; do
	grep -qF "EAL's memzone lock is still held by $holder 200 ms after worker" "$T/master.log" ||
		fail "the master did not release the hold of $holder on the memzone lock"
done
grep -q "^table memzone" "$T/gdb2.log" || fail "worker 2 was not stopped on the memzone table: $(tail -5 "$T/gdb2.log")"
grep -q "Hardware watchpoint" "$T/gdb2.log" || fail "worker 2 was not stopped after taking the table's lock: $(tail -5 "$T/gdb2.log")"
grep -qF "EAL's memzone table lock is still held by 1 reader(s) 200 ms after worker 2" "$T/master.log" ||
	fail "the master did not release the memzone table's stale reader"
grep -qF "EAL's memory hotplug lock is still held by 1 reader(s) 200 ms after worker 3" "$T/master.log" ||
	fail "the master did not release worker 3's hold of the memory hotplug lock when it died"
grep -q "^hotplug lock 0x5" "$T/gdb4.log" ||
	fail "worker 4 did not die with a read hold and the wait bit (0x5): $(tail -5 "$T/gdb4.log")"
grep -qF "EAL's memory hotplug lock has said a writer waits, with no holder, for 200 ms after worker 4" "$T/master.log" ||
	fail "the master did not clear the writer-waiting bit worker 4 died with"
expect_forwarding 5 "after the repair"
stop_master
! grep -qF "EAL's memory hotplug lock is still held by" <(grep "at exit" "$T/master.log") ||
	fail "a hold of the memory hotplug lock was left for the release at exit"
log "PASS"
