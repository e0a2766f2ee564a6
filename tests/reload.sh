#!/bin/bash
# SIGHUP reloads: grow and shrink the worker set, refuse a broken file,
# restart only the worker whose CPU changed, queue back-to-back reloads,
# and leave settings that need a full restart as they are.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

generation() { jget /mp/config 'r["generation"]'; }
at_generation() { [ "$(generation 2>/dev/null)" = "$1" ]; }
reload() { "$MPMASTER" -s reload -c "$T/mp.yaml" || fail "-s reload failed"; }
nworkers() { jget /mp/workers 'len(r)'; }

# The workers run through a wrapper that, while $T/hold exists, keeps a
# starting worker waiting before it execs mpworker (and says so in
# $T/held): a reload cannot finish while one of its workers is held.
cat >"$T/worker-wrapper" <<WRAPPER
#!/bin/bash
if [ -e "$T/hold" ]; then
	touch "$T/held"
	while [ -e "$T/hold" ]; do sleep 0.01; done
fi
exec "$(dirname "$MPMASTER")/mpworker" "\$@"
WRAPPER
chmod +x "$T/worker-wrapper"
config() { write_config "$T/mp.yaml" "$1" "  program: $T/worker-wrapper"; }

config 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"
[ "$(generation)" = 1 ] || fail "generation $(generation), want 1"
w0=$(worker_field 0 pid); w1=$(worker_field 1 pid)

# Grow 2 -> 3: the new worker starts, the others keep their processes.
config 3
reload
wait_until 20 at_generation 2 || fail "grow: generation $(generation), want 2"
wait_until 20 all_running 3 || fail "grow: worker 2 not running"
[ "$(worker_field 0 pid)" = "$w0" ] && [ "$(worker_field 1 pid)" = "$w1" ] ||
	fail "grow restarted untouched workers"
w2=$(worker_field 2 pid)

# Shrink 3 -> 1: removed workers' processes are gone, worker 0 untouched.
config 1
reload
wait_until 20 at_generation 3 || fail "shrink: generation $(generation), want 3"
[ "$(nworkers)" = 1 ] || fail "shrink: /mp/workers lists $(nworkers) workers"
for p in $w1 $w2; do ! kill -0 "$p" 2>/dev/null || fail "shrink: pid $p still alive"; done
[ "$(worker_field 0 pid)" = "$w0" ] || fail "shrink restarted worker 0"
grep -q "worker 2 removed" "$T/master.log" || fail "no removal line"

# A broken file changes nothing.  (`-s reload` checks the file first and
# refuses to signal; a plain SIGHUP reaches the master.)
printf 'workers:\n  instances: [{id: 0, lcore: 2, cpu: 0}\n' >"$T/mp.yaml"
rc=0
"$MPMASTER" -s reload -c "$T/mp.yaml" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "-s reload of a broken file exited $rc, want 1"
kill -HUP "$MASTER_PID"
wait_until 10 grep -q "reload refused, keeping generation 3" "$T/master.log" ||
	fail "no refusal line"
grep -q "^.*error: $T/mp.yaml:3:1: did not find expected" "$T/master.log" ||
	fail "refusal does not name file, line and column"
[ "$(generation)" = 3 ] || fail "generation changed on a broken file"
[ "$(worker_field 0 pid)" = "$w0" ] && [ "$(worker_field 0 state)" = running ] ||
	fail "a broken file disturbed worker 0"

# Change one worker's CPU: only that worker restarts, on the new CPU.
config 2
reload
wait_until 20 at_generation 4 || fail "generation $(generation), want 4"
wait_until 20 all_running 2 || fail "worker 1 did not start"
w1=$(worker_field 1 pid)
sed -i "s/{id: 1, lcore: 3, cpu: [0-9]*}/{id: 1, lcore: 3, cpu: 1}/" "$T/mp.yaml"
reload
wait_until 20 at_generation 5 || fail "cpu change: generation $(generation), want 5"
wait_until 20 all_running 2 || fail "cpu change: worker 1 not running"
[ "$(worker_field 0 pid)" = "$w0" ] || fail "cpu change restarted worker 0"
w1new=$(worker_field 1 pid)
[ "$w1new" != "$w1" ] || fail "cpu change did not restart worker 1"
[ "$(awk '/Cpus_allowed_list/ {print $2}' "/proc/$w1new/status")" = 1 ] ||
	fail "worker 1 does not run on CPU 1"

# Two SIGHUPs back to back, the second during the first's rolling restart
# (worker 1 moves back to CPU 0): it is queued, then applied; the second
# also changes a setting that needs a restart, which is reported and kept.
# The first reload's replacement of worker 1 is held until the second
# SIGHUP has been queued, so the second always lands inside the first.
sed -i "s/{id: 1, lcore: 3, cpu: 1}/{id: 1, lcore: 3, cpu: 0}/" "$T/mp.yaml"
touch "$T/hold"
kill -HUP "$MASTER_PID"
wait_until 20 test -e "$T/held" || fail "the first reload did not restart worker 1: $(tail -3 "$T/master.log")"
grep -q "reload: restarting worker 1" "$T/master.log" || fail "no restart line for worker 1"
! grep -q "reload applied: generation 6" "$T/master.log" || fail "the first reload finished while worker 1 was held"
sed -i "s/mbufs: 8191/mbufs: 4095/" "$T/mp.yaml"
kill -HUP "$MASTER_PID"
wait_until 10 grep -q "SIGHUP during a reload: queued" "$T/master.log" ||
	fail "the second SIGHUP, during the first reload, was not queued"
rm "$T/hold"
wait_until 20 at_generation 7 || fail "back to back: generation $(generation), want 7"
grep -q "mempool.mbufs changed: needs restart" "$T/master.log" || fail "no needs-restart line"
[ "$(worker_field 0 pid)" = "$w0" ] || fail "back-to-back reloads restarted worker 0"
wait_until 20 all_running 2 || fail "workers not running after back-to-back reloads"
[ "$(zombies)" = 0 ] || fail "zombie processes"
stop_master
log "PASS"
