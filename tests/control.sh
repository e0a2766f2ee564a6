#!/bin/bash
# mpctl against a running master: every command and its exit code, the
# stopped state that lasts until start or a reload, a refused reload that
# names FILE:LINE:COL, and the socket's refusals: its mode, peers checked
# with SO_PEERCRED, malformed and oversized requests, the 17th client, a
# client that never sends a whole request or never reads, stale and
# foreign socket files.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
command -v setpriv >/dev/null || skip "needs setpriv"

SOCK=$T/mpmaster.sock
ctl() { "$MPCTL" -c "$T/mp.yaml" "$@"; }

# expect_exit CODE ARGS...: mpctl ARGS exits CODE; its output in $T/out.
expect_exit() {
	local want=$1 rc=0
	shift
	ctl "$@" >"$T/out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || fail "mpctl $* exited $rc, want $want: $(cat "$T/out")"
}

# raw SCRIPT: run python with a socket s connected to the control socket.
raw() {
	"$PYTHON" -c "
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(30)
buf = [b'']
def answer():
    while b'\n' not in buf[0]:
        c = s.recv(65536)
        if not c: break
        buf[0] += c
    line, _, buf[0] = buf[0].partition(b'\n')
    return line.decode()
def closed():
    try:
        return s.recv(1) == b''
    except ConnectionResetError:
        return True
$1" "$SOCK"
}

write_config "$T/mp.yaml" 2
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running"

# No master for another config: exit 2.
sed "s|$SOCK|$T/nobody.sock|" "$T/mp.yaml" >"$T/other.yaml"
rc=0; "$MPCTL" -c "$T/other.yaml" status >"$T/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "mpctl without a master exited $rc: $(cat "$T/out")"
grep -q "no master is running for $T/other.yaml" "$T/out" || fail "$(cat "$T/out")"

# status: a row per worker, exit 0 when all run; --json has every field.
expect_exit 0 status
[ "$(grep -c ' running ' "$T/out")" = 2 ] || fail "status: $(cat "$T/out")"
expect_exit 0 status --json
"$PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] and r["all_running"] and r["generation"] == 1, r
ws = r["workers"]
assert [w["id"] for w in ws] == [0, 1], ws
keys = {"id", "program", "state", "pid", "lcore", "cpu", "restarts", "uptime_s",
        "last_exit", "rx_pps", "tx_pps", "rx", "tx", "drops", "ring_count", "ring_size"}
for w in ws:
    assert keys <= set(w), sorted(keys - set(w))
    assert w["state"] == "running" and w["program"] == "mpworker" and w["pid"] > 0, w
    assert w["lcore"] == w["id"] + 2 and w["ring_size"] >= 1023, w
' "$T/out" || fail "status --json: $(cat "$T/out")"
[ "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["workers"][1]["pid"])' "$T/out")" = \
	"$(worker_field 1 pid)" ] || fail "status and telemetry disagree on worker 1's pid"
[ "$(stat -c '%a %U' "$SOCK")" = "600 root" ] || fail "socket mode $(stat -c '%a %U' "$SOCK")"

# stop: drained and stopped; it stays stopped while other workers restart.
expect_exit 0 stop 1
grep -qx "worker 1 stopped" "$T/out" || fail "stop 1: $(cat "$T/out")"
[ "$(worker_field 1 state)" = stopped ] || fail "worker 1 is $(worker_field 1 state)"
expect_exit 3 status
expect_exit 0 stop 1
grep -q "already stopped" "$T/out" || fail "second stop: $(cat "$T/out")"
expect_exit 1 restart 1
grep -q "worker 1 is stopped" "$T/out" || fail "restart of a stopped worker: $(cat "$T/out")"
pid0=$(worker_field 0 pid)
kill -KILL "$pid0"
wait_until 30 replaced 0 "$pid0" || fail "worker 0 was not restarted after a kill"
[ "$(worker_field 1 state)" = stopped ] || fail "the stopped worker 1 came back: $(worker_field 1 state)"

# start, restart one.
expect_exit 0 start 1
grep -q "worker 1 running (pid [0-9]*)" "$T/out" || fail "start 1: $(cat "$T/out")"
[ "$(worker_field 1 state)" = running ] || fail "worker 1 is $(worker_field 1 state) after start"
expect_exit 0 start 1
grep -q "already running" "$T/out" || fail "second start: $(cat "$T/out")"
pid0=$(worker_field 0 pid)
expect_exit 0 restart 0
grep -qx "1 worker(s) restarted" "$T/out" || fail "restart 0: $(cat "$T/out")"
[ "$(worker_field 0 pid)" != "$pid0" ] || fail "restart 0 kept pid $pid0"
expect_exit 1 stop 7
grep -q "worker 7 is not in the config" "$T/out" || fail "stop 7: $(cat "$T/out")"
expect_exit 1 restart 32
grep -q '"32" is not a worker id' "$T/out" || fail "restart 32: $(cat "$T/out")"

# reload: starts the stopped worker, answers the new generation.
expect_exit 0 stop 1
expect_exit 0 reload
grep -qx "reload applied: generation 2" "$T/out" || fail "reload: $(cat "$T/out")"
wait_until 30 all_running 2 || fail "the reload did not start the stopped worker"
# A refused reload says where, and changes nothing.
cp "$T/mp.yaml" "$T/good.yaml"
sed -i 's/^  ring_size: 1024$/  ring_size: 1000/' "$T/mp.yaml"
line=$(grep -n 'ring_size: 1000' "$T/mp.yaml" | cut -d: -f1)
expect_exit 1 reload
grep -q "^mpctl: $T/mp.yaml:$line:14: workers.ring_size 1000 is not a power of two" "$T/out" ||
	fail "refused reload: $(cat "$T/out")"
[ "$(jget /mp/config 'r["generation"]')" = 2 ] || fail "a refused reload changed the generation"
cp "$T/good.yaml" "$T/mp.yaml"

# Malformed, oversized and binary requests: an error line, then closed.
raw '
s.sendall(b"frobnicate now\n")
a = answer(); assert "unknown command" in a and "\"ok\":false" in a, a
assert closed()' || fail "an unknown command was not refused and closed"
raw '
s.sendall(b"x" * 4097)
a = answer(); assert "longer than 4096 bytes" in a, a
assert closed()' || fail "an oversized request was not refused and closed"
raw '
s.sendall(b"status\x00\xff\n")
a = answer(); assert "not printable ASCII" in a, a
assert closed()' || fail "a binary request was not refused and closed"
raw '
s.sendall(b"status\r\nstatus\n")
a = answer(); assert "\"all_running\":true" in a, a
a = answer(); assert "\"all_running\":true" in a, a' || fail "two requests on one connection"

# 16 clients at most; the 17th is told so.  Idle ones are closed after 10 s.
raw '
extra = []
for i in range(15):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(sys.argv[1]); extra.append(c)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(sys.argv[1]); c.settimeout(30)
d = c.recv(4096); assert b"too many clients" in d, d
a = answer(); assert "no complete request within 10 s" in a, a
assert closed(), "an idle client was not closed"' || fail "the 17th client was not refused"
expect_exit 0 status

# A client that never reads: its requests stay in the kernel, the loop goes
# on (a worker kill is handled, other clients are answered) and the
# master does not grow.
rss() { awk '/^VmRSS/ {print $2}' "/proc/$MASTER_PID/status"; }
rss0=$(rss)
"$PYTHON" -c '
import socket, sys, time, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
s.setblocking(False); n = 0
try:
    while True:
        s.send(b"status\n"); n += 1
except BlockingIOError:
    pass
open(sys.argv[2], "w").write("%d\n" % n)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
' "$SOCK" "$T/flood" "$T/flood-end" &
flooder=$!
STARTED_PIDS="$STARTED_PIDS $flooder"
wait_until 30 test -s "$T/flood" || fail "the flooding client did not start"
pid1=$(worker_field 1 pid)
kill -KILL "$pid1"
wait_until 30 replaced 1 "$pid1" || fail "a worker kill was not handled while a client does not read"
# Another client is answered (0 or 3: on a loaded machine a worker may be
# restarting again).
rc=0; ctl status >"$T/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "status beside a client that does not read: $rc: $(cat "$T/out")"
grep -q "^ID  PROGRAM" "$T/out" || fail "status beside a client that does not read: $(cat "$T/out")"
rss1=$(rss)
log "a client that never reads sent $(cat "$T/flood") requests; master RSS $rss0 -> $rss1 kB"
[ "$rss1" -lt $((rss0 + 16384)) ] || fail "the master grew from $rss0 to $rss1 kB"
touch "$T/flood-end"
wait "$flooder" || fail "the flooding client failed"

# Another user: the socket's mode keeps it out.
chmod 755 "$T"
chmod 644 "$T/mp.yaml"
rc=0; setpriv --reuid=65534 --regid=65534 --clear-groups "$MPCTL" -c "$T/mp.yaml" status \
	>"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "cannot reach the master of .*: Permission denied" "$T/out" ||
	fail "user nobody got through a 0600 socket ($rc): $(cat "$T/out")"

# shutdown: waits for the exit; the socket goes with the master.
expect_exit 0 shutdown
grep -q "^master (pid $MASTER_PID) stopped$" "$T/out" || fail "shutdown: $(cat "$T/out")"
kill -0 "$MASTER_PID" 2>/dev/null && fail "mpctl shutdown returned before the master exited"
wait "$MASTER_PID" || fail "master exited $? after mpctl shutdown"
MASTER_PID=
expect_exact_audit
[ ! -e "$SOCK" ] || fail "the socket outlived the master"

# A second master with control.group: mode 0660 for the group, and the
# peer check refuses whoever got in through a supplementary group only.
: >"$SOCK"
start_master "$T/mp.yaml"
rc=0; wait "$MASTER_PID" || rc=$?
MASTER_PID=
[ "$rc" = 2 ] || fail "a regular file at control.socket: exit $rc, want 2"
grep -q "control.socket \"$SOCK\" exists and is not a socket" "$T/master.log" ||
	fail "no line for the file at control.socket"
rm -f "$SOCK"
"$PYTHON" -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK"
sed -i "s|^control: .*|control: {socket: $SOCK, group: nogroup}|" "$T/mp.yaml"
start_master "$T/mp.yaml"
wait_until 30 all_running 2 || fail "workers did not reach running (second master)"
grep -q "removing the socket of a master that is gone" "$T/master.log" || fail "the stale socket was not cleared"
[ "$(stat -c '%a %G' "$SOCK")" = "660 nogroup" ] || fail "socket mode $(stat -c '%a %G' "$SOCK")"
setpriv --reuid=65534 --regid=65534 --clear-groups "$MPCTL" -c "$T/mp.yaml" status >"$T/out" 2>&1 ||
	fail "a member of control.group was refused: $(cat "$T/out")"
rc=0; setpriv --reuid=1 --regid=1 --groups=65534 "$MPCTL" -c "$T/mp.yaml" status >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "permission denied" "$T/out" ||
	fail "SO_PEERCRED let uid 1 in ($rc): $(cat "$T/out")"
stop_master
log "PASS"
