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
#    argument is the table.
# Either used to make every later worker hang in its own start-up, which
# takes that lock as a writer, and the master's release at exit give up
# after 5 s with exit 3.
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
esac
if [ -n "\${id:-}" ] && [ ! -e "$T/killed\$id" ]; then
	touch "$T/killed\$id"
	exec gdb -q -batch "\${at[@]}" -ex continue -ex 'signal SIGKILL' \\
		--args "$worker" "\$@" >"$T/gdb\$id.log" 2>&1
fi
exec "$worker" "\$@"
WRAPPER
chmod +x "$T/worker-wrapper"
write_config "$T/mp.yaml" 3 "  program: $T/worker-wrapper"
start_master "$T/mp.yaml"
wait_until 60 all_running 3 || fail "workers not running 60 s after the kills"
for id in 0 1 2; do
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
expect_forwarding 3 "after the repair"
stop_master
log "PASS"
