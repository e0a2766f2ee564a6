#!/bin/bash
# A worker killed while it holds EAL's memzone lock as a writer (inside
# rte_eal_memzone_init(), where its start-up attaches the memzone table)
# used to leave every later worker hanging in its own start-up, for good.
# The master releases a dead worker's lock: the replacement runs, the
# pipeline forwards, and the master stops cleanly.  gdb stops the first
# start of worker 0 at that point and kills it there.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v gdb >/dev/null || skip "needs gdb"

worker=$(dirname "$MPMASTER")/mpworker
cat >"$T/worker-wrapper" <<WRAPPER
#!/bin/bash
if [ ! -e "$T/killed" ] && [[ " \$* " == *" -n 0 "* ]]; then
	touch "$T/killed"
	exec gdb -q -batch -ex 'break rte_eal_memzone_init' -ex run \\
		-ex 'break rte_fbarray_attach' -ex continue -ex 'signal SIGKILL' \\
		--args "$worker" "\$@" >"$T/gdb.log" 2>&1
fi
exec "$worker" "\$@"
WRAPPER
chmod +x "$T/worker-wrapper"
write_config "$T/mp.yaml" 2
sed -i "s|^workers:|workers:\n  program: $T/worker-wrapper|" "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 60 all_running 2 || fail "workers not running 60 s after the kill: $(tail -3 "$T/gdb.log" 2>/dev/null)"
grep -q "Breakpoint 2, .* rte_fbarray_attach" "$T/gdb.log" ||
	fail "gdb did not stop the worker inside rte_eal_memzone_init(): $(tail -3 "$T/gdb.log")"
grep -q "worker 0 died holding EAL's memzone lock as a writer" "$T/master.log" ||
	fail "the master did not release the memzone lock"
expect_forwarding 2 "after the repair"
stop_master
log "PASS"
