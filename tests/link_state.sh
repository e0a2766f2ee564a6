#!/bin/bash
# Link state: each port's initial link is logged at start; taking a tap's
# interface down is logged and shown as down by /mp/stats, mpctl status
# and /metrics; up again, it is logged and forwarding resumes.  A master
# whose ports have no link at all (net_memif servers without a peer)
# starts, says so, and stops cleanly.
#
# net_tap reads its interface's flags by name, in the master's network
# namespace: a tap moved into another namespace (scripts/topology.sh)
# always reads down.  So here the master itself runs in a namespace of
# the test's, where its taps stay; the traffic is raw frames sent into
# the first tap there, which the pipeline forwards out of the second.
. "$(dirname "$0")/lib.sh"
need_dpdk_env
need_tap_env
command -v curl >/dev/null || fail "needs curl"

NSM=${PREFIX}m
TAPA=${PREFIX}a
TAPB=${PREFIX}b
NAMESPACES=$NSM
ip netns add "$NSM" || fail "ip netns add $NSM failed"
ip -n "$NSM" link set lo up

write_config "$T/mp.yaml" 1
sed -i "s|  args: \[--no-pci.*|  args: $TAP_ARGS|" "$T/mp.yaml"
echo 'metrics: {listen: "127.0.0.1:9641"}' >>"$T/mp.yaml"
# ip netns exec execs the master: $! is its pid.
ip netns exec "$NSM" "$MPMASTER" -c "$T/mp.yaml" >>"$T/master.log" 2>&1 &
MASTER_PID=$!
wait_until 30 all_running 1 || fail "workers did not reach running"

has() { grep -q -- "$1" "$T/master.log"; }
count() { grep -c -- "$1" "$T/master.log" || true; }
count_is() { [ "$(count "$1")" = "$2" ]; }
port_link() { jget /mp/stats "r[\"port$1\"][\"link\"]"; }
port_link_is() { [ "$(port_link "$1" 2>/dev/null)" = "$2" ]; }
ctl_link() {
	"$MPCTL" -c "$T/mp.yaml" status --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["ports"][int(sys.argv[1])]["link"])' "$1"
}
ctl_link_is() { [ "$(ctl_link "$1" 2>/dev/null)" = "$2" ]; }
metric() { ip netns exec "$NSM" curl -sS --max-time 10 http://127.0.0.1:9641/metrics | grep -x "$1" >/dev/null; }
tapb_rx() { ip netns exec "$NSM" cat "/sys/class/net/$TAPB/statistics/rx_packets"; }
now_ms() { date +%s%3N; }
# logged_ms PATTERN: the time of the last log line with PATTERN, in ms.
logged_ms() { date -d "$(grep -- "$1" "$T/master.log" | tail -n 1 | cut -d' ' -f1)" +%s%3N; }

# At start: both links up, logged once each, and shown as up everywhere.
for p in 0 1; do
	has "port $p (net_tap$p): link up, 10 Gbps full-duplex" || fail "no link up line for port $p"
	port_link_is $p up || fail "/mp/stats: port $p link $(port_link $p)"
	[ "$(jget /mp/stats "r[\"port$p\"][\"link_speed_mbps\"]")" = 10000 ] ||
		fail "/mp/stats: port $p link_speed_mbps"
	ctl_link_is $p up || fail "mpctl status --json: port $p link $(ctl_link $p)"
	metric "mp_port_link_up{port=\"$p\"} 1" || fail "/metrics: port $p not up"
	metric "mp_port_link_speed_bps{port=\"$p\"} 10000000000" || fail "/metrics: port $p speed"
done
"$MPCTL" -c "$T/mp.yaml" status >"$T/status" || fail "mpctl status exited $?"
grep -Eq '^0 +net_tap0 +up +10000 Mbps +[0-9]+ +direct$' "$T/status" || fail "mpctl status: $(cat "$T/status")"

# Frames into the first tap, every 2 ms, through link changes (sends fail
# while the interface is down).
ip netns exec "$NSM" "$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
frame = bytes.fromhex("020000000002" "020000000001" "88b5") + bytes(50)
while True:
    try:
        s.sendto(frame, (sys.argv[1], 0))
    except OSError:
        pass
    time.sleep(0.002)
' "$TAPA" &
sender=$!
STARTED_PIDS="$STARTED_PIDS $sender"
rx=$(tapb_rx)
wait_until 10 above "$rx" tapb_rx || fail "nothing forwarded out of $TAPB"
expect_forwarding 1 "before the link change"

# Down: logged, and down in /mp/stats, mpctl status and /metrics.
t0=$(now_ms)
ip -n "$NSM" link set "$TAPA" down
wait_until 10 has "port 0 (net_tap0): link down" || fail "no link down line for port 0"
log "link down logged $(($(logged_ms 'net_tap0): link down') - t0)) ms after ip link set down"
wait_until 10 port_link_is 0 down || fail "/mp/stats: port 0 link $(port_link 0)"
port_link_is 1 up || fail "/mp/stats: port 1 link $(port_link 1) while port 0 is down"
[ "$(jget /mp/stats 'r["port0"]["link_speed_mbps"]')" = 0 ] || fail "/mp/stats: a speed while down"
ctl_link_is 0 down || fail "mpctl status --json: port 0 link $(ctl_link 0)"
"$MPCTL" -c "$T/mp.yaml" status >"$T/status" || fail "mpctl status exited $?"
grep -Eq '^0 +net_tap0 +down +- +[0-9]+ +direct$' "$T/status" || fail "mpctl status: $(cat "$T/status")"
metric 'mp_port_link_up{port="0"} 0' || fail "/metrics: port 0 not down"
metric 'mp_port_link_speed_bps{port="0"} 0' || fail "/metrics: port 0 has a speed while down"

# Up again: logged, and forwarding resumes.
t0=$(now_ms)
ip -n "$NSM" link set "$TAPA" up
wait_until 10 count_is 'port 0 (net_tap0): link up' 2 ||
	fail "no second link up line for port 0"
log "link up logged $(($(logged_ms 'net_tap0): link up') - t0)) ms after ip link set up"
wait_until 10 port_link_is 0 up || fail "/mp/stats: port 0 link $(port_link 0) after up"
ctl_link_is 0 up || fail "mpctl status --json: port 0 link $(ctl_link 0) after up"
metric 'mp_port_link_up{port="0"} 1' || fail "/metrics: port 0 not up again"
rx=$(tapb_rx)
wait_until 10 above "$rx" tapb_rx || fail "forwarding did not resume out of $TAPB"
expect_forwarding 1 "after the link came back"
count_is 'net_tap0): link down' 1 || fail "link down logged $(count 'net_tap0): link down') times, want 1"
kill "$sender"
stop_master
log "tap: link down and up seen, logged once each, forwarding resumed"

# No link at start: two net_memif servers that no peer ever connects to.
write_config "$T/memif.yaml" 1
sed -i "s|  args: \[--no-pci.*|  args: [--no-pci, \"--vdev=net_memif0,role=server,socket=$T/m0.sock\", \"--vdev=net_memif1,role=server,socket=$T/m1.sock\"]|" \
	"$T/memif.yaml"
: >"$T/master.log"
start_master "$T/memif.yaml"
wait_until 30 all_running 1 || fail "workers did not reach running with both links down"
for p in 0 1; do
	has "port $p (net_memif$p): link down (the port forwards once it comes up)" ||
		fail "no link down line for port $p at start"
	port_link_is $p down || fail "/mp/stats: memif port $p link $(port_link $p)"
done
"$MPCTL" -c "$T/memif.yaml" status >"$T/status" || fail "mpctl status exited $?"
grep -Eq '^1 +net_memif1 +down +- +1 +primary$' "$T/status" || fail "mpctl status: $(cat "$T/status")"
stop_master
log "PASS"
