#!/bin/bash
# A second master on the same file prefix or pid file is refused with exit
# 2 and one clear line, and the first one is not disturbed; `-s stop`
# stops the first and waits for it.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

write_config "$T/mp.yaml" 1
start_master "$T/mp.yaml"
wait_until 30 all_running 1 || fail "worker did not reach running"
first_worker=$(worker_field 0 pid)

# Same prefix, other pid file.
sed "s|pid_file: .*|pid_file: $T/other.pid|" "$T/mp.yaml" >"$T/same-prefix.yaml"
rc=0
"$MPMASTER" -c "$T/same-prefix.yaml" >"$T/second.log" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "second master on the same prefix exited $rc, want 2: $(cat "$T/second.log")"
grep -q "another DPDK primary (pid $MASTER_PID) is running with file prefix \"$PREFIX\"" "$T/second.log" ||
	fail "unclear refusal: $(cat "$T/second.log")"
[ "$(wc -l <"$T/second.log")" = 1 ] || fail "refusal is not one line: $(cat "$T/second.log")"

# Same pid file, other prefix.
sed "s|file_prefix: .*|file_prefix: ${PREFIX}b|" "$T/mp.yaml" >"$T/same-pidfile.yaml"
rc=0
"$MPMASTER" -c "$T/same-pidfile.yaml" >"$T/third.log" 2>&1 || rc=$?
rm -rf "/var/run/dpdk/${PREFIX}b"
[ "$rc" = 2 ] || fail "second master on the same pid file exited $rc, want 2"
grep -q "mpmaster is already running (pid $MASTER_PID" "$T/third.log" ||
	fail "unclear refusal: $(cat "$T/third.log")"

# The first master and its worker were not disturbed.
master_alive || fail "first master died"
[ "$(worker_field 0 pid)" = "$first_worker" ] || fail "first master's worker was restarted"
[ "$(worker_field 0 state)" = running ] || fail "first master's worker is not running"

"$MPMASTER" -s stop -c "$T/mp.yaml" || fail "-s stop failed"
! master_alive || fail "master still alive after -s stop returned"
wait "$MASTER_PID" || fail "master exited non-zero"
MASTER_PID=
log "PASS"
