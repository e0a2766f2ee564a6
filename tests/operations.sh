#!/bin/bash
# Operations integration: worker output reaches the master's log line by
# line with the worker's id and pid, one prefix, at the worker's level;
# EAL's lines go through the master's logger; log_file is reopened on SIGUSR1
# (logrotate); systemd notifications arrive in order on $NOTIFY_SOCKET.
. "$(dirname "$0")/lib.sh"
need_dpdk_env

# A stand-in for systemd: record every notification datagram.  "$PYTHON"
# itself, not the python3 function: a function in the background is a
# subshell, $! its pid, and cleanup's kill would leave the listener running.
"$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode() + "\n")
' "$T/notify.sock" "$T/notify.txt" &
STARTED_PIDS=$!
wait_until 10 test -S "$T/notify.sock" || fail "notify listener did not start"

write_config "$T/mp.yaml" 2
# EAL at info, so that it logs at start ("EAL: Detected CPU lcores: ...").
sed -i 's|  args: \[--no-pci,|  args: [--log-level=info, --no-pci,|' "$T/mp.yaml"
echo "log_file: $T/mp.log" >>"$T/mp.yaml"
MASTER_LOG=$T/mp.log
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=200000 start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"
has() { grep -q "$1" "$2" 2>/dev/null; }
wait_until 10 has '^READY=1$' "$T/notify.txt" || fail "no READY=1"
wait_until 10 has '^WATCHDOG=1$' "$T/notify.txt" || fail "no WATCHDOG=1"

# Worker output, prefixed once, whole lines: the master's timestamp and
# prefix, then the worker's id and pid, then its message.
for i in 0 1; do
	pid=$(worker_field $i pid)
	grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z mpmaster\[$MASTER_PID\]: info: w$i\[$pid\]: worker $i attached: pid $pid," "$T/mp.log" ||
		fail "no prefixed line from worker $i in the log file"
done
! grep -E "w[0-9]+\[[0-9]+\]: .*([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z|mpworker\[)" "$T/mp.log" ||
	fail "a worker line with a second prefix"
# EAL's own lines go through the master's logger too.
grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z mpmaster\[$MASTER_PID\]: [a-z]+: EAL: " "$T/mp.log" ||
	fail "no EAL line in the log file: $(head -5 "$T/mp.log")"
! grep -q "^EAL: " "$T/mp.log" || fail "an EAL line without our prefix: $(grep -m1 '^EAL: ' "$T/mp.log")"
[ ! -s "$T/master.log" ] || fail "output went to stderr despite log_file: $(head -3 "$T/master.log")"

# logrotate: move the file away, SIGUSR1, a new file fills up.  The file
# moved away must hold a stats line (written every 1 s) before it is moved.
wait_until 10 has "stats: ports" "$T/mp.log" || fail "no stats line in the log file"
mv "$T/mp.log" "$T/mp.log.1"
kill -USR1 "$MASTER_PID"
wait_until 10 has "logging to $T/mp.log" "$T/mp.log" || fail "log file not reopened"
wait_until 10 has "stats: ports" "$T/mp.log" || fail "no stats in the reopened log file"
grep -q "stats: ports" "$T/mp.log.1" || fail "rotated file lost its lines"

# Reload and stop: RELOADING=1, READY=1, STOPPING=1 in that order.  The
# reload adds a worker with a bad argument: its error is an error in the
# master's log, with one prefix.
sed -i "/^    - {id: 1,/a\\    - {id: 2, lcore: 4, cpu: $((3 % NCPU)), args: [--fault=bogus]}" "$T/mp.yaml"
kill -HUP "$MASTER_PID"
wait_until 10 has "reload applied: generation 2" "$T/mp.log" || fail "reload not applied"
wait_until 30 grep -Eq "mpmaster\[$MASTER_PID\]: error: w2\[[0-9]+\]: bad --fault \"bogus\" \(segv, abort or hang\)$" "$T/mp.log" ||
	fail "worker 2's error is not an error line of the master: $(grep -m1 'w2\[' "$T/mp.log")"
stop_master
grep -v '^WATCHDOG=1$' "$T/notify.txt" >"$T/sequence"
[ "$(tr '\n' ' ' <"$T/sequence")" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ] ||
	fail "notification order: $(tr '\n' ' ' <"$T/sequence")"
log "PASS"
