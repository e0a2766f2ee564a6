#!/bin/bash
# hooks.on_state_change: the hook runs on every worker state change with
# its MP_* environment, its output reaches the master's log prefixed with
# hook[PID], at most 4 run at once while the loop goes on, events beyond
# the queue are dropped and counted in one warning, a hanging hook is
# killed after 10 s with what it started, a reload changes the hook at
# once, a missing hook program is refused at start and at reload, and the
# last state changes at shutdown still run it.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

# make_hook FILE EVENTS: a hook that appends its event to EVENTS, writes a
# line to stdout and one to stderr, fails (exit 3) on a change to backoff,
# blocks until $T/release while $T/block exists (counting the hooks that
# block at once: $T/overlap if ever more than 4), and hangs, with a child,
# on the first change that matches $T/hang ("ID STATE").
make_hook() {
	cat >"$1" <<EOF
#!/bin/bash
d=$T
echo \$\$ >>"\$d/hook.pids"
echo "id=\$MP_WORKER_ID old=\$MP_OLD_STATE new=\$MP_NEW_STATE pid=\$MP_PID last=[\$MP_LAST_EXIT] prefix=\$MP_FILE_PREFIX path=\${PATH:+set}" >>"$2"
echo "hook says \$MP_WORKER_ID \$MP_OLD_STATE->\$MP_NEW_STATE"
echo "hook complains \$MP_WORKER_ID" >&2
if [ -e "\$d/block" ]; then
	touch "\$d/running.\$\$"
	n=0
	for f in "\$d"/running.*; do
		kill -0 "\${f##*.}" 2>/dev/null && n=\$((n + 1))
	done
	[ "\$n" -le 4 ] || echo "\$n" >>"\$d/overlap"
	while [ ! -e "\$d/release" ] && [ -d "\$d" ]; do sleep 0.2; done
	rm -f "\$d/running.\$\$"
fi
if [ "\$(cat "\$d/hang" 2>/dev/null)" = "\$MP_WORKER_ID \$MP_NEW_STATE" ] &&
	mkdir "\$d/hang.once" 2>/dev/null; then
	# A child that never ends on its own (it waits for /dev/null to grow).
	tail -f /dev/null &
	echo \$! >"\$d/hang.sleep"
	echo \$\$ >"\$d/hang.pid"
	wait
fi
[ "\$MP_NEW_STATE" != backoff ] || exit 3
EOF
	chmod +x "$1"
}
# Hooks run in their own process group, and outlive a master killed by a
# failing test: kill whatever is left of them, by pid, before the cleanup.
kill_hooks() {
	local pid
	for pid in $(cat "$T/hook.pids" 2>/dev/null); do
		grep -qF "$T/hook" "/proc/$pid/cmdline" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
	done
	cleanup
}
trap kill_hooks EXIT
make_hook "$T/hook.sh" "$T/events"
make_hook "$T/hook2.sh" "$T/events2"

# config NWORKERS HOOK: the test's config; a third worker exits at once,
# every time, on the last CPU (on this VM a process exiting on the busy
# distributor's CPU can stall the kernel: README).
printf '#!/bin/sh\nexec taskset -c %d false\n' $((NCPU - 1)) >"$T/crash.sh"
chmod +x "$T/crash.sh"
config() {
	RESTART="{backoff_ms: [10, 10], max_restarts: 150, window_s: 3600}" \
		write_config "$T/mp.yaml" "$1"
	sed -i "s|^\(    - {id: 2, .*\)}\$|\1, program: $T/crash.sh}|" "$T/mp.yaml"
	echo "hooks: {on_state_change: $2}" >>"$T/mp.yaml"
}
has() { grep -qF -- "$1" "$2" 2>/dev/null; }
hasE() { grep -Eq -- "$1" "$2" 2>/dev/null; }

# A missing hook program: refused before anything starts, in one line.
config 2 "$T/missing.sh"
for mode in "" -t; do
	rc=0
	timeout 30 "$MPMASTER" $mode -c "$T/mp.yaml" >"$T/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "mpmaster $mode with a missing hook: exit $rc, want 1: $(cat "$T/out")"
	[ "$(wc -l <"$T/out")" = 1 ] || fail "$mode: not one line: $(cat "$T/out")"
	# At the value: the last line of the file, "hooks: {on_state_change: VALUE}".
	[ "$(cat "$T/out")" = "$T/mp.yaml:$(wc -l <"$T/mp.yaml"):26: hooks.on_state_change: program \"$T/missing.sh\" is not executable: No such file or directory" ] ||
		fail "$mode: $(cat "$T/out")"
done
log "missing hook at start: $(cat "$T/out")"

config 2 "$T/hook.sh"
start_master "$T/mp.yaml"
wait_until 120 all_running 2 || fail "workers did not reach running"

# Start-up: stopped->starting without a pid, starting->running with it
# (pending->starting is no change of name: no hook).
for i in 0 1; do
	pid=$(worker_field $i pid)
	wait_until 60 has "id=$i old=starting new=running pid=$pid last=[] prefix=$PREFIX path=set" "$T/events" ||
		fail "no starting->running event of worker $i (pid $pid): $(cat "$T/events")"
	has "id=$i old=stopped new=starting pid=0 last=[] prefix=$PREFIX" "$T/events" ||
		fail "no stopped->starting event of worker $i"
done
! grep -q 'old=starting new=starting' "$T/events" || fail "a hook for starting->starting"
wait_until 60 hasE "mpmaster\[$MASTER_PID\]: info: hook\[[0-9]+\]: hook says 1 starting->running$" "$T/master.log" ||
	fail "no hook stdout line in the master log"
hasE "mpmaster\[$MASTER_PID\]: info: hook\[[0-9]+\]: hook complains 1$" "$T/master.log" ||
	fail "no hook stderr line in the master log"

# A crash: running->backoff with its exit, then back to running.
victim=$(worker_field 0 pid)
kill -KILL "$victim"
wait_until 120 replaced 0 "$victim" || fail "worker 0 was not replaced"
pid=$(worker_field 0 pid)
wait_until 60 has "id=0 old=starting new=running pid=$pid last=[signal 9 (SIGKILL)]" "$T/events" ||
	fail "no starting->running event of the new worker 0: $(tail -5 "$T/events")"
has "id=0 old=running new=backoff pid=0 last=[signal 9 (SIGKILL)]" "$T/events" ||
	fail "no running->backoff event: $(tail -5 "$T/events")"
has "id=0 old=backoff new=starting pid=0 last=[signal 9 (SIGKILL)]" "$T/events" ||
	fail "no backoff->starting event: $(tail -5 "$T/events")"
wait_until 60 hasE "warning: hook \"$T/hook.sh\" \(pid [0-9]+\) for worker 0 running->backoff failed: exit 3$" "$T/master.log" ||
	fail "the hook's exit 3 was not logged"

# Four hooks block: the fifth event waits, and the loop goes on: both
# workers killed at once come back while the hooks still block.
touch "$T/block"
nblocked() {
	local f n=0
	for f in "$T"/running.*; do
		[ -e "$f" ] && kill -0 "${f##*.}" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}
four_blocked() { [ "$(nblocked)" = 4 ]; }
v0=$(worker_field 0 pid)
v1=$(worker_field 1 pid)
kill -KILL "$v0" "$v1"
wait_until 120 four_blocked || fail "not 4 hooks blocked: $(nblocked)"
wait_until 120 replaced 0 "$v0" || fail "worker 0 not replaced while 4 hooks block"
wait_until 120 replaced 1 "$v1" || fail "worker 1 not replaced while 4 hooks block"
[ "$(nblocked)" = 4 ] || fail "$(nblocked) hooks blocked, want 4"
[ ! -e "$T/overlap" ] || fail "more than 4 hooks at once: $(cat "$T/overlap")"
log "4 hooks blocked, both workers replaced meanwhile"

# Overflow: while the hooks still block, a worker that exits at once,
# 150 times (2 changes each), overfills the queue of 256.
config 3 "$T/hook.sh"
kill -HUP "$MASTER_PID"
wait_until 180 is_fatal 2 || fail "worker 2 did not reach fatal: $(worker_field 2 state)"
[ "$(worker_field 2 restarts)" = 150 ] || fail "worker 2 restarts $(worker_field 2 restarts)"
[ "$(nblocked)" = 4 ] || fail "$(nblocked) hooks blocked, want 4"
rm "$T/block"
touch "$T/release"
re='warning: hooks: queue full \(256 events\): ([0-9]+) event\(s\) dropped \([0-9]+ in all\)$'
wait_until 180 hasE "$re" "$T/master.log" || fail "no queue overflow warning"
[ "$(grep -Ec "$re" "$T/master.log")" = 1 ] || fail "more than one overflow warning"
[[ $(grep -E "$re" "$T/master.log") =~ $re ]]
dropped=${BASH_REMATCH[1]}
[ "$dropped" -gt 0 ] || fail "overflow warning with no count"
[ ! -e "$T/overlap" ] || fail "more than 4 hooks at once: $(cat "$T/overlap")"
log "queue overflow: $dropped event(s) dropped"

# A reload changes the hook at once (and removes worker 2).
config 2 "$T/hook2.sh"
kill -HUP "$MASTER_PID"
wait_until 120 has "reload applied: generation 3" "$T/master.log" || fail "reload not applied"
v1=$(worker_field 1 pid)
kill -KILL "$v1"
wait_until 120 replaced 1 "$v1" || fail "worker 1 was not replaced"
wait_until 60 has "id=1 old=running new=backoff pid=0 last=[signal 9 (SIGKILL)]" "$T/events2" ||
	fail "the reloaded hook did not run"

# A hook that hangs is killed after 10 s, with the child it started.
echo "1 backoff" >"$T/hang"
v1=$(worker_field 1 pid)
kill -KILL "$v1"
wait_until 120 replaced 1 "$v1" || fail "worker 1 was not replaced while a hook hangs"
wait_until 60 test -s "$T/hang.sleep" || fail "the hook did not hang"
hpid=$(cat "$T/hang.pid")
wait_until 120 has "warning: hook \"$T/hook2.sh\" (pid $hpid) for worker 1 running->backoff still running after 10000 ms: SIGKILL" "$T/master.log" ||
	fail "the hanging hook was not killed"
wait_until 60 has "warning: hook \"$T/hook2.sh\" (pid $hpid) for worker 1 running->backoff failed: signal 9 (SIGKILL)" "$T/master.log" ||
	fail "the killed hook's end was not logged"
sleep_pid=$(cat "$T/hang.sleep")
gone() { ! running "$1"; }
wait_until 60 gone "$sleep_pid" || fail "the hook's child $sleep_pid survived"

# A missing hook program: the reload is refused, the old hook stays.
config 2 "$T/missing.sh"
kill -HUP "$MASTER_PID"
wait_until 120 has "reload refused" "$T/master.log" || fail "reload with a missing hook not refused"
has "error: $T/mp.yaml:$(wc -l <"$T/mp.yaml"):26: hooks.on_state_change: program \"$T/missing.sh\" is not executable" "$T/master.log" ||
	fail "no reason for the refusal"
v0=$(worker_field 0 pid)
kill -KILL "$v0"
wait_until 120 replaced 0 "$v0" || fail "worker 0 was not replaced"
wait_until 60 has "id=0 old=running new=backoff pid=0 last=[signal 9 (SIGKILL)]" "$T/events2" ||
	fail "the old hook stopped running after a refused reload"
[ ! -e "$T/overlap" ] || fail "more than 4 hooks at once: $(cat "$T/overlap")"
master_alive || fail "master died"

# The last changes at shutdown run the hook before the master exits.
stop_master
for i in 0 1; do
	hasE "id=$i old=(draining|stopping) new=stopped " "$T/events2" ||
		fail "no ->stopped event of worker $i at shutdown: $(tail -6 "$T/events2")"
done
log "PASS"
