#!/bin/bash
# `mpmaster -t` checks what a start checks, short of EAL: worker programs
# that cannot run, worker arguments the program refuses (it is asked:
# PROGRAM --check-args), directories that are not there, a pid file or
# file prefix held by another master; each failure one FILE:LINE:COL
# line.  A start refuses the same files before EAL, and one that fails in
# EAL leaves no runtime directory.  `-s stop` reaches a master whose file
# was broken after the start, or the one of -p PIDFILE.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
MPWORKER=$(dirname "$MPMASTER")/mpworker

# expect_lines NAME MODE LINE...: mpmaster MODE -c $T/NAME.yaml exits 1
# with exactly these lines (ERE, each anchored), in this order.
expect_lines() {
	local name=$1 mode=$2 rc=0 want
	shift 2
	timeout 30 "$MPMASTER" $mode -c "$T/$name.yaml" >"$T/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "$name ${mode:-start}: exit $rc, want 1: $(cat "$T/out")"
	[ "$(wc -l <"$T/out")" = $# ] || fail "$name ${mode:-start}: not $# line(s): $(cat "$T/out")"
	for want in "$@"; do
		head -n 1 "$T/out" | grep -Eq "^$T/$name.yaml:$want\$" ||
			fail "$name ${mode:-start}: want '$want', got: $(head -n 1 "$T/out")"
		sed -i 1d "$T/out"
	done
	[ -n "$MASTER_PID" ] || [ ! -e "/var/run/dpdk/$PREFIX" ] ||
		fail "$name ${mode:-start}: runtime directory left"
}

# A program that is not there: -t says so, and so does a start, before EAL.
write_config "$T/program.yaml" 2 "  program: /nonexistent/mpworker"
line=$(grep -n 'program: /nonexistent' "$T/program.yaml" | cut -d: -f1)
for mode in -t ""; do
	expect_lines program "$mode" \
		"$line:12: program \"/nonexistent/mpworker\" is not executable: No such file or directory"
done
log "missing program: -t and a start say it in one line"

# Arguments the worker refuses: at workers.args, or at the instance's own args.
write_config "$T/args.yaml" 2 "  program: $MPWORKER
  args: [--handler=bogus]"
sed -i "s|^\(    - {id: 1, .*\)}\$|\1, args: [--fault=x]}|" "$T/args.yaml"
l1=$(grep -n 'args: \[--handler' "$T/args.yaml" | cut -d: -f1)
l2=$(grep -n 'args: \[--fault' "$T/args.yaml" | cut -d: -f1)
expect_lines args -t \
	"$l1:9: worker 0: $MPWORKER refuses its arguments: mpworker: unknown --handler \"bogus\" \\(l2fwd or macswap\\)" \
	"$l2:[0-9]+: worker 1: $MPWORKER refuses its arguments: bad --fault \"x\" \\(segv, abort or hang\\)"
log "refused arguments: 2 lines"
# The worker's own check is the parser its start uses.
"$MPWORKER" --check-args -n 0 --handler=macswap --fault=segv --fault-after=5 ||
	fail "mpworker --check-args refused good arguments"

# A directory that is not there, for each file the master creates.
write_config "$T/dirs.yaml" 1
sed -i "s|^pid_file: .*|pid_file: $T/no/mpmaster.pid|" "$T/dirs.yaml"
echo "log_file: $T/nolog/mp.log" >>"$T/dirs.yaml"
sed -i "s|^control: .*|control: {socket: $T/nosock/mp.sock}|" "$T/dirs.yaml"
lp=$(grep -n '^pid_file' "$T/dirs.yaml" | cut -d: -f1)
ll=$(grep -n '^log_file' "$T/dirs.yaml" | cut -d: -f1)
lc=$(grep -n '^control' "$T/dirs.yaml" | cut -d: -f1)
for mode in -t ""; do
	expect_lines dirs "$mode" \
		"$lp:11: pid_file \"$T/no/mpmaster.pid\": directory \"$T/no\": No such file or directory" \
		"$ll:11: log_file \"$T/nolog/mp.log\": directory \"$T/nolog\": No such file or directory" \
		"$lc:19: control.socket \"$T/nosock/mp.sock\": directory \"$T/nosock\": No such file or directory"
done
log "missing directories: 3 lines"

# A start that fails in EAL (a device that does not exist): exit 2, and
# nothing left in /var/run/dpdk.
write_config "$T/vdev.yaml" 1
sed -i 's|--vdev=net_null1|--vdev=net_bogus1|' "$T/vdev.yaml"
rc=0
timeout 60 "$MPMASTER" -c "$T/vdev.yaml" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a bad vdev: exit $rc, want 2: $(tail -3 "$T/out")"
[ ! -e "/var/run/dpdk/$PREFIX" ] || fail "a failed start left /var/run/dpdk/$PREFIX: $(ls -A "/var/run/dpdk/$PREFIX")"
log "failed start: $(grep -o 'rte_eal_init() failed: [^(]*' "$T/out"), no runtime directory left"

# A running master: -t of its own file passes (a check before a reload);
# another file with its pid file and prefix does not.
write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 60 all_running 2 || fail "the workers did not reach running"
"$MPMASTER" -t -c "$T/mp.yaml" >"$T/out" 2>&1 || fail "-t of the running file: $(cat "$T/out")"
# The log in order: each worker's own "attached" line, the master's
# "running" line, and "all workers running" after the last of them.
at() { grep -n -m 1 -- "$1" "$T/master.log" | cut -d: -f1; }
all=$(at 'all workers running')
for i in 0 1; do
	a=$(at " w$i\[[0-9]*\]: worker $i attached")
	r=$(at "worker $i running: pid")
	[ -n "$a" ] && [ -n "$r" ] && [ "$a" -lt "$r" ] && [ "$r" -lt "$all" ] ||
		fail "worker $i: attached at line ${a:-none}, running at ${r:-none}, all running at $all"
done
cp "$T/mp.yaml" "$T/other.yaml"
expect_lines other -t \
	"$(grep -n '^pid_file' "$T/other.yaml" | cut -d: -f1):11: pid file \"$T/mpmaster.pid\" is held by another mpmaster \\(pid $MASTER_PID\\), which runs another config" \
	"2:16: another DPDK primary \\(pid $MASTER_PID\\) runs with file prefix \"$PREFIX\""
log "held pid file and prefix: refused for another file, not for the running one"

# The file broken after the start: -s stop still finds the pid file.
echo "bogus_key: 1" >>"$T/mp.yaml"
"$MPMASTER" -t -c "$T/mp.yaml" >/dev/null 2>&1 && fail "the broken file passes -t"
rc=0
"$MPMASTER" -s reload -c "$T/mp.yaml" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "^$T/mp.yaml:[0-9]*:1: unknown key \"bogus_key\"" "$T/out" ||
	fail "-s reload of a broken file: exit $rc, $(cat "$T/out")"
timeout 60 "$MPMASTER" -s stop -c "$T/mp.yaml" >"$T/out" 2>&1 || fail "-s stop with a broken file: exit $?: $(cat "$T/out")"
wait "$MASTER_PID" || fail "master exited $? after -s stop"
MASTER_PID=
log "-s stop with a file broken since the start: stopped"

# -p PIDFILE, no config needed; no master: exit 2, one line.
start_master "$T/other.yaml"
wait_until 60 all_running 1 || fail "the worker did not reach running"
timeout 60 "$MPMASTER" -s stop -c "$T/absent.yaml" -p "$T/mpmaster.pid" >"$T/out" 2>&1 ||
	fail "-s stop -p: exit $?: $(cat "$T/out")"
wait "$MASTER_PID" || fail "master exited $? after -s stop -p"
MASTER_PID=
rc=0
"$MPMASTER" -s stop -p "$T/mpmaster.pid" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$T/out")" = 1 ] || fail "-s stop without a master: exit $rc: $(cat "$T/out")"
log "-s stop -p: stopped; without a master: exit 2, $(cat "$T/out")"
log "PASS"
